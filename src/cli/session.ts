import type { FtpClient, ServerFeatures } from '../core/client.js';
import { FtpError } from '../protocol/errors.js';
import { openSession as connect } from '../core/jobs/connect.js';
import type { OpenSession, Session } from '../core/jobs/events.js';
import type { Io } from './io.js';
import type { ConnectionOptions } from './options.js';
import type { Target } from './target.js';
import { credentials, warn } from './credentials.js';
import { printable } from './text.js';
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { TlsOptions } from '../core/connection/tls.js';
import { LocalError, UsageError } from './exit-codes.js';
import { RateLimiter } from '../core/rate-limit.js';
import { loadCodec } from '../core/connection/codec.js';
import { networkSettings } from './network.js';

export type { Session } from '../core/jobs/events.js';

/**
 * What the sessions of one command learned about the server's data modes
 * (an EPSV that leads nowhere, a refused EPRT): a reconnect or a second
 * connection of `-j` starts from there instead of finding out again.
 */
const learned = new WeakMap<Target, ServerFeatures>();
/** --limit-rate: one budget for every session of a run (keyed by its Io, made on its first session). */
const budgets = new WeakMap<Io, RateLimiter>();
function budgetFor(io: Io, bytesPerSecond: number | undefined): RateLimiter | undefined {
  if (bytesPerSecond === undefined) return undefined;
  let limiter = budgets.get(io);
  if (!limiter) budgets.set(io, (limiter = new RateLimiter(bytesPerSecond)));
  return limiter;
}
function learnedFor(target: Target): ServerFeatures {
  let features = learned.get(target);
  if (!features) learned.set(target, (features = {}));
  return features;
}

/** Names that are not UTF-8 are told about once a run, however many sessions see them. */
const toldNotUtf8 = new WeakSet<Io>();
export const NOT_UTF8_HINT = 'the server sent names that are not valid UTF-8 (shown as \uFFFD): if they look wrong, give their encoding, e.g. --encoding latin1, cp1251 or shift_jis';

export async function openSession(io: Io, target: Target, opts: ConnectionOptions): Promise<Session> {
  // An unknown --encoding is found before connecting (and before any password prompt).
  if (opts.encoding !== undefined) await loadCodec(opts.encoding);
  const network = networkSettings(target.host, opts, io.env); // a bad --proxy too
  const tls = await tlsOptions(io, target, opts); // a bad --ca-file is found before any password prompt
  const { user, password } = await credentials(io, target, opts);
  const trace = opts.verbose ? (dir: string, line: string) => io.stderr.write(`${dir} ${printable(line)}\n`) : undefined;
  return connect({
    host: target.host,
    port: target.port ?? opts.port,
    user,
    password,
    timeoutMs: opts.timeout * 1000,
    ...network,
    passive: !opts.active,
    trace,
    tls,
    epsv: opts.epsv !== false,
    features: learnedFor(target),
    rateLimit: budgetFor(io, opts.limitRate),
    encoding: opts.encoding,
    onInvalidUtf8: () => {
      if (toldNotUtf8.has(io)) return;
      toldNotUtf8.add(io);
      warn(io, NOT_UTF8_HINT);
    },
    signal: io.signal,
  });
}

/** Opens sessions to the same server for a batch or for segments. */
export function sessionOpener(io: Io, target: Target, opts: ConnectionOptions): OpenSession {
  return () => openSession(io, target, opts);
}

/** The FTPS mode the URL or --tls asks for (if any), and how to verify the server's certificate. */
export async function tlsSettings(target: Target, opts: ConnectionOptions): Promise<{ mode: TlsOptions['mode'] | undefined; verify: Omit<TlsOptions, 'mode'> }> {
  const flag = opts.tls === true ? 'explicit' : opts.tls;
  if (flag !== undefined && flag !== 'explicit' && flag !== 'implicit') throw new UsageError(`--tls takes "explicit" or "implicit", not ${JSON.stringify(flag)}`);
  const verify: Omit<TlsOptions, 'mode'> = {};
  if (opts.caFile) {
    let pem: string;
    try {
      pem = await readFile(opts.caFile, 'utf8');
    } catch (err) {
      throw new LocalError(`cannot read --ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    checkPemCertificates(pem, opts.caFile);
    verify.ca = [pem];
  }
  if (opts.pinSha256) verify.pinSha256 = opts.pinSha256;
  if (opts.insecure) verify.insecure = true;
  return { mode: target.tls ?? flag, verify };
}

/** A --ca-file must hold PEM certificates, each one readable: else every handshake would fail later, less clearly. */
function checkPemCertificates(pem: string, file: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageError(`--ca-file ${file} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`--ca-file ${file}: certificate ${i + 1} is not a valid PEM certificate`);
    }
  });
}

export const INSECURE_WARNING = "--insecure: the server's certificate is not verified; anyone on the path can read and change this session";

/** FTPS settings for a session; undefined for plain FTP (TLS-only flags then warn). */
async function tlsOptions(io: Io, target: Target, opts: ConnectionOptions): Promise<TlsOptions | undefined> {
  const { mode, verify } = await tlsSettings(target, opts);
  if (!mode) {
    if (opts.caFile || opts.pinSha256 || opts.insecure) warn(io, '--ca-file, --pin-sha256 and --insecure apply to FTPS only (--tls, ftpes://, ftps://): ignored');
    return undefined;
  }
  if (verify.insecure) warn(io, INSECURE_WARNING);
  return { mode, ...verify };
}

/** Runs `work` on a session and ends it either way. During a transfer, the transfer owns Ctrl-C. */
export async function withSession<T>(io: Io, target: Target, opts: ConnectionOptions, work: (client: FtpClient) => Promise<T>): Promise<T> {
  const session = await openSession(io, target, opts);
  let ok = false;
  try {
    const result = await work(session.client);
    ok = true;
    return result;
  } catch (err) {
    throw io.signal?.aborted && !(err instanceof FtpError && err.kind === 'aborted') ? new FtpError('aborted', 'interrupted') : err;
  } finally {
    await session.end(ok);
  }
}
