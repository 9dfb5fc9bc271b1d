import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSocket } from '../../src/core/connection/socket.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A listener on a free loopback port, noting what it accepts. */
async function listen(): Promise<{ port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  server = createServer((s) => accepted.push(s.on('error', () => {})));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, accepted };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('connectSocket, direct', () => {
  it('resolves with a connected socket that carries bytes, with keepalive set when asked', async () => {
    const { port, accepted } = await listen();
    const socket = await connectSocket('127.0.0.1', port, 5000, { network: { keepaliveMs: 30_000 } });
    expect(socket.remotePort).toBe(port);
    socket.write('hello');
    while (accepted.length === 0) await new Promise(setImmediate);
    const got = await new Promise<string>((resolve) => accepted[0]!.once('data', (d) => resolve(String(d))));
    expect(got).toBe('hello');
    socket.destroy();
  });

  it('fails a refused connect as kind connect, and as kind transfer for a data connection', async () => {
    const port = await closedPort();
    await expect(connectSocket('127.0.0.1', port, 5000)).rejects.toMatchObject({ kind: 'connect', message: expect.stringMatching(/^cannot connect to 127\.0\.0\.1:\d+: /) });
    await expect(connectSocket('127.0.0.1', port, 5000, { data: true })).rejects.toMatchObject({ kind: 'transfer', message: expect.stringMatching(/^data connection: cannot connect to /) });
  });

  it('gives up at once, as kind aborted, when the signal fires while connecting or had fired before', async () => {
    const { port, accepted } = await listen();
    const before = new AbortController();
    before.abort();
    await expect(connectSocket('127.0.0.1', port, 5000, { signal: before.signal })).rejects.toMatchObject({ kind: 'aborted' });
    const during = new AbortController();
    const connecting = connectSocket('127.0.0.1', port, 5000, { signal: during.signal });
    during.abort();
    await expect(connecting).rejects.toMatchObject({ kind: 'aborted', message: `connecting to 127.0.0.1:${port}: interrupted` });
    // Whatever reached the listener is closed from our side: nothing stays open.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const s of accepted) expect(s.readableEnded || s.destroyed).toBe(true);
  });
});
