import { ProtocolError } from '../errors.js';
import { clip, daysInMonth, entry, isDigits, isDotDir, isoTime, parseCount, type EntryType, type ListEntry, type Token } from './common.js';

/** LIST lines in the styles of unix `ls -l`. */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Half a mean Gregorian year, the window `ls` shows HH:MM for. */
const HALF_YEAR_MS = 15_778_476_000;

/**
 * "-rw-r--r-- 1 owner group 1234 Nov 25 13:39 name". The owner, group and link
 * count vary (numeric, named, missing), so we anchor on the date instead: the
 * first month-day-time triple after the owner, preceded by the size.
 */
export function parseUnixLine(line: string, tokens: Token[], now: Date): ListEntry | null {
  const mode = tokens[0]!.text;
  const typeChar = mode[0]!;
  const type = UNIX_TYPES[typeChar];
  if (type === undefined || !isUnixMode(mode)) throw new ProtocolError(`malformed LIST line: ${clip(line)}`);
  const device = typeChar === 'c' || typeChar === 'b';

  for (let i = 3; i <= 6 && i + 2 < tokens.length; i++) {
    const month = MONTHS.indexOf(tokens[i]!.text.toLowerCase()) + 1;
    const day = dayOfMonth(tokens[i + 1]!.text);
    const clock = tokens[i + 2]!.text;
    if (month === 0 || day === undefined || !(isClock(clock) || isYear(clock))) continue;
    // A triple not preceded by a size is an owner or group that looks like a date.
    if (!device && !isDigits(tokens[i - 1]!.text)) continue;

    // `ls` puts exactly one space before the name, which may itself start with spaces.
    const name = line.slice(tokens[i + 2]!.end + 1);
    if (name === '') throw new ProtocolError(`malformed LIST line: no name: ${clip(line)}`);
    // Devices show "major, minor" where the size would be.
    const size = device ? undefined : parseCount(tokens[i - 1]!.text, 'LIST size', line);
    const modified = unixTime(month, day, clock, now, line);
    const permissions = mode.slice(1, 10);
    if (type === 'dir' && isDotDir(name)) return null;
    if (type !== 'link') return entry(name, type, { size, modified, permissions });
    const link = splitLink(name, size);
    return entry(link.name, type, { size, modified, permissions, target: link.target });
  }
  throw new ProtocolError(`malformed LIST line: ${clip(line)}`);
}

/** Special files (devices, fifos, sockets, doors) are reported as files: they are not folders to recurse into. */
const UNIX_TYPES: Record<string, EntryType | undefined> = {
  '-': 'file',
  d: 'dir',
  l: 'link',
  c: 'file',
  b: 'file',
  p: 'file',
  s: 'file',
  D: 'file',
};

/** "drwxr-sr-t" with an optional ACL / extended-attribute / SELinux marker ('+', '@', '.'). */
function isUnixMode(mode: string): boolean {
  if (mode.length !== 10 && !(mode.length === 11 && '+@.'.includes(mode[10]!))) return false;
  for (let i = 1; i < 10; i++) {
    const allowed = i % 3 === 1 ? 'r-' : i % 3 === 2 ? 'w-' : 'xsStTl-';
    if (!allowed.includes(mode[i]!)) return false;
  }
  return true;
}

/** "HH:MM" means the date is recent and the year is left out; "YYYY" means midnight of that day. */
function unixTime(month: number, day: number, clock: string, now: Date, line: string): string {
  if (isYear(clock)) return isoTime(Number(clock), month, day, 0, 0, 0, undefined, line);
  const colon = clock.indexOf(':');
  const hour = Number(clock.slice(0, colon));
  const minute = Number(clock.slice(colon + 1));
  return isoTime(inferYear(month, day, hour, minute, now, line), month, day, hour, minute, 0, undefined, line);
}

/**
 * The most recent year that does not put the date more than half a year after
 * `now`: the year closest to now, which tolerates clock skew either way. Feb 29
 * looks further back for a leap year.
 */
function inferYear(month: number, day: number, hour: number, minute: number, now: Date, line: string): number {
  const limit = now.getTime();
  if (!Number.isFinite(limit)) throw new RangeError('parseListLine: invalid `now`');
  if (hour > 23 || minute > 59 || day > daysInMonth(2000, month)) {
    throw new ProtocolError(`malformed LIST line: invalid date: ${clip(line)}`);
  }
  const first = now.getUTCFullYear() + 1;
  for (let year = first; year > first - 10; year--) {
    if (day <= daysInMonth(year, month) && Date.UTC(year, month - 1, day, hour, minute) <= limit + HALF_YEAR_MS) return year;
  }
  throw new ProtocolError(`malformed LIST line: invalid date: ${clip(line)}`);
}

/**
 * "a -> b". A link's size is its target's length in bytes, which tells us
 * where to split when the name or target itself holds " -> ". When it
 * cannot tell, the first arrow wins.
 */
function splitLink(text: string, size: number | undefined): { name: string; target?: string } {
  const ARROW = ' -> ';
  let at = text.indexOf(ARROW);
  if (at === -1) return { name: text };
  const first = at;
  const totalBytes = Buffer.byteLength(text);
  let headBytes = 0;
  let counted = 0;
  while (at !== -1) {
    // Bytes of text[0, at + 4), counted once across the loop so long lines stay linear.
    headBytes += Buffer.byteLength(text.slice(counted, at + ARROW.length));
    counted = at + ARROW.length;
    if (at > 0 && totalBytes - headBytes === size) return link(text, at);
    at = text.indexOf(ARROW, at + 1);
  }
  return link(text, first);
}

function link(text: string, at: number): { name: string; target?: string } {
  const name = text.slice(0, at);
  const target = text.slice(at + 4);
  if (name === '') return { name: text }; // " -> x" is a name, not a link with no name
  return target === '' ? { name } : { name, target };
}

function dayOfMonth(text: string): number | undefined {
  if (text.length > 2 || !isDigits(text)) return undefined;
  const day = Number(text);
  return day >= 1 && day <= 31 ? day : undefined;
}

function isClock(text: string): boolean {
  const colon = text.indexOf(':');
  return (colon === 1 || colon === 2) && text.length === colon + 3 && isDigits(text.slice(0, colon)) && isDigits(text.slice(colon + 1));
}

const isYear = (text: string) => text.length === 4 && isDigits(text);
