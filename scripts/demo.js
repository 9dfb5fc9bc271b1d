// npm run demo: a loopback FTP server with generated files, then the real CLI
// lists, downloads (with its progress bar), uploads, and checks every byte.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.js';

const BIG_MIB = Number(process.env.DEMO_MIB ?? 256);
const cli = fileURLToPath(new URL('../bin/tftp.js', import.meta.url));

async function writeRandom(path, mib) {
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) {
    if (!out.write(randomBytes(1024 * 1024))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
}

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function tftp(args, cwd) {
  console.log(`\n$ tftp ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'tftp-demo-'));
  const served = join(work, 'server');
  const local = join(work, 'local');
  await mkdir(served);
  await mkdir(local);
  try {
    console.log(`Generating ${BIG_MIB} MiB of random data and a few small files in ${served}`);
    await writeRandom(join(served, 'big.bin'), BIG_MIB);
    for (const name of ['readme.txt', 'notes.txt']) await writeFile(join(served, name), `hello from ${name}\n`);
    await writeRandom(join(local, 'upload.bin'), 16);

    const server = await startDemoServer(served);
    const url = `ftp://127.0.0.1:${server.port}`;
    console.log(`ftp-srv listening on ${url}`);
    let failed = 0;
    failed += (await tftp(['ls', url], local)) !== 0;
    failed += (await tftp(['get', `${url}/big.bin`], local)) !== 0;
    failed += (await tftp(['put', url, 'upload.bin', 'uploaded.bin'], local)) !== 0;
    await server.close();

    const checks = [
      ['big.bin (download)', join(served, 'big.bin'), join(local, 'big.bin')],
      ['upload.bin (upload)', join(local, 'upload.bin'), join(served, 'uploaded.bin')],
    ];
    for (const [what, a, b] of checks) {
      const same = (await sha256(a).catch(() => 'missing')) === (await sha256(b).catch(() => 'absent'));
      console.log(`${same ? 'OK  ' : 'FAIL'} ${what}: ${same ? 'byte-identical' : 'differs or missing'}`);
      failed += !same;
    }
    console.log(failed ? '\nDemo FAILED' : '\nDemo passed: every byte checked.');
    process.exitCode = failed ? 1 : 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  // ftp-srv leaves timers behind after close; the demo is over.
  process.exit(process.exitCode);
}

await main();
