import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { BIN, spawnTftp, tftp } from '../support/cli.js';

// Upload sources that cannot be read at an offset: a FIFO, a process
// substitution `<(cmd)`. They are streamed as stdin is; nothing reaches the
// server before the source has data, and waiting for a writer can be interrupted.

let local: string;
let server: FakeServer;
const old = Buffer.from('the remote file as it was\n');
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sources-'));
  server = await startFakeServer({ files: { 'remote.bin': old } });
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const args = () => ['127.0.0.1', '-P', String(server.port), '--timeout', '5'];

describe('put from a process substitution <(cmd)', () => {
  it('streams it: the server gets every byte, exit 0', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const src = join(local, 'src.bin');
    await writeFile(src, data);
    // bash hands tftp a /dev/fd/N pipe, as a shell user would.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" put ${args().join(' ')} <(cat "${src}") remote.bin`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).not.toMatch(/ESPIPE/);
    expect(r.code).toBe(0);
    expect(server.uploads.at(-1)!.data.equals(data)).toBe(true);
  });
});

describe('put from a FIFO', () => {
  it('with a writer: every byte arrives, exit 0', async () => {
    const fifo = join(local, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const data = randomBytes(2 * 1024 * 1024);
    const run = tftp(['put', ...args(), fifo, 'remote.bin']);
    const writer = spawn('sh', ['-c', `cat > "${fifo}"`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(data);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(server.uploads.at(-1)!.data.equals(data)).toBe(true);
  });

  it('-c and --rest are refused (exit 2) before connecting', async () => {
    const fifo = join(local, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await tftp(['put', '-c', ...args(), fifo, 'remote.bin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tftp: .*regular file[^\n]*\n$/);
    expect(server.sessions).toHaveLength(0);
  });

  it('without a writer: nothing is sent, the remote file stays, and Ctrl-C ends it at once (exit 130)', async () => {
    const fifo = join(local, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const { child, done } = spawnTftp(['put', ...args(), fifo, 'remote.bin']);
    await new Promise((r) => setTimeout(r, 500));
    expect(server.commands.filter((c) => /^STOR/.test(c))).toEqual([]);
    const t = performance.now();
    child.kill('SIGINT');
    const r = await done;
    expect(performance.now() - t).toBeLessThan(2000);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^tftp: [^\n]*interrupted[^\n]*\n$/);
    expect(server.commands.filter((c) => /^STOR/.test(c))).toEqual([]);
    expect(server.files.get('remote.bin')!.equals(old)).toBe(true);
  });
});
