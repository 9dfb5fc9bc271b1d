// One progress line, fitted to the terminal: fields are dropped (ETA, then the
// rate, then the bar, then the byte counts) rather than cut by the terminal.
import { columnsOf, formatBytes, shortenLeft } from './text.js';

export interface LineState {
  /** Already made printable. */
  name: string;
  total: number | undefined;
  /** Bytes of the file in place, resumed offset included. */
  done: number;
  /** Bytes moved by this run, and for how long: the rate. */
  bytes: number;
  seconds: number;
  /** The transfer ended: its rate is known however short it was. */
  complete: boolean;
}

export interface LineOptions {
  /** Show the time left (once a rate is known). */
  eta: boolean;
  /** Colours the bar. */
  paint: (bar: string) => string;
  /** Pad (or shorten) names to this many columns, so that several lines align. */
  nameColumns?: number;
}

/** A rate measured over less than this says little: no rate and no ETA before. */
export const RATE_AFTER_SECONDS = 0.5;

// The widths reserved for each field, so that a field does not come and go as its digits change.
const BYTES = 9; // "999.9 MiB"
const RATE = 11; // "999.9 MiB/s"
const ETA = 9; // "ETA 1m05s"
const PERCENT = 4; // "100%"
const MIN_BAR = 8;
const MAX_BAR = 30;
const MIN_NAME = 10;

type Field = 'eta' | 'rate' | 'bar' | 'bytes';
/** From everything down to the name and the percentage alone. */
const LEVELS: Field[][] = [['bytes', 'bar', 'rate', 'eta'], ['bytes', 'bar', 'rate'], ['bytes', 'bar'], ['bytes'], []];

/** The line for `state` in at most `columns - 1` columns (the last one would wrap on some terminals). */
export function progressLine(state: LineState, columns: number, opts: LineOptions): string {
  const budget = Math.max(1, columns - 1);
  const known = state.total !== undefined;
  const rateKnown = state.complete || state.seconds >= RATE_AFTER_SECONDS;
  const bytesPerSecond = state.seconds > 0 ? state.bytes / state.seconds : 0;
  const left = known ? Math.max(0, state.total! - state.done) : 0;
  const showEta = opts.eta && known && rateKnown && !state.complete && bytesPerSecond > 0 && left > 0;
  const nameWidth = columnsOf(state.name);
  const wantName = opts.nameColumns ?? nameWidth;

  for (const fields of LEVELS) {
    const has = (f: Field) => fields.includes(f) && (f !== 'bar' || known) && (f !== 'rate' || rateKnown) && (f !== 'eta' || showEta);
    // Everything but the name and the bar, at reserved widths.
    let fixed = known ? 1 + PERCENT : 0;
    if (has('bytes')) fixed += 3 + (known ? BYTES + 4 + BYTES : BYTES);
    if (has('rate')) fixed += 3 + RATE;
    if (has('eta')) fixed += 3 + ETA;
    const bar = has('bar') ? MIN_BAR + 1 : 0;
    const room = budget - fixed - bar;
    const nameColumns = Math.min(wantName, room);
    if (nameColumns < Math.min(MIN_NAME, wantName) && fields.length > 0) continue;
    const name = fitName(state.name, nameWidth, Math.max(0, nameColumns), opts.nameColumns !== undefined);
    const barColumns = bar ? Math.min(MAX_BAR, budget - fixed - columnsOf(name) - 1) : 0;

    const parts: string[] = [name];
    if (barColumns) parts.push(' ' + opts.paint(drawBar(state.done / state.total!, barColumns)));
    if (known) parts.push(' ' + `${Math.min(100, Math.floor((state.done / Math.max(1, state.total!)) * 100))}%`.padStart(PERCENT));
    if (has('bytes')) parts.push(' | ' + (known ? `${formatBytes(state.done).padStart(BYTES)} of ${formatBytes(state.total!).padStart(BYTES)}` : formatBytes(state.done).padStart(BYTES)));
    if (has('rate')) parts.push(' | ' + `${formatBytes(Math.round(bytesPerSecond))}/s`.padStart(RATE));
    if (has('eta')) parts.push(' | ' + `ETA ${duration(left / bytesPerSecond)}`.padEnd(ETA));
    const line = parts.join('').trimEnd();
    // A value wider than its reserved width (1023.9 MiB) may still not fit: then drop one more field.
    if (columnsOf(stripColour(line)) <= budget || fields.length === 0) return line;
  }
  return '';
}

function fitName(name: string, width: number, columns: number, pad: boolean): string {
  const short = width > columns ? shortenLeft(name, columns) : name;
  return pad ? short + ' '.repeat(Math.max(0, columns - columnsOf(short))) : short;
}

function drawBar(fraction: number, columns: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * columns);
  return '='.repeat(full) + '-'.repeat(columns - full);
}

/** 42s, 1m05s, 2h03m. */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 100 * 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return '>99h';
}

function stripColour(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
