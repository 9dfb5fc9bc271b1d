import { afterEach, beforeEach } from 'vitest';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpClient } from '../../src/core/client.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from './fake-server.js';
import type { RunningFtpSrv } from './ftpsrv.js';

/**
 * What a core transfer test works with: a fresh local folder, the servers and
 * the client it started (all closed after each test), and the client's trace.
 */
export interface Sessions {
  local: string;
  fake: FakeServer | undefined;
  srv: RunningFtpSrv | undefined;
  client: FtpClient | undefined;
  /** '> COMMAND' and '< reply' lines, as the client traced them. */
  trace: string[];
  /** A logged-in binary session; `onReply` sees each reply line as it arrives. */
  connect(port: number, opts?: { passive?: boolean; onReply?: (line: string) => void }): Promise<FtpClient>;
  /** A fake server with these options, and a session on it. */
  fakeWith(opts: FakeServerOptions): Promise<FtpClient>;
  /** Downloads `name` into the local folder (from `rest` on, announcing `next`); returns the bytes on disk. */
  fetch(c: FtpClient, name: string, opts?: { rest?: number | undefined; next?: string | undefined }): Promise<Buffer>;
}

/** Registers the hooks for a test file; `prefix` names its temporary folders. */
export function useSessions(prefix: string): Sessions {
  const s: Sessions = {
    local: '',
    fake: undefined,
    srv: undefined,
    client: undefined,
    trace: [],
    async connect(port, opts = {}) {
      s.client = new FtpClient({
        timeoutMs: 2000,
        passive: opts.passive ?? true,
        trace: (dir, line) => {
          s.trace.push(`${dir} ${line}`);
          if (dir === '<') opts.onReply?.(line);
        },
      });
      await s.client.connect('127.0.0.1', port);
      await s.client.login();
      await s.client.type('I');
      return s.client;
    },
    async fakeWith(opts) {
      s.fake = await startFakeServer(opts);
      return s.connect(s.fake.port);
    },
    async fetch(c, name, { rest, next } = {}) {
      const path = join(s.local, name);
      const fd = openSync(path, rest ? 'r+' : 'w');
      try {
        await c.retrieve(`RETR ${name}`, { fd, position: rest ?? 0 }, { rest, next });
      } finally {
        closeSync(fd);
      }
      return readFileSync(path);
    },
  };
  beforeEach(async () => {
    s.local = await mkdtemp(join(tmpdir(), prefix));
    s.trace = [];
  });
  afterEach(async () => {
    s.client?.close();
    await s.fake?.close();
    await s.srv?.close();
    s.client = s.fake = s.srv = undefined;
    await rm(s.local, { recursive: true, force: true });
  });
  return s;
}
