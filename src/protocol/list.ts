import { ProtocolError } from './errors.js';

/**
 * Parsers for directory listings: MLSD facts lines (RFC 3659 7) and the
 * free-form LIST lines servers copy from `ls -l` or DOS `dir`. Pure functions
 * over hostile input: names come back exactly as the server sent them (the
 * caller decides what to refuse), anything malformed is a ProtocolError, and
 * every scan is linear in the line so a long line cannot stall us.
 */

export type EntryType = 'file' | 'dir' | 'link';

export interface ListEntry {
  name: string;
  type: EntryType;
  /** Bytes, when known. */
  size?: number;
  /** ISO 8601 UTC, e.g. '2026-11-25T13:45:00Z'; milliseconds only when the server gave them. */
  modified?: string;
  /** Unix 'rwxr-xr-x' (LIST) or the MLSD 'unix.mode' / 'perm' fact as given. */
  permissions?: string;
  /** Symlink target: 'a -> b' (LIST) or MLSD type=OS.unix=slink:<target>. */
  target?: string;
}

/** MLSD/MLST facts line "type=file;size=12;modify=20261125134500; name" (RFC 3659 7.2). */
export function parseMlsdLine(line: string): ListEntry | null {
  if (isBlank(line)) return null;
  // Fact values never hold a space, so the first one ends the facts; the name may hold anything.
  const space = line.indexOf(' ');
  if (space === -1) throw new ProtocolError(`malformed MLSD line: no name: ${clip(line)}`);
  const name = line.slice(space + 1);
  if (name === '') throw new ProtocolError(`malformed MLSD line: empty name: ${clip(line)}`);
  const facts = parseFacts(line.slice(0, space), line);

  const typeFact = facts.get('type');
  if (typeFact === undefined) throw new ProtocolError(`malformed MLSD line: no type fact: ${clip(line)}`);
  const kind = mlsdType(typeFact, line);
  if (kind === null || (kind.type === 'dir' && isDotDir(name))) return null;

  const sizeFact = facts.get('size') ?? facts.get('sizd');
  const modifyFact = facts.get('modify');
  return entry(
    name,
    kind.type,
    sizeFact === undefined ? undefined : parseCount(sizeFact, 'MLSD size', line),
    modifyFact === undefined ? undefined : parseMlsdTime(modifyFact, line),
    // unix.mode is the closer match to LIST's permissions; 'perm' (adfrw...) otherwise.
    facts.get('unix.mode') ?? facts.get('perm'),
    kind.target,
  );
}

/**
 * One LIST line: unix `ls -l` styles or DOS/IIS `dir` style. Returns null for
 * lines that are not entries ('total 12', blank, the '.' and '..' directories)
 * and throws a ProtocolError for a line it cannot parse. `now` picks the year
 * of a recent `ls` date that shows HH:MM instead of a year.
 */
export function parseListLine(line: string, now: Date): ListEntry | null {
  if (isBlank(line)) return null;
  const tokens = leadingTokens(line, MAX_TOKENS);
  const first = tokens[0]!.text;
  if (tokens.length === 2 && first.toLowerCase() === 'total' && isDigits(tokens[1]!.text)) return null;
  return isDigit(first.charCodeAt(0)) ? parseDosLine(line, tokens) : parseUnixLine(line, tokens, now);
}

/** A whole listing (already split into lines, CR stripped): entries plus the lines that could not be parsed. */
export function parseListing(
  lines: string[],
  format: 'mlsd' | 'list',
  now: Date,
): { entries: ListEntry[]; unparsed: string[] } {
  const entries: ListEntry[] = [];
  const unparsed: string[] = [];
  for (const line of lines) {
    try {
      const parsed = format === 'mlsd' ? parseMlsdLine(line) : parseListLine(line, now);
      if (parsed) entries.push(parsed);
    } catch (e) {
      // Anything else is our bug, not the server's: let it surface.
      if (!(e instanceof ProtocolError)) throw e;
      unparsed.push(line);
    }
  }
  return { entries, unparsed };
}

