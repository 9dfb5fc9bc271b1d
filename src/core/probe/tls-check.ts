// tftp doctor's TLS check: AUTH TLS (or implicit TLS) on a connection of its
// own, the certificate, a protected LIST, and whether data connections need
// the control connection's TLS session.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { isCompletion, replyText } from '../../protocol/reply.js';
import { parseEpsv, parsePasv } from '../../protocol/parse.js';
import type { FtpClient } from '../client.js';
import { connectSocket } from '../connection/socket.js';
import { normaliseFingerprint, type TlsOptions } from '../connection/tls.js';
import type { ProbeReport, TlsReport } from './report.js';

/** What the TLS check needs of the check-up. */
export interface TlsProbe {
  host: string;
  user: string;
  password: string;
  timeoutMs: number;
  /** TLS of the session itself, if any; else the trial uses `tlsTrial`. */
  sessionTls: TlsOptions | undefined;
  tlsTrial: Omit<TlsOptions, 'mode'> | undefined;
  /** Connects (and logs in) a client the check-up closes if it is interrupted. */
  open(tls: TlsOptions, login: boolean): Promise<{ client: FtpClient; protocol: string | null }>;
  /** The client was closed here: the check-up need not close it. */
  forget(client: FtpClient): void;
}

/**
 * AUTH TLS on a connection of its own: the handshake, the certificate, a
 * protected LIST, and whether the data connection needs the control
 * connection's TLS session.
 */
export async function tlsCheck(ctx: TlsProbe, advertised: boolean | null, report: ProbeReport): Promise<TlsReport> {
  const result = emptyTls();
  result.advertised = advertised;
  const own = ctx.sessionTls;
  if (!own && advertised === false) {
    result.reuseDetail = 'not tried: AUTH TLS not offered';
    return result;
  }
  const tls: TlsOptions = own ?? { mode: 'explicit', ...ctx.tlsTrial };
  result.mode = tls.mode;
  let client: FtpClient;
  try {
    const opened = await ctx.open(tls, false);
    client = opened.client;
    result.protocol = opened.protocol;
  } catch (err) {
    result.works = false;
    result.error = message(err);
    if (untrusted(err)) {
      // Learn the certificate (handshake only: nothing is sent over an unverified connection).
      result.verification = false;
      try {
        const { client: peek, protocol } = await ctx.open({ mode: tls.mode, insecure: true }, false);
        result.fingerprint = peek.fingerprint ?? null;
        result.protocol = protocol;
        await peek.quit();
        ctx.forget(peek);
      } catch {
        // nothing more to learn
      }
      result.reuseDetail = 'unknown: certificate not trusted (rerun with --pin-sha256 or --ca-file to check the data connection)';
    } else {
      result.reuseDetail = 'unknown: TLS did not start';
    }
    return result;
  }
  result.works = true;
  result.fingerprint = client.fingerprint ?? null;
  result.verification = tls.insecure ? 'insecure' : tls.pinSha256 ? 'pin' : 'ca';
  try {
    await client.login(ctx.user, ctx.password); // PBSZ 0, PROT P
  } catch (err) {
    result.dataWorks = false;
    result.error = message(err);
    result.reuseDetail = 'unknown: could not protect the data connection';
    client.close();
    return result;
  }
  await reuseCheck(ctx, client, result, report);
  client.close();
  ctx.forget(client);
  return result;
}

