// A server check-up: what the server says it supports (FEAT) and what
// actually works (a small LIST over each data connection mode, AUTH TLS on a
// connection of its own), and the flags that suit it. Nothing is written on
// the server.
import { FtpError } from '../../protocol/errors.js';
import { replyText, type Reply } from '../../protocol/reply.js';
import { parsePasv } from '../../protocol/parse.js';
import { FtpClient } from '../client.js';
import type { TlsOptions } from '../connection/tls.js';
import { featLines, parseFeatures } from '../../protocol/feat.js';
import { clockReport, firstFile } from './clock.js';
import { recommend, tlsRequiredReply } from './advice.js';
import { emptyTls, message, tlsCheck, untrusted, type TlsProbe } from './tls-check.js';
import { ReplyLog, blankCheck, dataCheck } from './data-modes.js';
import type { Capability, ProbeOptions, ProbeReport } from './report.js';

export type * from './report.js';

/** Runs the check-up. Throws only when the first connection or login fails. */
export async function probeServer(opts: ProbeOptions): Promise<ProbeReport> {
  return new Prober(opts).run();
}

class Prober {
  private readonly replies = new ReplyLog();
  private readonly live = new Set<FtpClient>();
  private main: FtpClient | undefined;
  private readonly now: () => Date;
  /** TLS of the session: the user's, or AUTH TLS once the server refused a login without it. */
  private sessionTls: TlsOptions | undefined;
  /** The first greeting and control address seen, for a report made without a login. */
  private seen: { greeting: string; address: string } | undefined;

  constructor(private readonly opts: ProbeOptions) {
    this.now = opts.now ?? (() => new Date());
    this.sessionTls = opts.tls;
  }

