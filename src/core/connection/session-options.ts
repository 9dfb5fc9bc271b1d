import type { ReplyFn, TraceFn } from './control.js';
import type { NetworkOptions } from './network.js';
import type { TlsOptions } from './tls.js';
import type { RateLimiter } from '../rate-limit.js';

export interface SessionOptions {
  /** Connect timeout and idle timeout (no reply, no data), in ms. Default 30 s. */
  timeoutMs?: number | undefined;
  /** Connecting: the TCP connect, a TLS handshake, the greeting, each within this (ms). Default: timeoutMs. */
  connectTimeoutMs?: number | undefined;
  /** Proxy, address family, TCP keepalive: for the control connection and every data connection. */
  network?: NetworkOptions | undefined;
  /** NOOP after this long (ms) with nothing sent or read on an idle session, so that NATs and proxies keep it; 0 never. Default: network.keepaliveMs, else 60 s. */
  keepaliveMs?: number | undefined;
  /** Passive (default) or active data connections. */
  passive?: boolean | undefined;
  /** Receives every command sent (PASS masked) and every reply line. */
  trace?: TraceFn | undefined;
  /** Receives every reply, parsed, with the command it answers. */
  onReply?: ReplyFn | undefined;
  /** FTPS: protect the control connection and every data connection. */
  tls?: TlsOptions | undefined;
  /** false: passive mode uses PASV only, never EPSV. */
  epsv?: boolean | undefined;
  /** What earlier sessions learned about this server's data modes: read and updated by this one. */
  modes?: DataModes | undefined;
  /** The bytes-a-second budget of every transfer on this session, shared with the other sessions given it. */
  rateLimit?: RateLimiter | undefined;
  /** The encoding of the server's names (commands, replies, listings): UTF-8 by default; e.g. latin1, cp1251, shift_jis. */
  encoding?: string | undefined;
  /** Called when the server sends text that is not valid UTF-8 (without `encoding`): its names are probably in another one. */
  onInvalidUtf8?: (() => void) | undefined;
}

/** What a session learned of the server's data connection modes, so later transfers skip what failed. */
export interface DataModes {
  epsv?: boolean | undefined;
  eprt?: boolean | undefined;
}

/** One way of making data connections: passive with EPSV (PASV if refused) or PASV only; active with EPRT (PORT if refused) or PORT only. */
export type DataMode = 'epsv' | 'pasv' | 'eprt' | 'port';

/** Passive or active, and what was learned of EPSV and EPRT (shared with other sessions when given in the options). */
export class DataModeState {
  passive: boolean;
  readonly learned: DataModes;

  constructor(options: SessionOptions) {
    this.passive = options.passive ?? true;
    this.learned = options.modes ?? {};
    if (options.epsv === false) this.learned.epsv = false;
  }

  /** Forces one way of making data connections, forgetting what was learned of it. */
  use(mode: DataMode): void {
    this.passive = mode === 'epsv' || mode === 'pasv';
    this.learned.epsv = mode === 'pasv' ? false : undefined;
    this.learned.eprt = mode === 'port' ? false : undefined;
  }
}
