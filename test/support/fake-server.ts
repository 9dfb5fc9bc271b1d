import net, { type AddressInfo, type Socket } from 'node:net';
import { setImmediate as nextTick, setTimeout as sleep } from 'node:timers/promises';

/**
 * A scriptable FTP server for the cases a real server will not produce:
 * hostile replies, odd chunking, broken data connections. It always listens
 * on 127.0.0.1 (control and passive data), whatever its replies claim.
 *
 * File names are keys of `files` with any leading '/' removed.
 */

/** A verb's behaviour: a canned reply, or a function that may write anything. */
export type Handler = string | Buffer | ((ctx: CommandContext) => unknown);

export interface CommandContext {
  verb: string; // upper-cased
  arg: string; // everything after the first space, as sent
  line: string; // the command line without its line ending
  session: FakeSession;
  server: FakeServer;
  /** Runs the built-in behaviour for this verb (502 when there is none). */
  fallback(): Promise<void>;
}

/** How the next transfers of a verb (RETR, LIST, NLST, STOR, APPE) misbehave. */
export type DataFault =
  /** Send only `bytes` then close the data connection; `reply` is the final reply (default 226, null = none). STOR: read `bytes` then close. */
  | { type: 'truncate'; bytes: number; reply?: string | null }
  /** Send `bytes` then keep the data connection open and say nothing (until ABOR). STOR: read all, never reply. */
  | { type: 'stall'; bytes: number }
  /** Send all data and close, then write "150 …" and "226 …" in a single write. */
  | { type: 'coalesce' }
  /** Write 226 when half the data is sent, then send the rest. */
  | { type: 'early226' }
  /** Answer 425 without using the data connection. */
  | { type: 'refuse' }
  /** Answer 421 and close the control connection. */
  | { type: 'close421' }
  /**
   * Send (RETR) or read (STOR) `bytes`, then stop: no more data, no reading (the
   * client's writes back up), no reply, until ABOR. `server.held` counts arrivals here.
   */
  | { type: 'hold'; bytes: number }
  /** Send (RETR) or read (STOR) `bytes`, then reset the data connection (TCP RST); `reply` as for truncate. */
  | { type: 'reset'; bytes: number; reply?: string | null };

export interface ConnectionRecord {
  kind: 'control' | 'data';
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface UploadRecord {
  name: string;
  /** The REST offset in force for this STOR (0 without REST). */
  offset: number;
  append: boolean;
  data: Buffer;
}

export interface FakeServerOptions {
  /** String: sent with a line ending appended if it has none. Buffer: raw. Function: write anything. */
  greeting?: string | Buffer | ((session: FakeSession) => unknown);
  /** Line ending of generated replies (default CRLF). */
  lineEnding?: '\r\n' | '\n';
  /** Write every reply one byte per write, with setImmediate between writes. */
  byteByByte?: boolean;
  files?: Record<string, Buffer | string>;
  handlers?: Record<string, Handler>;
  dataFaults?: Record<string, DataFault>;
  /** false: EPSV is answered with 500. */
  epsv?: boolean;
  /** Address written into the 227 reply (default 127.0.0.1). */
  pasvAddress?: string;
  /** Listen for passive data on this port instead of a random one (to pair with a trap). */
  pasvPort?: number;
  /** Raw 227 / 229 reply replacing the generated one; a function gets the real port. */
  pasvReply?: string | ((port: number) => string);
  epsvReply?: string | ((port: number) => string);
  /**
   * Active mode: awaited just before the server connects to the PORT/EPRT
   * address, e.g. to let another host connect there first or to delay.
   */
  beforeActiveConnect?: (target: { host: string; port: number }, session: FakeSession) => unknown;
  /**
   * How command lines are decoded (default utf8). 'latin1' keeps every byte
   * as one character, so `Buffer.from(line, 'latin1')` gives back the bytes
   * sent, and file names are keys in that form.
   */
  commandEncoding?: BufferEncoding;
  /** Listen on ::1 instead of 127.0.0.1 (control and passive data). */
  listenOn?: '127.0.0.1' | '::1';
}

const PASSIVE_WAIT_MS = 10_000;

/** One control connection and its data-connection state. */
export class FakeSession {
  /** REST offset for the next transfer. */
  rest = 0;
  /** The folder CWD moved to, relative to the root ('' is the root). */
  cwd = '';
  private out: Promise<void> = Promise.resolve();
  private pasv: net.Server | null = null;
  private pasvConn: Promise<Socket | null> | null = null;
  private active: { host: string; port: number } | null = null;
  /** The transfer in progress, so ABOR can interrupt it. */
  transfer: { abort: AbortController; data: Socket; done: Promise<void> } | null = null;

