import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { TlsSession } from '../../src/core/connection/tls.js';

// A session's data connections: each one is verified and resumes the control
// connection's TLS session, and none pays again for loading the trusted CAs
// (about 150 certificates: tens of ms of CPU each time, which a tree of small
// files over FTPS would pay per file).

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const CA = fixture('ca.pem');

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer({ key: fixture('server.key'), cert: fixture('server.pem') }, (s) => {
    s.on('error', () => {});
    s.end('x');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const dial = () =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

/** A connection through `session`, read to its end. */
async function through(session: TlsSession, kind: 'control' | 'data'): Promise<TLSSocket> {
  const socket = await session.wrap(await dial(), kind).ready;
  await new Promise<void>((resolve) => {
    socket.resume();
    socket.once('end', () => resolve());
  });
  return socket;
}

describe('TlsSession', () => {
  it('data connections resume the session and cost little CPU each (the trusted CAs are loaded once)', async () => {
    const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'localhost', 5_000);
    const control = await through(session, 'control');
    expect(control.authorized).toBe(true);
    await through(session, 'data'); // warm-up: the first data connection compiles the code paths
    const count = 20;
    const before = process.cpuUsage();
    const reused: boolean[] = [];
    for (let i = 0; i < count; i++) reused.push((await through(session, 'data')).isSessionReused());
    const used = process.cpuUsage(before);
    const msEach = (used.user + used.system) / 1000 / count;
    expect(reused.every(Boolean)).toBe(true);
    // Server and client together: a resumed handshake is about 1-3 ms; loading the CAs alone is 30-60 ms.
    expect(msEach).toBeLessThan(15);
  });

  it('still refuses a certificate the CAs do not vouch for, on every connection', async () => {
    const session = new TlsSession({ mode: 'explicit' }, 'localhost', 5_000);
    for (let i = 0; i < 2; i++) {
      await expect(through(session, 'control')).rejects.toMatchObject({ kind: 'tls', message: expect.stringMatching(/certificate not trusted/) });
    }
  });

  it('still checks the host name against the name dialled', async () => {
    const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'elsewhere.example', 5_000);
    await expect(through(session, 'control')).rejects.toMatchObject({ kind: 'tls', message: expect.stringMatching(/certificate not trusted/) });
  });
});

describe('TlsSession.dial (a data connection TLS dials itself)', () => {
  it('resumes the session, and reads into the onread buffers (a wrapped socket would emit data instead)', async () => {
    const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'localhost', 5_000);
    await through(session, 'control');
    const ours = [Buffer.alloc(64 * 1024), Buffer.alloc(64 * 1024)];
    const got: Buffer[] = [];
    let handed = 0;
    let others = 0;
    const onread = {
      buffer: () => ours[handed++ % 2]!,
      callback: (n: number, b: Uint8Array) => {
        if (!ours.some((o) => o === b)) others++;
        got.push(Buffer.from(b.subarray(0, n)));
        return true;
      },
    };
    const socket = await session.dial('127.0.0.1', port, undefined, onread, Promise.resolve()).ready;
    const resumed = socket.isSessionReused();
    let dataEvents = 0;
    socket.on('data', () => dataEvents++);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(resumed).toBe(true);
    expect(Buffer.concat(got).toString()).toBe('x');
    expect(dataEvents).toBe(0);
    expect(others).toBe(0);
  });

  it('a port nobody listens on: kind transfer, naming where', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'localhost', 5_000);
    await expect(session.dial('127.0.0.1', free, undefined, undefined, Promise.resolve()).ready).rejects.toMatchObject({
      kind: 'transfer',
      message: `data connection: cannot connect to 127.0.0.1:${free}: connection refused`,
    });
  });

  it('still refuses a certificate the CAs do not vouch for', async () => {
    const session = new TlsSession({ mode: 'explicit' }, 'localhost', 5_000);
    await expect(session.dial('127.0.0.1', port, undefined, undefined, Promise.resolve()).ready).rejects.toMatchObject({ kind: 'tls', message: expect.stringMatching(/certificate not trusted/) });
  });

  it('connects TCP at once but sends nothing before `after` (the command written), then completes the handshake', async () => {
    // A plain listener in front of the TLS server: it records when the first byte arrives.
    const events: string[] = [];
    const relay = net.createServer((inbound) => {
      events.push('accepted');
      inbound.once('data', (first) => {
        events.push('first byte');
        const outbound = net.connect(port, '127.0.0.1', () => outbound.write(first));
        inbound.pipe(outbound).pipe(inbound);
        outbound.on('error', () => inbound.destroy());
      });
      inbound.on('error', () => {});
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const relayPort = (relay.address() as AddressInfo).port;
    try {
      const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'localhost', 5_000);
      let release!: () => void;
      const after = new Promise<void>((resolve) => (release = resolve));
      const dialled = session.dial('127.0.0.1', relayPort, undefined, undefined, after);
      expect(dialled.connected).toBeDefined();
      await dialled.connected;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(events).toEqual(['accepted']);
      release();
      const socket = await dialled.ready;
      expect(events).toEqual(['accepted', 'first byte']);
      expect(socket.authorized).toBe(true);
      socket.destroy();
    } finally {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('cancelled before `after`: the connection is closed with nothing sent on it', async () => {
    let received = 0;
    const closedOnServer = new Promise<void>((resolve) => {
      const sink = net.createServer((s) => {
        s.on('data', (b) => (received += b.length));
        s.on('close', () => (sink.close(), resolve()));
        s.on('error', () => {});
      });
      sink.listen(0, '127.0.0.1', () => {
        const session = new TlsSession({ mode: 'explicit', ca: [CA] }, 'localhost', 5_000);
        const dialled = session.dial('127.0.0.1', (sink.address() as AddressInfo).port, undefined, undefined, new Promise<void>(() => {}));
        void dialled.connected!.then(() => dialled.cancel());
      });
    });
    await closedOnServer;
    expect(received).toBe(0);
  });
});
