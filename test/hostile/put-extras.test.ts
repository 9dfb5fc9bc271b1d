import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePath, startFakeServer, waitUntil, type CommandContext, type FakeServer, type FakeSession, type Handler } from '../support/fake-server.js';
import { spawnTftp, tftp, type CliResult } from '../support/cli.js';
import { temporaryName } from '../../src/core/jobs/atomic.js';

// put --create-dirs, --atomic and --append where ftp-srv cannot show it: a
// server that refuses a missing folder, cuts a transfer, is killed under, or
// will not rename. The fake server here knows folders as real servers do.

let local: string;
let server: FakeServer;
const data = randomBytes(300_000);
beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-putx-'));
  await writeFile(join(local, 'up.bin'), data);
  return () => rm(local, { recursive: true, force: true });
});
afterEach(() => server?.close());

const src = () => join(local, 'up.bin');
const run = (...args: string[]) => tftp(['put', '-P', String(server.port), '--retry-delay', '0.01', '--timeout', '2', ...args]);
const identity = async () => `${data.length}:${Math.trunc((await stat(src())).mtimeMs)}`;
const verbs = (...names: string[]) => server.commands.filter((c) => names.some((n) => c.startsWith(`${n} `)));

function expectOneLine(r: CliResult, code: number, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.code).toBe(code);
}

const parentOf = (key: string) => key.split('/').slice(0, -1).join('/');
const pending = new WeakMap<FakeSession, string>();

/** MKD, CWD, LIST, STOR/APPE, RNFR/RNTO over `folders` and the server's files, refusing what a missing folder forbids. */
function folderAware(folders: Set<string>, extra: Record<string, Handler> = {}): Record<string, Handler> {
  const key = ({ session, arg }: CommandContext) => resolvePath(session.cwd, arg);
  const hasFolder = (name: string) => name === '' || folders.has(name);
  const intoFolder: Handler = (ctx) => (hasFolder(parentOf(key(ctx))) ? ctx.fallback() : ctx.session.reply(553, 'Could not create file.'));
  return {
    MKD: (ctx) => {
      const name = key(ctx);
      if (hasFolder(name) || ctx.server.files.has(name)) return ctx.session.reply(550, 'Create directory operation failed.');
      if (!hasFolder(parentOf(name))) return ctx.session.reply(550, 'Create directory operation failed.');
      folders.add(name);
      return ctx.session.reply(257, `"/${name}" created`);
    },
    CWD: (ctx) => {
      const name = key(ctx);
      if (!hasFolder(name)) return ctx.session.reply(550, 'Failed to change directory.');
      ctx.session.cwd = name;
      return ctx.session.reply(250, 'Directory successfully changed.');
    },
    LIST: async (ctx) => {
      const dir = key(ctx);
      const lines = [...ctx.server.files].filter(([n]) => parentOf(n) === dir).map(([n, b]) => `-rw-r--r-- 1 ftp ftp ${b.length} Jan 01 00:00 ${n.slice(dir ? dir.length + 1 : 0)}\r\n`);
      ctx.server.listings.set(dir, lines.join(''));
      return ctx.fallback();
    },
    STOR: intoFolder,
    APPE: intoFolder,
    RNFR: (ctx) => {
      if (!ctx.server.files.has(key(ctx))) return ctx.session.reply(550, 'RNFR command failed.');
      pending.set(ctx.session, key(ctx));
      return ctx.session.reply(350, 'Ready for RNTO.');
    },
    RNTO: (ctx) => {
      const from = pending.get(ctx.session);
      pending.delete(ctx.session);
      if (from === undefined) return ctx.session.reply(503, 'RNFR required first.');
      ctx.server.files.set(key(ctx), ctx.server.files.get(from)!);
      ctx.server.files.delete(from);
      return ctx.session.reply(250, 'Rename successful.');
    },
    ...extra,
  };
}

/** A handler that behaves as `first` the first time, then as the built-in. */
function once(first: (ctx: CommandContext) => unknown): Handler {
  let calls = 0;
  return (ctx) => (calls++ === 0 ? first(ctx) : ctx.fallback());
}

