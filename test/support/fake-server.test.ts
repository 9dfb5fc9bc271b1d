import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, type FakeServerOptions, flood, listenTrap, startFakeServer } from './fake-server.js';

/** A deliberately dumb client: raw text in, regex waits; no FTP logic of ours involved. */
class RawClient {
  text = '';
  chunks: Buffer[] = [];
  private consumed = 0;
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.text += c.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Waits until the unread text matches, then consumes up to the end of the match. */
  async until(re: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const m = re.exec(this.text.slice(this.consumed));
      if (m) {
        this.consumed += m.index + m[0].length;
        return m;
      }
      if (this.ended) throw new Error(`closed before ${re}; got ${JSON.stringify(this.text.slice(this.consumed))}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Waits until `n` bytes in all have arrived. */
  async untilBytes(n: number): Promise<void> {
    while (this.text.length < n) {
      if (this.ended) throw new Error(`closed after ${this.text.length} bytes`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  cmd(line: string, re: RegExp): Promise<RegExpExecArray> {
    this.socket.write(line + '\r\n');
    return this.until(re);
  }

  closed(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((r) => this.socket.once('close', () => r()));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Connects a data connection and collects everything until the server closes it. */
function readData(port: number, host = '127.0.0.1'): { socket: Socket; body: Promise<Buffer> } {
  const socket = net.connect(port, host);
  const body = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  return { socket, body };
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
let servers: { close(): Promise<void> }[] = [];
const clients: RawClient[] = [];

async function start(opts: FakeServerOptions = {}): Promise<{ fake: FakeServer; c: RawClient }> {
  const fake = await startFakeServer(opts);
  servers.push(fake);
  const c = await RawClient.connect(fake.port);
  clients.push(c);
  return { fake, c };
}

async function epsv(c: RawClient): Promise<number> {
  const m = await c.cmd('EPSV', /^229 .*\(\|\|\|(\d+)\|\)\r\n/m);
  return Number(m[1]);
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('fake server: greeting and replies', () => {
  it('sends a default greeting and a normal login', async () => {
    const { fake, c } = await start();
    await c.until(/^220 .*\r\n/);
    await c.cmd('USER bob', /^331 .*\r\n/m);
    await c.cmd('PASS x', /^230 .*\r\n/m);
    await c.cmd('TYPE I', /^200 .*\r\n/m);
    await c.cmd('FEAT', /^211-Features:\r\n(?: .*\r\n)+211 End\r\n/m);
    expect(fake.commands).toEqual(['USER bob', 'PASS x', 'TYPE I', 'FEAT']);
    expect(fake.connections).toEqual([expect.objectContaining({ kind: 'control', remoteAddress: '127.0.0.1' })]);
  });

  it('sends a raw multi-line greeting and LF-only replies', async () => {
    const { c } = await start({ greeting: '220-Hello\n220 there', lineEnding: '\n' });
    await c.cmd('NOOP', /^200 OK\n/m);
    expect(c.text).toBe('220-Hello\n220 there\n200 OK\n');
  });

  it('floods an endless greeting, and still serves the next client', async () => {
    const { fake, c } = await start({ greeting: flood('220-' + 'x'.repeat(1020) + '\r\n') });
    await c.untilBytes(2_000_000); // 2 MB arrived and it keeps coming
    c.socket.destroy();
    fake.greeting = '220 calm again';
    const c2 = await RawClient.connect(fake.port);
    clients.push(c2);
    await c2.until(/^220 calm again\r\n/);
  });

  it('writes each reply one byte per write when asked', async () => {
    const { c } = await start({ byteByByte: true, greeting: '220 Hello, slowly' });
    await c.cmd('NOOP', /^200 OK\r\n/m);
    expect(c.text).toBe('220 Hello, slowly\r\n200 OK\r\n');
    // Nagle is off and writes are a loop turn apart: the client sees many small chunks.
    expect(c.chunks.length).toBeGreaterThan(c.text.length / 2);
  });

  it('uses canned replies, custom handlers and the fallback', async () => {
    const { fake, c } = await start({
      handlers: {
        SIZE: '550 Nope',
        PWD: ({ session }) => session.send('257-"/odd"\r\n257 done\r\n'),
        TYPE: async (ctx) => {
          if (ctx.arg === 'A') return '504 No ASCII here';
          await ctx.fallback();
        },
      },
    });
    await c.cmd('SIZE x', /^550 Nope\r\n/m);
    await c.cmd('PWD', /^257-"\/odd"\r\n257 done\r\n/m);
    await c.cmd('TYPE A', /^504 No ASCII here\r\n/m);
    await c.cmd('TYPE I', /^200 Type set\r\n/m);
    await c.cmd('XYZZY', /^502 /m);
    expect(fake.verbs()).toEqual(['SIZE', 'PWD', 'TYPE', 'TYPE', 'XYZZY']);
  });
});

describe('fake server: transfers', () => {
  it('serves RETR over EPSV honouring REST, and SIZE from the files map', async () => {
    const { fake, c } = await start({ files: { 'a.bin': bytes } });
    await c.cmd('SIZE /a.bin', /^213 1000\r\n/m);
    const data = readData(await epsv(c));
    await c.cmd('REST 100', /^350 /m);
    await c.cmd('RETR a.bin', /^150 .*\(1000 bytes\)\r\n/m);
    expect(await data.body).toEqual(bytes.subarray(100));
    await c.until(/^226 /m);
    expect(fake.connections.map((x) => x.kind)).toEqual(['control', 'data']);
  });

  it('writes any PASV address into 227 but listens on 127.0.0.1', async () => {
    const { c } = await start({ files: { f: 'hello' }, pasvAddress: '10.9.8.7' });
    const m = await c.cmd('PASV', /^227 .*\(10,9,8,7,(\d+),(\d+)\)\r\n/m);
    const data = readData(Number(m[1]) * 256 + Number(m[2]));
    await c.cmd('RETR f', /^150 /m);
    expect((await data.body).toString()).toBe('hello');
    await c.until(/^226 /m);
  });

  it('answers 500 to EPSV when disabled, and sends a raw 227 when told', async () => {
    const { c } = await start({ epsv: false, pasvReply: '227 =1216,256,0,1,2,3' });
    await c.cmd('EPSV', /^500 /m);
    await c.cmd('PASV', /^227 =1216,256,0,1,2,3\r\n/m);
  });

  it('connects to a PORT address for active mode', async () => {
    const { fake, c } = await start({ files: { f: bytes } });
    const got = new Promise<Buffer>((resolve) => {
      const srv = net.createServer((s) => {
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks)));
        srv.close();
      });
      srv.listen(0, '127.0.0.1', async () => {
        const port = (srv.address() as net.AddressInfo).port;
        await c.cmd(`PORT 127,0,0,1,${port >> 8},${port & 255}`, /^200 /m);
        c.socket.write('RETR f\r\n');
      });
    });
    expect(await got).toEqual(bytes);
    await c.until(/^150 [\s\S]*^226 /m);
    expect(fake.connections[1]).toMatchObject({ kind: 'data', remoteAddress: '127.0.0.1' });
  });

  it('records STOR uploads with their REST offset and resumes the stored file', async () => {
    const { fake, c } = await start({ files: { 'u.txt': 'hello world' } });
    const port = await epsv(c);
    await c.cmd('REST 6', /^350 /m);
    c.socket.write('STOR u.txt\r\n');
    const data = net.connect(port, '127.0.0.1');
    await c.until(/^150 /m);
    data.end('there!');
    await c.until(/^226 /m);
    expect(fake.uploads).toEqual([{ name: 'u.txt', offset: 6, append: false, data: Buffer.from('there!') }]);
    expect(fake.files.get('u.txt')!.toString()).toBe('hello there!');
  });
});

describe('fake server: data faults', () => {
  it('truncate: sends only N bytes, closes, then the chosen reply', async () => {
    const { c } = await start({
      files: { f: bytes },
      dataFaults: { RETR: { type: 'truncate', bytes: 300, reply: '426 Broken' } },
    });
    const data = readData(await epsv(c));
    await c.cmd('RETR f', /^150 /m);
    expect(await data.body).toEqual(bytes.subarray(0, 300));
    await c.until(/^426 Broken\r\n/m);
  });

  it('stall: keeps the data open and silent until ABOR, then 426 and 226', async () => {
    const { fake, c } = await start({ files: { f: bytes }, dataFaults: { RETR: { type: 'stall', bytes: 10 } } });
    const data = readData(await epsv(c));
    let received = 0;
    data.socket.on('data', (d: Buffer) => (received += d.length));
    await c.cmd('RETR f', /^150 .*\r\n/m);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toBe(10);
    expect(c.text).not.toMatch(/^226 /m);
    c.socket.write('ABOR\r\n');
    await c.until(/^426 .*\r\n226 .*\r\n/m);
    expect(fake.verbs()).toEqual(['EPSV', 'RETR', 'ABOR']);
  });

  it('coalesce: 150 and 226 arrive in one write after the data', async () => {
    const { c } = await start({ files: { f: 'abc' }, dataFaults: { RETR: { type: 'coalesce' } } });
    const data = readData(await epsv(c));
    c.socket.write('RETR f\r\n');
    expect((await data.body).toString()).toBe('abc');
    await c.until(/^150 .*\r\n226 .*\r\n/m);
    expect(c.chunks.some((ch) => /^150 .*\r\n226 .*\r\n$/.test(ch.toString()))).toBe(true);
  });

  it('early226: 226 comes while data is still flowing', async () => {
    const { c } = await start({ files: { f: bytes }, dataFaults: { RETR: { type: 'early226' } } });
    const data = readData(await epsv(c));
    let endedAt226: boolean | undefined;
    c.socket.write('RETR f\r\n');
    const reply = c.until(/^226 /m).then(() => (endedAt226 = data.socket.readableEnded));
    expect(await data.body).toEqual(bytes);
    await reply;
    expect(endedAt226).toBe(false);
  });

  it('refuse: 425 without touching the data connection', async () => {
    const { fake, c } = await start({ files: { f: 'x' }, dataFaults: { RETR: { type: 'refuse' } } });
    await epsv(c);
    await c.cmd('RETR f', /^425 /m);
    expect(fake.connections.map((x) => x.kind)).toEqual(['control']);
  });

  it('close421: 421 then the control connection closes', async () => {
    const { c } = await start({ files: { f: 'x' }, dataFaults: { LIST: { type: 'close421' } } });
    await c.cmd('LIST', /^421 /m);
    await c.closed();
  });
});

describe('listenTrap', () => {
  it('records a connection to 127.0.0.2 and not one to the real passive port', async () => {
    const trap = await listenTrap('127.0.0.2');
    servers.push(trap);
    const { fake, c } = await start({ files: { f: 'ok' }, pasvAddress: '127.0.0.2', pasvPort: trap.port });
    await c.cmd('PASV', new RegExp(`^227 .*\\(127,0,0,2,${trap.port >> 8},${trap.port & 255}\\)`, 'm'));
    const data = readData(trap.port, '127.0.0.1'); // a client that ignores the PASV address
    await c.cmd('RETR f', /^150 /m);
    expect((await data.body).toString()).toBe('ok');
    expect(trap.connected).toBe(false);

    const hostile = net.connect(trap.port, '127.0.0.2'); // one that follows it
    await new Promise((r) => hostile.once('close', r));
    expect(trap.connections).toEqual(['127.0.0.1']);
    expect(fake.connections.filter((x) => x.kind === 'data')).toHaveLength(1);
  });
});
