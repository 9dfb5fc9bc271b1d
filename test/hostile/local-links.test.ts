import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, waitUntil, type FakeServer } from '../support/fake-server.js';
import { serveTree } from '../support/fake-tree.js';
import { spawnTftp, tftp } from '../support/cli.js';

// What a download does with what already sits at its local names: links the
// user made (kept, written through), links at the temporary name (never
// followed), and another run writing the same file (locked out).

let server: FakeServer;
let local: string;
let outside: string;
const data = randomBytes(300_000);
beforeEach(async () => {
  server = await startFakeServer({ files: { 'f.bin': data } });
  local = await mkdtemp(join(tmpdir(), 'tftp-links-'));
  outside = await mkdtemp(join(tmpdir(), 'tftp-outside-'));
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const retrs = () => server.commands.filter((c) => c.startsWith('RETR '));
const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size;

describe('a destination the user named that is a symbolic link', () => {
  it('to a regular file: the link stays a link and its target holds the download', async () => {
    await writeFile(join(local, 'real.bin'), 'old contents');
    await symlink('real.bin', join(local, 'link.bin'));
    const r = await tftp(['get', ...at(), 'f.bin', join(local, 'link.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(local, 'link.bin')).isSymbolicLink()).toBe(true);
    expect(await readlink(join(local, 'link.bin'))).toBe('real.bin');
    expect((await readFile(join(local, 'real.bin'))).equals(data)).toBe(true);
    expect((await readdir(local)).sort()).toEqual(['link.bin', 'real.bin']);
  });

  it('dangling: the file it names is created, the link kept', async () => {
    await mkdir(join(local, 'sub'));
    await symlink('sub/new.bin', join(local, 'link.bin'));
    const r = await tftp(['get', ...at(), 'f.bin', join(local, 'link.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(local, 'link.bin')).isSymbolicLink()).toBe(true);
    expect((await readFile(join(local, 'sub/new.bin'))).equals(data)).toBe(true);
    expect((await readdir(local)).sort()).toEqual(['link.bin', 'sub']);
    expect(await readdir(join(local, 'sub'))).toEqual(['new.bin']);
  });

  it('to a FIFO with a reader: written directly, the FIFO still a FIFO, no .part, no rename', async () => {
    const fifo = join(local, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await symlink('fifo', join(local, 'out'));
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const read = new Promise<void>((resolve) => reader.once('close', () => resolve()));
    try {
      const r = await tftp(['get', ...at(), 'f.bin', join(local, 'out')]);
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(join(local, 'out')).isSymbolicLink()).toBe(true);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect((await readdir(local)).sort()).toEqual(['fifo', 'out']);
      await read; // the writer closed: the reader has had everything
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      reader.kill();
    }
  });
});

describe('a symbolic link at the temporary name, to a file outside the folder', () => {
  async function plantPartLink(partPath: string): Promise<string> {
    const victim = join(outside, 'victim');
    await writeFile(victim, 'precious');
    await symlink(victim, partPath);
    return victim;
  }

  it('get: never followed; the outside file untouched, the download correct', async () => {
    const victim = await plantPartLink(join(local, 'f.bin.part'));
    const r = await tftp(['get', ...at(), 'f.bin', join(local, 'f.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(local, 'f.bin')).isFile()).toBe(true);
    expect((await readFile(join(local, 'f.bin'))).equals(data)).toBe(true);
    expect(await readdir(local)).toEqual(['f.bin']);
  });

  it('get -c: the link is no resume point; the outside file untouched, the whole file fetched', async () => {
    const victim = await plantPartLink(join(local, 'f.bin.part'));
    const r = await tftp(['get', '-c', ...at(), 'f.bin', join(local, 'f.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual([]);
    expect(lstatSync(join(local, 'f.bin')).isFile()).toBe(true);
    expect((await readFile(join(local, 'f.bin'))).equals(data)).toBe(true);
  });

  it('get -r: never followed; the outside file untouched, every file correct', async () => {
    const other = randomBytes(5000);
    serveTree(server, { 'dir/a.bin': data, 'dir/b.bin': other });
    const out = join(local, 'out');
    await mkdir(out);
    const victim = await plantPartLink(join(out, 'a.bin.part'));
    const r = await tftp(['get', '-r', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await readdir(out)).sort()).toEqual(['a.bin', 'b.bin']);
    expect(lstatSync(join(out, 'a.bin')).isFile()).toBe(true);
    expect((await readFile(join(out, 'a.bin'))).equals(data)).toBe(true);
    expect((await readFile(join(out, 'b.bin'))).equals(other)).toBe(true);
  });
});

describe('two runs writing the same local file', () => {
  const HELD = 100_000;
  /** The first RETR sends HELD bytes and then waits (until ABOR); later ones send everything. */
  function holdFirstRetr() {
    let n = 0;
    server.handlers.RETR = (ctx) => {
      if (n++ === 0) ctx.server.dataFaults.RETR = { type: 'hold', bytes: HELD };
      else delete ctx.server.dataFaults.RETR;
      return ctx.fallback();
    };
  }

  function expectLocked(r: { code: number; stderr: string }) {
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/^tftp: [^\n]*another tftp is downloading it[^\n]*locked[^\n]*\n$/);
  }

  it('the second fails at once with exit 7 (locked), and the first one\'s file is intact', async () => {
    holdFirstRetr();
    const dest = join(local, 'f.bin');
    const abort = new AbortController();
    const first = tftp(['get', ...at(), 'f.bin', dest], { signal: abort.signal });
    await waitUntil(() => server.held === 1 && sizeOf(dest + '.part') === HELD, 5_000, 'the first run to hold');

    const second = await tftp(['get', ...at(), 'f.bin', dest]);
    expectLocked(second);
    expect(retrs()).toHaveLength(1); // the second run never asked for the file
    expect(sizeOf(dest)).toBeUndefined();
    expect((await readFile(dest + '.part')).equals(data.subarray(0, HELD))).toBe(true);

    abort.abort();
    expect((await first).code).toBe(130);
    expect((await readFile(dest + '.part')).equals(data.subarray(0, HELD))).toBe(true);
    const resumed = await tftp(['get', '-c', ...at(), 'f.bin', dest]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(await readdir(local)).toEqual(['f.bin']);
  });

  it('a run killed with SIGKILL holds the lock while alive and leaves no stale one: -c then goes on', async () => {
    holdFirstRetr();
    const dest = join(local, 'f.bin');
    const { child, done } = spawnTftp(['get', ...at(), 'f.bin', dest]);
    try {
      await waitUntil(() => server.held === 1 && sizeOf(dest + '.part') === HELD, 5_000, 'the spawned run to hold');
      expectLocked(await tftp(['get', ...at(), 'f.bin', dest]));
    } finally {
      child.kill('SIGKILL');
    }
    await done;
    server.commands.length = 0;
    const r = await tftp(['get', '-c', ...at(), 'f.bin', dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual([`REST ${HELD}`]);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(await readdir(local)).toEqual(['f.bin']);
  });
});
