// Many small files over ONE connection with tftp's library API (case "small").
//   node bench/many-small.js HOST PORT MANIFEST LOCALDIR [CAFILE]
// MANIFEST lists remote paths, one per line; each is fetched with one RETR into
// LOCALDIR/<basename>. Prints one JSON line with the loop time (connect and
// login excluded), like bench/ftplib_peer.py does. With CAFILE: explicit FTPS,
// the server's certificate verified against that CA (case "ftps-small").
// TFTP_BENCH_LIB may point at another build of the library (default ../dist/index.js).
// The process runs V8 as the tftp command does (dist/cli/runtime.js next to it).
import { closeSync, openSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args.length !== 4 && args.length !== 5) {
  console.error('usage: node bench/many-small.js HOST PORT MANIFEST LOCALDIR [CAFILE]');
  process.exit(2);
}
const [host, port, manifest, localDir, caFile] = args;
const libUrl = process.env.TFTP_BENCH_LIB
  ? pathToFileURL(resolve(process.env.TFTP_BENCH_LIB)).href
  : new URL('../dist/index.js', import.meta.url).href;
const { FtpClient } = await import(libUrl);
// V8 set up as the tftp command sets it up (src/cli/runtime.ts).
const { tuneRuntime } = await import(new URL('./cli/runtime.js', libUrl).href);
tuneRuntime();

const names = readFileSync(manifest, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);

const tls = caFile ? { mode: 'explicit', ca: [readFileSync(caFile, 'utf8')] } : undefined;
const client = new FtpClient({ timeoutMs: 30000, tls });
await client.connect(host, Number(port));
await client.login('anonymous', 'guest');
await client.type('I');

let total = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < names.length; i++) {
  const name = names[i];
  // The library's file path (what a CLI download uses): an fd and a position.
  // A sequential loop opens synchronously, as Python's open() does.
  const fd = openSync(join(localDir, basename(name)), 'w');
  // As `tftp get -r` does: the next file's RETR goes out once this one's 226 is in.
  const next = i + 1 < names.length ? `RETR ${names[i + 1]}` : undefined;
  try {
    total += await client.retrieve(`RETR ${name}`, { fd, position: 0 }, { next });
  } finally {
    closeSync(fd);
  }
}
const loopS = Number(process.hrtime.bigint() - t0) / 1e9;
await client.quit();
console.log(JSON.stringify({ files: names.length, bytes: total, loopS }));
