// The command's network flags (--proxy, --noproxy, -4/-6, --keepalive,
// --connect-timeout) and the environment (ALL_PROXY, NO_PROXY) as the core's
// connect settings.
import { isIP } from 'node:net';
import { parseProxy, type NetworkOptions, type ProxySpec } from '../core/connection/network.js';
import type { ConnectionOptions } from './options.js';
import { UsageError } from './exit-codes.js';

export interface NetworkSettings {
  network: NetworkOptions;
  keepaliveMs: number;
  connectTimeoutMs: number | undefined;
}

export function networkSettings(host: string, opts: ConnectionOptions, env: Record<string, string | undefined>): NetworkSettings {
  const proxy = proxyFor(host, opts, env);
  if (proxy && opts.active) throw new UsageError('--active cannot work through a proxy (the server would connect back to the proxy, not to us): use passive mode, or --proxy \'\'');
  const keepaliveMs = (opts.keepalive ?? 60) * 1000;
  const network: NetworkOptions = { keepaliveMs };
  if (proxy) network.proxy = proxy;
  if (opts.ipv4) network.family = 4;
  if (opts.ipv6) network.family = 6;
  return { network, keepaliveMs, connectTimeoutMs: opts.connectTimeout === undefined ? undefined : opts.connectTimeout * 1000 };
}

/** --proxy, else ALL_PROXY / all_proxy; none for a host that --noproxy (else NO_PROXY / no_proxy) lists. */
export function proxyFor(host: string, opts: ConnectionOptions, env: Record<string, string | undefined>): ProxySpec | undefined {
  const url = opts.proxy ?? env.ALL_PROXY ?? env.all_proxy;
  if (url === undefined || url === '') return undefined;
  const noProxy = opts.noproxy ?? env.NO_PROXY ?? env.no_proxy ?? '';
  if (bypassesProxy(host, noProxy)) return undefined;
  // Without a scheme curl assumes http://; say so rather than guess for a SOCKS port.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new UsageError(`proxy "${url.replace(/^[^@/]*@/, '***@')}" has no scheme: write socks5://, socks5h://, socks4a:// or http://`);
  return parseProxy(url);
}

/**
 * curl's NO_PROXY rules: a comma (or space) separated list; `*` alone matches
 * every host; a name matches itself and every name under it (a leading dot is
 * ignored); an IP address matches itself, and a CIDR range (10.0.0.0/8) its
 * addresses. Case does not matter.
 */
export function bypassesProxy(host: string, list: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  for (const raw of list.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/^\./, '').replace(/\.$/, '');
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inRange(name, entry)) return true;
      continue;
    }
    if (isIP(entry) || isIP(name)) {
      if (entry === name) return true;
      continue;
    }
    if (name === entry || name.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** An IPv4 address in a CIDR range (IPv6 ranges: exact prefixes of whole groups are rare; not matched). */
function inRange(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(address) !== 4 || isIP(base ?? '') !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const value = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - bits);
  return Math.floor(value(address) / size) === Math.floor(value(base!) / size);
}
