import type { Io } from './io.js';
import type { ChalkInstance } from 'chalk';
import { formatBytes } from './text.js';

/** What a command tells the user about one transfer. */
export interface Progress {
  /** The server accepted the transfer; `total` is the whole file size when known. */
  start(total: number | undefined, offset: number): void;
  /** Called per chunk: only adds to a counter, the screen is redrawn on a timer. */
  add(bytes: number): void;
  /** The transfer ended; on success a summary (off a terminal) or the bar's final state. */
  finish(ok: boolean): void;
}

export interface ProgressOptions {
  name: string;
  verb: 'downloaded' | 'uploaded';
  quiet: boolean;
  bar: boolean;
}

const REDRAW_MS = 200;

export async function createProgress(io: Io, opts: ProgressOptions): Promise<Progress> {
  if (opts.quiet) return { start() {}, add() {}, finish() {} };
  if (opts.bar && io.stderr.isTTY) return terminalBar(io, opts);
  return summaryLine(io, opts);
}

/** In CI logs (CI set, no terminal), a line this often shows a long job is alive. */
const CI_LINE_MS = 5_000;

/** Off a terminal: one line at the end, no carriage returns; in CI also a line every few seconds. */
function summaryLine(io: Io, opts: ProgressOptions): Progress {
  let bytes = 0;
  let began = 0;
  let total: number | undefined;
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  const alive = () => {
    const seconds = (performance.now() - began) / 1000;
    const done = offset + bytes;
    const of = total ? ` of ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)` : '';
    io.stderr.write(`${opts.name}: ${formatBytes(done)}${of} at ${rate(bytes, seconds)}\n`);
  };
  return {
    start(size, from) {
      began = performance.now();
      total = size;
      offset = from;
      if (io.env.CI && io.env.CI !== 'false') {
        timer = setInterval(alive, CI_LINE_MS);
        timer.unref();
      }
    },
    add(n) {
      bytes += n;
    },
    finish(ok) {
      clearInterval(timer);
      if (!ok) return;
      const seconds = (performance.now() - (began || performance.now())) / 1000;
      io.stderr.write(`${opts.verb} ${opts.name}: ${formatBytes(bytes)} in ${seconds.toFixed(2)} s (${rate(bytes, seconds)})\n`);
    },
  };
}

async function terminalBar(io: Io, opts: ProgressOptions): Promise<Progress> {
  // Loaded only when a bar is drawn (cli-progress, chalk): keeps start-up fast for scripts.
  const [{ SingleBar }, { colours }] = await Promise.all([import('cli-progress'), import('./output.js')]);
  const c = colours(io);
  let bytes = 0;
  let offset = 0;
  let total: number | undefined;
  let began = 0;
  let timer: NodeJS.Timeout | undefined;
  let bar: InstanceType<typeof SingleBar> | undefined;

  // Fit the terminal: the text around the bar takes up to 58 columns; a long name is shortened.
  const columns = io.stderr.columns ?? 80;
  const name = opts.name.length > columns / 3 ? '…' + opts.name.slice(-Math.floor(columns / 3) + 1) : opts.name;
  const barsize = Math.max(5, Math.min(30, columns - name.length - 58));
  const payload = () => {
    const seconds = (performance.now() - began) / 1000;
    const done = offset + bytes;
    return {
      name,
      done: formatBytes(done),
      size: total === undefined ? '?' : formatBytes(total),
      rate: rate(bytes, seconds),
    };
  };
  const draw = () => bar?.update(total === undefined ? 0 : Math.min(offset + bytes, total), payload());

  return {
    start(size, from) {
      total = size;
      offset = from;
      began = performance.now();
      const format =
        total === undefined
          ? `{name} ${c.cyan('{done}')} | {rate}`
          : `{name} ${c.cyan('{bar}')} {percentage}% | {done} of {size} | {rate} | ETA {eta_formatted}`;
      bar = new SingleBar({
        stream: io.stderr as NodeJS.WriteStream,
        format,
        barsize,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
        autopadding: true,
      });
      bar.start(total ?? 0, Math.min(offset, total ?? 0), payload());
      timer = setInterval(draw, REDRAW_MS);
      timer.unref();
    },
    add(n) {
      bytes += n;
    },
    finish() {
      clearInterval(timer);
      if (!bar) return;
      draw();
      bar.stop();
    },
  };
}