  constructor(
    readonly server: FakeServer,
    readonly socket: Socket,
  ) {}

  /** Writes raw bytes in order with earlier writes (byte by byte when the server says so). */
  send(raw: string | Buffer): Promise<void> {
    const buf = typeof raw === 'string' ? Buffer.from(raw, this.server.commandEncoding) : raw;
    const oneByte = this.server.byteByByte;
    this.out = this.out.then(async () => {
      if (!oneByte) return void (await write(this.socket, buf));
      for (let i = 0; i < buf.length && !this.socket.destroyed; i++) {
        this.socket.write(buf.subarray(i, i + 1));
        await nextTick();
      }
    });
    return this.out;
  }

  reply(code: number, text: string): Promise<void> {
    return this.send(`${code} ${text}${this.server.lineEnding}`);
  }

  /** Sends a canned reply, adding the line ending to a string that lacks one. */
  canned(reply: string | Buffer): Promise<void> {
    if (typeof reply === 'string' && !reply.endsWith('\n')) reply += this.server.lineEnding;
    return this.send(reply);
  }

  /** Opens a passive listener on 127.0.0.1 and returns its port. */
  async listenPassive(): Promise<number> {
    this.closePassive();
    const srv = net.createServer();
    this.pasv = srv;
    this.pasvConn = new Promise((resolve) => {
      srv.once('connection', (sock) => {
        this.server.track(sock, 'data');
        srv.close();
        resolve(sock);
      });
      srv.once('close', () => resolve(null));
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.server.pasvPort ?? 0, this.server.listenOn, () => resolve());
    });
    return (srv.address() as AddressInfo).port;
  }

  closePassive(): void {
    this.pasv?.close();
    this.pasv = null;
  }

  setActive(host: string, port: number): void {
    this.closePassive();
    this.pasvConn = null;
    this.active = { host, port };
  }

  /** The data connection for one transfer: the accepted passive one, or a connect to PORT/EPRT. */
  async openData(): Promise<Socket> {
    const pasv = this.pasvConn;
    const active = this.active;
    this.pasvConn = null;
    this.active = null;
    if (pasv) {
      const timer = sleep(PASSIVE_WAIT_MS, null, { ref: false });
      const sock = await Promise.race([pasv, timer]);
      this.closePassive();
      if (sock) return sock;
    } else if (active) {
      await this.server.beforeActiveConnect?.(active, this);
      const sock = net.connect(active.port, active.host);
      this.server.sockets.add(sock);
      sock.once('close', () => this.server.sockets.delete(sock));
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve).once('error', reject);
      });
      this.server.track(sock, 'data');
      return sock;
    }
    throw new Error('no data connection');
  }

  /** Destroys the control connection and any data connection. */
  destroy(): void {
    this.closePassive();
    this.transfer?.data.destroy();
    this.socket.destroy();
  }
}

export class FakeServer {
  host = '127.0.0.1' as const;
  /** Where the control and passive listeners are: 127.0.0.1, or ::1 when asked. */
  listenOn: '127.0.0.1' | '::1';
  port = 0;
  greeting: NonNullable<FakeServerOptions['greeting']>;
  lineEnding: '\r\n' | '\n';
  byteByByte: boolean;
  epsv: boolean;
  pasvAddress: string;
  pasvPort: number | undefined;
  pasvReply: FakeServerOptions['pasvReply'];
  epsvReply: FakeServerOptions['epsvReply'];
  beforeActiveConnect: FakeServerOptions['beforeActiveConnect'];
  commandEncoding: BufferEncoding;
  files = new Map<string, Buffer>();
  /** Raw LIST output per folder (the one the LIST argument names from the session's folder, without a leading '/'), replacing the generated one. */
  listings = new Map<string, string>();
  /** Raw MLSD output per folder; MLSD of a folder not in here is answered 502. */
  mlsd = new Map<string, string>();
  handlers: Record<string, Handler>;
  dataFaults: Record<string, DataFault>;

