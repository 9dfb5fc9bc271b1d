import { createServer } from 'node:net';
import { closeSync, constants, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * A lock on a local file name, so that two runs never write the same file at
 * once. Where the system offers it, the lock is a name that the kernel gives
 * up when the process ends, however it ends (a kill -9 leaves no stale lock):
 * an abstract Unix socket on Linux, a named pipe on Windows. Elsewhere it is a
 * `<file>.lock` file holding our process id, taken over once that process is gone.
 */
export interface FileLock {
  release(): void;
}

/** Locks `path`; undefined when another process holds it. */
export async function tryLock(path: string): Promise<FileLock | undefined> {
  if (process.platform === 'linux' || process.platform === 'win32') {
    try {
      return await listenLock(await lockName(path));
    } catch (err) {
      // No sockets here (a sandbox that forbids them): the lock file still works.
      if ((err as NodeJS.ErrnoException).syscall !== 'listen') throw err;
    }
  }
  return pidFileLock(path);
}

/** Abstract socket names are at most 107 bytes; longer keys are hashed. */
const MAX_KEY = 100;

/** Names the file by its folder's identity (device and inode) and its own name: any path to it gives the same key. */
async function lockName(path: string): Promise<string> {
  let key = `tftp-lock:${folderIdentity(dirname(path))}:${basename(path)}`;
  if (Buffer.byteLength(key) > MAX_KEY) {
    const { createHash } = await import('node:crypto'); // only for long names
    key = `tftp-lock:${createHash('sha256').update(key).digest('hex')}`;
  }
  return process.platform === 'win32' ? `\\\\.\\pipe\\${key}` : `\0${key}`;
}

/** Folder identities seen by this process: a tree of thousands of files looks each folder up once. */
const folders = new Map<string, string>();
function folderIdentity(dir: string): string {
  let id = folders.get(dir);
  if (id === undefined) {
    const s = statSync(dir, { bigint: true });
    folders.set(dir, (id = `${s.dev}:${s.ino}`));
  }
  return id;
}

function listenLock(name: string): Promise<FileLock | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen(name, () => {
      server.unref(); // a lock must not keep the process alive
      resolve({ release: () => void server.close() });
    });
  });
}

/** The portable lock: `<path>.lock` holding our process id (exported for its tests). */
export function pidFileLock(path: string): FileLock | undefined {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => unlinkSync(lock) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) return undefined;
      unlinkSync(lock); // its process is gone
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
