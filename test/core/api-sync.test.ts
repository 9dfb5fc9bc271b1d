import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, PartialFailure, type Ftp, type SyncEvent } from '../../src/index.js';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { logFtpSrvCommands, type FtpSrvLog } from '../support/ftpsrv-log.js';
import { expectSame, files, site } from '../support/sync-trees.js';

// ftp.sync: the library's sync, on the client's own session and more.

let srv: RunningFtpSrv;
let log: FtpSrvLog;
let local: string;
let ftp: Ftp;

beforeAll(async () => {
  srv = await startFtpSrv({ mfmt: true });
  log = logFtpSrvCommands();
});
afterAll(async () => {
  log.restore();
  await srv.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-api-sync-'));
  log.clear();
  ftp = await connect(`ftp://127.0.0.1:${srv.port}/`, { timeoutMs: 20_000 });
  return async () => {
    await ftp.close();
    await rm(local, { recursive: true, force: true });
  };
});

describe('Ftp.sync', () => {
  it('uploads, then finds nothing to do; the client stays usable', async () => {
    const src = join(local, 'site');
    await site(src);
    const events: SyncEvent[] = [];
    const first = await ftp.sync({ from: { local: src }, to: { remote: 'lib1' }, parallel: 2, onEvent: (e) => events.push(e) });
    expect(first).toMatchObject({ dryRun: false, transferred: 4, unchanged: 0, deleted: 0, bytes: 75_005 });
    expect(first.plan.transfers.map((t) => t.path).sort()).toEqual(['css/deep/empty.css', 'css/site.css', 'index.html', 'with space.txt']);
    expect(events.filter((e) => e.event === 'done')).toHaveLength(4);
    expectSame(await files(src), await files(join(srv.root, 'lib1')));
    log.clear();
    const second = await ftp.sync({ from: { local: src }, to: { remote: 'lib1' } });
    expect(second).toMatchObject({ transferred: 0, unchanged: 4 });
    expect(log.args('STOR')).toEqual([]);
    expect((await ftp.list('lib1')).map((e) => e.name).sort()).toEqual(['css', 'index.html', 'with space.txt']);
  });

  it('downloads with rules and --delete; dryRun gives the plan and changes nothing', async () => {
    await mkdir(join(srv.root, 'lib2/logs'), { recursive: true });
    await writeFile(join(srv.root, 'lib2/a.bin'), randomBytes(2000));
    await writeFile(join(srv.root, 'lib2/logs/x.log'), 'x');
    const dest = join(local, 'mirror');
    await mkdir(dest);
    await writeFile(join(dest, 'old.txt'), 'old');
    const options = { from: { remote: 'lib2' }, to: { local: dest }, delete: true, rules: [{ exclude: 'logs/' }] };
    const dry = await ftp.sync({ ...options, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.plan.transfers.map((t) => t.path)).toEqual(['a.bin']);
    expect(dry.plan.deletes).toEqual([{ path: 'old.txt', type: 'file' }]);
    expect(await readFile(join(dest, 'old.txt'), 'utf8')).toBe('old');
    const real = await ftp.sync(options);
    expect(real).toMatchObject({ transferred: 1, deleted: 1 });
    expect([...(await files(dest)).keys()]).toEqual(['a.bin']);
  });

  it('rejects with a PartialFailure when a path cannot be synced, and refuses a bad pair of sides', async () => {
    await mkdir(join(srv.root, 'lib3/clash'), { recursive: true });
    const src = join(local, 'src');
    await mkdir(src);
    await writeFile(join(src, 'clash'), 'a file here, a folder there');
    await writeFile(join(src, 'fine.txt'), 'fine');
    await expect(ftp.sync({ from: { local: src }, to: { remote: 'lib3' } })).rejects.toBeInstanceOf(PartialFailure);
    expect(await readFile(join(srv.root, 'lib3/fine.txt'), 'utf8')).toBe('fine');
    await expect(ftp.sync({ from: { local: src }, to: { local: src } })).rejects.toMatchObject({ kind: 'argument' });
    await writeFile(join(srv.root, 'lib3/extra.txt'), 'extra');
    await expect(ftp.sync({ from: { local: src }, to: { remote: 'lib3' }, delete: true, maxDelete: 0 })).rejects.toMatchObject({ kind: 'argument', message: expect.stringContaining('--max-delete 0') });
    expect(await readFile(join(srv.root, 'lib3/extra.txt'), 'utf8')).toBe('extra');
  });
});
