import { ProtocolError } from '../errors.js';
import { entry, isDigits, isDotDir, isoTime, parseCount, clip, type ListEntry, type Token } from './common.js';

/** LIST lines in the style of DOS and IIS `dir`. */

/**
 * "11-25-26  01:45PM       <DIR>          sub dir" or
 * "11-25-2026  13:45              1234 file.txt" (also YYYY-MM-DD dates).
 * The name follows a run of padding, so leading spaces in names are lost here.
 */
export function parseDosLine(line: string, tokens: Token[]): ListEntry | null {
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
  if (what.text.toUpperCase() === '<DIR>') return isDotDir(name) ? null : entry(name, 'dir', { modified });
  return entry(name, 'file', { size: parseCount(what.text, 'LIST size', line), modified });
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
