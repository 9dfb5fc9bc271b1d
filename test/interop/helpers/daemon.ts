// Runs one server daemon in the foreground, in a process group of its own,
// with its pid recorded, and stops exactly that group.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';

/**
 * Fills in a configuration template: `{{name}}` is replaced by the value,
 * lines from `{{#name}}` to `{{/name}}` are kept only when the value is truthy.
 * A name without a value is an error (a template and its caller out of step).
 * Comment lines (#…) are copied unchanged.
 */
export function render(template: string, values: Record<string, string | number | boolean>): string {
  const out: string[] = [];
  const open: boolean[] = [];
  for (const line of template.split('\n')) {
    const block = /^\s*\{\{([#/])(\w+)\}\}\s*$/.exec(line);
    if (block) {
      const [, sign, name] = block;
      if (!(name! in values)) throw new Error(`template: no value for block {{${sign}${name}}}`);
      if (sign === '#') open.push(!!values[name!]);
      else open.pop();
      continue;
    }
    if (open.includes(false)) continue;
    // Comment lines are kept as they are (they may talk about {{fields}}).
    if (line.trimStart().startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(
      line.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
        if (!(k in values)) throw new Error(`template: no value for {{${k}}}`);
        return String(values[k]);
      }),
    );
  }
  if (open.length) throw new Error('template: unclosed {{#block}}');
  return out.join('\n');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The first free port in base..base+9 (the control port of an instance). */
export async function freeControlPort(base: number): Promise<number> {
  for (let p = base; p < base + 10; p++) if (await portIsFree(p)) return p;
  throw new Error(`no free port in ${base}..${base + 9}`);
}

/** The first reply on 127.0.0.1:port (then QUIT). */
export function readGreeting(port: number, implicitTls = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = implicitTls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : createConnection({ port, host: '127.0.0.1' });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no greeting'));
    }, 3000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      // the last line of a (possibly multi-line) reply: "ddd text"
      if (/(^|\n)\d{3} [^\n]*\r?\n/.test(buf)) {
        clearTimeout(timer);
        sock.end('QUIT\r\n');
        setTimeout(() => sock.destroy(), 200);
        resolve(buf);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    });
  });
}

/** Pids of every daemon started by this run, as files in a folder, for a last-resort cleanup. */
let pidDir: string | undefined;
export function setPidDir(dir: string): void {
  pidDir = dir;
  mkdirSync(dir, { recursive: true });
}

/** Records the process group `pid` leads, for killRecorded (no-op before setPidDir). */
export function recordPid(pid: number, name: string): void {
  if (pidDir) writeFileSync(join(pidDir, String(pid)), `${name}\n`);
}

export function forgetPid(pid: number): void {
  if (pidDir) rmSync(join(pidDir, String(pid)), { force: true });
}

/** Ends the process groups recorded in `dir` (global teardown: after a crashed worker). */
export function killRecorded(dir: string): number[] {
  const killed: number[] = [];
  if (!existsSync(dir)) return killed;
  for (const name of readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // already gone
    }
    rmSync(join(dir, name), { force: true });
  }
  return killed;
}

const running = new Set<Daemon>();
let exitHooks = false;
function installExitHooks(): void {
  if (exitHooks) return;
  exitHooks = true;
  // Synchronous last resort: the worker exits without afterAll having run.
  process.once('exit', () => {
    for (const d of running) d.killSync();
  });
  // On a signal: end the daemons, then let the signal do what it would have done
  // (vitest's workers do not allow process.exit()).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const d of running) d.killSync();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** Added to the environment the daemon inherits. */
  env?: NodeJS.ProcessEnv;
  /** Control port to wait for a greeting on. */
  port: number;
  /** TLS from the first byte (implicit FTPS): the greeting comes over TLS. */
  implicitTls?: boolean;
  /** Folder for the daemon's stdout/stderr (daemon.out). */
  logDir: string;
  /** Other log files worth showing when something fails. */
  logFiles?: string[];
  startTimeoutMs?: number;
}

/** What the suite needs of a running server: a daemon, or the suite's own inetd-like loop. */
export interface ServerProcess {
  readonly pid: number;
  readonly alive: boolean;
  logs(): string;
  stop(): Promise<void>;
}

export class Daemon implements ServerProcess {
  readonly pid: number;
  private readonly proc: ChildProcess;
  private readonly exited: Promise<void>;
  private stopped = false;
  private readonly outFile: string;

  constructor(private readonly spec: DaemonSpec) {
    this.outFile = join(spec.logDir, `${spec.name}.out`);
    const fd = openSync(this.outFile, 'a');
    try {
      // detached: a process group of its own, so its per-session children go with it.
      this.proc = spawn(spec.command, spec.args, { stdio: ['ignore', fd, fd], detached: true, ...(spec.env ? { env: { ...process.env, ...spec.env } } : {}) });
    } finally {
      closeSync(fd);
    }
    if (this.proc.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.once('error', () => {});
    running.add(this);
    installExitHooks();
    recordPid(this.pid, spec.name);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The daemon's output and log files, for an error message. */
  logs(maxLines = 40): string {
    const parts: string[] = [];
    for (const file of [this.outFile, ...(this.spec.logFiles ?? [])]) {
      if (!existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      if (lines.length === 1 && lines[0] === '') continue;
      parts.push(`--- ${file} (last ${Math.min(maxLines, lines.length)} lines)\n${lines.slice(-maxLines).join('\n')}`);
    }
    return parts.join('\n');
  }

  /** Resolves once the server greets with 220; rejects if it exits or stays silent. */
  async ready(): Promise<void> {
    const deadline = Date.now() + (this.spec.startTimeoutMs ?? 15_000);
    for (;;) {
      if (!this.alive) throw new Error(`${this.spec.name} exited during start-up (code ${this.proc.exitCode}, signal ${this.proc.signalCode})\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`${this.spec.name} did not greet on 127.0.0.1:${this.spec.port} in time\n${this.logs()}`);
      const greeting = await this.greeting().catch(() => undefined);
      if (greeting !== undefined) {
        if (/^220[ -]/.test(greeting)) return;
        throw new Error(`${this.spec.name} greeted with: ${greeting.trim()}\n${this.logs()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private greeting(): Promise<string> {
    return readGreeting(this.spec.port, this.spec.implicitTls);
  }

  /** SIGTERM to the daemon's process group, SIGKILL after 3 s. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.alive) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    // Session processes left in the group (the daemon itself is gone).
    this.signal('SIGKILL');
    this.forget();
  }

  killSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.signal('SIGKILL');
    this.forget();
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // the group is gone
    }
  }

  private forget(): void {
    running.delete(this);
    forgetPid(this.pid);
  }
}

/** Starts a daemon and waits for its greeting; stops it again if it never greets. */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  const d = new Daemon(spec);
  try {
    await d.ready();
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
