// The shape of tftp doctor's report, and the options of the check-up.
import type { TlsOptions } from '../connection/tls.js';
import type { TraceFn } from '../connection/control.js';
import type { SessionOptions } from '../connection/session-options.js';

export interface ProbeOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  timeoutMs: number;
  /** Proxy, address family, keepalive and connect timeout of every connection it makes. */
  connection?: Pick<SessionOptions, 'network' | 'connectTimeoutMs' | 'keepaliveMs'> | undefined;
  /** TLS for the session itself (the user asked for FTPS); undefined for plain FTP. */
  tls?: TlsOptions | undefined;
  /** How to verify the certificate when trying AUTH TLS on a plain session (--ca-file, --pin-sha256, --insecure). */
  tlsTrial?: Omit<TlsOptions, 'mode'> | undefined;
  /** The --ca-file the trial verified with, named in the recommended flags. */
  caFile?: string | undefined;
  /** Also receives every command and reply, on every connection the probe opens. */
  trace?: TraceFn | undefined;
  /** Called before each step, e.g. to show progress. */
  onStep?: ((what: string) => void) | undefined;
  /** The encoding of the server's names, when not UTF-8 (--encoding). */
  encoding?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Our clock (tests). */
  now?: () => Date;
}

export type DataMode = 'epsv' | 'pasv' | 'eprt' | 'port';

/** One data connection mode, tried with a LIST. */
export interface DataCheck {
  /** The LIST went through this mode and completed. */
  ok: boolean;
  /** The command that sets the mode up: EPSV, PASV, EPRT or PORT. */
  command: string;
  /** The server's reply to that command, when it was sent. */
  reply: string | null;
  /** The server refused the command itself (5xx): tftp then falls back (EPSV to PASV, EPRT to PORT). */
  refused: boolean;
  /** Bytes of listing received. */
  bytes: number | null;
  error: string | null;
  /** Why the mode was not tried. */
  skipped: string | null;
}

export interface Capability {
  advertised: boolean;
  /** The file it was tried on, when it was. */
  file: string | null;
  /** null: not tried. */
  works: boolean | null;
  detail: string | null;
}

export type ReuseVerdict = 'required' | 'not required' | 'unknown';

export interface TlsReport {
  /** FEAT lists AUTH TLS (null: no FEAT to tell). */
  advertised: boolean | null;
  /** explicit or implicit: how it was tried; null when not tried. */
  mode: 'explicit' | 'implicit' | null;
  /** The handshake succeeded (and the certificate was accepted under `verification`). */
  works: boolean | null;
  protocol: string | null;
  fingerprint: string | null;
  /** Trusted through the CAs (system + --ca-file), a --pin-sha256, --insecure; or false: not trusted. */
  verification: 'ca' | 'pin' | 'insecure' | false | null;
  /** A protected LIST (PBSZ 0, PROT P) completed. */
  dataWorks: boolean | null;
  /** The server resumed the control connection's TLS session on the data connection. */
  sessionResumed: boolean | null;
  dataSessionReuse: ReuseVerdict;
  reuseDetail: string | null;
  error: string | null;
}

export interface ClockReport {
  /** mdtm-vs-list: MDTM compared with the LIST time of the same file; mdtm-vs-now: MDTM compared with our clock; none. */
  method: 'mdtm-vs-list' | 'mdtm-vs-now' | 'none';
  file: string | null;
  /** MDTM as an ISO time (MDTM is UTC). */
  mdtm: string | null;
  /** The time column of the LIST line. */
  listTime: string | null;
  /** LIST time (read as UTC) minus MDTM, to the minute: the offset of the time zone LIST shows. */
  listMinusMdtmSeconds: number | null;
  /** MDTM minus our clock: above zero, the server's clock is ahead at least that much. */
  mdtmMinusNowSeconds: number | null;
  summary: string;
}

export interface ProbeReport {
  server: { host: string; port: number; address: string; tls: 'none' | 'explicit' | 'implicit' };
  greeting: string;
  user: string;
  /** The login succeeded: the checks that need a session ran. */
  loggedIn: boolean;
  /** The server refused the login without TLS (it requires FTPS): its reply. The check-up then went on over AUTH TLS. */
  loginNeedsTls: string | null;
  system: string | null;
  /** FEAT lines as the server sent them (trimmed); null when FEAT is refused. */
  feat: string[] | null;
  data: Record<DataMode, DataCheck>;
  /** Whether tftp's default (passive: EPSV, PASV when EPSV is refused) and --active work. */
  passiveWorks: boolean;
  activeWorks: boolean;
  /** The address the 227 reply names (never used by tftp) against the control connection's. */
  pasvAddress: { advertised: string; control: string; differs: boolean } | null;
  authTls: TlsReport;
  features: {
    restStream: boolean;
    /** REST tried for real (REST 1, then REST 0), whatever FEAT says. */
    rest: Capability;
    size: Capability;
    mdtm: Capability;
    mfmt: boolean;
    mlst: boolean;
    mlsd: boolean;
    mlstFacts: string[];
    utf8: boolean;
    epsv: boolean;
    eprt: boolean;
    hash: string[] | null;
  };
  clock: ClockReport;
  recommended: { flags: string[]; notes: string[] };
}
