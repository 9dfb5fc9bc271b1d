import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';
import { expectSame, files } from '../support/sync-trees.js';
import { temporaryName } from '../../src/core/jobs/atomic.js';

// How a sync spends its connections, seen from ftp-srv's side: which
// connection sent each command, and from which folder a LIST was asked.

interface Seen {
  verb: string;
  arg: string;
  conn: number;
  cwd: string;
}
type Handler = (this: { fs?: { cwd?: string } }, ctx: { command: { arg: string | null } }) => unknown;

let srv: RunningFtpSrv;
let local: string;
const seen: Seen[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  srv = await startFtpSrv();
  const registry = createRequire(import.meta.url)('ftp-srv/src/commands/registry') as Record<string, { handler: Handler }>;
  const ids = new WeakMap<object, number>();
  let connectionsSeen = 0;
  for (const verb of ['USER', 'LIST', 'SIZE', 'REST', 'STOR', 'DELE', 'RNFR']) {
    const original = registry[verb]!.handler;
    restore.push(() => (registry[verb]!.handler = original));
    registry[verb]!.handler = function (ctx) {
      if (!ids.has(this)) ids.set(this, ++connectionsSeen);
      seen.push({ verb, arg: ctx.command.arg ?? '', conn: ids.get(this)!, cwd: this.fs?.cwd ?? '' });
      return original.call(this, ctx);
    };
  }
});
afterAll(async () => {
  for (const r of restore) r();
  await srv.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sync-parallel-'));
  seen.length = 0;
  return () => rm(local, { recursive: true, force: true });
});

const of = (verb: string) => seen.filter((s) => s.verb === verb);
const connections = (verb: string) => new Set(of(verb).map((s) => s.conn));

/** 12 folders, each with a file and a subfolder with a file. */
async function wideSite(root: string): Promise<string[]> {
  const folders: string[] = [];
  for (let i = 0; i < 12; i++) {
    const d = `d${String(i).padStart(2, '0')}`;
    await mkdir(join(root, d, 'sub'), { recursive: true });
    await writeFile(join(root, d, 'a.txt'), randomBytes(100 + i));
    await writeFile(join(root, d, 'sub', 'b.txt'), randomBytes(200 + i));
    folders.push(d, `${d}/sub`);
  }
  await writeFile(join(root, 'index.html'), 'home');
  return folders;
}