function rate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(Math.round(bytes / seconds))}/s` : '-';
}

/** What one line of a multi-file display shows. */
interface Line {
  name: string;
  total: number | undefined;
  offset: number;
  bytes: number;
  began: number;
}

function lineFormat(c: ChalkInstance, known: boolean): string {
  return known ? `{name} ${c.cyan('{bar}')} {percentage}% | {done} of {size} | {rate}` : `{name} ${c.cyan('{done}')} | {rate}`;
}

function linePayload(line: Line) {
  const seconds = (performance.now() - line.began) / 1000;
  return {
    name: line.name,
    done: formatBytes(line.offset + line.bytes),
    size: line.total === undefined ? '?' : formatBytes(line.total),
    rate: rate(line.bytes, seconds),
  };
}

/**
 * A multi-file transfer: one summary line off a terminal; on a terminal an
 * overall bar plus one line per file in flight, all redrawn on one timer.
 */
export async function createOverallProgress(io: Io, opts: ProgressOptions & { totalBytes: number | undefined; files: number }): Promise<{ item(name: string): Progress; finish(ok: boolean): void }> {
  if (opts.quiet || !opts.bar || !io.stderr.isTTY) {
    const overall = await createProgress(io, opts);
    overall.start(opts.totalBytes, 0);
    const item: Progress = { start() {}, add: (n) => overall.add(n), finish() {} };
    return { item: () => item, finish: (ok) => overall.finish(ok) };
  }
  const [{ MultiBar }, { colours }] = await Promise.all([import('cli-progress'), import('./output.js')]);
  const c = colours(io);
  const columns = io.stderr.columns ?? 80;
  const width = Math.floor(columns / 3);
  const fit = (name: string) => (name.length > width ? '…' + name.slice(-width + 1) : name.padEnd(Math.min(width, 24)));
  const multi = new MultiBar({ stream: io.stderr as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, fps: 5, autopadding: true, barsize: Math.max(5, Math.min(30, columns - width - 50)) });
  let done = 0;
  const all: Line = { name: '', total: opts.totalBytes, offset: 0, bytes: 0, began: performance.now() };
  const label = () => fit(`${done}/${opts.files} files`);
  const overall = multi.create(all.total ?? 0, 0, { ...linePayload(all), name: label() }, { format: lineFormat(c, all.total !== undefined) });
  const active = new Map<Line, ReturnType<typeof multi.create>>();
  const draw = () => {
    overall.update(Math.min(all.bytes, all.total ?? 0), { ...linePayload(all), name: label() });
    for (const [line, bar] of active) bar.update(line.total === undefined ? 0 : Math.min(line.offset + line.bytes, line.total), linePayload(line));
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  return {
    item(name) {
      const line: Line = { name: fit(name), total: undefined, offset: 0, bytes: 0, began: 0 };
      return {
        start(total, offset) {
          const old = active.get(line); // a retry of this file
          if (old) multi.remove(old);
          Object.assign(line, { total, offset, bytes: 0, began: performance.now() });
          active.set(line, multi.create(total ?? 0, Math.min(offset, total ?? 0), linePayload(line), { format: lineFormat(c, total !== undefined) }));
        },
        add(n) {
          line.bytes += n;
          all.bytes += n;
        },
        finish(ok) {
          const bar = active.get(line);
          active.delete(line);
          if (bar) multi.remove(bar);
          if (ok) done++;
        },
      };
    },
    finish() {
      clearInterval(timer);
      draw();
      multi.stop();
    },
  };
}
