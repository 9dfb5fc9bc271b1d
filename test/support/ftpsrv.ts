import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContextOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';

export interface FtpSrvOptions {
  /** Named users and their passwords. */
  users?: Record<string, string>;
  /** Allow USER anonymous (default true). */
  anonymous?: boolean;
  /** Directory to serve; a fresh temp dir (removed on close) when omitted. */
  root?: string;
  /** FTPS with the test certificate: explicit (AUTH TLS) or implicit (TLS from the first byte). */
  tls?: 'explicit' | 'implicit';
  /** Certificate to serve with TLS: 'server' (signed by test/fixtures/tls/ca.pem) or 'other' (self-signed). */
  cert?: 'server' | 'other';
  /** Answer MFMT (and list it in FEAT), which ftp-srv lacks; ftp-srv's command table is global, so until this instance closes. */
  mfmt?: boolean;
  /** Hears the command lines of each read of a control connection (what a client wrote together), from ftp-srv's trace log. */
  onRead?: (lines: string[]) => void;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
export const TEST_CA = join(FIXTURES, 'ca.pem');

function certificate(name: 'server' | 'other') {
  return { key: readFileSync(join(FIXTURES, `${name}.key`)), cert: readFileSync(join(FIXTURES, `${name}.pem`)) };
}

/**
 * ftp-srv answers AUTH TLS with 234 and wraps the socket a tick later, so a
 * quick ClientHello can reach its plain-text parser. This handler writes the
 * 234 and wraps the socket in the same tick.
 */
function patchAuthTls(): void {
  const require = createRequire(import.meta.url);
  const registry = require('ftp-srv/src/commands/registry') as Record<string, { handler: (this: AuthConnection, ctx: { command: { arg: string } }) => unknown }>;
  registry.AUTH!.handler = function ({ command }) {
    if (String(command.arg).toUpperCase() !== 'TLS') return this.reply(504);
    if (!this.server.options.tls) return this.reply(502);
    const raw = this.commandSocket;
    raw.write('234 Honored\r\n');
    const secure = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext(this.server.options.tls) });
    for (const event of ['data', 'timeout', 'end', 'close', 'drain', 'error']) {
      secure.on(event, (...args: unknown[]) => raw.emit(event, ...args));
    }
    this.commandSocket = secure;
    this.secure = true;
    return Promise.resolve();
  };
}

/** MFMT YYYYMMDDHHMMSS path: sets the file's modification time on disk, as vsftpd and proftpd do. Returns its removal. */
function addMfmt(): () => void {
  const require = createRequire(import.meta.url);
  const registry = require('ftp-srv/src/commands/registry') as Record<string, unknown>;
  registry.MFMT = {
    directive: 'MFMT',
    flags: { feat: 'MFMT' },
    handler: async function (this: MfmtConnection, { command }: { command: { arg: string | null } }) {
      const [time = '', ...rest] = (command.arg ?? '').split(' ');
      const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(time);
      if (!m) return this.reply(501, 'Bad time');
      const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
      try {
        await utimes(this.fs._resolvePath(rest.join(' ')).fsPath, date, date);
      } catch (err) {
        return this.reply(550, (err as Error).message);
      }
      return this.reply(213, `Modify=${time}; ${rest.join(' ')}`);
    },
  };
  return () => delete registry.MFMT;
}

interface MfmtConnection {
  reply(code: number, message?: string): Promise<unknown>;
  fs: { _resolvePath(path: string): { fsPath: string } };
}

interface AuthConnection {
  reply(code: number): Promise<unknown>;
  server: { options: { tls: SecureContextOptions | false } };
  commandSocket: Socket;
  secure: boolean;
}

export interface RunningFtpSrv {
  host: '127.0.0.1';
  port: number;
  root: string;
  url: string;
  close(): Promise<void>;
}

// Passive ports: below Linux's ephemeral range (32768+), one slot per vitest
// worker and one window per instance, so parallel files never race for a port
// (ftp-srv gives up after 5 busy ones).
const PASV_BASE = 10_000;
const WORKER_SLOT = 1_000;
const INSTANCE_WINDOW = 50;
let instances = 0;

function pasvRange(): { pasv_min: number; pasv_max: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) % 22;
  const window = instances++ % (WORKER_SLOT / INSTANCE_WINDOW);
  const min = PASV_BASE + worker * WORKER_SLOT + window * INSTANCE_WINDOW;
  return { pasv_min: min, pasv_max: min + INSTANCE_WINDOW - 1 };
}

// ftp-srv logs JSON to stdout by default; this logger swallows everything.
const silent = {
  child: () => silent,
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
};

/** ftp-srv traces the lines of every read of a control connection as an array; everything else is swallowed. */
function readLogger(onRead: (lines: string[]) => void): typeof silent {
  const logger: typeof silent = { ...silent, child: () => logger, trace: (...what: unknown[]) => void (Array.isArray(what[0]) && onRead(what[0].map(String))) };
  return logger;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/** Starts ftp-srv in this process on 127.0.0.1 with an OS-chosen port. */
export async function startFtpSrv(opts: FtpSrvOptions = {}): Promise<RunningFtpSrv> {
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'tftp-ftpsrv-')));
  const users = opts.users ?? {};
  const anonymous = opts.anonymous ?? true;

  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  if (opts.tls === 'explicit') patchAuthTls();
  const removeMfmt = opts.mfmt ? addMfmt() : undefined;
  const server = new FtpSrv({
    url: `${opts.tls === 'implicit' ? 'ftps' : 'ftp'}://127.0.0.1:0`,
    tls: opts.tls ? certificate(opts.cert ?? 'server') : false,
    pasv_url: '127.0.0.1',
    ...pasvRange(),
    anonymous,
    log: opts.onRead ? readLogger(opts.onRead) : silent,
  });
  // It installs handlers that call process.exit(0); a test must never inherit them.
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) {
      if (!before.get(s)!.has(l)) process.removeListener(s, l);
    }
  }

  server.on('login', ({ username, password }, resolve, reject) => {
    const anon = anonymous && username === 'anonymous';
    if (anon || (Object.hasOwn(users, username) && users[username] === password)) {
      resolve({ root });
    } else {
      reject(new Error('Login incorrect'));
    }
  });

  await server.listen();
  // The typings do not expose the net.Server holding the real bound port.
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    root,
    url: `ftp://127.0.0.1:${port}`,
    async close() {
      await server.close();
      removeMfmt?.();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
