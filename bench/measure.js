// Run one command and measure it: wall time (high-resolution clock in this
// process) and peak RSS (GNU time's %M, i.e. ru_maxrss from wait4(), which
// covers the child and every descendant it waited for).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/** Children currently running, so that Ctrl-C / errors can end them. */
const live = new Set();

let scratch;
function scratchDir() {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'tftp-bench-time-'));
    process.once('exit', () => scratch && rmSync(scratch, { recursive: true, force: true }));
  }
  return scratch;
}

export function haveGnuTime() {
  return existsSync(GNU_TIME);
}

/** Kill every child process group still running (used on Ctrl-C / errors). */
export function killAllChildren(signal = 'SIGTERM') {
  for (const child of live) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }
  live.clear();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

const KEEP = 64 * 1024;
function collector() {
  let bytes = 0;
  let chunks = [];
  let kept = 0;
  return {
    push(buf) {
      bytes += buf.length;
      chunks.push(buf);
      kept += buf.length;
      while (kept > KEEP && chunks.length > 1) kept -= chunks.shift().length;
    },
    get bytes() {
      return bytes;
    },
    text() {
      const s = Buffer.concat(chunks).toString('utf8');
      return s.length > KEEP ? s.slice(-KEEP) : s;
    },
  };
}

/**
 * Run `cmd args` once.
 * @returns {Promise<{wallS:number, rssMiB:number|null, code:number|null, signal:string|null,
 *   timedOut:boolean, stdout:string, stderr:string, stdoutBytes:number}>}
 */
export function runMeasured(cmd, args, { cwd, env, timeoutMs = 600_000, measureRss = true } = {}) {
  const useTime = measureRss && haveGnuTime();
  const timeFile = useTime ? join(scratchDir(), `t-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`) : null;
  const argv = useTime ? [GNU_TIME, '-f', '%e %M', '-o', timeFile, cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // detached: own process group, so a timeout / Ctrl-C can end the whole tree.
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    const out = collector();
    const err = collector();
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      clearTimeout(timer);
      live.delete(child);
      let rssMiB = null;
      if (timeFile) {
        try {
          // With a non-zero exit, GNU time writes "Command exited with non-zero status N" first.
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          const m = /^([\d.]+) (\d+)$/.exec(lines[lines.length - 1]);
          if (m) rssMiB = Number(m[2]) / 1024;
          rmSync(timeFile, { force: true });
        } catch {
          /* time killed or missing output */
        }
      }
      resolve({ wallS, rssMiB, code, signal, timedOut, stdout: out.text(), stderr: err.text(), stdoutBytes: out.bytes });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}
