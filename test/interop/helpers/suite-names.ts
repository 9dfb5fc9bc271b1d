// Shared tests of every instance (called by suite.ts): folder and file names
// with spaces, listed, downloaded and uploaded as trees (BSD-derived servers
// split LIST arguments at spaces, so a folder is listed from inside it), and
// the address a PASV reply names.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { expectSameBytes, type InstanceContext } from './instance.js';
import { show } from './tftp.js';

const HOST = '127.0.0.1';
const SPACED = 'dir with space';

export function namesAndAddressTests(t: InstanceContext): void {
  const files: [string, Buffer][] = [
    ['file one.bin', randomBytes(50_000)],
    ['sub dir/two  words.bin', randomBytes(20_001)],
  ];

  beforeAll(() => {
    const root = t.server().root;
    mkdirSync(join(root, SPACED, 'sub dir'), { recursive: true, mode: 0o755 });
    for (const [name, body] of files) writeFileSync(join(root, SPACED, name), body, { mode: 0o644 });
  });

  it(`ls "${SPACED}": the folder's own entries (LIST and NLST)`, async () => {
    const ls = await t.run(['ls', ...t.conn(), HOST, SPACED]);
    expect(ls.code, show(ls)).toBe(0);
    const lines = ls.stdout.toString().split('\n').filter(Boolean);
    expect(lines.filter((l) => l.endsWith(' file one.bin') || l.endsWith(' sub dir')), ls.stdout.toString()).toHaveLength(2);
    expect(lines.find((l) => l.endsWith(' file one.bin'))).toContain(' 50000 ');

    const names = await t.run(['ls', '--names', ...t.conn(), HOST, SPACED]);
    expect(names.code, show(names)).toBe(0);
    // NLST is passed on as the server sends it: pure-ftpd's names . and .. too.
    const list = names.stdout.toString().split('\n').filter(Boolean).map((n) => n.replace(/^.*\//, '')).filter((n) => n !== '.' && n !== '..');
    expect(list.sort()).toEqual(['file one.bin', 'sub dir']);
  });

  it(`get -r "${SPACED}": every file, byte-identical, under the same names`, async () => {
    const dest = t.local('spaced');
    const r = await t.run(['get', '-r', ...t.conn(), HOST, SPACED, dest]);
    expect(r.code, show(r)).toBe(0);
    for (const [name, body] of files) expectSameBytes(readFileSync(join(dest, name)), body, name);
  });

  it('put -r of a local tree with spaces in its names: byte-identical on the server', async () => {
    const src = t.local('spaced up');
    mkdirSync(join(src, 'sub dir'), { recursive: true });
    for (const [name, body] of files) writeFileSync(join(src, name), body);
    const s = t.server();
    const r = await t.run(['put', '-r', ...t.conn(), HOST, src, `${s.upload}/${SPACED}`]);
    expect(r.code, show(r)).toBe(0);
    for (const [name, body] of files) expectSameBytes(readFileSync(join(s.uploadLocal, SPACED, name)), body, `uploaded ${name}`);
  });

  it('PASV (--no-epsv) names 127.0.0.1 and a port of the passive range', async () => {
    const r = await t.run(['ls', '-v', '--no-epsv', ...t.conn(), HOST]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).not.toMatch(/^> EPSV/m);
    const m = /^< 227 .*?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/m.exec(r.stderr);
    expect(m, show(r)).not.toBeNull();
    const [a, b, c, d, p1, p2] = m!.slice(1).map(Number);
    expect([a, b, c, d].join('.')).toBe(HOST);
    const port = p1! * 256 + p2!;
    const s = t.server();
    expect(port, show(r)).toBeGreaterThanOrEqual(s.pasvMin);
    expect(port, show(r)).toBeLessThanOrEqual(s.pasvMax);
    expect(r.stdout.toString()).toMatch(/ data\.bin$/m);
  });
}
