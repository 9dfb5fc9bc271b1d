// node bench/limit-rate.js [--rate 2M] [--mib 20]: times real transfers under
// --limit-rate against ftp-srv on 127.0.0.1, each byte checked afterwards.
// A 20 MiB get and put at 2M (2 MiB/s) should take 10 s (9.5-10.5 s passes);
// so should a `get -r -j 4` and a `put -r -j 4` of the same bytes in 4 files,
// and a `get --segments 4`: one budget shared by every connection of the run.
// Needs dist/ (npm run build). Exit 1 when a case is outside the 5 % band.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../scripts/demo-server.js';

const BIN = fileURLToPath(new URL('../bin/tftp.js', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const rate = arg('--rate', '2M');
const mib = Number(arg('--mib', '20'));
const UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(rate);
if (!m || !(mib > 0)) {
  console.error('usage: node bench/limit-rate.js [--rate 2M] [--mib 20]');
  process.exit(2);
}
const bytesPerSecond = Number(m[1]) * UNITS[m[2].toLowerCase()];
const total = mib * 1024 * 1024;
const expected = total / bytesPerSecond;

const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const root = mkdtempSync(join(tmpdir(), 'tftp-limit-rate-'));
const served = join(root, 'served');
const local = join(root, 'local');
mkdirSync(join(served, 'tree'), { recursive: true });
mkdirSync(join(served, 'up'), { recursive: true });
mkdirSync(join(local, 'tree'), { recursive: true });
const big = randomBytes(total);
writeFileSync(join(served, 'big.bin'), big);
writeFileSync(join(local, 'big.bin'), big);
const parts = [0, 1, 2, 3].map((i) => big.subarray((i * total) / 4, ((i + 1) * total) / 4));
parts.forEach((p, i) => {
  writeFileSync(join(served, 'tree', `part${i}.bin`), p);
  writeFileSync(join(local, 'tree', `part${i}.bin`), p);
});

function runTftp(args) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

const server = await startDemoServer(served);
const url = `ftp://127.0.0.1:${server.port}`;
const common = ['--limit-rate', rate, '-q'];
const out = (name) => join(root, 'out', name);
mkdirSync(join(root, 'out'), { recursive: true });
const cases = [
  { name: `get ${mib} MiB`, args: ['get', ...common, `${url}/big.bin`, out('big.bin')], check: () => sha(readFileSync(out('big.bin'))) === sha(big) },
  { name: `put ${mib} MiB`, args: ['put', ...common, `${url}/up/big.bin`, join(local, 'big.bin')], check: () => sha(readFileSync(join(served, 'up', 'big.bin'))) === sha(big) },
  {
    name: `get -r -j 4 (4 files)`,
    args: ['get', ...common, '-r', '-j', '4', `${url}/tree`, out('tree')],
    check: () => parts.every((p, i) => sha(readFileSync(join(out('tree'), `part${i}.bin`))) === sha(p)),
  },
  {
    name: `put -r -j 4 (4 files)`,
    args: ['put', ...common, '-r', '-j', '4', `${url}/up/tree`, join(local, 'tree')],
    check: () => parts.every((p, i) => sha(readFileSync(join(served, 'up', 'tree', `part${i}.bin`))) === sha(p)),
  },
  { name: `get --segments 4`, args: ['get', ...common, '--segments', '4', `${url}/big.bin`, out('seg.bin')], check: () => sha(readFileSync(out('seg.bin'))) === sha(big) },
];

let failed = 0;
console.log(`--limit-rate ${rate} (${bytesPerSecond} B/s), ${mib} MiB a case: expect ${expected.toFixed(2)} s (${(expected * 0.95).toFixed(2)}-${(expected * 1.05).toFixed(2)} s)`);
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
try {
  for (const c of cases) {
    const r = await runTftp(c.args);
    const intact = r.code === 0 && c.check();
    const within = Math.abs(r.seconds - expected) <= expected * 0.05;
    if (!intact || !within) failed++;
    const how = r.code !== 0 ? `exit ${r.code}: ${r.stderr.trim()}` : intact ? 'bytes match' : 'BYTES DIFFER';
    console.log(`${c.name.padEnd(24)} ${r.seconds.toFixed(2).padStart(6)} s  ${((total / r.seconds) / 1024 / 1024).toFixed(3)} MiB/s  ${within ? 'ok' : 'OUTSIDE 5 %'}  ${how}`);
  }
} finally {
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
