// A minimal FTP(S) client of the suite's own (node:net + node:tls), independent of
// tftp's code, used as a control: it lists a folder over a protected passive data
// connection either resuming the control connection's TLS session or not, to show
// that a server really requires the reuse that tftp's transfers satisfy; and,
// without TLS, sends LIST with an argument as it is (listPlain).
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  code: number;
  text: string;
}

/** Reads FTP replies (multi-line ones too) from whichever socket is attached. */
class ReplyReader {
  private buf = '';
  private waiting: ((r: Reply) => void) | undefined;
  private failed: Error | undefined;
  private rejecter: ((e: Error) => void) | undefined;
  private readonly onData = (d: Buffer) => {
    this.buf += d.toString('latin1');
    this.pump();
  };
  private readonly onEnd = () => this.fail(new Error(`control connection closed (pending: ${JSON.stringify(this.buf)})`));
  private readonly onError = (e: Error) => this.fail(e);
  private sock: Socket | undefined;

  attach(sock: Socket): void {
    this.sock = sock;
    sock.on('data', this.onData);
    sock.on('end', this.onEnd);
    sock.on('error', this.onError);
  }

  detach(): void {
    this.sock?.off('data', this.onData);
    this.sock?.off('end', this.onEnd);
    this.sock?.off('error', this.onError);
    this.sock = undefined;
  }

  private fail(e: Error): void {
    this.failed = e;
    this.rejecter?.(e);
  }

  private take(): Reply | undefined {
    const lines = this.buf.split('\r\n');
    if (lines.length < 2) return undefined;
    const first = /^(\d{3})([ -])/.exec(lines[0]!);
    if (!first) throw new Error(`bad reply line ${JSON.stringify(lines[0])}`);
    let end = 0;
    if (first[2] === '-') {
      end = lines.findIndex((l, i) => i > 0 && i < lines.length - 1 && l.startsWith(`${first[1]} `));
      if (end < 0) return undefined;
    }
    const text = lines.slice(0, end + 1).join('\n');
    this.buf = lines.slice(end + 1).join('\r\n');
    return { code: Number(first[1]), text };
  }

  private pump(): void {
    if (!this.waiting) return;
    const r = this.take();
    if (r) {
      const w = this.waiting;
      this.waiting = undefined;
      this.rejecter = undefined;
      w(r);
    }
  }

