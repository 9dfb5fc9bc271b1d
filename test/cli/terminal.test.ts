import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { BIN, spawnTftp } from '../support/cli.js';

// The progress bar as a person sees it: the real CLI in a pseudo-terminal (util-linux `script`).
const run = promisify(execFile);
let server: RunningFtpSrv;
let local: string;
const data = randomBytes(24 * 1024 * 1024);

beforeAll(async () => {
  server = await startFtpSrv();
  await writeFile(join(server.root, 'big.bin'), data);
  local = await mkdtemp(join(tmpdir(), 'tftp-pty-'));
});
afterAll(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

async function inTerminal(args: string, env: Record<string, string> = {}, cols = 72): Promise<string> {
  const command = `stty cols ${cols} rows 20; ${process.execPath} ${BIN} ${args}`;
  const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: local, env: { ...process.env, TERM: 'xterm', ...env }, encoding: 'buffer', maxBuffer: 1 << 24 });
  return stdout.toString('utf8');
}

/** The frames the bar drew: the text between cursor-to-column-1 moves, without escape codes. */
function frames(screen: string): string[] {
  return screen
    .split(/\x1b\[1G|\r/)
    .map((f) => f.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b[78]/g, ''))
    .filter((f) => f.includes('%'));
}

describe('progress bar in a terminal', () => {
  it('redraws in place within the terminal width and ends at 100 %', async () => {
    const screen = await inTerminal(`get -P ${server.port} 127.0.0.1 big.bin bar.bin`);
    const drawn = frames(screen);
    expect(drawn.length).toBeGreaterThan(0);
    for (const f of drawn) expect(f.length).toBeLessThanOrEqual(72);
    expect(drawn.at(-1)).toMatch(/big\.bin .*100% \| +24\.0 MiB of +24\.0 MiB/);
    expect(screen).toMatch(/\x1b\[3\dm/); // coloured on a terminal
    expect((await readFile(join(local, 'bar.bin'))).equals(data)).toBe(true);
  }, 30_000);

  it.each([50, 80])('fits a %i-column terminal, with no ETA before a rate is known', async (cols) => {
    const screen = await inTerminal(`get -P ${server.port} 127.0.0.1 big.bin fit${cols}.bin`, {}, cols);
    const drawn = frames(screen);
    expect(drawn.length).toBeGreaterThan(1);
    for (const f of drawn) expect(f.length, f).toBeLessThan(cols);
    expect(drawn[0]).toMatch(/^big\.bin .* 0% \|/);
    expect(drawn[0]).not.toMatch(/ETA|\/s/);
    expect(drawn.at(-1)).toMatch(/100%/);
    expect(drawn.at(-1)).not.toMatch(/ETA/);
    expect((await readFile(join(local, `fit${cols}.bin`))).equals(data)).toBe(true);
  }, 30_000);

  it.each([['NO_COLOR=1', { NO_COLOR: '1' }, ''], ['--no-color', {}, '--no-color ']])('has no colour codes with %s', async (_label, env, flag) => {
    const screen = await inTerminal(`get ${flag}-P ${server.port} 127.0.0.1 big.bin nocolor.bin`, env);
    expect(frames(screen).at(-1)).toMatch(/100%/);
    expect(screen).not.toMatch(/\x1b\[\d+(;\d+)*m/);
  }, 30_000);

  it('off a terminal writes one summary line and no carriage returns', async () => {
    const r = await spawnTftp(['get', '-P', String(server.port), '127.0.0.1', 'big.bin', join(local, 'plain.bin')]).done;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/[\r\x1b]/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('several files in a terminal', () => {
  it('shows an overall line and lines for the files in flight, ending with all files done', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(server.root, 'set'));
    for (let i = 0; i < 6; i++) await writeFile(join(server.root, 'set', `part${i}.bin`), data.subarray(0, 4 * 1024 * 1024));
    const screen = await inTerminal(`get -r -j 3 -P ${server.port} 127.0.0.1 set multi`);
    const drawn = frames(screen).join('\n');
    expect(drawn).toMatch(/6\/6 files .*100%/);
    expect(drawn).toMatch(/set\/part\d\.bin/);
    for (const line of drawn.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    for (let i = 0; i < 6; i++) expect((await readFile(join(local, 'multi', `part${i}.bin`))).equals(data.subarray(0, 4 * 1024 * 1024))).toBe(true);
  }, 30_000);
});

describe('password prompt on a terminal', () => {
  it('asks for the password of a named user without echoing it', async () => {
    const { startFakeServer } = await import('../support/fake-server.js');
    const fake = await startFakeServer();
    try {
      const command = `stty cols 72 rows 20; ${process.execPath} ${BIN} ls -u bob -P ${fake.port} 127.0.0.1`;
      const child = execFile('script', ['-qfec', command, '/dev/null'], { cwd: local, env: { ...process.env, TERM: 'xterm' } });
      let screen = '';
      child.stdout!.on('data', (d: Buffer) => {
        screen += d.toString();
        if (screen.includes('Password for bob@127.0.0.1: ') && !screen.includes('typed')) {
          screen += 'typed';
          child.stdin!.write('s3cret\r');
        }
      });
      await new Promise((resolve) => child.on('close', resolve));
      expect(fake.commands).toContain('PASS s3cret');
      expect(screen).not.toContain('s3cret');
    } finally {
      await fake.close();
    }
  }, 30_000);
});
