// The options of connect() and what list() gives: the library's vocabulary, apart from the Ftp class.
import type { EntryType } from '../protocol/list.js';
import type { TraceFn } from './connection/control.js';

/** How to reach the server: what the URL does not say. */
export interface ConnectOptions {
  /** Default: the URL's user, else anonymous. */
  user?: string;
  /** Default: the URL's password, else `anonymous@` for anonymous and none for others. */
  password?: string;
  /** Connect and idle timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Connecting (TCP and proxy, TLS handshake, greeting): each step within this, in ms (default: timeoutMs). */
  connectTimeoutMs?: number;
  /** Every connection through this proxy: `socks5://`, `socks5h://`, `socks4a://` or `http://` (CONNECT), `user:password@` if it wants them. Passive mode only. */
  proxy?: string;
  /** Only IPv4 (4) or IPv6 (6) addresses. */
  family?: 4 | 6;
  /** TCP keepalive, and NOOP on a session left idle this long, in ms (default 60 000; 0 off). */
  keepaliveMs?: number;
  /** Passive (default) or active data connections. */
  passive?: boolean;
  /** false: PASV only, never EPSV. */
  epsv?: boolean;
  /** FTPS (an `ftpes://` or `ftps://` URL asks for it too) and how to trust the server. */
  tls?: { mode?: 'explicit' | 'implicit'; caFile?: string; ca?: string[]; pinSha256?: string; insecure?: boolean };
  /** Every command (PASS masked) and reply line. */
  trace?: TraceFn;
  /** Aborts whatever runs when it fires: ABOR for a transfer, a hang-up otherwise. */
  signal?: AbortSignal;
  /** At most this many bytes a second, over every connection of this client together (a tree's too). */
  limitRate?: number;
  /** The encoding of the server's names when they are not UTF-8: latin1, cp1251, shift_jis … (iconv-lite names). */
  encoding?: string;
}

/** A remote file or folder, as a listing shows it. */
export interface RemoteEntry {
  name: string;
  type: EntryType;
  size?: number;
  modified?: Date;
  /** Unix permissions (rwxr-xr-x), when the server gives them. */
  permissions?: string;
  /** A link's target. */
  target?: string;
}