describe('sync: the remote walk and the connections', () => {
  it('lists every remote folder exactly once, over several connections at once, and logs in no more than -j times', async () => {
    const src = join(local, 'site');
    const folders = await wideSite(src);
    expect((await tftp(['sync', '--inplace', src, `${srv.url}/w1`])).code).toBe(0);
    seen.length = 0;
    const r = await tftp(['sync', '-j', '4', '--inplace', src, `${srv.url}/w1`]);
    expect(r.code, r.stderr).toBe(0);
    const listed = of('LIST').map((s) => s.cwd.replace(/^\/w1\/?/, '')).sort();
    expect(listed).toEqual(['', ...folders].sort());
    expect(connections('LIST').size).toBeGreaterThan(1);
    expect(of('USER').length).toBeLessThanOrEqual(4);
    expect(of('STOR')).toEqual([]);
  });

  it('eight sessions listing at once raise no warning of too many abort listeners', async () => {
    const src = join(local, 'site');
    await wideSite(src);
    expect((await tftp(['sync', '--inplace', src, `${srv.url}/w6`])).code).toBe(0);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      // The signal Ctrl-C aborts, as the command line has one.
      const r = await tftp(['sync', '-j', '8', '--inplace', src, `${srv.url}/w6`], { signal: new AbortController().signal });
      expect(r.code, r.stderr).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(connections('LIST').size).toBeGreaterThan(4);
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });

  it('a second run with edits and removals logs in at most -j times, and removes over a connection that was already open', async () => {
    const src = join(local, 'site');
    await wideSite(src);
    expect((await tftp(['sync', '--inplace', '--delete', src, `${srv.url}/w2`])).code).toBe(0);
    await writeFile(join(src, 'd03/a.txt'), 'changed, longer than before: a new size');
    await writeFile(join(src, 'd07/sub/b.txt'), 'changed too');
    await rm(join(src, 'd01/a.txt'));
    await rm(join(src, 'd09/sub/b.txt'));
    seen.length = 0;
    const r = await tftp(['sync', '-j', '2', '--inplace', '--delete', src, `${srv.url}/w2`]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(await files(src), await files(join(srv.root, 'w2')));
    expect(of('STOR').map((s) => s.arg).sort()).toEqual(['w2/d03/a.txt', 'w2/d07/sub/b.txt']);
    expect(of('DELE').map((s) => s.arg).sort()).toEqual(['w2/d01/a.txt', 'w2/d09/sub/b.txt']);
    expect(of('USER').length).toBeLessThanOrEqual(2);
    const worked = new Set([...connections('LIST'), ...connections('STOR')]);
    for (const c of connections('DELE')) expect(worked.has(c)).toBe(true);
  });
});

describe('sync: what an upload asks before it sends', () => {
  it('an atomic upload asks only SIZE about a temporary name the listing did not show, and lists nothing for it', async () => {
    const src = join(local, 'site');
    await wideSite(src);
    const r = await tftp(['sync', '-j', '3', src, `${srv.url}/w3`]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(await files(src), await files(join(srv.root, 'w3')));
    expect(of('STOR').length).toBe(25);
    expect(of('REST')).toEqual([]);
    // Only the walk's: the folder is absent (its listing, then a look at its parent); none for a temporary name.
    expect(of('LIST').length).toBeLessThanOrEqual(2);
    expect(of('SIZE').filter((s) => s.arg.endsWith('.part')).length).toBeLessThanOrEqual(25);
  });

  it('an atomic upload into a folder the run made asks nothing about its temporary name', async () => {
    const src = join(local, 'site');
    await wideSite(src);
    await mkdir(join(srv.root, 'w7'));
    const r = await tftp(['sync', '-j', '3', src, `${srv.url}/w7`]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(await files(src), await files(join(srv.root, 'w7')));
    expect(of('STOR').length).toBe(25);
    // Only the file of the folder that was there already: its folder may hold a temporary file of an earlier run.
    const info = await stat(join(src, 'index.html'));
    expect(of('SIZE').map((s) => s.arg)).toEqual([temporaryName('w7/index.html', `${info.size}:${Math.trunc(info.mtimeMs)}`)]);
  });

  it('a temporary file an interrupted run left is resumed from the size the listing showed', async () => {
    const src = join(local, 'site');
    await mkdir(src);
    const body = randomBytes(50_000);
    await writeFile(join(src, 'big.bin'), body);
    const info = await stat(join(src, 'big.bin'));
    const temp = temporaryName('w4/big.bin', `${info.size}:${Math.trunc(info.mtimeMs)}`);
    await mkdir(join(srv.root, 'w4'));
    await writeFile(join(srv.root, temp), body.subarray(0, 20_000));
    const r = await tftp(['sync', src, `${srv.url}/w4`]);
    expect(r.code, r.stderr).toBe(0);
    // ftp-srv's REST + STOR writes zeros before the offset: the bytes sent are those after it.
    const stored = await readFile(join(srv.root, 'w4/big.bin'));
    expect(stored.length).toBe(body.length);
    expect(stored.subarray(20_000).equals(body.subarray(20_000))).toBe(true);
    expect(of('SIZE')).toEqual([]);
    expect(of('REST').map((s) => s.arg)).toEqual(['20000']);
    expect(of('RNFR').map((s) => s.arg)).toEqual([temp]);
  });

  it('--state records the SHA-256 of a file larger than one read buffer', async () => {
    const src = join(local, 'site');
    await mkdir(src);
    const body = randomBytes(1_300_000);
    await writeFile(join(src, 'large.bin'), body);
    const r = await tftp(['sync', '--state', '--inplace', src, `${srv.url}/w5`]);
    expect(r.code, r.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(srv.root, 'w5/.tftp-sync.json'), 'utf8'));
    expect(state.files['large.bin']).toMatchObject({ size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });
});
