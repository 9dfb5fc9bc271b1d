import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp, type CliResult } from '../support/cli.js';
import { temporaryName } from '../../src/core/jobs/atomic.js';

// put --create-dirs, --append and --atomic against ftp-srv, checked on the
// server's disk.

let server: RunningFtpSrv;
let local: string;
beforeAll(async () => {
  server = await startFtpSrv({ mfmt: true });
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-putx-'));
  return () => rm(local, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const onServer = (name: string) => join(server.root, name);
/** A fresh folder on the server for one test. */
async function folder(name: string): Promise<string> {
  await rm(onServer(name), { recursive: true, force: true });
  await mkdir(onServer(name), { recursive: true });
  return name;
}
async function localFile(name: string, body: Buffer): Promise<string> {
  const path = join(local, name);
  await writeFile(path, body);
  return path;
}
function expectOneLine(r: CliResult, code: number, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
}

describe('--create-dirs', () => {
  it('makes the missing folders of a single file\'s remote path', async () => {
    const base = await folder('cd-single');
    const body = randomBytes(70_000);
    const src = await localFile('f.bin', body);
    const r = await tftp(['put', '--create-dirs', ...at(), src, `${base}/a/b c/d/f.bin`]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(onServer(`${base}/a/b c/d/f.bin`))).equals(body)).toBe(true);
  });

  // ftp-srv's MKD makes missing parents itself, and its STOR into a missing
  // folder throws an unhandled rejection: the refusals are tested against the
  // fake server (test/hostile/put-extras.test.ts).
  it('makes the parents of a tree\'s remote folder', async () => {
    const base = await folder('cd-tree');
    const src = join(local, 'site');
    await mkdir(join(src, 'css'), { recursive: true });
    const bodies: [string, Buffer][] = [['index.html', randomBytes(5_000)], ['css/main.css', randomBytes(300)]];
    for (const [name, body] of bodies) await writeFile(join(src, name), body);
    const r = await tftp(['put', '-r', '--create-dirs', ...at(), src, `${base}/www/prod/site`]);
    expect(r.code, r.stderr).toBe(0);
    for (const [name, body] of bodies) expect((await readFile(onServer(`${base}/www/prod/site/${name}`))).equals(body)).toBe(true);
  });

  it('a tree into an existing parent needs no flag, and an existing remote folder is fine', async () => {
    const base = await folder('cd-tree-existing');
    await mkdir(onServer(`${base}/site`));
    const src = join(local, 'site');
    await mkdir(src);
    const body = randomBytes(1234);
    await writeFile(join(src, 'a.bin'), body);
    const r = await tftp(['put', '-r', ...at(), src, `${base}/site`]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(onServer(`${base}/site/a.bin`))).equals(body)).toBe(true);
  });
});

describe('--append', () => {
  it('adds the local bytes to the end of the remote file (APPE)', async () => {
    const base = await folder('append');
    const old = randomBytes(100_001);
    const more = randomBytes(250_000);
    await writeFile(onServer(`${base}/log.bin`), old);
    const src = await localFile('more.bin', more);
    const r = await tftp(['put', '--append', '-v', ...at(), src, `${base}/log.bin`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^> APPE append\/log\.bin$/m);
    expect(r.stderr).not.toMatch(/^> STOR /m);
    expect((await readFile(onServer(`${base}/log.bin`))).equals(Buffer.concat([old, more]))).toBe(true);
  });

  it('makes a missing remote file', async () => {
    const base = await folder('append-new');
    const body = randomBytes(4096);
    const src = await localFile('new.bin', body);
    const r = await tftp(['put', '--append', ...at(), src, `${base}/new.bin`]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(onServer(`${base}/new.bin`))).equals(body)).toBe(true);
  });
});

describe('combinations that mean nothing: exit 2, one line, no connection', () => {
  it.each([
    [['--append', '--atomic'], /--append cannot be combined with --atomic/],
    [['--append', '-c'], /--append cannot be combined with -c or --rest/],
    [['--append', '--rest', '10'], /--append cannot be combined with -c or --rest/],
    [['--atomic', '--rest', '10'], /--rest cannot be combined with --atomic/],
  ])('%s', async (flags, message) => {
    const src = await localFile('x.bin', randomBytes(100));
    // Port 1: nothing listens there, so a connection attempt would be exit 3.
    const r = await tftp(['put', ...flags, '-P', '1', '127.0.0.1', src, 'x.bin']);
    expectOneLine(r, 2, message);
  });
});

describe('--atomic', () => {
  it('replaces the file through a temporary name that is gone afterwards; -p sets the final file\'s time', async () => {
    const base = await folder('atomic');
    await writeFile(onServer(`${base}/index.html`), 'old page');
    const body = randomBytes(300_000);
    const src = await localFile('index.html', body);
    const when = new Date('2024-02-29T12:34:56Z');
    await utimes(src, when, when);
    const r = await tftp(['put', '--atomic', '-p', '-v', '--json', ...at(), src, `${base}/index.html`]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(onServer(`${base}/index.html`))).equals(body)).toBe(true);
    expect(await readdir(onServer(base))).toEqual(['index.html']);
    expect(statSync(onServer(`${base}/index.html`)).mtime.getTime()).toBe(when.getTime());

    const temp = temporaryName(`${base}/index.html`, `${body.length}:${Math.trunc((await stat(src)).mtimeMs)}`);
    expect(temp).toMatch(/^atomic\/\.index\.html\.tftp-[0-9a-f]{8}\.part$/);
    const trace = r.stderr.split('\n').filter((l) => /^> (STOR|RNFR|RNTO|MFMT)/.test(l));
    expect(trace).toEqual([`> STOR ${temp}`, `> RNFR ${temp}`, `> RNTO ${base}/index.html`, `> MFMT 20240229123456 ${base}/index.html`]);
    // The events name the final path only.
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { event: string; file?: string });
    expect(events.filter((e) => e.file !== undefined).map((e) => e.file)).toEqual(expect.arrayContaining([`${base}/index.html`]));
    expect(events.every((e) => e.file === undefined || e.file === `${base}/index.html`)).toBe(true);
    expect(events.find((e) => e.event === 'done')).toMatchObject({ file: `${base}/index.html`, bytes: body.length });
  });

  it('never writes over a name the folder holds: a file under its temporary name stays as it was', async () => {
    const base = await folder('atomic-taken');
    const body = randomBytes(20_000);
    const src = await localFile('a.bin', body);
    const temp = temporaryName(`${base}/a.bin`, `${body.length}:${Math.trunc((await stat(src)).mtimeMs)}`);
    await writeFile(onServer(temp), 'not ours');
    const r = await tftp(['put', '--atomic', '-v', ...at(), src, `${base}/a.bin`]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(onServer(temp), 'utf8')).toBe('not ours');
    expect((await readFile(onServer(`${base}/a.bin`))).equals(body)).toBe(true);
    const stored = /^> STOR (.*)$/m.exec(r.stderr)![1]!;
    expect(stored).not.toBe(temp);
    expect(stored).toMatch(/^atomic-taken\/\.a\.bin\.tftp-[0-9a-f]{8}-[0-9a-f]{6}\.part$/);
    expect((await readdir(onServer(base))).sort()).toEqual(['a.bin', temp.slice(base.length + 1)].sort());
  });

  it('with -r: every file through its own temporary name, none left', async () => {
    const base = await folder('atomic-tree');
    const src = join(local, 'site');
    await mkdir(join(src, 'img'), { recursive: true });
    const bodies: [string, Buffer][] = [['index.html', randomBytes(9_000)], ['img/logo.png', randomBytes(120_000)], ['img/x.png', randomBytes(0)]];
    for (const [name, body] of bodies) await writeFile(join(src, name), body);
    await mkdir(onServer(`${base}/site/img`), { recursive: true });
    await writeFile(onServer(`${base}/site/index.html`), 'old');
    const r = await tftp(['put', '-r', '--atomic', '-j', '2', ...at(), src, `${base}/site`]);
    expect(r.code, r.stderr).toBe(0);
    for (const [name, body] of bodies) expect((await readFile(onServer(`${base}/site/${name}`))).equals(body)).toBe(true);
    expect((await readdir(onServer(`${base}/site`))).sort()).toEqual(['img', 'index.html']);
    expect((await readdir(onServer(`${base}/site/img`))).sort()).toEqual(['logo.png', 'x.png']);
  });

  it('-c with the final file already complete: nothing sent', async () => {
    const base = await folder('atomic-c-done');
    const body = randomBytes(5_000);
    await writeFile(onServer(`${base}/f.bin`), body);
    const src = await localFile('f.bin', body);
    const r = await tftp(['put', '-c', '--atomic', '-v', ...at(), src, `${base}/f.bin`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/already complete on the server/);
    expect(r.stderr).not.toMatch(/^> (STOR|RNFR)/m);
    expect(existsSync(onServer(`${base}/f.bin`))).toBe(true);
  });
});

