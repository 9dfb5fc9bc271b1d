import { FtpError, type FtpErrorKind } from '../protocol/errors.js';
import { isFileSystemError } from '../core/errno.js';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  connect: 3,
  login: 4,
  remote: 5,
  transfer: 6,
  local: 7,
  protocol: 8,
  tls: 9,
  partial: 10,
  checksum: 11,
  interrupted: 130,
} as const;

/** Shown by --help and documented in docs/cli.md. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    internal error
  2    usage error (bad option, argument or path)
  3    cannot connect (DNS, refused, connect timeout, server unavailable)
  4    login rejected
  5    remote refused the operation (550 and other 5xx)
  6    transfer failed or incomplete (connection lost, 426/451, timeout, short file)
  7    local file error (missing, unwritable, disk full)
  8    protocol error (malformed reply)
  9    TLS error (AUTH TLS refused, handshake failed, certificate not trusted)
  10   some files of a multi-file transfer failed (listed at the end), others succeeded
  11   the downloaded file does not match --sha256 (the final name is not created)
  129  stopped by SIGHUP (the terminal closed), as Ctrl-C stops it
  130  interrupted (Ctrl-C, SIGINT)
  143  stopped by SIGTERM (e.g. a cancelled CI job), as Ctrl-C stops it`;

/** A mistake in how the command was called. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export { ChecksumError, LocalError, PartialFailure } from '../protocol/errors.js';

const BY_KIND: Record<FtpErrorKind, number> = {
  connect: EXIT.connect,
  login: EXIT.login,
  permanent: EXIT.remote,
  temporary: EXIT.transfer,
  transfer: EXIT.transfer,
  timeout: EXIT.transfer,
  closed: EXIT.transfer,
  protocol: EXIT.protocol,
  argument: EXIT.usage,
  aborted: EXIT.interrupted,
  tls: EXIT.tls,
  local: EXIT.local,
  checksum: EXIT.checksum,
  partial: EXIT.partial,
};

export function exitCodeFor(err: unknown): number {
  if (err instanceof FtpError) return BY_KIND[err.kind];
  if (err instanceof UsageError) return EXIT.usage;
  if (isFsError(err)) return EXIT.local;
  return EXIT.internal;
}

/** An error raised by the local file system (see core/errno.ts): exit 7. */
export const isFsError = isFileSystemError;
