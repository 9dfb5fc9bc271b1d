import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { logFtpSrvCommands, type FtpSrvLog } from '../support/ftpsrv-log.js';
import { tftp } from '../support/cli.js';
import { expectSame, files, site, finalName } from '../support/sync-trees.js';
import { isTemporaryName } from '../../src/core/jobs/atomic.js';

// tftp sync against ftp-srv as it comes: no MFMT (ftp-srv's command table is
// global, so this file has no server with MFMT). Sizes decide, or the state file.

let plain: RunningFtpSrv;
let log: FtpSrvLog;
let local: string;

beforeAll(async () => {
  plain = await startFtpSrv();
  log = logFtpSrvCommands();
});
afterAll(async () => {
  log.restore();
  await plain.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sync-state-'));
  log.clear();
  return () => rm(local, { recursive: true, force: true });
});

const url = (path: string) => `${plain.url}/${path}`;

describe('sync upload to a server without MFMT', () => {
  it('a server without MFMT: sizes decide (said in a notice), and nothing is sent twice', async () => {
    const src = join(local, 'site');
    await site(src);
    expect((await tftp(['sync', src, url('p1')])).code).toBe(0);
    log.clear();
    const r = await tftp(['sync', src, url('p1')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no MFMT');
    expect(log.args('STOR')).toEqual([]);
  });

  it('--state on a server without MFMT: a same-size change is seen, the state file is kept and never a difference', async () => {
    const src = join(local, 'site');
    await site(src);
    const first = await tftp(['sync', '--state', '--delete', src, url('p2')]);
    expect(first.code, first.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(plain.root, 'p2/.tftp-sync.json'), 'utf8'));
    expect(Object.keys(state.files).sort()).toEqual(['css/deep/empty.css', 'css/site.css', 'index.html', 'with space.txt']);
    expect(state.files['with space.txt']).toMatchObject({ size: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' });
    await writeFile(join(src, 'with space.txt'), 'HELLO');
    await utimes(join(src, 'with space.txt'), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    // Touched only: the same bytes, a new time.
    await utimes(join(src, 'index.html'), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    log.clear();
    const r = await tftp(['sync', '--state', '--delete', src, url('p2')]);
    expect(r.code, r.stderr).toBe(0);
    expect(log.args('STOR').filter((n) => !n.includes('.tftp-sync')).map(finalName)).toEqual(['p2/with space.txt']);
    expect(log.args('DELE')).toEqual([]);
    expect(await readFile(join(plain.root, 'p2/with space.txt'), 'utf8')).toBe('HELLO');
    // Written under a temporary name, renamed over the old one.
    expect(log.args('RNTO')).toContain('p2/.tftp-sync.json');
    expect(existsSync(join(plain.root, 'p2/.tftp-sync.json.tmp'))).toBe(false);
  });

  it('the state is written as the first file arrives when there was none, and only at the end when there was one', async () => {
    const src = join(local, 'site');
    await site(src);
    const writes = () => log.args('STOR').filter((n) => n === 'p4/.tftp-sync.json.tmp').length;
    const first = await tftp(['sync', '--state', '-j', '1', src, url('p4')]);
    expect(first.code, first.stderr).toBe(0);
    expect(writes()).toBe(2);
    await writeFile(join(src, 'with space.txt'), 'changed: a new size');
    await writeFile(join(src, 'css/deep/empty.css'), 'not empty now');
    log.clear();
    const again = await tftp(['sync', '--state', '-j', '1', src, url('p4')]);
    expect(again.code, again.stderr).toBe(0);
    expect(log.args('STOR').filter((n) => !n.includes('.tftp-sync')).map(finalName).sort()).toEqual(['p4/css/deep/empty.css', 'p4/with space.txt']);
    expect(writes()).toBe(1);
    const state = JSON.parse(await readFile(join(plain.root, 'p4/.tftp-sync.json'), 'utf8'));
    expect(state.files['with space.txt']).toMatchObject({ size: 19 });
    expect(state.files['css/deep/empty.css']).toMatchObject({ size: 13 });
  });

  it('an interrupted sync, run again, sends only the rest', async () => {
    const src = join(local, 'many');
    await mkdir(src);
    for (let i = 0; i < 30; i++) await writeFile(join(src, `f${String(i).padStart(2, '0')}.bin`), randomBytes(20_000 + i));
    const stop = new AbortController();
    let stored = 0;
    log.onCommand = (line) => {
      if (line.startsWith('STOR ') && ++stored === 10) stop.abort();
    };
    const first = await tftp(['sync', '-j', '2', src, url('p3'), '--state'], { signal: stop.signal });
    log.onCommand = undefined;
    expect(first.code).toBe(130);
    // RNTO goes out with RNFR: a rename written before the stop is still carried out by the server.
    for (let seen = -1; seen !== log.lines.length; ) {
      seen = log.lines.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const remote = await files(join(plain.root, 'p3'));
    const mine = await files(src);
    const complete = [...remote].filter(([k, v]) => mine.get(k)?.equals(v)).map(([k]) => k);
    expect(complete.length).toBeGreaterThan(0);
    expect(complete.length).toBeLessThan(30);
    log.clear();
    const again = await tftp(['sync', '-j', '2', src, url('p3'), '--state']);
    expect(again.code, again.stderr).toBe(0);
    const sent = log.args('STOR').filter((n) => !n.includes('.tftp-sync')).map((n) => finalName(n).slice('p3/'.length));
    expect(sent.filter((n) => complete.includes(n))).toEqual([]);
    // A temporary file the stop left whole (its STOR done, its rename not yet sent) is only renamed:
    // its name carries the source's identity, and its size says it is complete.
    const wholeTemporaries = [...remote].filter(([k, v]) => isTemporaryName(k) && [...mine].some(([m, b]) => k.startsWith(`.${m}.tftp-`) && b.equals(v)));
    expect(sent.filter((n) => wholeTemporaries.some(([k]) => k.startsWith(`.${n}.tftp-`)))).toEqual([]);
    expect(sent.length).toBe(30 - complete.length - wholeTemporaries.length);
    const after = await files(join(plain.root, 'p3'));
    expect(after.delete('.tftp-sync.json')).toBe(true);
    expectSame(mine, after);
  });
});
