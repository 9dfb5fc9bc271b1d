import type { Io } from './io.js';
import { formatBytes, printable } from './text.js';
import { progressLine, type LineOptions } from './progress-line.js';

/** What a command tells the user about one transfer (the core's jobs call it). */
export type { Progress } from '../core/jobs/events.js';
import type { Progress } from '../core/jobs/events.js';

export interface ProgressOptions {
  name: string;
  verb: 'downloaded' | 'uploaded';
  quiet: boolean;
  bar: boolean;
}

const REDRAW_MS = 200;

export async function createProgress(io: Io, opts: ProgressOptions): Promise<Progress> {
  if (opts.quiet) return { start() {}, add() {}, finish() {} };
  opts = { ...opts, name: printable(opts.name) }; // names come from servers
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
  const line: Line = { name: opts.name, total: undefined, offset: 0, bytes: 0, began: 0, complete: false };
  let timer: NodeJS.Timeout | undefined;
  let bar: InstanceType<typeof SingleBar> | undefined;
  const draw = () => bar?.update(line.offset + line.bytes);

  return {
    start(size, from) {
      Object.assign(line, { total: size, offset: from, began: performance.now() });
      bar = new SingleBar({
        stream: io.stderr as NodeJS.WriteStream,
        // Fitted to the terminal's width at each redraw, so a resized terminal is followed too.
        format: (_o, params) => render(line, params.maxWidth, { eta: true, paint: (b) => c.cyan(b) }),
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      });
      bar.start(size ?? 0, Math.min(from, size ?? 0));
      timer = setInterval(draw, REDRAW_MS);
      timer.unref();
    },
    add(n) {
      line.bytes += n;
    },
    finish(ok) {
      clearInterval(timer);
      if (!bar) return;
      line.complete = ok;
      draw();
      bar.stop();
    },
  };
}

function rate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(Math.round(bytes / seconds))}/s` : '-';
}

/** What one line shows. */
interface Line {
  name: string;
  total: number | undefined;
  offset: number;
  bytes: number;
  began: number;
  complete: boolean;
}

function render(line: Line, columns: number, opts: LineOptions): string {
  const seconds = line.began ? (performance.now() - line.began) / 1000 : 0;
  return progressLine({ name: line.name, total: line.total, done: line.offset + line.bytes, bytes: line.bytes, seconds, complete: line.complete }, columns, opts);
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
  const paint = (b: string) => c.cyan(b);
  // One name column for every line, so that the bars align.
  const nameColumns = (columns: number) => Math.max(10, Math.min(24, Math.floor(columns / 3)));
  const format = (line: Line, eta: boolean) => (_o: unknown, params: { maxWidth: number }) => render(line, params.maxWidth, { eta, paint, nameColumns: nameColumns(params.maxWidth) });
  const multi = new MultiBar({ stream: io.stderr as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, fps: 5 });
  let done = 0;
  const all: Line = { name: '', total: opts.totalBytes, offset: 0, bytes: 0, began: performance.now(), complete: false };
  const label = () => `${done}/${opts.files} files`;
  all.name = label();
  const overall = multi.create(all.total ?? 0, 0, {}, { format: format(all, true) });
  const active = new Map<Line, ReturnType<typeof multi.create>>();
  const draw = () => {
    all.name = label();
    overall.update(Math.min(all.bytes, all.total ?? 0));
    for (const [line, bar] of active) bar.update(line.total === undefined ? 0 : Math.min(line.offset + line.bytes, line.total));
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  return {
    item(name) {
      const line: Line = { name: printable(name), total: undefined, offset: 0, bytes: 0, began: 0, complete: false };
      return {
        start(total, offset) {
          const old = active.get(line); // a retry of this file
          if (old) multi.remove(old);
          Object.assign(line, { total, offset, bytes: 0, began: performance.now() });
          active.set(line, multi.create(total ?? 0, Math.min(offset, total ?? 0), {}, { format: format(line, false) }));
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
    finish(ok) {
      clearInterval(timer);
      all.complete = ok;
      draw();
      multi.stop();
    },
  };
}
