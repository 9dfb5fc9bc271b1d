// Global set-up of `npm run test:interop`: one folder for this run (servers'
// configurations, logs, roots, and a fresh CA + server certificate made with
// openssl), handed to the test files; at the end, any daemon a crashed worker
// left running is ended (by the pids recorded in the run folder) and the folder
// removed (kept with TFTP_INTEROP_KEEP=1, to read the logs).
import { chmodSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { generateCerts, type Certs } from './helpers/certs.js';
import { killRecorded } from './helpers/daemon.js';

declare module 'vitest' {
  export interface ProvidedContext {
    interopRunDir: string;
    interopCerts: Certs | null;
    interopCertError: string;
  }
}

export default function setup(project: TestProject) {
  const runDir = mkdtempSync(join(tmpdir(), 'tftp-interop-'));
  chmodSync(runDir, 0o755);
  const certDir = join(runDir, 'certs');
  mkdirSync(certDir, { mode: 0o755 });
  let certs: Certs | null = null;
  let certError = '';
  try {
    certs = generateCerts(certDir);
  } catch (e) {
    // Reported by each test file (failing it in CI).
    certError = (e as Error).message;
  }
  project.provide('interopRunDir', runDir);
  project.provide('interopCerts', certs);
  project.provide('interopCertError', certError);
  return () => {
    const left = killRecorded(join(runDir, 'pids'));
    if (left.length) console.warn(`interop: ended daemons left running by a worker: ${left.join(', ')}`);
    if (process.env.TFTP_INTEROP_KEEP === '1') console.warn(`interop: run folder kept: ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  };
}