async function reuseCheck(ctx: TlsProbe, client: FtpClient, result: TlsReport, report: ProbeReport): Promise<void> {
  const { epsv, eprt } = report.data;
  if (report.passiveWorks) {
    client.useDataMode(epsv.ok ? 'epsv' : 'pasv');
  } else if (report.activeWorks) {
    client.useDataMode(eprt.ok ? 'eprt' : 'port');
  } else {
    result.reuseDetail = 'unknown: no data connection mode works';
    return;
  }
  // A: the client's way, offering the control connection's session.
  try {
    await client.type('A');
    const start = await client.transfercmd('LIST');
    const socket = start.socket as TLSSocket;
    result.sessionResumed = typeof socket.isSessionReused === 'function' ? socket.isSessionReused() : null;
    const drained = new Promise<void>((resolve) => {
      socket.on('error', () => {});
      socket.once('close', () => resolve());
      socket.resume();
    });
    const reply = await client.readReply();
    await withTimeout(drained, ctx.timeoutMs, 'data connection did not close');
    if (!isCompletion(reply)) throw client.replyError(reply);
    result.dataWorks = true;
  } catch (err) {
    result.dataWorks = false;
    result.error = `protected LIST failed: ${message(err)}`;
    result.reuseDetail = 'unknown: the protected data connection failed';
    return;
  }
  if (result.sessionResumed === false) {
    result.dataSessionReuse = 'not required';
    result.reuseDetail = 'the data connection worked with a new TLS session';
    return;
  }
  if (!report.passiveWorks) {
    result.reuseDetail = 'unknown: the server resumes the session; only passive mode can check without it';
    return;
  }
  // B: a data connection of our own that does not offer the session.
  const b = await listWithoutResumption(ctx, client, result.fingerprint, epsv.ok);
  if (b.ok === true) {
    result.dataSessionReuse = 'not required';
    result.reuseDetail = `the server resumes the session, and a data connection without it worked too`;
  } else if (b.ok === false) {
    result.dataSessionReuse = 'required';
    result.reuseDetail = `a data connection with a new TLS session failed: ${b.detail}`;
  } else {
    result.reuseDetail = `unknown: ${b.detail}`;
  }
}

/** ok true/false: the server accepted/refused a fresh TLS session on the data connection; null: cannot tell. */
async function listWithoutResumption(ctx: TlsProbe, client: FtpClient, fingerprint: string | null, useEpsv: boolean): Promise<{ ok: boolean | null; detail: string }> {
  let secure: TLSSocket | undefined;
  try {
    const setup = await client.sendcmd(useEpsv ? 'EPSV' : 'PASV');
    const port = useEpsv ? parseEpsv(setup.lines.join(' ')) : parsePasv(setup.lines.join(' ')).port;
    const raw = await connectSocket(client.session.dataHost, port, ctx.timeoutMs, { network: client.session.network });
    client.send('LIST');
    const s = tlsConnect({ socket: raw, servername: isIP(ctx.host) ? undefined : ctx.host, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    secure = s;
    s.on('error', () => {});
    const handshake = new Promise<boolean>((resolve, reject) => {
      s.once('secureConnect', () => {
        const seen = s.getPeerCertificate()?.fingerprint256;
        // The same certificate as the control connection, or we learn nothing.
        resolve(!!fingerprint && !!seen && normaliseFingerprint(seen) === normaliseFingerprint(fingerprint));
      });
      s.once('error', reject);
      s.once('close', () => reject(new Error('closed during the handshake')));
    });
    handshake.catch(() => {});
    const closed = new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.resume();
    });
    const first = await client.readReply();
    if (first.code >= 400) return { ok: false, detail: `${first.code} ${replyText(first)}` };
    let sameCert: boolean;
    try {
      sameCert = await withTimeout(handshake, ctx.timeoutMs, 'handshake timed out');
    } catch (err) {
      return { ok: false, detail: `handshake failed: ${message(err)}` };
    }
    if (!sameCert) return { ok: null, detail: 'the data connection showed another certificate' };
    const final = await client.readReply();
    await withTimeout(closed, ctx.timeoutMs, 'data connection did not close');
    if (isCompletion(final)) return { ok: true, detail: `${final.code} ${replyText(final)}` };
    return { ok: false, detail: `${final.code} ${replyText(final)}` };
  } catch (err) {
    return { ok: null, detail: message(err) };
  } finally {
    secure?.destroy();
  }
}

export function emptyTls(): TlsReport {
  return {
    advertised: null,
    mode: null,
    works: null,
    protocol: null,
    fingerprint: null,
    verification: null,
    dataWorks: null,
    sessionResumed: null,
    dataSessionReuse: 'unknown',
    reuseDetail: null,
    error: null,
  };
}

/** The handshake worked but the certificate is not trusted (or not the pinned one). */
export function untrusted(err: unknown): boolean {
  return err instanceof FtpError && err.kind === 'tls' && /not trusted|does not match/.test(err.message);
}

export function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*[\r\n]+\s*/g, ' ');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