// ---- MLSD ----

/** "type=file;Size=12;" -> lower-cased fact names to values (RFC 3659 7.2: names are case-insensitive). */
function parseFacts(text: string, line: string): Map<string, string> {
  const facts = new Map<string, string>();
  for (const fact of text.split(';')) {
    if (fact === '') continue; // the trailing ';' (and tolerated doubled ones)
    const eq = fact.indexOf('=');
    if (eq <= 0) throw new ProtocolError(`malformed MLSD line: bad fact ${clip(fact)}: ${clip(line)}`);
    const key = fact.slice(0, eq).toLowerCase();
    // Two different answers to one question: trust neither.
    if (facts.has(key)) throw new ProtocolError(`malformed MLSD line: duplicate fact ${clip(key)}: ${clip(line)}`);
    facts.set(key, fact.slice(eq + 1));
  }
  return facts;
}

/** The type fact's value; null for cdir/pdir (the listed folder and its parent). */
function mlsdType(value: string, line: string): { type: EntryType; target?: string } | null {
  const v = value.toLowerCase();
  if (v === 'file') return { type: 'file' };
  if (v === 'dir') return { type: 'dir' };
  if (v === 'cdir' || v === 'pdir') return null;
  for (const prefix of ['os.unix=slink', 'os.unix=symlink']) {
    if (v === prefix) return { type: 'link' };
    if (v.startsWith(prefix + ':')) {
      const target = value.slice(prefix.length + 1);
      return target === '' ? { type: 'link' } : { type: 'link', target };
    }
  }
  // Other OS-specific types (devices, fifos, sockets): RFC 3659 allows them; they are not folders.
  if (v.startsWith('os.')) return { type: 'file' };
  throw new ProtocolError(`malformed MLSD line: unknown type ${clip(value)}: ${clip(line)}`);
}

/** modify=YYYYMMDDHHMMSS[.sss] (RFC 3659 2.3), always UTC. */
function parseMlsdTime(value: string, line: string): string {
  const whole = value.slice(0, 14);
  const fraction = value.slice(15);
  const ok =
    whole.length === 14 &&
    isDigits(whole) &&
    (value.length === 14 || (value[14] === '.' && isDigits(fraction)));
  if (!ok) throw new ProtocolError(`malformed MLSD line: bad modify ${clip(value)}: ${clip(line)}`);
  const n = (from: number, to: number) => Number(whole.slice(from, to));
  const ms = value.length === 14 ? undefined : (fraction + '00').slice(0, 3);
  return isoTime(n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14), ms, line);
}

// ---- LIST, unix style ----

interface Token {
  text: string;
  /** Index just past the token in the line. */
  end: number;
}

/** mode + links + owner + group + two device numbers + month, day, time: more is never needed. */
const MAX_TOKENS = 9;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Half a mean Gregorian year, the window `ls` shows HH:MM for. */
const HALF_YEAR_MS = 15_778_476_000;

/**
 * "-rw-r--r-- 1 owner group 1234 Nov 25 13:39 name". The owner, group and link
 * count vary (numeric, named, missing), so we anchor on the date instead: the
 * first month-day-time triple after the owner, preceded by the size.
 */
