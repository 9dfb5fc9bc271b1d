import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePath, startFakeServer, type CommandContext, type FakeServer, type FakeSession, type Handler } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// `put -c` asks the remote file's size before it uploads. A server that will
// not say (SIZE 550 for a missing file) is asked another way, and that way
// must not open a data connection it then leaves unused: pyftpdlib refuses
// MLSD of a file with 501 and, with the data connection still pending,
// resets the control connection at the next command but one.

let local: string;
let server: FakeServer;
const data = randomBytes(200_000);
beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sizeprobe-'));
  await writeFile(join(local, 'fresh-c.bin'), data);
  return () => rm(local, { recursive: true, force: true });
});
afterEach(() => server?.close());

const FEAT = '211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n REST STREAM\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End';

/** Sessions whose last MLSD was refused after its EPSV: their data connection waits, unused. */
const refusedData = new WeakMap<FakeSession, number>();

/** A server that knows only the folder 'upload', and behaves like pyftpdlib around a refused MLSD. */
function pyftpdlibLike(): Record<string, Handler> {
  const isFolder = (ctx: CommandContext) => ['', 'upload'].includes(resolvePath(ctx.session.cwd, ctx.arg));
  const racy = (handler: (ctx: CommandContext) => unknown) => (ctx: CommandContext) => {
    const after = refusedData.get(ctx.session);
    if (after !== undefined) {
      if (after >= 2) return ctx.session.socket.resetAndDestroy();
      refusedData.set(ctx.session, after + 1);
    }
    return handler(ctx);
  };
  const handlers: Record<string, Handler> = {
    FEAT: FEAT,
    MLST: ({ session, server, arg }) => {
      const key = resolvePath(session.cwd, arg);
      const body = server.files.get(key);
      if (body) return session.send(`250-Listing ${arg}\r\n type=file;size=${body.length}; ${arg}\r\n250 End\r\n`);
      return key === '' || key === 'upload' ? session.send(`250-Listing ${arg}\r\n type=dir; ${arg}\r\n250 End\r\n`) : session.reply(550, 'No such file or directory.');
    },
    MLSD: (ctx) => {
      if (isFolder(ctx)) return ctx.fallback();
      refusedData.set(ctx.session, 0);
      return ctx.session.reply(501, 'No such directory.');
    },
    CWD: (ctx) => (isFolder(ctx) ? ctx.fallback() : ctx.session.reply(550, 'No such directory.')),
  };
  for (const verb of ['PWD', 'CWD', 'SIZE', 'TYPE', 'EPSV', 'PASV', 'LIST', 'MLST', 'STOR', 'APPE', 'MLSD']) {
    const inner = handlers[verb] ?? ((ctx: CommandContext) => ctx.fallback());
    handlers[verb] = racy(typeof inner === 'function' ? inner : ({ session }) => session.canned(inner));
  }
  return handlers;
}

describe('put -c of a file the server does not have yet', () => {
  it('uploads the whole file, asking its size over the control connection only (MLST), never MLSD of the file', async () => {
    server = await startFakeServer({ handlers: pyftpdlibLike() });
    server.mlsd.set('upload', '');
    const r = await tftp(['put', '-c', '-q', '-P', String(server.port), '127.0.0.1', join(local, 'fresh-c.bin'), 'upload/fresh-c.bin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.files.get('upload/fresh-c.bin')?.equals(data)).toBe(true);
    expect(server.commands.filter((c) => c.startsWith('MLSD'))).toEqual([]);
    expect(server.commands).toContain('MLST upload/fresh-c.bin');
  });
});
