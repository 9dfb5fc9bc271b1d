import net, { type AddressInfo, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { TLSSocket, createSecureContext } from 'node:tls';

// A small explicit-FTPS server for hostile data connections, which ftp-srv
// cannot play: plain text written on a data connection before its TLS
// handshake, or a data connection accepted after a refused command and then
// never answered. AUTH TLS, then USER/PASS/PBSZ/PROT/TYPE, EPSV, PASV, REST
// and RETR. Like vsftpd, it reads a data connection only once the command
// for it has come.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

export interface TlsFakeOptions {
  /** The files RETR sends; any other name gets 550. */
  files: Record<string, Buffer>;
  /** Written in plain text on data connection number N (1-based) as soon as it is accepted. */
  plainOn?: { connection: number; text: string };
  /** The first EPSV names a port nobody listens on. */
  deadFirstEpsv?: boolean;
}

export interface DataConnection {
  /** After a refused command: accepted, and never answered. */
  silent: boolean;
  /** ms from accept to the client's close; undefined while open. */
  closedAfterMs?: number;
}

export interface TlsFakeServer {
  port: number;
  commands: string[];
  data: DataConnection[];
  close(): Promise<void>;
}

export async function startTlsFakeServer(opts: TlsFakeOptions): Promise<TlsFakeServer> {
  const deadPort = await unusedPort();
  const context = createSecureContext({ key: fixture('server.key'), cert: fixture('server.pem') });
  const commands: string[] = [];
  const data: DataConnection[] = [];
  const sockets = new Set<Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => {});
    let control: Socket = raw;
    let pending = '';
    let listener: net.Server | undefined;
    let secured: Promise<TLSSocket> | undefined;
    let refused = false;
    let forCommand = () => {};
    let deadSent = false;
    const reply = (line: string) => void control.write(`${line}\r\n`);
    const onLine = (line: string): void | Promise<void> => {
      commands.push(line);
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'AUTH':
          reply('234 AUTH TLS ok');
          control.off('data', onData);
          control = new TLSSocket(raw, { isServer: true, secureContext: context });
          control.on('error', () => {});
          control.on('data', onData);
          return;
        case 'EPSV':
        case 'PASV': {
          listener?.close();
          refused = false;
          if (verb.toUpperCase() === 'EPSV' && opts.deadFirstEpsv && !deadSent) {
            deadSent = true;
            return reply(`229 Entering Extended Passive Mode (|||${deadPort}|)`);
          }
          // The RETR that follows sends on this connection, once its handshake is done.
          let handshaken!: (tls: TLSSocket) => void;
          secured = new Promise((resolve) => (handshaken = resolve));
          let commanded!: () => void;
          const command = new Promise<void>((resolve) => (commanded = resolve));
          forCommand = commanded;
          const here = net.createServer(async (d) => {
            sockets.add(d);
            d.on('error', () => {});
            const record: DataConnection = { silent: false };
            data.push(record);
            const accepted = Date.now();
            d.once('close', () => (record.closedAfterMs = Date.now() - accepted));
            if (opts.plainOn?.connection === data.length) d.write(opts.plainOn.text);
            await command;
            record.silent = refused;
            if (record.silent) return void d.resume(); // reads (and drops) the handshake, so the client's close is seen
            const tls = new TLSSocket(d, { isServer: true, secureContext: context });
            tls.on('error', () => {});
            tls.once('secure', () => handshaken(tls));
          });
          listener = here;
          // Commands written together (EPSV with RETR) are answered in order: the next waits for this one.
          return new Promise<void>((resolve) =>
            here.listen(0, '127.0.0.1', () => {
              const port = (here.address() as AddressInfo).port;
              reply(verb.toUpperCase() === 'EPSV' ? `229 Entering Extended Passive Mode (|||${port}|)` : `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
              resolve();
            }),
          );
        }
        case 'REST':
          return reply(`350 Restarting at ${arg}`);
        case 'RETR': {
          const body = opts.files[arg];
          refused = !body;
          forCommand();
          if (!body) return reply('550 No such file');
          reply('150 Here it comes');
          void secured?.then((tls) => tls.end(body, () => tls.once('close', () => reply('226 Done'))));
          return;
        }
        case 'QUIT':
          reply('221 Bye');
          control.end();
          return;
        default: {
          const answers: Record<string, string> = { USER: '331 Password', PASS: '230 In', PBSZ: '200 PBSZ=0', PROT: '200 PROT P', TYPE: '200 Type set', FEAT: '211 End', PWD: '257 "/"' };
          return reply(answers[verb.toUpperCase()] ?? '502 Not implemented');
        }
      }
    };
    let turn = Promise.resolve();
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        turn = turn.then(() => onLine(line));
      }
    };
    raw.on('data', onData);
    raw.on('close', () => listener?.close());
    raw.write('220 ready\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    data,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nobody listens (bound, then closed). */
async function unusedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
