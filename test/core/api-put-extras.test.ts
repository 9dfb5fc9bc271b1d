import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Ftp } from '../../src/index.js';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';

// The library's createDirs, append and atomic upload options against
// ftp-srv, checked on the server's disk.

let srv: RunningFtpSrv;
let local: string;
let ftp: Ftp;
beforeAll(async () => {
  srv = await startFtpSrv();
});
afterAll(() => srv.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-apix-'));
  await rm(join(srv.root, 'x'), { recursive: true, force: true });
  await mkdir(join(srv.root, 'x'));
  ftp = await connect(`ftp://127.0.0.1:${srv.port}/`, { timeoutMs: 5000 });
  return async () => {
    await ftp.close();
    await rm(local, { recursive: true, force: true });
  };
});

it('upload with createDirs and atomic: the folders made, the file swapped in whole, no temporary file left', async () => {
  const body = randomBytes(200_000);
  await writeFile(join(local, 'f.bin'), body);
  const r = await ftp.upload(join(local, 'f.bin'), 'x/a/b/f.bin', { createDirs: true, atomic: true });
  expect(r.bytes).toBe(body.length);
  expect((await readFile(join(srv.root, 'x/a/b/f.bin'))).equals(body)).toBe(true);
  expect(await readdir(join(srv.root, 'x/a/b'))).toEqual(['f.bin']);
});

it('upload with append: the old bytes, then the new', async () => {
  const old = randomBytes(1000);
  const more = randomBytes(50_000);
  await writeFile(join(srv.root, 'x/log.bin'), old);
  await writeFile(join(local, 'more.bin'), more);
  await ftp.upload(join(local, 'more.bin'), 'x/log.bin', { append: true });
  expect((await readFile(join(srv.root, 'x/log.bin'))).equals(Buffer.concat([old, more]))).toBe(true);
});

it('append with atomic is refused before anything is sent', async () => {
  await writeFile(join(local, 'a.bin'), 'a');
  await expect(ftp.upload(join(local, 'a.bin'), 'x/a.bin', { append: true, atomic: true })).rejects.toMatchObject({ kind: 'argument' });
  expect(await readdir(join(srv.root, 'x'))).toEqual([]);
});

it('uploadTree with createDirs and atomic: every file under the new parents', async () => {
  await mkdir(join(local, 'site/img'), { recursive: true });
  const bodies: [string, Buffer][] = [['index.html', randomBytes(3000)], ['img/a.png', randomBytes(90_000)]];
  for (const [name, body] of bodies) await writeFile(join(local, 'site', name), body);
  const r = await ftp.uploadTree(join(local, 'site'), 'x/www/site', { createDirs: true, atomic: true, parallel: 2 });
  expect(r.ok).toBe(2);
  for (const [name, body] of bodies) expect((await readFile(join(srv.root, 'x/www/site', name))).equals(body)).toBe(true);
  expect((await readdir(join(srv.root, 'x/www/site'))).sort()).toEqual(['img', 'index.html']);
});
