import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { logFtpSrvCommands, type FtpSrvLog } from '../support/ftpsrv-log.js';
import { tftp } from '../support/cli.js';
import { expectSame, files, site, finalName } from '../support/sync-trees.js';

// tftp sync against ftp-srv with MFMT added: times set on upload and compared.

let mfmt: RunningFtpSrv;
let log: FtpSrvLog;
let local: string;

beforeAll(async () => {
  mfmt = await startFtpSrv({ mfmt: true });
  log = logFtpSrvCommands();
});
afterAll(async () => {
  log.restore();
  await mfmt.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sync-'));
  log.clear();
  return () => rm(local, { recursive: true, force: true });
});

const url = (srv: RunningFtpSrv, path: string) => `${srv.url}/${path}`;

describe('sync upload (deploy)', () => {
  it('first run uploads the tree; a second run with nothing changed sends nothing', async () => {
    const src = join(local, 'site');
    await site(src);
    const first = await tftp(['sync', src, url(mfmt, 'www1')]);
    expect(first.code, first.stderr).toBe(0);
    expectSame(await files(src), await files(join(mfmt.root, 'www1')));
    expect(log.args('STOR').length).toBe(4);
    expect(log.args('MFMT').length).toBe(4);
    log.clear();
    const second = await tftp(['sync', src, url(mfmt, 'www1')]);
    expect(second.code, second.stderr).toBe(0);
    expect(log.lines.filter((l) => /^(STOR|APPE|DELE|RMD|MKD|RNTO|MFMT)/.test(l))).toEqual([]);
    expect(second.stderr).toContain('0 uploaded, 4 unchanged');
  });

  it('after touching, adding and deleting files: sends the changed and new ones, removes the deleted with --delete', async () => {
    const src = join(local, 'site');
    await site(src);
    expect((await tftp(['sync', src, url(mfmt, 'www2')])).code).toBe(0);
    // Same size, new bytes, a new time: only the time tells.
    await writeFile(join(src, 'index.html'), randomBytes(5000));
    await utimes(join(src, 'index.html'), new Date(Date.now() + 120_000), new Date(Date.now() + 120_000));
    await writeFile(join(src, 'css/new.css'), 'new');
    await rm(join(src, 'with space.txt'));
    await rm(join(src, 'css/deep'), { recursive: true });
    log.clear();
    const r = await tftp(['sync', '--delete', src, url(mfmt, 'www2')]);
    expect(r.code, r.stderr).toBe(0);
    expect(log.args('STOR').map(finalName).sort()).toEqual(['www2/css/new.css', 'www2/index.html']);
    expect(log.args('DELE').sort()).toEqual(['www2/css/deep/empty.css', 'www2/with space.txt']);
    expect(log.args('RMD')).toEqual(['www2/css/deep']);
    // Deletes come last: after every transfer.
    expect(log.lines.findIndex((l) => l.startsWith('DELE'))).toBeGreaterThan(log.lines.map((l) => l.slice(0, 4)).lastIndexOf('STOR'));
    expectSame(await files(src), await files(join(mfmt.root, 'www2')));
  });

  it('without --delete, remote extras stay, and the summary says so', async () => {
    const src = join(local, 'site');
    await site(src);
    await mkdir(join(mfmt.root, 'www3'), { recursive: true });
    await writeFile(join(mfmt.root, 'www3/old.txt'), 'old');
    const r = await tftp(['sync', src, url(mfmt, 'www3')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(mfmt.root, 'www3/old.txt'), 'utf8')).toBe('old');
    expect(r.stderr).toContain('1 not in the source (kept: no --delete)');
  });

  it('excluded paths are neither uploaded nor deleted; --include takes one back; --exclude-from reads gitignore rules', async () => {
    const src = join(local, 'site');
    await site(src);
    await mkdir(join(src, 'logs'), { recursive: true });
    await writeFile(join(src, 'logs/a.log'), 'a');
    await writeFile(join(src, 'debug.log'), 'd');
    await writeFile(join(src, 'keep.log'), 'k');
    await mkdir(join(src, 'css/tmp'), { recursive: true });
    await writeFile(join(src, 'css/tmp/x'), 'x');
    await writeFile(join(src, 'secret.txt'), 's');
    await writeFile(join(src, 'css/secret.txt'), 'not anchored: kept');
    const rules = join(local, 'rules');
    await writeFile(rules, '# deploy rules\n/secret.txt\n**/tmp/\n');
    // On the server already: excluded there too, so never deleted.
    await mkdir(join(mfmt.root, 'www4/logs'), { recursive: true });
    await writeFile(join(mfmt.root, 'www4/logs/server.log'), 'server');
    const r = await tftp(['sync', '--delete', '--exclude', '*.log', '--include', 'keep.log', '--exclude-from', rules, src, url(mfmt, 'www4')]);
    expect(r.code, r.stderr).toBe(0);
    const remote = await files(join(mfmt.root, 'www4'));
    expect([...remote.keys()].sort()).toEqual(['css/deep/empty.css', 'css/secret.txt', 'css/site.css', 'index.html', 'keep.log', 'logs/server.log', 'with space.txt']);
    expect(log.args('DELE')).toEqual([]);
    expect(log.args('RMD')).toEqual([]);
  });

  it('--max-delete: more removals than allowed is refused before anything changes (exit 2)', async () => {
    const src = join(local, 'site');
    await site(src);
    await mkdir(join(mfmt.root, 'www5'), { recursive: true });
    for (const n of ['a', 'b', 'c']) await writeFile(join(mfmt.root, `www5/${n}.old`), n);
    const r = await tftp(['sync', '--delete', '--max-delete', '2', src, url(mfmt, 'www5')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('would remove 3 paths, more than --max-delete 2');
    expect(log.lines.filter((l) => /^(STOR|DELE|MKD|RMD)/.test(l))).toEqual([]);
    expect((await readdir(join(mfmt.root, 'www5'))).sort()).toEqual(['a.old', 'b.old', 'c.old']);
    const ok = await tftp(['sync', '--delete', '--max-delete', '3', src, url(mfmt, 'www5')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(log.args('DELE').sort()).toEqual(['www5/a.old', 'www5/b.old', 'www5/c.old']);
  });

  it('--state before the folders, which takes the first folder for its value: one line saying so, exit 2, nothing sent', async () => {
    const src = join(local, 'site');
    await site(src);
    for (const folder of [src, 'site']) {
      const r = await tftp(['sync', '--state', folder, url(mfmt, 'www7')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`tftp: --state took ${JSON.stringify(folder)} for the state file's name: write --state=NAME, or --state after the folders\n`);
    }
    expect(log.lines).toEqual([]);
    const missing = await tftp(['sync', src]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'destination'/);
  });

  it('--delete with an empty or missing source is refused unless --force', async () => {
    await mkdir(join(mfmt.root, 'www6/sub'), { recursive: true });
    await writeFile(join(mfmt.root, 'www6/sub/a.txt'), 'a');
    const empty = join(local, 'empty');
    await mkdir(empty);
    for (const src of [empty, join(local, 'missing')]) {
      const r = await tftp(['sync', '--delete', src, url(mfmt, 'www6')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/has no files.*--force/);
    }
    expect(await readFile(join(mfmt.root, 'www6/sub/a.txt'), 'utf8')).toBe('a');
    const forced = await tftp(['sync', '--delete', '--force', empty, url(mfmt, 'www6')]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readdir(join(mfmt.root, 'www6'))).toEqual([]);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const src = join(local, 'site');
    await site(src);
    await mkdir(join(mfmt.root, 'www7'), { recursive: true });
    await writeFile(join(mfmt.root, 'www7/gone.txt'), 'g');
    const r = await tftp(['sync', '--dry-run', '--delete', src, url(mfmt, 'www7')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.toString();
    expect(out).toMatch(/^mkdir +css$/m);
    expect(out).toMatch(/^upload +index\.html {2}\(new\)$/m);
    expect(out).toMatch(/^delete +gone\.txt$/m);
    expect(log.lines.filter((l) => /^(STOR|DELE|MKD|RMD|MFMT)/.test(l))).toEqual([]);
    expect(await readdir(join(mfmt.root, 'www7'))).toEqual(['gone.txt']);
    const json = await tftp(['sync', '--dry-run', '--json', '--delete', src, url(mfmt, 'www7')]);
    expect(json.code, json.stderr).toBe(0);
    const events = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === 'plan' && e.action === 'delete')).toEqual([{ event: 'plan', action: 'delete', file: 'gone.txt' }]);
    expect(events.at(-1)).toMatchObject({ event: 'sync', dryRun: true, transferred: 0, deleted: 0 });
    expect(log.lines.filter((l) => /^(STOR|DELE|MKD|RMD|MFMT)/.test(l))).toEqual([]);
  });

  it('--json: each path\'s action, the transfers, the removals and a summary with counts and bytes', async () => {
    const src = join(local, 'site');
    await site(src);
    await mkdir(join(mfmt.root, 'www8'), { recursive: true });
    await writeFile(join(mfmt.root, 'www8/gone.txt'), 'g');
    const r = await tftp(['sync', '--json', '--delete', src, url(mfmt, 'www8')]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    const plan = events.filter((e) => e.event === 'plan');
    expect(plan.filter((e) => e.action === 'upload').map((e) => e.file).sort()).toEqual(['css/deep/empty.css', 'css/site.css', 'index.html', 'with space.txt']);
    expect(plan.find((e) => e.file === 'index.html')).toMatchObject({ reason: 'new', size: 5000 });
    expect(plan.filter((e) => e.action === 'mkdir').map((e) => e.file)).toEqual(['css', 'css/deep']);
    expect(plan.filter((e) => e.action === 'delete').map((e) => e.file)).toEqual(['gone.txt']);
    expect(events.filter((e) => e.event === 'done')).toHaveLength(4);
    expect(events.filter((e) => e.event === 'delete')).toEqual([{ event: 'delete', file: 'gone.txt', type: 'file' }]);
    const summary = events.at(-1);
    expect(summary).toMatchObject({ event: 'sync', direction: 'upload', dryRun: false, transferred: 4, unchanged: 0, deleted: 1, failed: 0, bytes: 75_005 });
    expect(events.filter((e) => e.event === 'summary')).toEqual([]);
  });

  it('local symbolic links are skipped with a notice, or followed with --follow-links', async () => {
    const src = join(local, 'site');
    await site(src);
    await symlink(join(src, 'index.html'), join(src, 'link.html'));
    const r = await tftp(['sync', src, url(mfmt, 'www9')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('skipped "link.html": symbolic link (use --follow-links)');
    expect(existsSync(join(mfmt.root, 'www9/link.html'))).toBe(false);
    const followed = await tftp(['sync', '--follow-links', src, url(mfmt, 'www9')]);
    expect(followed.code, followed.stderr).toBe(0);
    expect((await readFile(join(mfmt.root, 'www9/link.html'))).equals(await readFile(join(src, 'index.html')))).toBe(true);
  });

});

describe('sync download (mirror)', () => {
  beforeEach(async () => {
    await rm(join(mfmt.root, 'pub'), { recursive: true, force: true });
    await mkdir(join(mfmt.root, 'pub/sub'), { recursive: true });
    await writeFile(join(mfmt.root, 'pub/a.bin'), randomBytes(100_000));
    await writeFile(join(mfmt.root, 'pub/sub/b.txt'), 'bee');
  });

  it('mirrors a remote tree, sets local times, and a second run fetches nothing', async () => {
    const dest = join(local, 'mirror');
    const r = await tftp(['sync', url(mfmt, 'pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(await files(join(mfmt.root, 'pub')), await files(dest));
    expect(Math.floor((await stat(join(dest, 'a.bin'))).mtimeMs / 1000)).toBe(Math.floor((await stat(join(mfmt.root, 'pub/a.bin'))).mtimeMs / 1000));
    log.clear();
    const again = await tftp(['sync', url(mfmt, 'pub'), dest]);
    expect(again.code, again.stderr).toBe(0);
    expect(log.args('RETR')).toEqual([]);
    expect(again.stderr).toContain('0 downloaded, 2 unchanged');
  });

  it('fetches what changed on the server and removes local extras with --delete', async () => {
    const dest = join(local, 'mirror');
    expect((await tftp(['sync', url(mfmt, 'pub'), dest])).code).toBe(0);
    await writeFile(join(mfmt.root, 'pub/sub/b.txt'), 'BEE');
    await utimes(join(mfmt.root, 'pub/sub/b.txt'), new Date(Date.now() + 120_000), new Date(Date.now() + 120_000));
    await writeFile(join(dest, 'local-only.txt'), 'x');
    await mkdir(join(dest, 'stale/deeper'), { recursive: true });
    log.clear();
    const r = await tftp(['sync', '--delete', url(mfmt, 'pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(log.args('RETR')).toEqual(['pub/sub/b.txt']);
    expectSame(await files(join(mfmt.root, 'pub')), await files(dest));
    expect(existsSync(join(dest, 'stale'))).toBe(false);
  });

  it('never writes through a local link in the destination: the paths under it are refused (exit 10)', async () => {
    const dest = join(local, 'mirror');
    const outside = join(local, 'outside');
    await mkdir(dest);
    await mkdir(outside);
    await symlink(outside, join(dest, 'sub'));
    const r = await tftp(['sync', url(mfmt, 'pub'), dest]);
    expect(r.code).toBe(10);
    expect(r.stderr).toContain('never written through');
    expect(await readdir(outside)).toEqual([]);
    expect((await readFile(join(dest, 'a.bin'))).equals(await readFile(join(mfmt.root, 'pub/a.bin')))).toBe(true);
  });

  it('--dry-run downloads nothing and creates nothing', async () => {
    const dest = join(local, 'mirror');
    const r = await tftp(['sync', '--dry-run', url(mfmt, 'pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^download +sub\/b\.txt {2}\(new\)$/m);
    expect(existsSync(dest)).toBe(false);
    expect(log.args('RETR')).toEqual([]);
  });

  it('--state keeps the state file locally, never deleted', async () => {
    const dest = join(local, 'mirror');
    const r = await tftp(['sync', '--state=mirror.json', '--delete', url(mfmt, 'pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(dest, 'mirror.json'), 'utf8'));
    expect(Object.keys(state.files).sort()).toEqual(['a.bin', 'sub/b.txt']);
    const again = await tftp(['sync', '--state=mirror.json', '--delete', url(mfmt, 'pub'), dest]);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(dest, 'mirror.json'))).toBe(true);
  });
});

describe('sync arguments', () => {
  it('needs exactly one URL', async () => {
    for (const args of [[local, local], ['ftp://a/x', 'ftp://b/y']]) {
      const r = await tftp(['sync', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
