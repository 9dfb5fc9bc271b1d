import { afterEach, describe, expect, it } from 'vitest';
import { createHash, pbkdf2, randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { fstatSync, readSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendFile } from '../../src/core/transfer/file-io.js';
import { FileWriter } from '../../src/core/transfer/file-writer.js';
import { CrlfToLf } from '../../src/protocol/ascii.js';

// The pooled file path against real sockets: a sender far faster than the
// disk queue must be paused and resumed many times without losing a byte.

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function serve(onConnection: (s: Socket) => void): Promise<number> {
  server = createServer(onConnection);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('FileWriter', () => {
  it.each([[true], [false]])('writes 48 MiB sent at full speed byte-identical (onread %s)', async (useOnread) => {
    const data = randomBytes(48 * 1024 * 1024);
    const port = await serve((s) => s.end(data));
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    const path = join(dir, 'out.bin');
    await writeFile(path, 'KEEP'); // bytes before the position must survive
    const handle = await open(path, 'r+');
    let counted = 0;
    const writer = new FileWriter({ fd: handle.fd, position: 4 }, (n) => (counted += n));
    const socket = connect({ host: '127.0.0.1', port, ...(useOnread ? { onread: writer.onread } : {}) });
    await writer.run(socket, useOnread);
    await handle.close();
    const got = await readFile(path);
    expect(counted).toBe(data.length);
    expect(got.subarray(0, 4).toString()).toBe('KEEP');
    expect(sha(got.subarray(4))).toBe(sha(data));
  });

  // A process killed at any moment must leave a file that is an exact prefix
  // of the data: writes that complete out of order would leave zeros before
  // the end, which -c then completes into a corrupt file.
  it.each([[true], [false]])('the file is an exact prefix of the data at every moment (onread %s)', async (useOnread) => {
    const data = randomBytes(96 * 1024 * 1024);
    const port = await serve((s) => s.end(data));
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    const path = join(dir, 'out.bin');
    const handle = await open(path, 'w');
    const reader = await open(path, 'r');
    const probe = Buffer.alloc(2 * 1024 * 1024);
    let checks = 0;
    let holes = 0;
    // Looks at the file as a killed process would leave it: its last 2 MiB must be the data's.
    const check = () => {
      const size = fstatSync(reader.fd).size;
      const from = Math.max(0, size - probe.length);
      const n = readSync(reader.fd, probe, 0, size - from, from);
      checks++;
      if (!probe.subarray(0, n).equals(data.subarray(from, from + n))) holes++;
    };
    const writer = new FileWriter({ fd: handle.fd, position: 0 }, check);
    const socket = connect({ host: '127.0.0.1', port, ...(useOnread ? { onread: writer.onread } : {}) });
    const timer = setInterval(check, 1);
    await writer.run(socket, useOnread);
    clearInterval(timer);
    check();
    await handle.close();
    await reader.close();
    expect(checks).toBeGreaterThan(100);
    expect(holes).toBe(0);
    expect(writer.written).toBe(data.length);
    expect(sha(await readFile(path))).toBe(sha(data));
  });

  // With onread the bytes flow as soon as the socket connects, while the
  // transfer command's 150 is still on its way: run() comes later.
  it('resumes a socket that paused before run() was called', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    const port = await serve((s) => s.end(data));
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    const handle = await open(join(dir, 'out.bin'), 'w');
    const writer = new FileWriter({ fd: handle.fd, position: 0 }, () => {});
    // Hold libuv's thread pool so that no file write completes: the writer must pause.
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const busy = Array.from({ length: pool }, () => new Promise((r) => pbkdf2('x', 'y', 400_000, 64, 'sha512', r)));
    let paused = false;
    const onread = {
      buffer: writer.onread.buffer,
      callback: (n: number, b: Uint8Array) => {
        const more = writer.onread.callback(n, b) !== false;
        if (!more) paused = true;
        return more;
      },
    };
    const socket = connect({ host: '127.0.0.1', port, onread });
    await waitFor(() => paused);
    await Promise.all(busy);
    await writer.run(socket, true);
    await handle.close();
    expect(sha(await readFile(join(dir, 'out.bin')))).toBe(sha(data));
  });

  it('takes a short transfer that ended and closed before run() was called', async () => {
    const data = randomBytes(3000);
    const port = await serve((s) => s.end(data));
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    const handle = await open(join(dir, 'out.bin'), 'w');
    const writer = new FileWriter({ fd: handle.fd, position: 0 }, () => {});
    const socket = connect({ host: '127.0.0.1', port, onread: writer.onread });
    await new Promise((r) => socket.once('close', r));
    await writer.run(socket, true);
    await handle.close();
    expect((await readFile(join(dir, 'out.bin'))).equals(data)).toBe(true);
  });

  it('a write that fails at once (a small chunk, written synchronously) stops the socket and rejects', async () => {
    const port = await serve((s) => {
      const timer = setInterval(() => s.write(randomBytes(1000)), 2);
      s.on('close', () => clearInterval(timer));
      s.on('error', () => clearInterval(timer));
    });
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    await writeFile(join(dir, 'ro.bin'), '');
    const handle = await open(join(dir, 'ro.bin'), 'r'); // read-only: every write fails with EBADF
    const writer = new FileWriter({ fd: handle.fd, position: 0 }, () => {});
    const socket = connect({ host: '127.0.0.1', port, onread: writer.onread });
    await expect(writer.run(socket, true)).rejects.toMatchObject({ cause: { code: 'EBADF' } });
    expect(socket.destroyed).toBe(true);
    await handle.close();
  });

  it('converts CRLF split across reads and rejects when the sender resets', async () => {
    const port = await serve((s) => {
      s.write('a\r');
      setTimeout(() => s.write('\nb\r\n'), 20);
      setTimeout(() => s.resetAndDestroy(), 60);
    });
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    const handle = await open(join(dir, 'out.txt'), 'w');
    const writer = new FileWriter({ fd: handle.fd, position: 0 }, () => {}, new CrlfToLf());
    const socket = connect({ host: '127.0.0.1', port, onread: writer.onread });
    await expect(writer.run(socket, true)).rejects.toThrow(/ECONNRESET|closed/);
    await handle.close();
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('a\nb\n');
  });
});

describe('sendFile', () => {
  it('sends a file from an offset to its end, byte-identical', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 3);
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    await writeFile(join(dir, 'in.bin'), data);
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      void serve((s) => {
        // A slow reader: forces the sender to wait for its buffers.
        s.on('data', (c: Buffer) => {
          received.push(c);
          s.pause();
          setImmediate(() => s.resume());
        });
        s.on('end', () => resolve());
      }).then((port) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', async () => {
          const handle = await open(join(dir!, 'in.bin'), 'r');
          let counted = 0;
          await sendFile(socket, { fd: handle.fd, position: 1000 }, (n) => (counted += n));
          await handle.close();
          expect(counted).toBe(data.length - 1000);
        });
      });
    });
    await done;
    expect(sha(Buffer.concat(received))).toBe(sha(data.subarray(1000)));
  });

  // Reads are synchronous: while the kernel takes every write at once, the
  // loop must still notice a socket destroyed under it (Ctrl-C) and stop.
  it('rejects, and stops reading, when the socket is destroyed mid-file', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    dir = await mkdtemp(join(tmpdir(), 'tftp-fileio-'));
    await writeFile(join(dir, 'in.bin'), data);
    const port = await serve((s) => s.resume());
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.once('connect', r));
    const handle = await open(join(dir, 'in.bin'), 'r');
    let counted = 0;
    const sent = sendFile(socket, { fd: handle.fd, position: 0 }, (n) => {
      counted += n;
      if (counted === 1024 * 1024) socket.destroy();
    });
    await expect(sent).rejects.toThrow(/closed/);
    await handle.close();
    expect(counted).toBeLessThan(data.length);
  });
});
