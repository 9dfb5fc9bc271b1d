import { ProtocolError } from './errors.js';
import { hasLineBreak } from './command.js';
import { ipFamily } from './address.js';

/**
 * Parsers for the replies whose text carries data, and formatters for the
 * arguments we send. Pure functions: they validate and never trust the server.
 */

/** 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2) -> the host (reported only) and port. */
export function parsePasv(text: string): { host: string; port: number } {
  // Whole numbers of 1-3 digits (no backtracking on long digit runs); 1216 is not 216.
  const m = /(?<!\d)(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})(?!\d)/.exec(text);
  if (!m) throw new ProtocolError(`malformed PASV reply: ${clip(text)}`);
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) throw new ProtocolError(`malformed PASV reply: ${clip(text)}`);
  const port = n[4]! * 256 + n[5]!;
  if (port === 0) throw new ProtocolError(`malformed PASV reply: port 0`);
  return { host: n.slice(0, 4).join('.'), port };
}

/**
 * 229 Entering Extended Passive Mode (|||port|). RFC 2428 lets the server pick
 * any printable delimiter, used four times with the network and address empty.
 */
export function parseEpsv(text: string): number {
  const m = /\(([\x21-\x7e])\1\1(\d{1,10})\1\)/.exec(text);
  if (!m) throw new ProtocolError(`malformed EPSV reply: ${clip(text)}`);
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new ProtocolError(`malformed EPSV reply: port ${m[2]}`);
  return port;
}

/** "150 Opening BINARY mode data connection for f (1234 bytes)" -> 1234. */
export function parseTransferSize(text: string): number | undefined {
  const m = /\((\d{1,16}) bytes?\)/i.exec(text);
  const n = m ? Number(m[1]) : undefined;
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** 213 reply to SIZE -> the size in bytes. */
export function parseSize(text: string): number {
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t))) throw new ProtocolError(`malformed SIZE reply: ${clip(text)}`);
  return Number(t);
}

/** 213 reply to MDTM: YYYYMMDDHHMMSS[.sss], UTC (RFC 3659 2.3) -> Date. */
export function parseMdtm(text: string): Date {
  const m = /^\s*(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,3}))?\s*$/.exec(text);
  if (!m) throw new ProtocolError(`malformed MDTM reply: ${clip(text)}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, m[7] ? Number(m[7].padEnd(3, '0')) : 0));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 60) {
    throw new ProtocolError(`malformed MDTM reply: ${clip(text)}`);
  }
  return date;
}

/** MFMT argument: the UTC time as YYYYMMDDHHMMSS. */
export function formatMfmt(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** 257 "/path/with ""quotes""" created -> /path/with "quotes". */
export function parse257(text: string): string {
  const open = text.indexOf('"');
  if (open === -1) throw new ProtocolError(`malformed 257 reply: ${clip(text)}`);
  let path = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (text[i + 1] === '"') {
        path += '"';
        i++;
        continue;
      }
      if (hasLineBreak(path)) throw new ProtocolError('malformed 257 reply: control character in path');
      return path;
    }
    path += c;
  }
  throw new ProtocolError(`malformed 257 reply: unterminated quote`);
}

/** PORT argument: h1,h2,h3,h4,p1,p2 (IPv4 only). */
export function formatPort(host: string, port: number): string {
  checkPort(port);
  if (ipFamily(host) !== 4) throw new ProtocolError(`PORT needs an IPv4 address, got ${host}`);
  return [...host.split('.'), String(port >> 8), String(port & 255)].join(',');
}

/** EPRT argument: |1|127.0.0.1|port| or |2|::1|port|. */
export function formatEprt(host: string, port: number): string {
  checkPort(port);
  const family = ipFamily(host);
  if (family === 0) throw new ProtocolError(`EPRT needs an IP address, got ${host}`);
  return `|${family === 4 ? 1 : 2}|${host}|${port}|`;
}

/** Strips the IPv4-mapped prefix Node reports on dual-stack sockets. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && ipFamily(address.slice(7)) === 4 ? address.slice(7) : address;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ProtocolError(`invalid port ${port}`);
}

function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text);
}
