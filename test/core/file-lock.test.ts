import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidFileLock, tryLock } from '../../src/core/local/file-lock.js';

// Locks on local file names: one holder at a time, across processes, and
// none left behind by a process that is gone.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tftp-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Tries the lock from another process: true when it got it. */
function otherProcessGets(path: string, kind: 'tryLock' | 'pidFileLock'): boolean {
  const url = new URL('../../dist/core/local/file-lock.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); const l = await m.${kind}(${JSON.stringify(path)}); process.exit(l ? 0 : 3);`]);
  return r.status === 0;
}

describe('tryLock', () => {
  it('one holder at a time, in this process and another; free again once released', async () => {
    const path = join(dir, 'f.part');
    const lock = await tryLock(path);
    expect(lock).toBeDefined();
    expect(await tryLock(path)).toBeUndefined();
    expect(await tryLock(join(dir, '.', 'f.part'))).toBeUndefined(); // another spelling of the same file
    expect(otherProcessGets(path, 'tryLock')).toBe(false);
    expect(await tryLock(join(dir, 'g.part'))).toBeDefined();
    lock!.release();
    expect(otherProcessGets(path, 'tryLock')).toBe(true);
  });

  it('a name too long for a socket name is hashed, and still locks', async () => {
    const path = join(dir, 'x'.repeat(250));
    const lock = await tryLock(path);
    expect(lock).toBeDefined();
    expect(await tryLock(path)).toBeUndefined();
    lock!.release();
  });
});

describe('pidFileLock (systems without kernel-held names)', () => {
  it('holds while its process lives, and is taken over once that process is gone', () => {
    const path = join(dir, 'f.part');
    const lock = pidFileLock(path);
    expect(lock).toBeDefined();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    expect(pidFileLock(path)).toBeUndefined();
    expect(otherProcessGets(path, 'pidFileLock')).toBe(false);
    lock!.release();
    expect(existsSync(`${path}.lock`)).toBe(false);
    // A lock file left by a process that died.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    writeFileSync(`${path}.lock`, String(dead));
    const taken = pidFileLock(path);
    expect(taken).toBeDefined();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    taken!.release();
  });
});
