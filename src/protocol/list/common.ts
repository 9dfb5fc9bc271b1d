import { ProtocolError } from '../errors.js';

/** What the listing parsers share: the entry type, its builder and the checks of numbers, dates and lines. */

export type EntryType = 'file' | 'dir' | 'link';

export interface ListEntry {
  name: string;
  type: EntryType;
  /** Bytes, when known. */
  size?: number;
  /** ISO 8601 UTC, e.g. '2026-11-25T13:45:00Z'; milliseconds only when the server gave them. */
  modified?: string;
  /** Unix permissions 'rwxr-xr-x': from LIST, or from the MLSD 'UNIX.mode' fact (octal). */
  permissions?: string;
  /** The MLSD 'perm' fact as given (RFC 3659 7.5.5: what this user may do, e.g. 'adfrw'). */
  perm?: string;
  /** Symlink target: 'a -> b' (LIST), or MLSD type=OS.unix=slink:<target> or the UNIX.slink fact. */
  target?: string;
}

export function entry(name: string, type: EntryType, fields: Omit<ListEntry, 'name' | 'type'> = {}): ListEntry {
  // Only the keys we know, in one order, so JSON output and equality checks stay clean.
  const e: ListEntry = { name, type };
  if (fields.size !== undefined) e.size = fields.size;
  if (fields.modified !== undefined) e.modified = fields.modified;
  if (fields.permissions !== undefined) e.permissions = fields.permissions;
  if (fields.perm !== undefined) e.perm = fields.perm;
  if (fields.target !== undefined) e.target = fields.target;
  return e;
}

export interface Token {
  text: string;
  /** Index just past the token in the line. */
  end: number;
}

/** The first `max` space-separated tokens, scanning no further than they reach. */
export function leadingTokens(line: string, max: number): Token[] {
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
export function parseCount(text: string, what: string, line: string): number {
  const n = Number(text);
  if (!isDigits(text) || !Number.isSafeInteger(n)) {
    throw new ProtocolError(`malformed ${what} ${clip(text)}: ${clip(line)}`);
  }
  return n;
}

/** Validated calendar fields -> '2026-11-25T13:45:00Z' (or '...:00.123Z'). */
export function isoTime(
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
  const fraction = ms === undefined ? '' : `.${ms}`;
  const y = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${y}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}${fraction}Z`;
}

/** '00' to '99', made once: a listing of millions of dates pads no number twice. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export const isDotDir = (name: string) => name === '.' || name === '..';
export const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

export function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text);
}