function parseUnixLine(line: string, tokens: Token[], now: Date): ListEntry | null {
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
    if (type !== 'link') return entry(name, type, size, modified, permissions);
    const link = splitLink(name, size);
    return entry(link.name, type, size, modified, permissions, link.target);
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

// ---- LIST, DOS / IIS style ----

/**
 * "11-25-26  01:45PM       <DIR>          sub dir" or
 * "11-25-2026  13:45              1234 file.txt" (also YYYY-MM-DD dates).
 * The name follows a run of padding, so leading spaces in names are lost here.
 */
function parseDosLine(line: string, tokens: Token[]): ListEntry | null {
  const date = dosDate(tokens[0]!.text);
  let next = 2;
  let clock = tokens[1]?.text ?? '';
  const suffix = tokens[2]?.text.toUpperCase();
  if (suffix === 'AM' || suffix === 'PM') {
    clock += suffix; // "01:45 PM"
    next = 3;
  }
  const time = dosClock(clock);
  const what = tokens[next];
  if (!date || !time || !what) throw new ProtocolError(`malformed LIST line: ${clip(line)}`);

  let start = what.end;
  while (line.charCodeAt(start) === 0x20) start++;
  const name = line.slice(start);
  if (name === '') throw new ProtocolError(`malformed LIST line: no name: ${clip(line)}`);
  const modified = isoTime(date.year, date.month, date.day, time.hour, time.minute, 0, undefined, line);
  if (what.text.toUpperCase() === '<DIR>') return isDotDir(name) ? null : entry(name, 'dir', undefined, modified);
  return entry(name, 'file', parseCount(what.text, 'LIST size', line), modified);
}

/** MM-DD-YY, MM-DD-YYYY (also with '/') or YYYY-MM-DD. Two-digit years: 70-99 are 19xx, like strptime. */
function dosDate(text: string): { year: number; month: number; day: number } | undefined {
  const parts = text.split(/[-/]/);
  if (parts.length !== 3 || !parts.every(isDigits)) return undefined;
  const [a, b, c] = parts as [string, string, string];
  if (a.length === 4 && b.length === 2 && c.length === 2) return { year: Number(a), month: Number(b), day: Number(c) };
  if (a.length !== 2 || b.length !== 2 || (c.length !== 2 && c.length !== 4)) return undefined;
  const y = Number(c);
  return { year: c.length === 4 ? y : y < 70 ? 2000 + y : 1900 + y, month: Number(a), day: Number(b) };
}

/** "01:45PM" (12-hour) or "13:45" (24-hour). */
function dosClock(text: string): { hour: number; minute: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})([AP]M)?$/i.exec(text);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  if (m[3]) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (m[3].toUpperCase() === 'PM' ? 12 : 0);
  }
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

// ---- shared ----

/** The first `max` space-separated tokens, scanning no further than they reach. */
function leadingTokens(line: string, max: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (tokens.length < max) {
    while (line.charCodeAt(i) === 0x20) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && line.charCodeAt(i) !== 0x20) i++;
    tokens.push({ text: line.slice(start, i), end: i });
  }
  return tokens;
}

/** A size in bytes; beyond Number.MAX_SAFE_INTEGER it would be rounded, so refuse it. */
function parseCount(text: string, what: string, line: string): number {
  const n = Number(text);
  if (!isDigits(text) || !Number.isSafeInteger(n)) {
    throw new ProtocolError(`malformed ${what} ${clip(text)}: ${clip(line)}`);
  }
  return n;
}

/** Validated calendar fields -> '2026-11-25T13:45:00Z' (or '...:00.123Z'). */
function isoTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: string | undefined,
  line: string,
): string {
  const valid =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
  if (!valid) throw new ProtocolError(`malformed listing date: ${clip(line)}`);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const fraction = ms === undefined ? '' : `.${ms}`;
  return `${p(year, 4)}-${p(month)}-${p(day)}T${p(hour)}:${p(minute)}:${p(second)}${fraction}Z`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function entry(
  name: string,
  type: EntryType,
  size?: number,
  modified?: string,
  permissions?: string,
  target?: string,
): ListEntry {
  // Only the keys we know, so JSON output and equality checks stay clean.
  const e: ListEntry = { name, type };
  if (size !== undefined) e.size = size;
  if (modified !== undefined) e.modified = modified;
  if (permissions !== undefined) e.permissions = permissions;
  if (target !== undefined) e.target = target;
  return e;
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
const isDotDir = (name: string) => name === '.' || name === '..';
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text);
}