describe('--create-dirs against a server that refuses a missing folder', () => {
  it('a single file: without it exit 5 and nothing made; with it MKD of each missing folder, parents first', async () => {
    const folders = new Set(['www']);
    server = await startFakeServer({ handlers: folderAware(folders) });
    const refused = await run('127.0.0.1', src(), 'www/a/b/up.bin');
    expectOneLine(refused, 5, /^tftp: 553 Could not create file\.$/);
    expect([...folders]).toEqual(['www']);

    const r = await run('--create-dirs', '127.0.0.1', src(), 'www/a/b/up.bin');
    expect(r.code, r.stderr).toBe(0);
    expect([...folders]).toEqual(['www', 'www/a', 'www/a/b']);
    expect(server.files.get('www/a/b/up.bin')!.equals(data)).toBe(true);
  });

  it('a tree: without it the missing parent is exit 5, no parent is made and nothing sent; with it the parents too', async () => {
    const tree = join(local, 'site');
    await rm(tree, { recursive: true, force: true });
    await mkdir(join(tree, 'css'), { recursive: true });
    await writeFile(join(tree, 'index.html'), data.subarray(0, 1000));
    await writeFile(join(tree, 'css', 'a.css'), data.subarray(0, 10));
    const folders = new Set<string>();
    server = await startFakeServer({ handlers: folderAware(folders) });
    const refused = await run('-r', '127.0.0.1', tree, 'www/prod/site');
    expectOneLine(refused, 5, /^tftp: 550 Create directory operation failed\.$/);
    expect(verbs('MKD')).toEqual(['MKD www/prod/site']);
    expect(verbs('STOR')).toEqual([]);
    expect(folders.size).toBe(0);

    const r = await run('-r', '--create-dirs', '127.0.0.1', tree, 'www/prod/site');
    expect(r.code, r.stderr).toBe(0);
    expect([...folders].sort()).toEqual(['www', 'www/prod', 'www/prod/site', 'www/prod/site/css']);
    expect(server.files.get('www/prod/site/index.html')!.equals(data.subarray(0, 1000))).toBe(true);
    expect(server.files.get('www/prod/site/css/a.css')!.equals(data.subarray(0, 10))).toBe(true);
  });
});

