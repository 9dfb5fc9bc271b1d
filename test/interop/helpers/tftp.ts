// Runs the built CLI (bin/tftp.js) against a server of the suite.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTftp, type CliResult } from '../../support/cli.js';
import { PASSWORD, USER } from './env.js';
import type { Certs } from './certs.js';
import type { RunningServer } from './servers.js';

export type { CliResult };

const LIMIT_MS = 50_000;

/**
 * `tftp <command> --timeout 20 <args…>` (or opts.timeout) in a child process, with the suite's
 * password in TFTP_PASSWORD and HOME pointing at an empty folder (no ~/.netrc).
 * A run that does not end in 50 s (or opts.limitMs) is killed and reported as code -1.
 */
export async function tftp(args: string[], opts: { home: string; env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number; limitMs?: number }): Promise<CliResult> {
  mkdirSync(opts.home, { recursive: true });
  const [command, ...rest] = args;
  const { child, done } = spawnTftp([command!, '--timeout', String(opts.timeout ?? 20), ...rest], {
    cwd: opts.cwd ?? opts.home,
    env: { HOME: opts.home, NO_COLOR: '1', TFTP_PASSWORD: PASSWORD, ...opts.env },
  });
  let timedOut = false;
  const limit = opts.limitMs ?? LIMIT_MS;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limit);
  const r = await done;
  clearTimeout(timer);
  return timedOut ? { ...r, code: -1, stderr: `${r.stderr}\n[interop: tftp killed after ${limit / 1000} s]` } : r;
}

/** Connection arguments for `server` as tftpuser: -P, -u, and the TLS options with the run's CA. */
export function userArgs(server: RunningServer, certs: Certs, tls: 'ca' | 'none' | 'no-ca' = 'ca'): string[] {
  const t = !server.tls || tls === 'none' ? [] : server.tls === 'implicit' ? ['--tls=implicit'] : ['--tls'];
  const ca = server.tls && tls === 'ca' ? ['--ca-file', certs.caFile] : [];
  return [...t, ...ca, '-P', String(server.port), '-u', USER];
}

/** A readable account of a run, for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stderr\n${r.stderr}`;
}

export function homeOf(work: string): string {
  return join(work, 'home');
}
