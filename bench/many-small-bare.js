// Case "small", baseline: the same loop as many-small.js written directly on
// node:net, without the library (no reply limits, timeouts, error mapping,
// fallbacks or TLS; EPSV sent with RETR, as the library does once EPSV works).
// It shows what Node itself costs per file, so that the table separates the
// runtime's share from the library's.
//   node bench/many-small-bare.js HOST PORT MANIFEST LOCALDIR
import { connect } from 'node:net';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
// V8 set up as the tftp command sets it up (src/cli/runtime.ts): the same runtime, minus the library.
import { tuneRuntime } from '../dist/cli/runtime.js';

tuneRuntime();

const args = process.argv.slice(2);
if (args.length !== 4) {
  console.error('usage: node bench/many-small-bare.js HOST PORT MANIFEST LOCALDIR');
  process.exit(2);
}
const [host, port, manifest, localDir] = args;
const names = readFileSync(manifest, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);

const control = connect({ host, port: Number(port) });
control.setNoDelay(true);
const replies = [];
const waiting = [];
let pending = '';
control.on('data', (chunk) => {
  pending += chunk.toString('latin1');
  let eol;
  while ((eol = pending.indexOf('\r\n')) !== -1) {
    const line = pending.slice(0, eol);
    pending = pending.slice(eol + 2);
    if (!/^\d{3} /.test(line)) continue; // a continuation line of a multi-line reply
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else replies.push(line);
  }
});
const reply = () => new Promise((resolve) => (replies.length ? resolve(replies.shift()) : waiting.push(resolve)));
async function expect(code) {
  const line = await reply();
  if (!line.startsWith(code)) throw new Error(`expected ${code}, got: ${line}`);
  return line;
}

await expect('220');
control.write('USER anonymous\r\n');
if ((await reply()).startsWith('331')) {
  control.write('PASS guest\r\n');
  await expect('230');
}
control.write('TYPE I\r\n');
await expect('200');

let total = 0;
const t0 = process.hrtime.bigint();
for (const name of names) {
  const fd = openSync(join(localDir, basename(name)), 'w');
  control.write(`EPSV\r\nRETR ${name}\r\n`);
  const dataPort = Number(/\|\|\|(\d+)\|/.exec(await expect('229'))[1]);
  const received = new Promise((resolve, reject) => {
    const data = connect({ host, port: dataPort });
    data.on('data', (chunk) => {
      total += chunk.length;
      writeSync(fd, chunk);
    });
    data.on('end', resolve);
    data.on('error', reject);
  });
  await expect('150');
  await received;
  await expect('226');
  closeSync(fd);
}
const loopS = Number(process.hrtime.bigint() - t0) / 1e9;
control.end('QUIT\r\n');
console.log(JSON.stringify({ files: names.length, bytes: total, loopS }));
