// SHA-256 of a file already open for its upload: read again from the page
// cache with positional reads into one pooled buffer, on the same fd. A
// fresh read stream per file (an open, a 1 MiB buffer, a turn of the thread
// pool per chunk) cost as much as the upload itself on a site of small files.
import { readSync } from 'node:fs';
import { giveBack, takeBuffer } from '../../transfer/file-io.js';

type Hash = { update(b: Buffer): unknown; digest(enc: 'hex'): string };
let makeHash: (() => Hash) | undefined;

/** Reads to the end of the file (not just `size`), as a stream would. */
export async function digestOpenFile(fd: number): Promise<string> {
  if (!makeHash) {
    const { createHash } = await import('node:crypto'); // only with --state
    makeHash = () => createHash('sha256');
  }
  const hash = makeHash();
  const buf = takeBuffer();
  try {
    for (let position = 0, turn = 1; ; turn++) {
      const n = readSync(fd, buf, 0, buf.length, position);
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      position += n;
      // A large file must not hold the other connections up: they get a turn every few MiB.
      if (turn % 16 === 0) await new Promise(setImmediate);
    }
  } finally {
    giveBack([buf]);
  }
  return hash.digest('hex');
}