describe('--atomic, watched from the server side', () => {
  it('a reader polling the server during a slow upload sees the old file or the whole new one, never a part', async () => {
    const base = await folder('atomic-poll');
    const final = onServer(`${base}/app.js`);
    const old = randomBytes(64_000);
    await writeFile(final, old);
    const body = randomBytes(512 * 1024);
    const fifo = join(local, 'slow');
    execFileSync('mkfifo', [fifo]);
    const run = tftp(['put', '--atomic', ...at(), fifo, `${base}/app.js`]);
    const writer = await open(fifo, 'w');

    const seen = new Set<string>();
    const partSizes = new Set<number>();
    let stop = false;
    const poller = (async () => {
      while (!stop) {
        const now = await readFile(final);
        seen.add(now.equals(old) ? 'old' : now.equals(body) ? 'new' : `a part of ${now.length} bytes`);
        for (const name of await readdir(onServer(base))) {
          if (name.endsWith('.part')) partSizes.add((await stat(onServer(`${base}/${name}`)).catch(() => ({ size: -1 }))).size);
        }
        await sleep(2);
      }
    })();
    for (let i = 0; i < body.length; i += 16_384) {
      await writer.write(body.subarray(i, i + 16_384));
      await sleep(8);
    }
    await writer.close();
    const r = await run;
    await sleep(20);
    stop = true;
    await poller;
    expect(r.code, r.stderr).toBe(0);
    expect([...seen]).toEqual(['old', 'new']);
    // The poller did watch the upload under way: the temporary file grew in steps.
    expect([...partSizes].filter((n) => n > 0 && n < body.length).length).toBeGreaterThan(3);
    expect(await readdir(onServer(base))).toEqual(['app.js']);
  });
});

describe('--atomic from stdin', () => {
  it('streams into a temporary name too, renamed when complete', async () => {
    const base = await folder('atomic-stdin');
    await writeFile(onServer(`${base}/data.bin`), 'old');
    const body = randomBytes(123_456);
    const r = await tftp(['put', '--atomic', '-v', ...at(), '-', `${base}/data.bin`], { stdin: body });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^> STOR atomic-stdin\/\.data\.bin\.tftp-[0-9a-f]{8}\.part$/m);
    expect((await readFile(onServer(`${base}/data.bin`))).equals(body)).toBe(true);
    expect(await readdir(onServer(base))).toEqual(['data.bin']);
  });
});
