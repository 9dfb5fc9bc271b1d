// put --create-dirs, --append and --atomic against a real server, checked on
// its disk (InstanceDef.extraTests of the plain instances).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { expectSameBytes, type InstanceContext } from './instance.js';
import { show } from './tftp.js';

const HOST = '127.0.0.1';

export function putExtrasTests(t: InstanceContext): void {
  const first = randomBytes(70_001);
  const second = randomBytes(1_000_003);
  const source = (name: string, body: Buffer) => {
    const path = t.local(name);
    writeFileSync(path, body);
    return path;
  };

  it('put --create-dirs: the missing folders made, the file byte-identical', async () => {
    const s = t.server();
    const r = await t.run(['put', '--create-dirs', ...t.conn(), HOST, source('cd.bin', second), `${s.upload}/px-made/a/b/cd.bin`]);
    expect(r.code, show(r)).toBe(0);
    expectSameBytes(readFileSync(join(s.uploadLocal, 'px-made/a/b/cd.bin')), second, 'uploaded file');
  });

  it('put without --create-dirs into a missing folder: exit 5', async () => {
    const s = t.server();
    const r = await t.run(['put', ...t.conn(), HOST, source('nodir.bin', first), `${s.upload}/px-missing/nodir.bin`]);
    expect(r.code, show(r)).toBe(5);
  });

  it('put --append: the remote file is the old bytes and then the new ones', async () => {
    const s = t.server();
    const put = await t.run(['put', ...t.conn(), HOST, source('a1.bin', first), `${s.upload}/px-append.bin`]);
    expect(put.code, show(put)).toBe(0);
    const r = await t.run(['put', '--append', ...t.conn(), HOST, source('a2.bin', second), `${s.upload}/px-append.bin`]);
    expect(r.code, show(r)).toBe(0);
    expectSameBytes(readFileSync(join(s.uploadLocal, 'px-append.bin')), Buffer.concat([first, second]), 'appended file');
  });

  it('put --atomic over an existing file: the new bytes, no temporary file left', async () => {
    const s = t.server();
    const put = await t.run(['put', '--create-dirs', ...t.conn(), HOST, source('at1.bin', first), `${s.upload}/px-atomic/f.bin`]);
    expect(put.code, show(put)).toBe(0);
    const r = await t.run(['put', '--atomic', '-v', ...t.conn(), HOST, source('at2.bin', second), `${s.upload}/px-atomic/f.bin`]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toMatch(/^> RNTO .*px-atomic\/f\.bin$/m);
    expectSameBytes(readFileSync(join(s.uploadLocal, 'px-atomic/f.bin')), second, 'replaced file');
    expect(readdirSync(join(s.uploadLocal, 'px-atomic'))).toEqual(['f.bin']);
  });

  it('put -r --atomic --create-dirs: every file byte-identical under a new parent, no temporary file left', async () => {
    const s = t.server();
    const src = t.local('px-site');
    mkdirSync(join(src, 'css'), { recursive: true });
    writeFileSync(join(src, 'index.html'), first);
    writeFileSync(join(src, 'css', 'main.css'), second);
    const r = await t.run(['put', '-r', '--atomic', '--create-dirs', ...t.conn(), HOST, src, `${s.upload}/px-deep/www/site`]);
    expect(r.code, show(r)).toBe(0);
    const site = join(s.uploadLocal, 'px-deep/www/site');
    expectSameBytes(readFileSync(join(site, 'index.html')), first, 'index.html');
    expectSameBytes(readFileSync(join(site, 'css', 'main.css')), second, 'css/main.css');
    expect(readdirSync(site).sort()).toEqual(['css', 'index.html']);
    expect(readdirSync(join(site, 'css'))).toEqual(['main.css']);
  });
}
