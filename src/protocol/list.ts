import { ProtocolError } from './errors.js';
import { isBlank, isDigit, isDigits, leadingTokens, type ListEntry } from './list/common.js';
import { parseMlsdLine } from './list/mlsd.js';
import { parseUnixLine } from './list/unix.js';
import { parseDosLine } from './list/dos.js';
import { ListingLineSplitter } from './list/lines.js';

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
export { ListingLineSplitter, MAX_LISTING_LINE } from './list/lines.js';

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

/** A whole listing's text as lines (see ListingLineSplitter, which takes it in pieces). */
export function listingLines(text: string): string[] {
  const splitter = new ListingLineSplitter();
  const lines = splitter.push(text);
  for (const last of splitter.end()) lines.push(last);
  return lines;
}

/** What one listing line says: an entry; null for a line that is none ('total 12', '.', '..'); or 'unparsed'. */
export function parseListingLine(line: string, format: 'mlsd' | 'list', now: Date): ListEntry | null | 'unparsed' {
  try {
    return format === 'mlsd' ? parseMlsdLine(line) : parseListLine(line, now);
  } catch (e) {
    // Anything else is our bug, not the server's: let it surface.
    if (!(e instanceof ProtocolError)) throw e;
    return 'unparsed';
  }
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
    const parsed = parseListingLine(line, format, now);
    if (parsed === 'unparsed') unparsed.push(line);
    else if (parsed) entries.push(parsed);
  }
  return { entries, unparsed };
}
