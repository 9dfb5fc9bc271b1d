// An atomic upload: the bytes go to a temporary name in the target's folder,
// renamed over the final name once complete, so that readers of the server
// see the old file or the whole new one, never a part.
import * as crypto from 'node:crypto';
import { FtpError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';

/** Longest basename kept in a temporary name (bytes): room for the suffix under NAME_MAX (255). */
const MAX_BASE_BYTES = 200;

/**
 * The temporary name of an upload to `remotePath`: `.<name>.tftp-<hash>.part`
 * in the same folder, the hash (8 hex digits of SHA-256) taken over the final
 * path and `identity` (the local file's size and time). The same file to the
 * same place always gets the same name, so that `-c` finds what an
 * interrupted run left; a changed local file gets another one, so that it is
 * never resumed from bytes of an earlier version.
 */
export function temporaryName(remotePath: string, identity: string): string {
  const slash = remotePath.lastIndexOf('/');
  const folder = remotePath.slice(0, slash + 1);
  const hash = sha256Hex(`${remotePath}\0${identity}`).slice(0, 8);
  return `${folder}.${shortened(remotePath.slice(slash + 1))}.tftp-${hash}.part`;
}

/** crypto.hash where there is one (Node 20.12 on): a Hash object per file name costs more than the digest. */
const sha256Hex: (text: string) => string = (crypto as { hash?: typeof crypto.hash }).hash
  ? (text) => crypto.hash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Whether a file name is one of `temporaryName`'s (with or without the random suffix of `freeTemporaryName`). */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.tftp-[0-9a-f]{8}(-[0-9a-f]{6})?\.part$/s.test(name);
}

/**
 * The temporary name for a new upload: `temporaryName`, unless something
 * is there already (an earlier run's leftover, which `-c` would resume, or
 * anything else): then the same with a random suffix, until a name is free.
 * A name the folder holds is never written over.
 */
export async function freeTemporaryName(fs: RemoteFs, remotePath: string, identity: string): Promise<string> {
  const first = temporaryName(remotePath, identity);
  if ((await fs.stat(first)) === undefined) return first;
  for (let i = 0; i < 8; i++) {
    const name = first.replace(/\.part$/, `-${crypto.randomBytes(3).toString('hex')}.part`);
    if ((await fs.stat(name)) === undefined) return name;
  }
  throw new FtpError('permanent', `no free temporary name next to ${remotePath} (${first} and others are taken)`);
}

/**
 * RNFR `temp`, RNTO `final`. A refusal (5xx: no RNFR/RNTO, or no rename over
 * an existing file) removes the temporary file and is a 'permanent' error that
 * names both; the final file is untouched. Anything else (a 4xx, a lost
 * connection) leaves the complete temporary file for a retry or `-c`.
 */
export async function commitTemporary(fs: RemoteFs, temp: string, final: string): Promise<void> {
  try {
    await fs.rename(temp, final, { together: true }); // the temporary name is ours, just written
  } catch (err) {
    if (!(err instanceof FtpError && err.kind === 'permanent')) throw err;
    const removed = await fs.remove(temp).then(
      () => 'the temporary file was removed',
      (e: unknown) => `the temporary file ${temp} could not be removed: ${(e as Error).message}`,
    );
    throw new FtpError('permanent', `the server would not rename ${temp} to ${final} (${err.message}); ${final} is unchanged, ${removed}`, err.code);
  }
}

function shortened(name: string): string {
  if (Buffer.byteLength(name) <= MAX_BASE_BYTES) return name;
  const chars = [...name];
  while (Buffer.byteLength(chars.join('')) > MAX_BASE_BYTES) chars.pop();
  return chars.join('');
}