describe('--atomic', () => {
  it('--retries after a cut connection resumes the same temporary name with REST; the final file is byte-identical', async () => {
    const old = Buffer.from('old contents');
    // The first STOR is cut after 100 000 bytes, with a 426.
    const cut: Handler = once((ctx) => {
      ctx.server.dataFaults.STOR = { type: 'truncate', bytes: 100_000, reply: '426 Connection closed; transfer aborted.' };
      return ctx.fallback().finally(() => delete ctx.server.dataFaults.STOR);
    });
    server = await startFakeServer({ files: { 'www/up.bin': old }, handlers: folderAware(new Set(['www']), { STOR: cut }) });
    const r = await run('--atomic', '--retries', '2', '127.0.0.1', src(), 'www/up.bin');
    expect(r.code, r.stderr).toBe(0);
    const temp = temporaryName('www/up.bin', await identity());
    expect(verbs('STOR')).toEqual([`STOR ${temp}`, `STOR ${temp}`]);
    expect(server.commands).toContain('REST 100000');
    expect(server.uploads.map((u) => [u.name, u.offset, u.data.length])).toEqual([[temp, 0, 100_000], [temp, 100_000, 200_000]]);
    expect(server.files.get('www/up.bin')!.equals(data)).toBe(true);
    expect([...server.files.keys()]).toEqual(['www/up.bin']);
  });

  it('-c after a killed run finds the temporary file and resumes it (REST), then renames it', async () => {
    const old = Buffer.from('old contents');
    // The first STOR keeps 120 000 bytes, then neither reads nor replies: the client is killed there.
    const hold: Handler = once(async (ctx) => {
      const sock = await ctx.session.openData();
      await ctx.session.reply(150, 'Ok to send data.');
      const got = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        let n = 0;
        sock.on('data', (c: Buffer) => {
          chunks.push(c);
          n += c.length;
          if (n >= 120_000) {
            sock.pause();
            resolve(Buffer.concat(chunks).subarray(0, 120_000));
          }
        });
      });
      ctx.server.files.set(resolvePath(ctx.session.cwd, ctx.arg), got);
      ctx.server.held++;
    });
    server = await startFakeServer({ files: { 'www/up.bin': old }, handlers: folderAware(new Set(['www']), { STOR: hold }) });
    const killed = spawnTftp(['put', '--atomic', '-q', '-P', String(server.port), '127.0.0.1', src(), 'www/up.bin']);
    await waitUntil(() => server.held === 1, 10_000, 'the first run to be under way');
    killed.child.kill('SIGKILL');
    await killed.done;
    const temp = temporaryName('www/up.bin', await identity());
    expect(server.files.get(temp)!.length).toBe(120_000);
    expect(server.files.get('www/up.bin')!.equals(old)).toBe(true);

    const r = await run('-c', '--atomic', '127.0.0.1', src(), 'www/up.bin');
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands).toContain('REST 120000');
    expect(server.uploads.at(-1)).toMatchObject({ name: temp, offset: 120_000 });
    expect(server.files.get('www/up.bin')!.equals(data)).toBe(true);
    expect([...server.files.keys()]).toEqual(['www/up.bin']);
  });

  it('a 4xx to RNTO keeps the complete temporary file: the retry renames it without sending it again', async () => {
    const handlers = folderAware(new Set(['www']));
    const rnto = handlers.RNTO as (ctx: CommandContext) => unknown;
    let calls = 0;
    handlers.RNTO = (ctx) => (calls++ === 0 ? ctx.session.reply(450, 'Requested file action not taken.') : rnto(ctx));
    server = await startFakeServer({ files: { 'www/up.bin': 'old' }, handlers });
    const r = await run('--atomic', '--retries', '1', '--json', '127.0.0.1', src(), 'www/up.bin');
    expect(r.code, r.stderr).toBe(0);
    const temp = temporaryName('www/up.bin', await identity());
    expect(verbs('STOR', 'RNFR', 'RNTO')).toEqual([`STOR ${temp}`, `RNFR ${temp}`, 'RNTO www/up.bin', `RNFR ${temp}`, 'RNTO www/up.bin']);
    expect(server.files.get('www/up.bin')!.equals(data)).toBe(true);
    expect([...server.files.keys()]).toEqual(['www/up.bin']);
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { event: string; file?: string });
    expect(events.map((e) => e.event).filter((e) => e !== 'progress')).toEqual(['start', 'retry', 'done', 'summary']);
    expect(events.filter((e) => e.file !== undefined).every((e) => e.file === 'www/up.bin')).toBe(true);
  });

  it.each([
    ['RNFR', { RNFR: '502 Command not implemented.' }, /would not rename www\/\.up\.bin\.tftp-[0-9a-f]{8}\.part to www\/up\.bin \(502 Command not implemented\.\); www\/up\.bin is unchanged, the temporary file was removed$/],
    ['RNTO (onto an existing file)', { RNTO: '553 Rename over an existing file refused.' }, /would not rename .* \(553 Rename over an existing file refused\.\); www\/up\.bin is unchanged, the temporary file was removed$/],
  ])('a server refusing %s: exit 5, one line, the temporary file removed, the old file untouched', async (_what, refusal, message) => {
    const old = Buffer.from('old contents');
    server = await startFakeServer({ files: { 'www/up.bin': old }, handlers: folderAware(new Set(['www']), refusal) });
    const r = await run('--atomic', '--retries', '3', '127.0.0.1', src(), 'www/up.bin');
    expectOneLine(r, 5, message);
    expect(verbs('STOR')).toHaveLength(1); // a refusal is not retried
    expect(verbs('DELE')).toEqual([`DELE ${temporaryName('www/up.bin', await identity())}`]);
    expect([...server.files.keys()]).toEqual(['www/up.bin']);
    expect(server.files.get('www/up.bin')!.equals(old)).toBe(true);
  });
});

describe('--append', () => {
  it('--retries after a cut connection appends only what did not arrive', async () => {
    const old = randomBytes(5_000);
    const cut: Handler = once((ctx) => {
      ctx.server.dataFaults.APPE = { type: 'truncate', bytes: 100_000, reply: '426 Connection closed; transfer aborted.' };
      return ctx.fallback().finally(() => delete ctx.server.dataFaults.APPE);
    });
    server = await startFakeServer({ files: { 'log.bin': old }, handlers: folderAware(new Set(), { APPE: cut }) });
    const r = await run('--append', '--retries', '2', '127.0.0.1', src(), 'log.bin');
    expect(r.code, r.stderr).toBe(0);
    expect(verbs('APPE')).toEqual(['APPE log.bin', 'APPE log.bin']);
    expect(verbs('STOR', 'REST')).toEqual([]);
    expect(server.files.get('log.bin')!.equals(Buffer.concat([old, data]))).toBe(true);
  });
});
