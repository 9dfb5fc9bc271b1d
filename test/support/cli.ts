import { Readable, Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, type Io } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

class Collector extends Writable {
  chunks: Buffer[] = [];
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
}

export interface CliOptions {
  stdin?: Buffer | string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** Runs the CLI in-process, as `tftp <argv>` would, capturing its output. */
export async function tftp(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  const stdout = new Collector();
  const stderr = new Collector();
  const io: Io = {
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout,
    stderr,
    env: { ...opts.env },
    signal: opts.signal,
  };
  const code = await run(argv, io);
  return { code, stdout: Buffer.concat(stdout.chunks), stderr: Buffer.concat(stderr.chunks).toString() };
}

export const BIN = fileURLToPath(new URL('../../bin/tftp.js', import.meta.url));

/** Runs the real installed-style command in a child process. */
export function spawnTftp(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
  });
  return { child, done };
}