  async run(): Promise<ProbeReport> {
    const { opts } = this;
    const onAbort = () => {
      for (const c of this.live) c.close(new FtpError('aborted', 'interrupted'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.checkUp();
    } catch (err) {
      throw opts.signal?.aborted ? new FtpError('aborted', 'interrupted') : err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      for (const c of this.live) c.close();
    }
  }

  private async checkUp(): Promise<ProbeReport> {
    const { opts } = this;
    this.step('connecting');
    const { first, loginNeedsTls } = await this.firstSession();
    const report: ProbeReport = {
      server: { host: opts.host, port: opts.port, address: first?.client.peerAddress ?? this.seen?.address ?? opts.host, tls: this.sessionTls?.mode ?? 'none' },
      greeting: first?.greeting ?? this.seen?.greeting ?? '',
      user: opts.user,
      loggedIn: first !== undefined,
      loginNeedsTls,
      system: null,
      feat: null,
      data: {} as ProbeReport['data'],
      passiveWorks: false,
      activeWorks: false,
      pasvAddress: null,
      authTls: emptyTls(),
      features: {} as ProbeReport['features'],
      clock: { method: 'none', file: null, mdtm: null, listTime: null, listMinusMdtmSeconds: null, mdtmMinusNowSeconds: null, summary: '' },
      recommended: { flags: [], notes: [] },
    };
    if (!first) return this.withoutLogin(report);
    const main = first.client;
    this.main = main;

    const syst = await this.ask('SYST');
    if (syst?.code === 215) report.system = replyText(syst);
    this.step('FEAT');
    const feat = await this.ask('FEAT');
    if (feat?.code === 211) report.feat = featLines(feat);
    const features = parseFeatures(report.feat ?? []);

    // Each mode on its own, with the client's own code: what a transfer would do.
    let listing: string | null = null;
    const ipv6 = main.peerAddress.includes(':');
    for (const mode of ['epsv', 'pasv', 'eprt', 'port'] as const) {
      this.step(`data connection: ${mode.toUpperCase()}`);
      if (mode === 'port' && ipv6) {
        report.data[mode] = { ...blankCheck('PORT'), skipped: 'PORT carries only IPv4 addresses' };
        continue;
      }
      const { check, text } = await dataCheck(mode, () => this.session(), this.replies, opts.signal);
      report.data[mode] = check;
      if (check.ok && listing === null) listing = text;
      this.checkAbort();
    }
    const { epsv, pasv, eprt, port } = report.data;
    report.passiveWorks = epsv.ok || (epsv.refused && pasv.ok);
    report.activeWorks = eprt.ok || (eprt.refused && port.ok);
    if (pasv.reply?.startsWith('227')) {
      try {
        const advertised = parsePasv(pasv.reply).host;
        const control = report.server.address;
        report.pasvAddress = { advertised, control, differs: advertised !== control };
      } catch {
        // malformed: the data check says so
      }
    }

    // SIZE and MDTM on a file the listing shows; the clock from MDTM.
    const file = listing === null ? null : firstFile(listing);
    this.step('SIZE and MDTM');
    const size: Capability = { advertised: features.has('SIZE'), file: file?.name ?? null, works: null, detail: null };
    const mdtm: Capability = { advertised: features.has('MDTM'), file: file?.name ?? null, works: null, detail: null };
    let mdtmValue: string | undefined;
    if (file) {
      try {
        const client = await this.session();
        await client.type('I'); // some servers refuse SIZE in ASCII mode
        const s = await client.sendcmd(`SIZE ${file.name}`, { allowError: true });
        size.works = s.code === 213;
        size.detail = `${s.code} ${replyText(s)}`;
        const m = await client.sendcmd(`MDTM ${file.name}`, { allowError: true });
        mdtm.works = m.code === 213;
        mdtm.detail = `${m.code} ${replyText(m)}`;
        if (m.code === 213) mdtmValue = replyText(m);
      } catch (err) {
        size.detail ??= message(err);
        mdtm.detail ??= message(err);
      }
    } else {
      size.detail = mdtm.detail = listing === null ? 'not tried: no listing' : 'not tried: no file in the listing';
    }
    this.checkAbort();
    this.step('REST');
    const rest = await this.restCheck(features.restStream);
    report.features = {
      restStream: features.restStream,
      rest,
      size,
      mdtm,
      mfmt: features.has('MFMT'),
      mlst: features.has('MLST'),
      mlsd: features.has('MLST') || features.has('MLSD'), // RFC 3659: MLST in FEAT covers MLSD too
      mlstFacts: features.mlstFacts,
      utf8: features.has('UTF8'),
      epsv: features.has('EPSV'),
      eprt: features.has('EPRT'),
      hash: features.hash,
    };
    report.clock = clockReport(file, mdtmValue, mdtm, this.now());

    const last = this.main;
    if (last?.connected) await last.quit();
    if (last) this.live.delete(last);

    this.step('TLS');
    report.authTls = await tlsCheck(this.tlsProbe(), report.feat === null ? null : features.authTls, report);
    this.checkAbort();
    report.recommended = recommend(report, { ...opts, tls: this.sessionTls });
    return report;
  }

  /**
   * The first session, logged in. A server that refuses a login without TLS
   * (530 "must use encryption" and the like) gets a second try over AUTH TLS.
   * A certificate that is not trusted (or a refused AUTH TLS after such a
   * refusal) leaves no session, but a report: doctor then tells how to get in.
   */
  private async firstSession(): Promise<{ first?: Awaited<ReturnType<Prober['open']>>; loginNeedsTls: string | null }> {
    let loginNeedsTls: string | null = null;
    try {
      return { first: await this.open(this.sessionTls, true), loginNeedsTls };
    } catch (err) {
      loginNeedsTls = this.sessionTls ? null : tlsRequiredReply(err);
      if (loginNeedsTls === null) {
        if (this.sessionTls && untrusted(err)) return { loginNeedsTls };
        throw err;
      }
    }
    this.sessionTls = { mode: 'explicit', ...this.opts.tlsTrial };
    try {
      return { first: await this.open(this.sessionTls, true), loginNeedsTls };
    } catch (err) {
      if (err instanceof FtpError && err.kind === 'tls') return { loginNeedsTls };
      throw err;
    }
  }

  /** The report when no session could log in: what TLS does, and how to get in. */
  private async withoutLogin(report: ProbeReport): Promise<ProbeReport> {
    const why = 'not tried: no login'; // the TLS check says why
    for (const mode of ['epsv', 'pasv', 'eprt', 'port'] as const) report.data[mode] = { ...blankCheck(mode.toUpperCase()), skipped: why };
    const notTried = (): Capability => ({ advertised: false, file: null, works: null, detail: why });
    report.features = { restStream: false, rest: notTried(), size: notTried(), mdtm: notTried(), mfmt: false, mlst: false, mlsd: false, mlstFacts: [], utf8: false, epsv: false, eprt: false, hash: null };
    report.clock.summary = `unknown: ${why}`;
    this.step('TLS');
    report.authTls = await tlsCheck(this.tlsProbe(), null, report);
    this.checkAbort();
    if (this.seen) {
      // Without a session, the trial's connection (a handshake only) saw them.
      report.greeting ||= this.seen.greeting;
      report.server.address = this.seen.address;
    }
    report.recommended = recommend(report, { ...this.opts, tls: this.sessionTls });
    return report;
  }

  /** What the TLS check uses of this check-up. */
  private tlsProbe(): TlsProbe {
    const { host, user, password, timeoutMs, tlsTrial } = this.opts;
    return { host, user, password, timeoutMs, tlsTrial, sessionTls: this.sessionTls, open: (tls, login) => this.open(tls, login), forget: (client) => this.live.delete(client) };
  }

  /** REST 1 answered 350 (then REST 0, so that nothing is left pending): resuming works, whatever FEAT says. */
  private async restCheck(advertised: boolean): Promise<Capability> {
    const rest: Capability = { advertised, file: null, works: null, detail: null };
    try {
      const client = await this.session();
      const reply = await client.sendcmd('REST 1', { allowError: true });
      rest.works = reply.code === 350;
      rest.detail = `REST 1: ${reply.code} ${replyText(reply)}`;
      if (rest.works) await client.sendcmd('REST 0', { allowError: true });
    } catch (err) {
      rest.detail ??= `not tried: ${message(err)}`;
    }
    return rest;
  }

  private step(what: string): void {
    this.opts.onStep?.(what);
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new FtpError('aborted', 'interrupted');
  }

  /** Connects and logs in; `tls` undefined is plain FTP. */
  private async open(tls: TlsOptions | undefined, login: boolean): Promise<{ client: FtpClient; greeting: string; protocol: string | null }> {
    const client = new FtpClient({ ...this.opts.connection, timeoutMs: this.opts.timeoutMs, trace: this.opts.trace, onReply: this.replies.record, tls, encoding: this.opts.encoding });
    this.live.add(client);
    try {
      this.checkAbort();
      const greeting = await client.connect(this.opts.host, this.opts.port);
      this.seen ??= { greeting, address: client.peerAddress };
      const protocol = client.tlsProtocol ?? null;
      if (login) await client.login(this.opts.user, this.opts.password);
      return { client, greeting, protocol };
    } catch (err) {
      client.close();
      this.live.delete(client);
      throw err;
    }
  }

  /** The main session, reconnected when a failed check ended it. */
  private async session(): Promise<FtpClient> {
    if (this.main?.connected) return this.main;
    if (this.main) this.live.delete(this.main);
    this.main = (await this.open(this.sessionTls, true)).client;
    return this.main;
  }

  /** A command's reply on the main session; null when the connection failed (the report goes on). */
  private async ask(cmd: string): Promise<Reply | null> {
    try {
      return await (await this.session()).sendcmd(cmd, { allowError: true });
    } catch {
      return null;
    }
  }
}
