import { isIP } from 'node:net';
import { UsageError } from './exit-codes.js';
import { hasLineBreak } from '../protocol/command.js';

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
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return parseBareHost(arg);
  const protocol = arg.slice(0, arg.indexOf(':') + 1).toLowerCase();
  const scheme = SCHEMES[protocol];
  if (!scheme) throw new UsageError(`unsupported URL scheme ${protocol.slice(0, -1)} (use ftp://, ftpes:// or ftps://)`);
  // What WHATWG parsing would hide: an empty host (ftp:///f becomes host "f")
  // and a port equal to the scheme's default (ftp://h:21/ has no port).
  const authority = /^[^:]+:\/\/([^/?#\\]*)/.exec(arg)![1]!;
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort === '' || hostPort.startsWith(':')) throw new UsageError(`URL has no host: ${withoutPassword(arg)}`);
  const explicitPort = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(hostPort)?.[1];
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    throw new UsageError(`invalid URL: ${withoutPassword(arg)}`);
  }
  if (!url.hostname) throw new UsageError(`URL has no host: ${withoutPassword(arg)}`);
  const target: Target = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), isUrl: true };
  if (scheme !== 'plain') target.tls = scheme;
  if (explicitPort !== undefined) target.port = port(Number(explicitPort), arg);
  if (url.username) target.user = decode(url.username, 'user name');
  if (url.password) target.password = decode(url.password, 'password');
  // ftp://host/dir/file names dir/file relative to the login directory (RFC 1738).
  // FTP URLs have no query or fragment: a ? or # belongs to the name (a wildcard, say).
  const rest = url.href.slice(url.protocol.length + 2).replace(/^[^/?#]*/, '');
  const path = decode(rest.replace(/^\//, ''), 'path');
  if (path) target.path = path;
  return target;
}

/**
 * A host without a scheme: a name or IPv4 address with an optional :port,
 * an IPv6 address as it is (two colons or more: ::1, 2001:db8::1), or in
 * brackets with an optional port ([::1]:2121).
 */
function parseBareHost(arg: string): Target {
  if (!arg || /[\s/@]/.test(arg)) throw new UsageError(`invalid host: ${JSON.stringify(arg)}`);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw new UsageError(`invalid IPv6 address: ${JSON.stringify(arg)}`);
    return withPort({ host: bracketed[1]!, isUrl: false }, bracketed[2], arg);
  }
  if (arg.includes('[') || arg.includes(']')) throw new UsageError(`invalid host: ${JSON.stringify(arg)}`);
  const colons = arg.split(':').length - 1;
  if (colons === 0) return { host: arg, isUrl: false };
  if (colons > 1) {
    if (isIP(arg) !== 6) throw new UsageError(`invalid host: ${JSON.stringify(arg)} (an IPv6 address with a port goes in brackets: [::1]:2121)`);
    return { host: arg, isUrl: false };
  }
  const [host, portText] = arg.split(':') as [string, string];
  if (!host || !/^\d+$/.test(portText)) throw new UsageError(`invalid host: ${JSON.stringify(arg)} (expected host:port, the port 1-65535)`);
  return withPort({ host, isUrl: false }, portText, arg);
}

function withPort(target: Target, portText: string | undefined, arg: string): Target {
  if (portText !== undefined) target.port = port(Number(portText), arg);
  return target;
}

function port(n: number, arg: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`invalid port in ${withoutPassword(arg)}: expected 1-65535`);
  return n;
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
  if (hasLineBreak(value)) throw new UsageError(`${what} contains a CR, LF or NUL character`);
}
