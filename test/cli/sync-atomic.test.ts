import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { logFtpSrvCommands, type FtpSrvLog } from '../support/ftpsrv-log.js';
import { tftp } from '../support/cli.js';
import { expectSame, files, site } from '../support/sync-trees.js';


let srv: RunningFtpSrv;
let log: FtpSrvLog;
let local: string;

beforeAll(async () => {
  srv = await startFtpSrv({ mfmt: true });
  log = logFtpSrvCommands();
});
afterAll(async () => {
  log.restore();
  await srv.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sync-atomic-'));
  log.clear();
  return () => rm(local, { recursive: true, force: true });
});

describe('sync: atomic uploads', () => {
  it('each file goes to a temporary name in its folder, then RNFR/RNTO over the final name', async () => {
    const src = join(local, 'site');
    await site(src);
    const r = await tftp(['sync', src, `${srv.url}/at1`]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(await files(src), await files(join(srv.root, 'at1')));
    const finals = ['at1/css/deep/empty.css', 'at1/css/site.css', 'at1/index.html', 'at1/with space.txt'];
    expect(log.args('RNTO').sort()).toEqual(finals);
    for (const stored of log.args('STOR')) {
      expect(finals).not.toContain(stored);
      const folder = stored.slice(0, stored.lastIndexOf('/'));
      expect(finals.some((f) => f.slice(0, f.lastIndexOf('/')) === folder)).toBe(true);
    }
    expect(log.args('RNFR').sort()).toEqual(log.args('STOR').sort());
    // No temporary file is left behind.
    expect((await readdir(join(srv.root, 'at1'))).sort()).toEqual(['css', 'index.html', 'with space.txt']);
  });

  it('--inplace writes each final name directly, with no rename', async () => {
    const src = join(local, 'site');
    await site(src);
    const r = await tftp(['sync', '--inplace', src, `${srv.url}/at2`]);
    expect(r.code, r.stderr).toBe(0);
    expect(log.args('STOR').sort()).toEqual(['at2/css/deep/empty.css', 'at2/css/site.css', 'at2/index.html', 'at2/with space.txt']);
    expect(log.args('RNFR')).toEqual([]);
    expectSame(await files(src), await files(join(srv.root, 'at2')));
  });
});
