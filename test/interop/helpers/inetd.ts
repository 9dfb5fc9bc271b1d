// An inetd of the suite's own, for servers that only run under inetd (inetutils
// ftpd): it listens on 127.0.0.1 in this process and, for each connection,
// spawns the server with the accepted socket as its stdin and stdout, in a
// process group of its own; stopping ends the listener and those groups only.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { recordPid, forgetPid, type ServerProcess } from './daemon.js';

export interface InetdSpec {
  name: string;
  /** Run per connection, with the connection on stdin/stdout; its stderr goes to <logDir>/<name>.out. */
  command: string;
  args: string[];
  port: number;
  logDir: string;
}

export class InetdLoop implements ServerProcess {
  /** The listener is this (test) process. */
  readonly pid = process.pid;
  private readonly server: Server;
  private readonly sessions = new Set<ChildProcess>();
  private readonly outFile: string;
  private closed = false;

  private constructor(private readonly spec: InetdSpec) {
    this.outFile = join(spec.logDir, `${spec.name}.out`);
    // Paused: this process must never read what the client sends to the session.
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.serve(sock));
  }

  /** Listens on 127.0.0.1:port; resolves once it does. */
  static start(spec: InetdSpec): Promise<InetdLoop> {
    const loop = new InetdLoop(spec);
    return new Promise((resolve, reject) => {
      loop.server.once('error', reject);
      loop.server.listen({ port: spec.port, host: '127.0.0.1', exclusive: true }, () => {
        loop.server.off('error', reject);
        resolve(loop);
      });
    });
  }

  get alive(): boolean {
    return this.server.listening;
  }

  /** Sessions still running (for a test that checks none is left behind). */
  get running(): number {
    return this.sessions.size;
  }

  private note(line: string): void {
    appendFileSync(this.outFile, `[inetd] ${line}\n`);
  }

  private serve(sock: Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    const fd = openSync(this.outFile, 'a');
    let child: ChildProcess;
    try {
      // The socket's descriptor becomes the session's 0 and 1 (libuv makes them blocking).
      child = spawn(this.spec.command, this.spec.args, { stdio: [sock, sock, fd], detached: true });
    } finally {
      closeSync(fd);
      // Our copy only: the session keeps the connection open.
      sock.destroy();
    }
    child.once('error', (e) => this.note(`cannot start ${this.spec.command}: ${e.message}`));
    const pid = child.pid;
    if (pid === undefined) return;
    this.sessions.add(child);
    recordPid(pid, `${this.spec.name} session`);
    this.note(`session ${pid} for 127.0.0.1:${sock.remotePort}`);
    child.once('exit', (code, signal) => {
      this.sessions.delete(child);
      forgetPid(pid);
      if (code !== 0) this.note(`session ${pid} ended: ${signal ?? `exit ${code}`}`);
    });
  }

  logs(maxLines = 40): string {
    if (!existsSync(this.outFile)) return '';
    const lines = readFileSync(this.outFile, 'utf8').trimEnd().split('\n');
    return `--- ${this.outFile} (last ${Math.min(maxLines, lines.length)} lines)\n${lines.slice(-maxLines).join('\n')}`;
  }

  /** Stops listening, then ends every session still running (SIGTERM, SIGKILL after 3 s). */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    const left = [...this.sessions];
    const exited = left.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()))));
    for (const c of left) signalGroup(c.pid!, 'SIGTERM');
    const timer = setTimeout(() => left.forEach((c) => signalGroup(c.pid!, 'SIGKILL')), 3000);
    await Promise.all(exited);
    clearTimeout(timer);
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone
  }
}