  next(timeoutMs = 10_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply in ${timeoutMs} ms`)), timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.rejecter = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      if (this.failed) return this.rejecter(this.failed);
      this.pump();
    });
  }
}

function connected(sock: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
}

function secured(sock: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('secureConnect', resolve);
    sock.once('error', reject);
  });
}

export interface ListResult {
  /** The reply to LIST (150, or an error). */
  first: Reply;
  /** The final reply (226, or an error), if there was a 1xx first. */
  final?: Reply;
  /** What arrived on the data connection. */
  listing: string;
  /** Whether the data connection's TLS session was a resumed one (client side). */
  resumed: boolean;
  /** A TLS/socket error on the data connection, if any. */
  dataError?: string;
}

/**
 * AUTH TLS, USER/PASS, PBSZ 0, PROT P, PASV, LIST; the data connection resumes
 * the control connection's TLS session only if `resume`.
 */
export async function listOverTls(opts: { port: number; caFile: string; user: string; password: string; resume: boolean }): Promise<ListResult> {
  const ca = readFileSync(opts.caFile, 'utf8');
  const reader = new ReplyReader();
  const raw = netConnect({ host: '127.0.0.1', port: opts.port });
  raw.on('error', () => {}); // seen through the reply reader
  await connected(raw);
  reader.attach(raw);
  let control: TLSSocket | undefined;
  let data: Socket | undefined;
  const send = async (line: string, expect: number): Promise<Reply> => {
    (control ?? raw).write(`${line}\r\n`);
    const r = await reader.next();
    if (Math.floor(r.code / 100) !== Math.floor(expect / 100)) throw new Error(`${line.split(' ')[0]}: expected ${expect}, got ${r.text}`);
    return r;
  };
  try {
    const greeting = await reader.next();
    if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
    await send('AUTH TLS', 234);
    reader.detach();
    let session: Buffer | undefined;
    control = tlsConnect({ socket: raw, ca, servername: 'localhost' });
    control.on('session', (s: Buffer) => (session = s));
    await secured(control);
    reader.attach(control);
    await send(`USER ${opts.user}`, 331);
    await send(`PASS ${opts.password}`, 230);
    await send('PBSZ 0', 200);
    await send('PROT P', 200);
    await send('TYPE A', 200);
    const pasv = await send('PASV', 227);
    const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv.text);
    if (!m) throw new Error(`PASV: ${pasv.text}`);
    const dataPort = Number(m[5]) * 256 + Number(m[6]);
    session ??= control.getSession();
    data = netConnect({ host: '127.0.0.1', port: dataPort });
    data.on('error', () => {}); // seen through the TLS socket
    await connected(data);
    control.write('LIST\r\n');
    // The TLS handshake on the data connection starts at once: some servers
    // only send 150 after it.
    const secure = tlsConnect({ socket: data, ca, servername: 'localhost', ...(opts.resume && session ? { session } : {}) });
    const chunks: Buffer[] = [];
    let dataError: string | undefined;
    let resumed = false;
    secure.on('secureConnect', () => (resumed = secure.isSessionReused()));
    secure.on('data', (c: Buffer) => chunks.push(c));
    secure.on('error', () => {}); // kept in dataError below
    const dataDone = new Promise<void>((resolve) => {
      secure.once('close', () => resolve());
      secure.once('error', (e) => {
        dataError = e.message;
        resolve();
      });
    });
    const first = await reader.next();
    if (first.code >= 300) {
      secure.destroy();
      return { first, listing: '', resumed, ...(dataError ? { dataError } : {}) };
    }
    const final = await reader.next();
    await Promise.race([dataDone, new Promise((r) => setTimeout(r, 3000))]);
    secure.destroy();
    return { first, final, listing: Buffer.concat(chunks).toString('latin1'), resumed, ...(dataError ? { dataError } : {}) };
  } finally {
    data?.destroy();
    try {
      control?.end('QUIT\r\n');
    } catch {
      // closed
    }
    setTimeout(() => {
      control?.destroy();
      raw.destroy();
    }, 200);
  }
}

/**
 * Without TLS: USER/PASS, TYPE A, PASV, `LIST <path>` exactly as given (tftp
 * lists a folder from inside it instead); returns what the server sent.
 */
export async function listPlain(opts: { port: number; user: string; password: string; path: string }): Promise<ListResult> {
  const reader = new ReplyReader();
  const control = netConnect({ host: '127.0.0.1', port: opts.port });
  control.on('error', () => {}); // seen through the reply reader
  await connected(control);
  reader.attach(control);
  let data: Socket | undefined;
  const send = async (line: string, expect: number): Promise<Reply> => {
    control.write(`${line}\r\n`);
    const r = await reader.next();
    if (Math.floor(r.code / 100) !== Math.floor(expect / 100)) throw new Error(`${line.split(' ')[0]}: expected ${expect}, got ${r.text}`);
    return r;
  };
  try {
    const greeting = await reader.next();
    if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
    await send(`USER ${opts.user}`, 331);
    await send(`PASS ${opts.password}`, 230);
    await send('TYPE A', 200);
    const pasv = await send('PASV', 227);
    const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv.text);
    if (!m) throw new Error(`PASV: ${pasv.text}`);
    data = netConnect({ host: '127.0.0.1', port: Number(m[5]) * 256 + Number(m[6]) });
    data.on('error', () => {});
    await connected(data);
    const chunks: Buffer[] = [];
    data.on('data', (c: Buffer) => chunks.push(c));
    const dataDone = new Promise<void>((resolve) => data!.once('close', () => resolve()));
    control.write(`LIST ${opts.path}\r\n`);
    const first = await reader.next();
    if (first.code >= 300) return { first, listing: '', resumed: false };
    const final = await reader.next();
    await Promise.race([dataDone, new Promise((r) => setTimeout(r, 3000))]);
    return { first, final, listing: Buffer.concat(chunks).toString('latin1'), resumed: false };
  } finally {
    data?.destroy();
    control.end('QUIT\r\n');
    setTimeout(() => control.destroy(), 200);
  }
}
