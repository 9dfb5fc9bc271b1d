// How connections reach the server: directly or through a proxy, over which
// address family, with which TCP keepalive. One value, given to every connect
// of a session (the control connection and each data connection).
import { FtpError } from '../../protocol/errors.js';

export type ProxyProtocol = 'socks5' | 'socks5h' | 'socks4a' | 'http';

/** A proxy, parsed from its URL. */
export interface ProxySpec {
  protocol: ProxyProtocol;
  host: string;
  port: number;
  user?: string | undefined;
  password?: string | undefined;
}

export interface NetworkOptions {
  /** Every connection goes through this proxy (passive data connections only). */
  proxy?: ProxySpec | undefined;
  /** Only addresses of this family: 4 (IPv4) or 6 (IPv6). */
  family?: 4 | 6 | undefined;
  /** TCP keepalive: idle time before the first probe, in ms; 0 turns it off. */
  keepaliveMs?: number | undefined;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { socks5: 1080, socks5h: 1080, socks4a: 1080, http: 1080 };

/** `socks5://[user:password@]host[:port]`, `socks5h://`, `socks4a://` or `http://`; a bad one is kind `argument`. */
export function parseProxy(text: string): ProxySpec {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FtpError('argument', `bad proxy URL ${JSON.stringify(redact(text))}: expected socks5://, socks5h://, socks4a:// or http://host:port`);
  }
  const protocol = url.protocol.replace(/:$/, '').toLowerCase();
  if (!(protocol in DEFAULT_PORTS)) throw new FtpError('argument', `proxy protocol "${protocol}" is not supported: use socks5://, socks5h://, socks4a:// or http://`);
  if (!url.hostname) throw new FtpError('argument', 'the proxy URL has no host');
  if (url.pathname !== '' && url.pathname !== '/') throw new FtpError('argument', 'the proxy URL must not have a path');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const spec: ProxySpec = { protocol: protocol as ProxyProtocol, host, port: url.port ? Number(url.port) : DEFAULT_PORTS[protocol as ProxyProtocol] };
  if (url.username) spec.user = decodeURIComponent(url.username);
  if (url.password) spec.password = decodeURIComponent(url.password);
  return spec;
}

/** The proxy as it may be shown: never its credentials. */
export function proxyLabel(spec: ProxySpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.protocol}://${host}:${spec.port}`;
}

/** A proxy URL with any `user:password@` hidden, for an error about the URL itself. */
function redact(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@');
}