  /** Every command line received, in order, over all sessions. */
  readonly commands: string[] = [];
  readonly connections: ConnectionRecord[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly sessions: FakeSession[] = [];
  /** Exceptions thrown by handlers (also answered with 451). */
  readonly errors: unknown[] = [];
  /** Transfers that reached the stopping point of a 'hold' fault. */
  held = 0;
  readonly sockets = new Set<Socket>();
  private readonly listener = net.createServer((s) => this.accept(s));

  constructor(opts: FakeServerOptions = {}) {
    this.greeting = opts.greeting ?? '220 Fake FTP server ready';
    this.lineEnding = opts.lineEnding ?? '\r\n';
    this.byteByByte = opts.byteByByte ?? false;
    this.epsv = opts.epsv ?? true;
    this.pasvAddress = opts.pasvAddress ?? '127.0.0.1';
    this.listenOn = opts.listenOn ?? '127.0.0.1';
    this.pasvPort = opts.pasvPort;
    this.pasvReply = opts.pasvReply;
    this.epsvReply = opts.epsvReply;
    this.beforeActiveConnect = opts.beforeActiveConnect;
    this.commandEncoding = opts.commandEncoding ?? 'utf8';
    this.handlers = { ...opts.handlers };
    this.dataFaults = { ...opts.dataFaults };
    for (const [name, body] of Object.entries(opts.files ?? {})) {
      this.files.set(fileKey(name), Buffer.from(body));
    }
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(0, this.listenOn, () => resolve());
    });
    this.port = (this.listener.address() as AddressInfo).port;
    return this;
  }

  /** Verbs of the commands received, e.g. ['USER', 'PASS', 'EPSV', 'RETR']. */
  verbs(): string[] {
    return this.commands.map((c) => verbOf(c));
  }

  track(sock: Socket, kind: ConnectionRecord['kind']): void {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
    sock.on('error', () => {}); // resets from a client under test are expected
    this.connections.push({
      kind,
      remoteAddress: sock.remoteAddress ?? '',
      remotePort: sock.remotePort ?? 0,
      localAddress: sock.localAddress ?? '',
      localPort: sock.localPort ?? 0,
    });
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.closePassive();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private accept(sock: Socket): void {
    this.track(sock, 'control');
    sock.setNoDelay(true); // so byte-by-byte writes leave as separate segments
    const session = new FakeSession(this, sock);
    this.sessions.push(session);
    sock.once('close', () => session.destroy());
    this.greet(session).catch((err) => this.errors.push(err));

    let queue = Promise.resolve();
    let buffered = '';
    sock.setEncoding(this.commandEncoding); // decodes characters split across chunks
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        this.commands.push(line);
        // ABOR must be seen while a transfer is still running.
        if (verbOf(line) === 'ABOR') void this.run(session, line);
        else queue = queue.then(() => this.run(session, line));
      }
    });
  }

  private async greet(session: FakeSession): Promise<void> {
    const g = this.greeting;
    if (typeof g === 'function') await g(session);
    else await session.canned(g);
  }

  private async run(session: FakeSession, line: string): Promise<void> {
    if (session.socket.destroyed) return;
    const verb = verbOf(line);
    const space = line.indexOf(' ');
    const ctx: CommandContext = {
      verb,
      arg: space === -1 ? '' : line.slice(space + 1),
      line,
      session,
      server: this,
      fallback: async () => {
        const builtin = DEFAULTS[verb];
        if (builtin) await builtin(ctx);
        else await session.reply(502, 'Command not implemented');
      },
    };
    try {
      const h = this.handlers[verb];
      if (h === undefined) return await ctx.fallback();
      const result = typeof h === 'function' ? await h(ctx) : h;
      if (typeof result === 'string' || Buffer.isBuffer(result)) await session.canned(result);
    } catch (err) {
      this.errors.push(err);
      await session.reply(451, `fake server error: ${String(err)}`);
    }
  }
}

/** Starts a fake server on 127.0.0.1 with an OS-chosen port. */
export function startFakeServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return new FakeServer(opts).listen();
}

/** A greeting that writes `chunk` forever (or up to `total` bytes), respecting backpressure. */
export function flood(chunk: string | Buffer, total = Infinity): (session: FakeSession) => Promise<void> {
  const buf = Buffer.from(chunk);
  return async ({ socket }) => {
    for (let sent = 0; sent < total && !socket.destroyed; sent += buf.length) {
      await write(socket, buf.subarray(0, Math.min(buf.length, total - sent)));
    }
  };
}

