import type { RemoteFs } from '../remote/fs.js';
import { ChecksumError } from '../../protocol/errors.js';

/**
 * --verify: the server's own digest of `remote` (HASH, XSHA256, XSHA1, XMD5)
 * must match the local bytes'. A mismatch discards them (ChecksumError); a
 * server that offers no digest gets a notice, and the size check stands alone.
 */
export async function verifyWithServer(
  client: RemoteFs,
  remote: string,
  local: { name: string; digest(algorithm: string): Promise<string>; discard(): Promise<void> },
  notice?: (text: string) => void,
): Promise<void> {
  const theirs = await client.hash(remote);
  if (!theirs) {
    notice?.(`warning: ${remote}: the server offers no HASH, XSHA256, XSHA1 or XMD5; size checked only`);
    return;
  }
  const ours = await local.digest(theirs.algorithm);
  if (ours !== theirs.hex) {
    await local.discard();
    throw new ChecksumError(`${local.name}: ${theirs.algorithm} ${ours} differs from the server's ${theirs.hex}`);
  }
}
