import net, { type AddressInfo, type Socket } from 'node:net';

// Proxies of the tests' own: SOCKS 5 (optionally with a user name and
// password) and 4a, HTTP CONNECT (optionally with Basic authentication), and
// a forwarder that drops connections left idle, as a NAT does. Each records
// what it was asked to reach.

export interface TestProxy {
  port: number;
  url: string;
  /** Every target asked for ("host:port" as the client named it), in order. */
  targets: string[];
  /** Connections accepted from clients. */
  accepted: number;
  close(): Promise<void>;
}

interface ProxyOptions {
  /** Require these credentials. */
  auth?: { user: string; password: string };
  /** Refuse every CONNECT as if the target could not be reached. */
  unreachable?: boolean;
  /** The first connection's answer goes out in one write with the server's greeting. */
  coalesce?: boolean;
}

/** Reads exactly n bytes from a socket in paused mode. */
function reader(socket: Socket) {
  let buffered = Buffer.alloc(0);
  let want: { n: number; resolve(b: Buffer): void; reject(e: Error): void } | undefined;
  const pump = () => {
    if (want && buffered.length >= want.n) {
      const out = buffered.subarray(0, want.n);
      buffered = buffered.subarray(want.n);
      const w = want;
      want = undefined;
      w.resolve(out);
    }
  };
  const onData = (c: Buffer) => {
    buffered = Buffer.concat([buffered, c]);
    pump();
  };
  socket.on('data', onData);
  socket.on('close', () => want?.reject(new Error('closed')));
  return {
    read: (n: number) => new Promise<Buffer>((resolve, reject) => ((want = { n, resolve, reject }), pump())),
    /** Stops reading; returns what was read past the handshake. */
    detach: () => {
      socket.off('data', onData);
      return buffered;
    },
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closer(server: net.Server, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/**
 * Connects client to host:port and pipes both ways, after answering the
 * client with `answer.ok` (or `answer.failed`, then hanging up). `coalesce`:
 * the answer goes out in one write with the server's first bytes, as a proxy
 * may do, so the client must keep what it reads past the answer.
 */
function relay(client: Socket, host: string, port: number, sockets: Set<Socket>, answer: { ok: Buffer; failed: Buffer }, rest: Buffer, coalesce = false): void {
  const upstream = net.connect({ host, port });
  sockets.add(upstream);
  let connected = false;
  const pipe = () => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  upstream.once('connect', () => {
    connected = true;
    if (rest.length) upstream.write(rest);
    if (!coalesce) {
      client.write(answer.ok);
      return pipe();
    }
    upstream.once('data', (first: Buffer) => {
      client.write(Buffer.concat([answer.ok, first]));
      pipe();
    });
  });
  upstream.on('error', () => {
    if (!connected) client.end(answer.failed);
  });
  upstream.on('close', () => connected && client.destroy());
  client.on('close', () => upstream.destroy());
  client.on('error', () => upstream.destroy());
}

export async function startSocksProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const state = { targets: [] as string[], accepted: 0 };
  const server = net.createServer(async (client) => {
    state.accepted++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const r = reader(client);
    try {
      const version = (await r.read(1))[0];
      let host: string;
      let port: number;
      if (version === 4) {
        const head = await r.read(7); // cmd, port, ip
        port = head.readUInt16BE(1);
        const ip = [...head.subarray(3, 7)].join('.');
        while ((await r.read(1))[0] !== 0); // user id
        if (ip.startsWith('0.0.0.') && ip !== '0.0.0.0') {
          const name: number[] = [];
          for (let b = (await r.read(1))[0]!; b !== 0; b = (await r.read(1))[0]!) name.push(b);
          host = Buffer.from(name).toString();
        } else host = ip;
        state.targets.push(`${host}:${port}`);
        const v4reply = (granted: boolean) => Buffer.from([0, granted ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]);
        if (opts.unreachable) return client.end(v4reply(false));
        return relay(client, host, port, sockets, { ok: v4reply(true), failed: v4reply(false) }, r.detach(), opts.coalesce && state.accepted === 1);
      }
      const methods = [...(await r.read((await r.read(1))[0]!))];
      if (opts.auth) {
        if (!methods.includes(2)) return client.end(Buffer.from([5, 0xff]));
        client.write(Buffer.from([5, 2]));
        await r.read(1);
        const user = (await r.read((await r.read(1))[0]!)).toString();
        const password = (await r.read((await r.read(1))[0]!)).toString();
        const good = user === opts.auth.user && password === opts.auth.password;
        client.write(Buffer.from([1, good ? 0 : 1]));
        if (!good) return client.end();
      } else {
        if (!methods.includes(0)) return client.end(Buffer.from([5, 0xff]));
        client.write(Buffer.from([5, 0]));
      }
      const req = await r.read(4);
      const atyp = req[3];
      if (atyp === 1) host = [...(await r.read(4))].join('.');
      else if (atyp === 4) host = (await r.read(16)).toString('hex').match(/.{4}/g)!.join(':');
      else host = (await r.read((await r.read(1))[0]!)).toString();
      port = (await r.read(2)).readUInt16BE(0);
      state.targets.push(`${atyp === 3 ? host : net.isIPv6(host) ? `[${host}]` : host}:${port}`);
      const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
      if (opts.unreachable) return client.end(reply(4));
      relay(client, host, port, sockets, { ok: reply(0), failed: reply(5) }, r.detach(), opts.coalesce && state.accepted === 1);
    } catch {
      client.destroy();
    }
  });
  const port = await listen(server);
  const auth = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@` : '';
  return {
    port,
    url: `socks5://${auth}127.0.0.1:${port}`,
    get targets() {
      return state.targets;
    },
    get accepted() {
      return state.accepted;
    },
    close: closer(server, sockets),
  };
}

export async function startHttpProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const state = { targets: [] as string[], accepted: 0 };
  const server = net.createServer((client) => {
    state.accepted++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const lines = head.subarray(0, end).toString().split('\r\n');
      const [method, authority] = lines[0]!.split(' ');
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority ?? '');
      if (method !== 'CONNECT' || !m) return client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      state.targets.push(authority!);
      if (opts.auth) {
        const given = lines.find((l) => /^proxy-authorization:/i.test(l))?.split(/:\s*/)[1];
        const wanted = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
        if (given !== wanted) return client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      }
      if (opts.unreachable) return client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      const answer = { ok: Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'), failed: Buffer.from('HTTP/1.1 502 Bad Gateway\r\n\r\n') };
      relay(client, m[1]!, Number(m[2]), sockets, answer, head.subarray(end + 4), opts.coalesce && state.accepted === 1);
    };
    client.on('data', onData);
  });
  const port = await listen(server);
  const auth = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@` : '';
  return {
    port,
    url: `http://${auth}127.0.0.1:${port}`,
    get targets() {
      return state.targets;
    },
    get accepted() {
      return state.accepted;
    },
    close: closer(server, sockets),
  };
}

export interface IdleForwarder {
  port: number;
  /** Connections accepted. */
  accepted: number;
  /** Connections it dropped for being idle. */
  dropped: number;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:port to the target; a connection with no byte either way for `idleMs` is cut (both sides), as a NAT forgets it. */
export async function startIdleForwarder(target: { host: string; port: number }, idleMs: number): Promise<IdleForwarder> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0, dropped: 0 };
  const server = net.createServer((client) => {
    state.accepted++;
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    const timer = setTimeout(() => {
      state.dropped++;
      client.destroy();
      upstream.destroy();
    }, idleMs);
    const seen = () => timer.refresh();
    client.on('data', (c: Buffer) => (seen(), upstream.write(c)));
    upstream.on('data', (c: Buffer) => (seen(), client.write(c)));
    client.on('close', () => (clearTimeout(timer), upstream.destroy()));
    upstream.on('close', () => (clearTimeout(timer), client.destroy()));
  });
  const port = await listen(server);
  return {
    port,
    get accepted() {
      return state.accepted;
    },
    get dropped() {
      return state.dropped;
    },
    close: closer(server, sockets),
  };
}
