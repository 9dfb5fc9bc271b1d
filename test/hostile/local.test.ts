import { afterAll, beforeAll, beforeEach, describe, expect, it, afterEach } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { BIN, tftp, type CliResult } from '../support/cli.js';

// Local file errors: exit 7 with one clear line, and nothing outside the
// requested name touched. Disk-full and read-only cases use small tmpfs
// mounts and device nodes in a temporary folder when this process may create
// them (root); they are skipped otherwise.

let server: FakeServer;
let local: string;
const data = randomBytes(300_000);
beforeAll(async () => {
  server = await startFakeServer({ files: { 'f.bin': data } });
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-local-'));
});
afterEach(() => rm(local, { recursive: true, force: true }));

const host = () => ['127.0.0.1', '-P', String(server.port), '--timeout', '1'];

function expectLocalError(r: CliResult, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.code).toBe(7);
}

/** Runs `mount` (tmpfs) and returns whether it worked; the caller unmounts. */
function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function tryMknod(path: string, major: number, minor: number): boolean {
  try {
    execFileSync('mknod', [path, 'c', String(major), String(minor)], { stdio: 'ignore' });
    return statSync(path).isCharacterDevice();
  } catch {
    return false;
  }
}

describe('the output folder', () => {
  it('missing: exit 7, nothing created', async () => {
    const r = await tftp(['get', ...host(), 'f.bin', join(local, 'no/such/dir/f.bin')]);
    expectLocalError(r, /^tftp: .*no\/such\/dir: no such file or directory$/);
    expect(existsSync(join(local, 'no'))).toBe(false);
  });

  it('a file where a folder should be: exit 7', async () => {
    await writeFile(join(local, 'plain'), 'x');
    const r = await tftp(['get', ...host(), 'f.bin', join(local, 'plain/f.bin')]);
    expectLocalError(r, /not a directory$/);
  });

  it('in /sys (not writable, even by root): exit 7', async () => {
    const r = await tftp(['get', ...host(), 'f.bin', '/sys/tftp-test-f.bin']);
    expectLocalError(r, /^tftp: \/sys\/tftp-test-f\.bin\.part: (permission denied|read-only file system|operation not permitted)$/);
  });

  it('in /proc: exit 7', async () => {
    const r = await tftp(['get', ...host(), 'f.bin', '/proc/tftp-test-f.bin']);
    expectLocalError(r, /^tftp: \/proc\/tftp-test-f\.bin\.part: /);
  });

  describe('on a read-only file system (tmpfs -o ro)', () => {
    let ro: string;
    let mounted = false;
    beforeAll(async () => {
      ro = await mkdtemp(join(tmpdir(), 'tftp-ro-'));
      mounted = tryMount(ro, 'ro,size=64k');
    });
    afterAll(async () => {
      if (mounted) execFileSync('umount', [ro]);
      await rm(ro, { recursive: true, force: true });
    });

    it('get: exit 7, read-only file system', async (ctx) => {
      if (!mounted) return ctx.skip();
      const r = await tftp(['get', ...host(), 'f.bin', join(ro, 'f.bin')]);
      expectLocalError(r, /f\.bin\.part: read-only file system$/);
      expect(server.commands.filter((c) => c.startsWith('RETR'))).toEqual([]);
    });
  });
});

describe('a local path that is a directory', () => {
  it('get into an existing folder: the file lands inside it under its remote name, like cp', async () => {
    await mkdir(join(local, 'dir'));
    const r = await tftp(['get', ...host(), 'f.bin', join(local, 'dir')]);
    expect(r.code).toBe(0);
    expect(statSync(join(local, 'dir')).isDirectory()).toBe(true);
    expect(existsSync(join(local, 'dir', 'f.bin'))).toBe(true);
    expect(existsSync(join(local, 'dir.part'))).toBe(false);
  });

  it('a tree entry whose local name is an existing folder: exit 7 before its RETR', async () => {
    await mkdir(join(local, 'f.bin'));
    server.commands.length = 0;
    const r = await tftp(['get', ...host(), '*.bin', local]);
    expect(r.stderr).toMatch(/f\.bin: is a directory/);
    expect(statSync(join(local, 'f.bin')).isDirectory()).toBe(true);
    expect(existsSync(join(local, 'f.bin.part'))).toBe(false);
  });

  it('get where the .part name is a folder: exit 7', async () => {
    await mkdir(join(local, 'f.bin.part'));
    const r = await tftp(['get', ...host(), 'f.bin', join(local, 'f.bin')]);
    expectLocalError(r, /f\.bin\.part: is a directory$/);
    expect(existsSync(join(local, 'f.bin'))).toBe(false);
  });

  it('put of a folder: exit 7 before connecting', async () => {
    const before = server.connections.length;
    const r = await tftp(['put', ...host(), local, 'up.bin']);
    expectLocalError(r, /is a directory$/);
    expect(server.connections.length).toBe(before);
  });

  it('put of a missing file: exit 7 before connecting', async () => {
    const before = server.connections.length;
    const r = await tftp(['put', ...host(), join(local, 'absent.bin')]);
    expectLocalError(r, /absent\.bin: no such file or directory$/);
    expect(server.connections.length).toBe(before);
  });
});

describe('disk full', () => {
  describe('a 64 KiB tmpfs', () => {
    let small: string;
    let mounted = false;
    beforeAll(async () => {
      small = await mkdtemp(join(tmpdir(), 'tftp-full-'));
      mounted = tryMount(small, 'size=64k');
    });
    afterAll(async () => {
      if (mounted) execFileSync('umount', [small]);
      await rm(small, { recursive: true, force: true });
    });

    it('get: exit 7, no space left, the .part holds a correct prefix, no final file', async (ctx) => {
      if (!mounted) return ctx.skip();
      const dest = join(small, 'f.bin');
      const r = await tftp(['get', ...host(), 'f.bin', dest]);
      // The line names the file the disk refused, and the .part keeps every byte that fitted.
      expectLocalError(r, /f\.bin\.part: no space left on device$/);
      expect(existsSync(dest)).toBe(false);
      const part = await readFile(dest + '.part');
      expect(part.length).toBeGreaterThanOrEqual(32 * 1024);
      expect(part.length).toBeLessThanOrEqual(64 * 1024);
      expect(part.equals(data.subarray(0, part.length))).toBe(true);
      await rm(dest + '.part');
    });
  });

  it('get to stdout redirected to /dev/full: exit 7, no space left', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await new Promise<CliResult>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'get', ...host(), 'f.bin', '-'], { stdio: ['ignore', fd, 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.alloc(0), stderr }));
      });
      expectLocalError(r, /no space left on device$/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('a local name that is a device, not a file', () => {
  // A regression test: this once failed.
  it('get to a null device node: exit 0, the node is still a character device', async (ctx) => {
    const node = join(local, 'null');
    if (!tryMknod(node, 1, 3)) return ctx.skip();
    const r = await tftp(['get', ...host(), 'f.bin', node]);
    expect(r.code).toBe(0);
    expect(statSync(node).isCharacterDevice()).toBe(true);
    expect(existsSync(node + '.part')).toBe(false);
  });

  // A regression test: this once failed.
  it('get to a full device node: exit 7, no space left, the node kept', async (ctx) => {
    const node = join(local, 'full');
    if (!tryMknod(node, 1, 7)) return ctx.skip();
    const r = await tftp(['get', ...host(), 'f.bin', node]);
    expectLocalError(r, /no space left on device$/);
    expect(statSync(node).isCharacterDevice()).toBe(true);
  });
});
