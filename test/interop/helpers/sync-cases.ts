// tftp sync against a real server: deploy, nothing to do, changes with
// --delete, the state file, a mirror back. One function per server, to hook
// into its instances' extraTests (the logged-in user's instances: they write
// to the upload folder).
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { expectSameBytes, type InstanceContext } from './instance.js';
import { show, type CliResult } from './tftp.js';

export interface SyncCaps {
  /** The server sets times with MFMT (so uploads keep the local time). */
  mfmt: boolean;
}

const HOST = '127.0.0.1';

function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function events(r: CliResult): Record<string, unknown>[] {
  return r.stdout.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function summary(r: CliResult): Record<string, unknown> {
  return events(r).filter((e) => e.event === 'sync').at(-1) ?? {};
}

export function syncCases(t: InstanceContext, caps: SyncCaps): void {
  const url = (name: string) => `ftp://${HOST}/${t.server().upload}/${name}`;
  const remoteDir = (name: string) => join(t.server().uploadLocal, name);
  const site = (root: string) => {
    mkdirSync(join(root, 'css/deep'), { recursive: true });
    writeFileSync(join(root, 'index.html'), randomBytes(40_000));
    writeFileSync(join(root, 'a file with spaces.txt'), 'spaces');
    writeFileSync(join(root, 'css/site.css'), randomBytes(300_000));
    writeFileSync(join(root, 'css/deep/empty.css'), '');
  };
  const expectTree = (actual: Map<string, Buffer>, expected: Map<string, Buffer>) => {
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, v] of expected) expectSameBytes(actual.get(k)!, v, k);
  };

  it('sync: deploys a tree byte-identical, and a second run rewrites nothing on the server', async () => {
    const src = t.local('sync-site');
    site(src);
    const first = await t.run(['sync', '--json', ...t.conn(), src, url('sync1')]);
    expect(first.code, show(first)).toBe(0);
    expect(summary(first)).toMatchObject({ transferred: 4, failed: 0 });
    expectTree(filesUnder(remoteDir('sync1')), filesUnder(src));
    if (caps.mfmt) expect(Math.floor(statSync(join(remoteDir('sync1'), 'index.html')).mtimeMs / 1000)).toBe(Math.floor(statSync(join(src, 'index.html')).mtimeMs / 1000));
    const before = statSync(join(remoteDir('sync1'), 'css/site.css'));
    const second = await t.run(['sync', '--json', ...t.conn(), src, url('sync1')]);
    expect(second.code, show(second)).toBe(0);
    expect(summary(second)).toMatchObject({ transferred: 0, unchanged: 4 });
    const after = statSync(join(remoteDir('sync1'), 'css/site.css'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('sync --delete: sends what changed, removes what the source lost, folders last', async () => {
    const src = t.local('sync-changes');
    site(src);
    expect((await t.run(['sync', ...t.conn(), src, url('sync2')])).code).toBe(0);
    writeFileSync(join(src, 'index.html'), randomBytes(40_001));
    writeFileSync(join(src, 'css/new.css'), 'new');
    rmSync(join(src, 'css/deep'), { recursive: true });
    rmSync(join(src, 'a file with spaces.txt'));
    const r = await t.run(['sync', '--json', '--delete', ...t.conn(), src, url('sync2')]);
    expect(r.code, show(r)).toBe(0);
    expect(summary(r)).toMatchObject({ transferred: 2, deleted: 3 });
    expectTree(filesUnder(remoteDir('sync2')), filesUnder(src));
    expect(existsSync(join(remoteDir('sync2'), 'css/deep'))).toBe(false);
  });

  it('sync --state: the state file is written on the server (renamed into place), and a touched file is not sent again', async () => {
    const src = t.local('sync-state');
    site(src);
    const first = await t.run(['sync', ...t.conn(), src, url('sync3'), '--state']);
    expect(first.code, show(first)).toBe(0);
    const state = JSON.parse(readFileSync(join(remoteDir('sync3'), '.tftp-sync.json'), 'utf8')) as { files: Record<string, { size: number }> };
    expect(Object.keys(state.files).sort()).toEqual(['a file with spaces.txt', 'css/deep/empty.css', 'css/site.css', 'index.html']);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(join(src, 'css/site.css'), later, later);
    const again = await t.run(['sync', '--json', ...t.conn(), src, url('sync3'), '--state']);
    expect(again.code, show(again)).toBe(0);
    expect(summary(again)).toMatchObject({ transferred: 0 });
    expect(existsSync(join(remoteDir('sync3'), '.tftp-sync.json.tmp'))).toBe(false);
  });

  it('sync download: mirrors the server folder, then finds nothing to fetch', async () => {
    const folder = remoteDir('sync4');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'm.bin'), randomBytes(123_456));
    writeFileSync(join(folder, 'sub/n.txt'), 'n');
    for (const p of [folder, join(folder, 'sub'), join(folder, 'm.bin'), join(folder, 'sub/n.txt')]) chownSync(p, t.server().owner.uid, t.server().owner.gid);
    const dest = t.local('sync-mirror');
    const r = await t.run(['sync', ...t.conn(), url('sync4'), dest]);
    expect(r.code, show(r)).toBe(0);
    expectTree(filesUnder(dest), filesUnder(folder));
    const again = await t.run(['sync', '--json', ...t.conn(), url('sync4'), dest]);
    expect(again.code, show(again)).toBe(0);
    expect(summary(again)).toMatchObject({ transferred: 0, unchanged: 2 });
  });

  it('sync --dry-run changes nothing on the server', async () => {
    const src = t.local('sync-dry');
    site(src);
    const r = await t.run(['sync', '--dry-run', ...t.conn(), src, url('sync5')]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/^upload +index\.html {2}\(new\)$/m);
    expect(existsSync(remoteDir('sync5'))).toBe(false);
  });
}

export const vsftpdSyncCases = (t: InstanceContext) => syncCases(t, { mfmt: false });
export const proftpdSyncCases = (t: InstanceContext) => syncCases(t, { mfmt: true });
export const pureFtpdSyncCases = (t: InstanceContext) => syncCases(t, { mfmt: true });
export const pyftpdlibSyncCases = (t: InstanceContext) => syncCases(t, { mfmt: true });
export const inetutilsSyncCases = (t: InstanceContext) => syncCases(t, { mfmt: false });
