import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { startWanProxy, type WanProxy } from '../../bench/wan-proxy.js';

// The bench's wide-area link: a real TCP server on 127.0.0.1 behind the proxy on 127.0.0.2.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function serve(onConnection: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
      resolve((server.address() as net.AddressInfo).port);
    }),
  );
}

async function proxyFor(controlPort: number, dataPort: number, rttMs: number, mbit: number): Promise<WanProxy> {
  const proxy = await startWanProxy({ listenHost: '127.0.0.2', targetHost: '127.0.0.1', controlPort, dataPorts: [dataPort, dataPort], rttMs, mbit });
  cleanups.push(() => proxy.close());
  return proxy;
}

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.2', noDelay: true }, () => resolve(s));
    s.once('error', reject);
    cleanups.push(() => void s.destroy());
  });
}

const nextData = (s: net.Socket) => new Promise<Buffer>((resolve) => s.once('data', resolve));

/** Everything the socket receives until the other end closes. */
function readAll(s: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => s.once('end', () => resolve(Buffer.concat(chunks))));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('bench/wan-proxy.js', () => {
  it('delays a request and its reply by one round trip, on the control port and on a data port', async () => {
    const echo = (s: net.Socket) => s.on('data', (d) => s.write(d));
    const dataPort = await serve(echo);
    const proxy = await proxyFor(await serve(echo), dataPort, 60, 1000);
    for (const port of [proxy.port, dataPort]) {
      const s = await dial(port);
      await new Promise((r) => setTimeout(r, 100)); // past the handshake's own round trip
      const t0 = performance.now();
      s.write('ping\n');
      expect(String(await nextData(s))).toBe('ping\n');
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(58);
      expect(ms).toBeLessThan(150);
    }
  });

  it('caps the bandwidth, shares the cap between connections, and keeps the bytes in order', async () => {
    const payload = randomBytes(256 * 1024);
    const send = (s: net.Socket) => s.end(payload);
    // 8 Mbit/s = 1 MB/s: two downloads of 256 KiB at once need at least 0.52 s together.
    const dataPort = await serve(send);
    const proxy = await proxyFor(await serve(send), dataPort, 10, 8);
    const t0 = performance.now();
    const [a, b] = await Promise.all([dial(proxy.port).then(readAll), dial(dataPort).then(readAll)]);
    const ms = performance.now() - t0;
    expect(sha(a)).toBe(sha(payload));
    expect(sha(b)).toBe(sha(payload));
    expect(ms).toBeGreaterThanOrEqual((2 * payload.length) / 1000 - 5);
    expect(ms).toBeLessThan(3000);
  });

  it('counts command lines and round trips on the control connection (pipelined commands share one)', async () => {
    const ftp = (s: net.Socket) => {
      s.write('220 hello\r\n');
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        for (let i; (i = buf.indexOf('\n')) >= 0; ) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          s.write(line.startsWith('QUIT') ? '221 bye\r\n' : '200 ok\r\n');
          if (line.startsWith('QUIT')) s.end();
        }
      });
    };
    const proxy = await proxyFor(await serve(ftp), await serve(ftp), 20, 1000);
    const s = await dial(proxy.port);
    expect(String(await nextData(s))).toMatch(/^220/);
    s.write('USER a\r\n');
    await nextData(s);
    // Two commands before the first reply is back: one round trip, whether they travel in one chunk or two.
    s.write('PASS b\r\n');
    await new Promise((r) => setTimeout(r, 5));
    s.write('TYPE I\r\n');
    let got = '';
    while ((got.match(/\n/g) ?? []).length < 2) got += String(await nextData(s));
    s.write('QUIT\r\n');
    await readAll(s);
    s.destroy();
    await proxy.settle();
    expect(proxy.sessions).toHaveLength(1);
    expect(proxy.sessions[0]).toMatchObject({ commands: 4, roundTrips: 3, closed: true });
  });
});