export interface Trap {
  host: string;
  port: number;
  /** Remote addresses of everything that connected. */
  connections: string[];
  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * Listens on another loopback address (127.0.0.2 works on Linux) and records
 * any connection, to prove a client did not follow a hostile PASV address.
 */
export async function listenTrap(host = '127.0.0.2', port = 0): Promise<Trap> {
  const connections: string[] = [];
  const srv = net.createServer((s) => {
    connections.push(s.remoteAddress ?? '');
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => resolve());
  });
  return {
    host,
    port: (srv.address() as AddressInfo).port,
    connections,
    get connected() {
      return connections.length > 0;
    },
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

// ---- built-in behaviour of a normal session ----

type Builtin = (ctx: CommandContext) => Promise<void>;

const ok =
  (code: number, text: string): Builtin =>
  ({ session }) =>
    session.reply(code, text);

const DEFAULTS: Record<string, Builtin> = {
  USER: ok(331, 'Password required'),
  PASS: ok(230, 'Logged in'),
  TYPE: ok(200, 'Type set'),
  MODE: ok(200, 'Mode set'),
  STRU: ok(200, 'Structure set'),
  OPTS: ok(200, 'OK'),
  NOOP: ok(200, 'OK'),
  SYST: ok(215, 'UNIX Type: L8'),
  PWD: ({ session }) => session.reply(257, `"/${session.cwd}" is the current directory`),
  CWD: ({ session, arg }) => {
    session.cwd = resolvePath(session.cwd, arg);
    return session.reply(250, 'Directory changed');
  },
  CDUP: ({ session }) => {
    session.cwd = resolvePath(session.cwd, '..');
    return session.reply(250, 'Directory changed');
  },
  FEAT: ({ session }) => {
    const le = session.server.lineEnding;
    const feats = ['EPSV', 'PASV', 'SIZE', 'REST STREAM', 'UTF8'];
    return session.send(`211-Features:${le}${feats.map((f) => ` ${f}${le}`).join('')}211 End${le}`);
  },
  SIZE: ({ session, server, arg }) => {
    const body = server.files.get(fileKey(arg));
    return body ? session.reply(213, String(body.length)) : session.reply(550, 'No such file');
  },
  DELE: ({ session, server, arg }) =>
    server.files.delete(fileKey(arg)) ? session.reply(250, 'Deleted') : session.reply(550, 'No such file'),
  REST: ({ session, arg }) => {
    if (!/^\d+$/.test(arg)) return session.reply(501, 'Bad REST offset');
    session.rest = Number(arg);
    return session.reply(350, `Restarting at ${arg}`);
  },
  EPSV: async ({ session, server }) => {
    if (!server.epsv) return session.reply(500, 'EPSV not understood');
    const port = await session.listenPassive();
    const custom = server.epsvReply;
    if (custom !== undefined) return session.canned(typeof custom === 'function' ? custom(port) : custom);
    return session.reply(229, `Entering Extended Passive Mode (|||${port}|)`);
  },
  PASV: async ({ session, server }) => {
    const port = await session.listenPassive();
    const custom = server.pasvReply;
    if (custom !== undefined) return session.canned(typeof custom === 'function' ? custom(port) : custom);
    const h = server.pasvAddress.split('.').join(',');
    return session.reply(227, `Entering Passive Mode (${h},${port >> 8},${port & 255})`);
  },
  PORT: ({ session, arg }) => {
    const n = arg.split(',').map(Number);
    if (n.length !== 6 || n.some((x) => !(x >= 0 && x <= 255))) return session.reply(501, 'Bad PORT');
    session.setActive(n.slice(0, 4).join('.'), n[4]! * 256 + n[5]!);
    return session.reply(200, 'PORT command successful');
  },
  EPRT: ({ session, arg }) => {
    const parts = arg.split(arg[0] ?? '|');
    const port = Number(parts[3]);
    if (parts.length !== 5 || !parts[2] || !(port >= 1 && port <= 65535)) return session.reply(501, 'Bad EPRT');
    session.setActive(parts[2], port);
    return session.reply(200, 'EPRT command successful');
  },
  RETR: (ctx) => {
    const name = fileKey(ctx.arg);
    const body = ctx.server.files.get(name);
    if (!body) return ctx.session.reply(550, 'No such file');
    const from = ctx.session.rest;
    return sendData(ctx, body.subarray(from), `Opening BINARY mode data connection for ${name} (${body.length} bytes)`);
  },
  MLSD: (ctx) => {
    const body = ctx.server.mlsd.get(resolvePath(ctx.session.cwd, ctx.arg));
    return body === undefined ? ctx.session.reply(502, 'MLSD not implemented') : sendData(ctx, Buffer.from(body, ctx.server.commandEncoding), 'Here comes the machine listing');
  },
  LIST: (ctx) => sendData(ctx, Buffer.from(ctx.server.listings.get(resolvePath(ctx.session.cwd, ctx.arg)) ?? listing(ctx.server, true), ctx.server.commandEncoding), 'Here comes the directory listing'),
  NLST: (ctx) => sendData(ctx, Buffer.from(listing(ctx.server, false), ctx.server.commandEncoding), 'Here comes the directory listing'),
  STOR: (ctx) => receiveData(ctx, false),
  APPE: (ctx) => receiveData(ctx, true),
  ABOR: async ({ session }) => {
    const t = session.transfer;
    if (t) {
      t.abort.abort();
      t.data.destroy();
      await t.done; // the transfer's 426 goes first
    }
    await session.reply(226, 'Abort successful');
  },
  QUIT: async ({ session }) => {
    await session.reply(221, 'Goodbye');
    session.socket.end();
  },
};

/** Shared start of a transfer: faults that skip the data connection, then open it. */
async function startTransfer(ctx: CommandContext): Promise<{ data: Socket; fault?: DataFault } | null> {
  const { session } = ctx;
  const fault = ctx.server.dataFaults[ctx.verb];
  if (fault?.type === 'refuse') {
    session.closePassive();
    await session.reply(425, "Can't open data connection");
    return null;
  }
  if (fault?.type === 'close421') {
    await session.reply(421, 'Service not available, closing control connection');
    session.destroy();
    return null;
  }
  try {
    return { data: await session.openData(), fault };
  } catch {
    await session.reply(425, "Can't open data connection");
    return null;
  }
}

/** Runs `body` as the session's current transfer, so ABOR can interrupt it. */
async function asTransfer(session: FakeSession, data: Socket, body: (signal: AbortSignal) => Promise<void>) {
  const abort = new AbortController();
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  session.transfer = { abort, data, done };
  try {
    await body(abort.signal);
    if (abort.signal.aborted) await session.reply(426, 'Connection closed; transfer aborted');
  } finally {
    session.transfer = null;
    finished();
  }
}

async function sendData(ctx: CommandContext, payload: Buffer, opening: string): Promise<void> {
  const { session } = ctx;
  session.rest = 0;
  const started = await startTransfer(ctx);
  if (!started) return;
  const { data, fault } = started;
  const le = ctx.server.lineEnding;
  await asTransfer(session, data, async (signal) => {
    switch (fault?.type) {
      case 'truncate':
        await session.reply(150, opening);
        await endSocket(data, payload.subarray(0, fault.bytes));
        if (fault.reply !== null && !signal.aborted) await session.canned(fault.reply ?? '226 Transfer complete');
        return;
      case 'stall':
        await session.reply(150, opening);
        await write(data, payload.subarray(0, fault.bytes));
        await untilAborted(session, signal);
        return;
      case 'hold':
        await session.reply(150, opening);
        await write(data, payload.subarray(0, fault.bytes));
        ctx.server.held++;
        await untilAborted(session, signal);
        return;
      case 'reset':
        await session.reply(150, opening);
        await write(data, payload.subarray(0, fault.bytes));
        await sleep(20); // let the bytes leave before the RST
        data.resetAndDestroy();
        if (fault.reply !== null && !signal.aborted) await session.canned(fault.reply ?? '226 Transfer complete');
        return;
      case 'coalesce':
        await endSocket(data, payload);
        await session.send(`150 ${opening}${le}226 Transfer complete${le}`);
        return;
      case 'early226': {
        const half = payload.length >> 1;
        await session.reply(150, opening);
        await write(data, payload.subarray(0, half));
        await session.reply(226, 'Transfer complete');
        await sleep(20);
        await endSocket(data, payload.subarray(half));
        return;
      }
      default:
        await session.reply(150, opening);
        await endSocket(data, payload);
        if (!signal.aborted) await session.reply(226, 'Transfer complete');
    }
  });
}

async function receiveData(ctx: CommandContext, append: boolean): Promise<void> {
  const { session, server } = ctx;
  const name = fileKey(ctx.arg);
  const offset = session.rest;
  session.rest = 0;
  const started = await startTransfer(ctx);
  if (!started) return;
  const { data, fault } = started;
  await asTransfer(session, data, async (signal) => {
    if (fault?.type === 'hold' || fault?.type === 'reset') return receivePartly(ctx, data, fault, offset, append, signal);
    await session.reply(150, 'Ok to send data');
    const limit = fault?.type === 'truncate' ? fault.bytes : Infinity;
    const received = await readAll(data, limit);
    server.uploads.push({ name, offset, append, data: received });
    const old = server.files.get(name) ?? Buffer.alloc(0);
    const head = append ? old : old.subarray(0, offset);
    server.files.set(name, Buffer.concat([head, received]));
    if (signal.aborted) return;
    if (fault?.type === 'stall') return untilAborted(session, signal);
    if (fault?.type === 'truncate') {
      if (fault.reply !== null) await session.canned(fault.reply ?? '226 Transfer complete');
      return;
    }
    await session.reply(226, 'Transfer complete');
  });
}

/** STOR with a 'hold' or 'reset' fault: read `bytes`, then stop reading (hold) or reset the connection. */
async function receivePartly(
  ctx: CommandContext,
  data: Socket,
  fault: Extract<DataFault, { type: 'hold' | 'reset' }>,
  offset: number,
  append: boolean,
  signal: AbortSignal,
): Promise<void> {
  const { session, server } = ctx;
  await session.reply(150, 'Ok to send data');
  const received = await readExactly(data, fault.bytes);
  server.uploads.push({ name: fileKey(ctx.arg), offset, append, data: received });
  if (fault.type === 'hold') {
    server.held++;
    return untilAborted(session, signal);
  }
  data.resetAndDestroy();
  if (fault.reply !== null && !signal.aborted) await session.canned(fault.reply ?? '226 Transfer complete');
}

/** Reads up to `n` bytes, then pauses the socket (unread data stays in the kernel); fewer if it ends first. */
function readExactly(data: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      data.off('data', onData);
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= n) {
        data.pause();
        done();
      }
    };
    if (n === 0) {
      data.pause();
      return done();
    }
    data.on('data', onData);
    data.once('end', done).once('close', done);
  });
}

