// tftp doctor's clock check: a LIST line and MDTM of the same file, against our clock.
import { ProtocolError } from '../../protocol/errors.js';
import { hasLineBreak } from '../../protocol/command.js';
import { listingLines, parseListLine, type ListEntry } from '../../protocol/list.js';
import { parseMdtm } from '../../protocol/parse.js';
import type { Capability, ClockReport } from './report.js';

export interface ListedFile {
  name: string;
  size: number;
  /** The LIST time column: "Jan 01 12:00" or "Jan 01  2020". */
  time: string;
  month: number;
  day: number;
  /** HH:MM for a recent file; undefined when LIST shows a year instead. */
  hour?: number;
  minute?: number;
  year?: number;
}

/** The first regular file of a Unix-style LIST (the form nearly every server sends), read by the protocol's LIST parser. */
export function firstFile(listing: string): ListedFile | null {
  const now = new Date();
  for (const line of listingLines(listing)) {
    if (line[0] !== '-') continue; // a regular file, in ls -l form
    let entry: ListEntry | null;
    try {
      entry = parseListLine(line, now);
    } catch (err) {
      if (err instanceof ProtocolError) continue;
      throw err;
    }
    if (!entry || entry.type !== 'file' || entry.size === undefined || entry.modified === undefined || hasLineBreak(entry.name)) continue;
    // ls puts one space before the name; the three columns before it are the date.
    const columns = line.slice(0, line.length - entry.name.length - 1).trim().split(/\s+/).slice(-3);
    const at = new Date(entry.modified);
    const file: ListedFile = { name: entry.name, size: entry.size, time: columns.join(' '), month: at.getUTCMonth(), day: at.getUTCDate() };
    if (columns[2]!.includes(':')) {
      file.hour = at.getUTCHours();
      file.minute = at.getUTCMinutes();
    } else {
      file.year = at.getUTCFullYear();
    }
    return file;
  }
  return null;
}

/**
 * The server's clock, as far as a LIST line and MDTM of the same file tell:
 * LIST shows the server's local time (often without a year), MDTM is UTC.
 */
export function clockReport(file: ListedFile | null, mdtmText: string | undefined, mdtm: Capability, now: Date): ClockReport {
  const report: ClockReport = { method: 'none', file: file?.name ?? null, mdtm: null, listTime: file?.time ?? null, listMinusMdtmSeconds: null, mdtmMinusNowSeconds: null, summary: '' };
  if (!file) {
    report.summary = 'unknown: no file in the listing to ask MDTM about';
    return report;
  }
  const at = mdtmText === undefined ? null : mdtmOrNull(mdtmText);
  if (!at) {
    report.summary = mdtmText === undefined ? `unknown: MDTM ${file.name} gave no time (${mdtm.detail ?? 'not tried'})` : `unknown: MDTM reply not understood: ${mdtmText}`;
    return report;
  }
  report.mdtm = at.toISOString();
  const ahead = Math.round((at.getTime() - now.getTime()) / 1000);
  report.mdtmMinusNowSeconds = ahead;
  const future = ahead > 60 ? `; the file's time is ${duration(ahead)} ahead of our clock: the server clock is ahead at least that much` : '';
  if (file.hour !== undefined) {
    // LIST gives no year for a recent file: take the one that puts it nearest MDTM.
    const minute = Math.floor(at.getTime() / 60_000) * 60_000;
    let best = Infinity;
    for (const y of [at.getUTCFullYear() - 1, at.getUTCFullYear(), at.getUTCFullYear() + 1]) {
      const shown = Date.UTC(y, file.month, file.day, file.hour, file.minute);
      if (Math.abs(shown - minute) < Math.abs(best)) best = shown - minute;
    }
    const diff = Math.round(best / 1000);
    report.method = 'mdtm-vs-list';
    report.listMinusMdtmSeconds = diff;
    report.summary =
      Math.abs(diff) < 60
        ? `LIST and MDTM agree (both UTC)${future}`
        : Math.abs(diff) <= 14 * 3600 + 60
          ? `LIST times are ${offset(diff)} from MDTM's UTC (LIST shows the server's time zone)${future}`
          : `LIST and MDTM disagree by ${duration(Math.abs(diff))} (a stale listing, or not a time zone)${future}`;
    return report;
  }
  report.method = 'mdtm-vs-now';
  report.summary = future ? future.slice(2) : `no sign of skew (the file's time is ${duration(-ahead)} in the past)`;
  return report;
}

function offset(seconds: number): string {
  const quarter = Math.round(seconds / 900) * 900; // time zones move in quarter hours
  const sign = quarter < 0 ? '-' : '+';
  const abs = Math.abs(quarter);
  return `UTC${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String((abs % 3600) / 60).padStart(2, '0')}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

function mdtmOrNull(text: string): Date | null {
  try {
    return parseMdtm(text);
  } catch {
    return null;
  }
}
