/**
 * IP address literals, checked without node:net so that the protocol layer
 * stays pure: what `net.isIP` accepts (dotted-quad IPv4 without leading zeros,
 * every RFC 4291 text form of IPv6, an embedded IPv4 tail, a zone after '%').
 */

/** 4 or 6 for an IPv4 or IPv6 literal, 0 for anything else (as net.isIP). */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  return isIPv6(text) ? 6 : 0;
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every(isOctet);
}

/** 0-255 in decimal, with no leading zero and no sign. */
function isOctet(part: string): boolean {
  if (part.length === 0 || part.length > 3 || (part.length > 1 && part[0] === '0')) return false;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(part) <= 255;
}

const ZONE = /^[0-9a-zA-Z\-.:]+$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

export function isIPv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent !== -1 && !ZONE.test(text.slice(percent + 1))) return false;
  const address = percent === -1 ? text : text.slice(0, percent);
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  // An IPv4 tail, at the very end, stands for the last two groups.
  const tail = groups[groups.length - 1]!;
  const last = tail[tail.length - 1];
  const v4Tail = last !== undefined && last.includes('.');
  if (v4Tail && !isIPv4(last)) return false;
  const hex = v4Tail ? all.slice(0, -1) : all;
  if (!hex.every((g) => GROUP.test(g))) return false;
  const count = hex.length + (v4Tail ? 2 : 0);
  // "::" stands for at least one group of zeros.
  return halves.length === 2 ? count <= 7 : count === 8;
}
