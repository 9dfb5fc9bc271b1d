import { ProtocolError } from './errors.js';
import { isBlank, isDigit, isDigits, leadingTokens, type ListEntry } from './list/common.js';
import { parseMlsdLine } from './list/mlsd.js';
import { parseUnixLine } from './list/unix.js';
import { parseDosLine } from './list/dos.js';

/**
 * Parsers for directory listings: MLSD facts lines (RFC 3659 7, list/mlsd.ts)
 * and the free-form LIST lines servers copy from `ls -l` (list/unix.ts) or
 * DOS `dir` (list/dos.ts). Pure functions over hostile input: names come back
 * exactly as the server sent them (the caller decides what to refuse),
 * anything malformed is a ProtocolError, and every scan is linear in the line
 * so a long line cannot stall us.
 */

export type { EntryType, ListEntry } from './list/common.js';
export { parseMlsdLine, unixPermissions } from './list/mlsd.js';

/** mode + links + owner + group + two device numbers + month, day, time: more is never needed. */
const MAX_TOKENS = 9;

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

/**
 * A listing's text as lines: split at LF, every CR at the end of a line
 * dropped (CRLF in binary mode, and the CR CR LF some servers send in ASCII
 * mode), empty lines left out.
 */
export function listingLines(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 0x0d) end--;
    if (end > 0) lines.push(end === raw.length ? raw : raw.slice(0, end));
  }
  return lines;
}

/** A whole listing (already split into lines, see listingLines): entries plus the lines that could not be parsed. */
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
