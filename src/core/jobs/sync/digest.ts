// SHA-256 of a file already open for its upload: read again from the page
// cache with positional reads into one pooled buffer, on the same fd. A
// fresh read stream per file (an open, a 1 MiB buffer, a turn of the thread
// pool per chunk) cost as much as the upload itself on a site of small files.
import { readSync } from 'node:fs';
import { giveBack, takeBuffer } from '../../transfer/file-io.js';

type Crypto = typeof import('node:crypto');
let crypto: Crypto | undefined;
/** One byte past a short first read: 0 bytes there is the end of the file. */
const probe = Buffer.alloc(1);

/** Reads to the end of the file (not just `size`), as a stream would. */
export async function digestOpenFile(fd: number): Promise<string> {
  crypto ??= await import('node:crypto'); // only with --state
  const buf = takeBuffer();
  try {
    // A file that fits in one read is hashed in one call (crypto.hash, Node 20.12 on): a Hash object
    // per file cost as much as hashing a site's small files.
    const first = readSync(fd, buf, 0, buf.length, 0);
    const oneShot = (crypto as { hash?: Crypto['hash'] }).hash;
    if (oneShot && first < buf.length && readSync(fd, probe, 0, 1, first) === 0) return oneShot('sha256', buf.subarray(0, first), 'hex');
    const hash = crypto.createHash('sha256');
    // The first read counts; the loop goes on from its end (an empty file ends here).
    hash.update(buf.subarray(0, first));
    for (let position = first, n = first, turn = 1; n > 0; turn++) {
      n = readSync(fd, buf, 0, buf.length, position);
      hash.update(buf.subarray(0, n));
      position += n;
      // A large file must not hold the other connections up: they get a turn every few MiB.
      if (turn % 16 === 0) await new Promise(setImmediate);
    }
    return hash.digest('hex');
  } finally {
    giveBack([buf]);
  }
}
