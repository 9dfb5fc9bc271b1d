// Many small files over ONE connection with tftp's library API (case "small").
//   node bench/many-small.js HOST PORT MANIFEST LOCALDIR
// MANIFEST lists remote paths, one per line; each is fetched with one RETR into
// LOCALDIR/<basename>. Prints one JSON line with the loop time (connect and
// login excluded), like bench/ftplib_peer.py does.
// TFTP_BENCH_LIB may point at another build of the library (default ../dist/index.js).
import { createWriteStream, readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args.length !== 4) {
  console.error('usage: node bench/many-small.js HOST PORT MANIFEST LOCALDIR');
  process.exit(2);
}
const [host, port, manifest, localDir] = args;
const libUrl = process.env.TFTP_BENCH_LIB
  ? pathToFileURL(resolve(process.env.TFTP_BENCH_LIB)).href
  : new URL('../dist/index.js', import.meta.url).href;
const { FtpClient } = await import(libUrl);

const names = readFileSync(manifest, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);

const client = new FtpClient({ timeoutMs: 30000 });
await client.connect(host, Number(port));
await client.login('anonymous', 'guest');
await client.type('I');

let total = 0;
const t0 = process.hrtime.bigint();
for (const name of names) {
  const out = createWriteStream(join(localDir, basename(name)));
  const n = await client.retrieve(`RETR ${name}`, out);
  // The library may or may not end the stream it was given: make sure the
  // file is complete on disk before the next transfer starts.
  if (!out.writableEnded) out.end();
  await finished(out);
  total += typeof n === 'number' ? n : out.bytesWritten;
}
const loopS = Number(process.hrtime.bigint() - t0) / 1e9;
await client.quit();
console.log(JSON.stringify({ files: names.length, bytes: total, loopS }));
