import net, { type AddressInfo, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { TLSSocket, createSecureContext, createServer as createTlsServer, type SecureContext } from 'node:tls';

/**
 * A tiny FTPS control-connection server for what a real one will not do:
 * write clear text right after its 234 to AUTH TLS (a STARTTLS injection),
 * greet with 230, greet over implicit TLS. It serves no data connections:
 * the tests that use it end before any transfer.
 */
export interface TlsScriptOptions {
  mode: 'explicit' | 'implicit';
  /** Default "220 ready". */
  greeting?: string;
  /** Clear-text bytes written in the same write as the 234 reply to AUTH TLS. */
  afterAuth?: string;
  /** Replies by verb (the line ending is added); a verb not here gets 502. */
  replies?: Record<string, string>;
}

export interface TlsScriptServer {
  port: number;
  /** Every command line received, and whether it came under TLS. */
  commands: { line: string; tls: boolean }[];
  close(): Promise<void>;
}

const FIXTURES = new URL('../fixtures/tls/', import.meta.url);
const certificate = () => ({ key: readFileSync(new URL('server.key', FIXTURES)), cert: readFileSync(new URL('server.pem', FIXTURES)) });
let context: SecureContext | undefined;
function serverContext(): SecureContext {
  context ??= createSecureContext(certificate());
  return context;
}

const DEFAULT_REPLIES: Record<string, string> = {
  USER: '331 Password required',
  PASS: '230 Logged in',
  PBSZ: '200 PBSZ=0',
  PROT: '200 Protection set to Private',
  TYPE: '200 Type set',
  FEAT: '211 No features',
  PWD: '257 "/"',
  QUIT: '221 Goodbye',
};

export async function startTlsScript(opts: TlsScriptOptions): Promise<TlsScriptServer> {
  const commands: TlsScriptServer['commands'] = [];
  const sockets = new Set<Socket>();
  const replies = { ...DEFAULT_REPLIES, ...opts.replies };
  const greeting = `${opts.greeting ?? '220 ready'}\r\n`;

  const serve = (socket: Socket, tls: boolean) => {
    socket.on('error', () => {});
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        commands.push({ line, tls });
        const verb = line.split(' ', 1)[0]!.toUpperCase();
        if (!tls && line.toUpperCase() === 'AUTH TLS') {
          socket.off('data', onData);
          socket.write(`234 Proceed with negotiation.\r\n${opts.afterAuth ?? ''}`);
          const secure = new TLSSocket(socket, { isServer: true, secureContext: serverContext() });
          sockets.add(secure);
          serve(secure, true);
          return;
        }
        socket.write(`${replies[verb] ?? '502 Not implemented'}\r\n`);
        if (verb === 'QUIT') socket.end();
      }
    };
    socket.on('data', onData);
  };

  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server =
    opts.mode === 'implicit'
      ? createTlsServer(certificate(), (s) => {
          track(s);
          s.write(greeting);
          serve(s, true);
        }).on('tlsClientError', () => {})
      : net.createServer((s) => {
          track(s);
          s.write(greeting);
          serve(s, false);
        });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A plain TCP server that writes `greeting` on connect (nothing when
 * undefined) and then reads and ignores everything: a plain FTP server that
 * waits for a command line, or an implicit FTPS server that waits for a
 * ClientHello, as a plain client sees it.
 */
export async function startSilent(greeting?: string | Buffer, port = 0): Promise<{ port: number; received: () => Buffer; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('close', () => sockets.delete(s));
    if (greeting !== undefined) s.write(greeting);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    received: () => Buffer.concat(chunks),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
