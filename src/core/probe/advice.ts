// tftp doctor's advice: the flags that suit the server, from what the probe found.
import { FtpError, LoginError } from '../../protocol/errors.js';
import type { ProbeOptions, ProbeReport } from './report.js';

// What servers say when they want TLS before a login: vsftpd "530 Non-anonymous sessions
// must use encryption.", proftpd "550 SSL/TLS required on the control channel", pure-ftpd
// "421 Sorry, cleartext sessions are not accepted", IIS "534 Policy requires SSL.".
const NEEDS_TLS = /\b(?:TLS|SSL|FTPS|AUTH TLS|encrypt\w*|cleartext|clear[- ]text|secured?\s+(?:connection|session|channel|control)s?)\b/i;

/** The server's reply when a login failed because the server requires TLS; null for any other failure. */
export function tlsRequiredReply(err: unknown): string | null {
  if (!(err instanceof FtpError) || err.code === undefined || err.code < 400 || err.code >= 600) return null;
  if (!['login', 'permanent', 'temporary'].includes(err.kind)) return null;
  const text = err instanceof LoginError ? `${err.code} ${err.text}` : err.message;
  return err.code === 534 || NEEDS_TLS.test(text) ? text : null;
}

/** The flags that suit the server, and what else is worth knowing. */
export function recommend(report: ProbeReport, opts: ProbeOptions): { flags: string[]; notes: string[] } {
  const flags: string[] = [];
  const notes: string[] = [];
  const { epsv, pasv } = report.data;
  if (report.loginNeedsTls) notes.push(`the server refuses to log in without TLS (${report.loginNeedsTls}): use --tls or an ftpes:// URL`);
  if (!report.loggedIn) {
    notes.push('no login, so the data connections and features were not checked: run doctor again with the recommended flags');
  } else if (!report.passiveWorks && report.activeWorks) {
    flags.push('--active');
    notes.push('passive data connections fail here and active ones work: use --active');
  } else if (!report.passiveWorks && !report.activeWorks) {
    const anyOk = Object.values(report.data).some((d) => d.ok);
    notes.push(
      anyOk
        ? 'neither passive nor active transfers work the way tftp makes them (see the data connection checks)'
        : 'no data connection mode worked: listings and transfers will fail (firewall or NAT in the way?)',
    );
  }
  if (epsv.refused && pasv.ok) notes.push('EPSV is refused; tftp falls back to PASV by itself');
  if (!epsv.ok && !epsv.refused && !epsv.skipped && pasv.ok) {
    notes.push('EPSV is accepted but its data connection fails, and tftp falls back to PASV only when EPSV is refused');
  }
  if (report.pasvAddress?.differs) {
    notes.push(
      `the PASV reply names ${report.pasvAddress.advertised}, not ${report.pasvAddress.control}: tftp ignores that address and connects to the control address (a server behind NAT, or misconfigured)`,
    );
  }

  const tls = report.authTls;
  const sessionTls = opts.tls;
  if (tls.works && tls.dataWorks !== false) {
    if (sessionTls?.mode === 'implicit') flags.push('--tls', 'implicit');
    else flags.push('--tls');
    if (tls.verification === 'ca' && opts.caFile) flags.push('--ca-file', opts.caFile);
    if (tls.verification === 'insecure' || (tls.verification === 'pin' && tls.fingerprint)) {
      flags.push('--pin-sha256', tls.fingerprint!);
    }
    if (tls.verification === 'insecure') notes.push('use --pin-sha256 rather than --insecure: it accepts this certificate and no other');
    if (tls.dataSessionReuse === 'required') notes.push('the server requires TLS session reuse on data connections; tftp reuses the session');
  } else if (tls.works === false && tls.verification === false && tls.fingerprint) {
    flags.push(...(sessionTls?.mode === 'implicit' ? ['--tls', 'implicit'] : ['--tls']), '--pin-sha256', tls.fingerprint);
    notes.push(`the certificate is not trusted: compare its fingerprint with the one the server's administrator gives before pinning it, or trust its CA with --ca-file`);
  } else if (tls.works === false) {
    notes.push(`AUTH TLS failed: ${tls.error}`);
  } else if (tls.advertised === false && !sessionTls) {
    notes.push('the server offers no AUTH TLS: the password and the data travel in clear text');
  }
  if (tls.works && tls.dataWorks === false) notes.push(`TLS works on the control connection but not on data connections: ${tls.error}`);

  if (report.features.size.works === false) notes.push('SIZE is refused: downloads cannot check the size they expect');
  const { rest, restStream } = report.features;
  if (rest.works === false) notes.push(`REST is refused (${rest.detail?.replace(/^REST 1: /, '')}): -c and --retries cannot resume here`);
  else if (rest.works === true && !restStream) notes.push('REST works, but FEAT does not announce REST STREAM: --segments downloads over one connection');
  else if (rest.works === null && !restStream && report.loggedIn) notes.push('REST STREAM not announced and REST could not be tried: -c and --retries may not be able to resume');
  if ((report.clock.mdtmMinusNowSeconds ?? 0) > 60) notes.push(`clock: ${report.clock.summary}`);
  return { flags, notes };
}