/** Waits until `check()` is true, polling; rejects after `ms`. */
export async function waitUntil(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function listing(server: FakeServer, long: boolean): string {
  return [...server.files]
    .map(([name, body]) =>
      long ? `-rw-r--r-- 1 ftp ftp ${String(body.length).padStart(10)} Jan 01 00:00 ${name}\r\n` : `${name}\r\n`,
    )
    .join('');
}

/** Reads until EOF, or closes the connection after `limit` bytes. */
function readAll(data: Socket, limit: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, limit));
    data.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= limit) data.destroy();
    });
    data.once('end', done).once('close', done);
  });
}

function write(sock: Socket, buf: Buffer): Promise<void> {
  if (sock.destroyed) return Promise.resolve();
  if (sock.write(buf)) return Promise.resolve();
  return new Promise((resolve) => {
    sock.once('drain', resolve).once('close', resolve);
  });
}

function endSocket(sock: Socket, buf: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed) return resolve();
    sock.once('close', resolve);
    sock.end(buf, () => resolve());
  });
}

function untilAborted(session: FakeSession, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || session.socket.destroyed) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    session.socket.once('close', () => resolve());
  });
}

function verbOf(line: string): string {
  const space = line.indexOf(' ');
  return (space === -1 ? line : line.slice(0, space)).toUpperCase();
}

function fileKey(name: string): string {
  return name.replace(/^\/+/, '');
}

/** `path` seen from the folder `cwd` (both relative to the root): '.', '..' and a leading '/' resolved. */
export function resolvePath(cwd: string, path: string): string {
  const parts = path.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/**
 * A greeting that records what the server reads of the control connection,
 * one entry per read: the lines a client wrote together (pipelined). On
 * loopback a small write arrives in one read, so the entries count the round
 * trips the client waited for.
 */
export function recordingGreeting(writes: string[][], greeting = '220 Fake FTP server ready') {
  return (session: FakeSession): Promise<void> => {
    let partial = '';
    session.socket.on('data', (chunk: string | Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      if (lines.length) writes.push(lines.map((l) => l.replace(/\r$/, '')));
    });
    return session.canned(greeting);
  };
}
