// What the tests of one server instance work with: the shared suite's own
// (suite.ts, suite-names.ts) and a server's own tests (InstanceDef.extraTests).
import { expect } from 'vitest';
import type { Certs } from './certs.js';
import type { RunningServer } from './servers.js';
import type { CliResult } from './tftp.js';

/** What a server's own tests (InstanceDef.extraTests) get from the instance's suite. */
export interface InstanceContext {
  /** The running instance (set once beforeAll has run). */
  server(): RunningServer;
  certs: Certs;
  /** tftp with the instance's HOME; killed (code -1) after limitMs (default 50 s). */
  run(args: string[], env?: NodeJS.ProcessEnv, limitMs?: number): Promise<CliResult>;
  /** -P, -u and the TLS options for tftpuser. */
  conn(tls?: 'ca' | 'none' | 'no-ca'): string[];
  /** A fresh local path in the client's folder. */
  local(name: string): string;
}

/** Byte comparison with a short message instead of two multi-MiB dumps. */
export function expectSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  expect.fail(`${what}: ${actual.length} bytes instead of ${expected.length}, first difference at byte ${i}`);
}
