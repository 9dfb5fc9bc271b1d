import { UsageError } from './exit-codes.js';

/** Where to connect and, for a URL, what path it names. */
export interface Target {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  /** The URL's path, relative to the login directory; undefined for a bare host. */
  path?: string;
  isUrl: boolean;
  /** FTPS asked for by the URL scheme: ftpes:// explicit, ftps:// implicit. */
  tls?: 'explicit' | 'implicit';
}

const SCHEMES: Record<string, Target['tls'] | 'plain'> = { 'ftp:': 'plain', 'ftpes:': 'explicit', 'ftps:': 'implicit' };

/**
 * A bare host name or address, or ftp://[user[:password]@]host[:port]/path
 * (percent-decoded; IPv6 literals in brackets; ftpes:// and ftps:// for FTPS).
 */
export function parseTarget(arg: string): Target {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    if (!arg || /[\s/@]/.test(arg)) throw new UsageError(`invalid host: ${JSON.stringify(arg)}`);
    return { host: arg, isUrl: false };
  }
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    throw new UsageError(`invalid URL: ${withoutPassword(arg)}`);
  }
  const scheme = SCHEMES[url.protocol.toLowerCase()];
  if (!scheme) throw new UsageError(`unsupported URL scheme ${url.protocol.slice(0, -1)} (use ftp://, ftpes:// or ftps://)`);
  if (!url.hostname) throw new UsageError(`URL has no host: ${withoutPassword(arg)}`);
  const target: Target = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), isUrl: true };
  if (scheme !== 'plain') target.tls = scheme;
  if (url.port) target.port = Number(url.port);
  if (url.username) target.user = decode(url.username, 'user name');
  if (url.password) target.password = decode(url.password, 'password');
  // ftp://host/dir/file names dir/file relative to the login directory (RFC 1738).
  const path = decode(url.pathname.replace(/^\//, ''), 'path');
  if (path) target.path = path;
  return target;
}

/** A URL as an error message may show it: the password replaced by ***. */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/]*@/i, '$1:***@');
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UsageError(`invalid percent-encoding in the URL's ${what}`);
  }
}

/** CR, LF or NUL would let a name smuggle a second command: refuse before connecting. */
export function checkRemoteName(value: string, what: string): void {
  if (/[\r\n\0]/.test(value)) throw new UsageError(`${what} contains a CR, LF or NUL character`);
}
