import type { FtpClient } from '../core/client.js';
import type { Io } from './io.js';
import { ChecksumError } from './exit-codes.js';

/**
 * --verify: the server's own digest of `remote` (HASH, XSHA256, XSHA1, XMD5)
 * must match the local bytes'. A mismatch discards them (exit 11); a server
 * that offers no digest gets a warning, and the size check stands alone.
 */
export async function verifyWithServer(
  io: Io,
  client: FtpClient,
  remote: string,
  local: { name: string; digest(algorithm: string): Promise<string>; discard(): Promise<void> },
  quiet: boolean,
): Promise<void> {
  const { remoteHash } = await import('../core/hash.js');
  const theirs = await remoteHash(client, remote);
  if (!theirs) {
    if (!quiet) io.stderr.write(`tftp: warning: ${remote}: the server offers no HASH, XSHA256, XSHA1 or XMD5; size checked only\n`);
    return;
  }
  const ours = await local.digest(theirs.algorithm);
  if (ours !== theirs.hex) {
    await local.discard();
    throw new ChecksumError(`${local.name}: ${theirs.algorithm} ${ours} differs from the server's ${theirs.hex}`);
  }
}
