// tftp doctor's clock check: a LIST line and MDTM of the same file, against our clock.
import { parseMdtm } from '../protocol/parse.js';
import type { Capability, ClockReport } from './probe-report.js';

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

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const UNIX_FILE = /^-[-a-zA-Z]{9}\S*\s+\d+\s+(?:\S+\s+){1,2}(\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}:\d{2}|\d{4})\s(.+)$/;

/** The first regular file of a Unix-style LIST (the form nearly every server sends). */
export function firstFile(listing: string): ListedFile | null {
  for (const line of listing.split(/\r?\n/)) {
    const m = UNIX_FILE.exec(line);
    if (!m) continue;
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    const name = m[5]!.replace(/^ /, '');
    if (month === -1 || !name || /[\r\n\0]/.test(name)) continue;
    const file: ListedFile = { name, size: Number(m[1]), time: `${m[2]} ${m[3]} ${m[4]}`, month, day: Number(m[3]) };
    if (m[4]!.includes(':')) {
      const [h, min] = m[4]!.split(':').map(Number);
      file.hour = h!;
      file.minute = min!;
    } else {
      file.year = Number(m[4]);
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
