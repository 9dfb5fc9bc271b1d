import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { faultPerFile, serveTree } from '../support/fake-tree.js';
import { tftp } from '../support/cli.js';

// Local names a download must get right: a remote file whose name is another
// one's temporary name, names at the file system's 255-byte limit, and
// --rest offsets that do not fit the remote file.

let server: FakeServer;
let local: string;
beforeEach(async () => {
  server = await startFakeServer();
  local = await mkdtemp(join(tmpdir(), 'tftp-names-'));
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const retrs = () => server.commands.filter((c) => c.startsWith('RETR '));
const rests = () => server.commands.filter((c) => c.startsWith('REST '));

describe('a folder holding both x.iso and x.iso.part', () => {
  // Listed .part first: a temporary name x.iso.part would overwrite that file once it is in.
  const iso = randomBytes(120_000);
  const isoPart = randomBytes(50_000);
  beforeEach(() => serveTree(server, { 'dir/x.iso.part': isoPart, 'dir/x.iso': iso }));

  async function expectBoth(out: string) {
    expect((await readdir(out)).sort()).toEqual(['x.iso', 'x.iso.part']);
    expect((await readFile(join(out, 'x.iso'))).equals(iso)).toBe(true);
    expect((await readFile(join(out, 'x.iso.part'))).equals(isoPart)).toBe(true);
  }

  it('get -r: both files arrive byte-identical, and nothing else is left', async () => {
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', '-j', '1', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    await expectBoth(out);
  });

  it('get -r -c over a complete copy: exit 0, nothing fetched, both files intact', async () => {
    const out = join(local, 'out');
    expect((await tftp(['get', '-r', '-j', '1', ...at(), 'dir', out])).code).toBe(0);
    server.commands.length = 0;
    const r = await tftp(['get', '-r', '-c', '-j', '1', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(retrs()).toEqual([]);
    await expectBoth(out);
  });

  it('get -r -c resumes an interrupted x.iso from its own temporary file, not from the file x.iso.part', async () => {
    const out = join(local, 'out');
    faultPerFile(server, (name) => (name === 'dir/x.iso' ? { type: 'truncate', bytes: 30_000 } : undefined));
    const first = await tftp(['get', '-r', '-j', '1', ...at(), 'dir', out]);
    expect(first.code).not.toBe(0);
    expect((await readFile(join(out, 'x.iso.part'))).equals(isoPart)).toBe(true);
    expect(existsSync(join(out, 'x.iso'))).toBe(false);

    faultPerFile(server, () => undefined);
    server.commands.length = 0;
    const r = await tftp(['get', '-r', '-c', '-j', '1', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(retrs()).toEqual(['RETR dir/x.iso']);
    expect(rests()).toEqual(['REST 30000']);
    await expectBoth(out);
  });
});

describe('a plain get of x.iso into a folder that already holds a downloaded x.iso.part', () => {
  const iso = randomBytes(120_000);
  const isoPart = randomBytes(50_000);
  beforeEach(() => serveTree(server, { 'dir/x.iso.part': isoPart, 'dir/x.iso': iso }));

  it('get: the local x.iso.part (a complete file of its own) is left alone', async () => {
    expect((await tftp(['get', '-r', ...at(), 'dir', local])).code).toBe(0);
    const r = await tftp(['get', ...at(), 'dir/x.iso', local]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'x.iso'))).equals(iso)).toBe(true);
    expect((await readdir(local)).sort()).toEqual(['x.iso', 'x.iso.part']);
    expect((await readFile(join(local, 'x.iso.part'))).equals(isoPart)).toBe(true);
  });

  it('get -c: x.iso is not resumed from the bytes of the file x.iso.part', async () => {
    expect((await tftp(['get', '-r', ...at(), 'dir', local])).code).toBe(0);
    await rm(join(local, 'x.iso'));
    const r = await tftp(['get', '-c', ...at(), 'dir/x.iso', local]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'x.iso'))).equals(iso)).toBe(true);
    expect((await readdir(local)).sort()).toEqual(['x.iso', 'x.iso.part']);
    expect((await readFile(join(local, 'x.iso.part'))).equals(isoPart)).toBe(true);
  });
});

describe('names at the 255-byte limit', () => {
  const names = {
    ascii255: 'a'.repeat(251) + '.bin',
    ascii251: 'b'.repeat(247) + '.bin',
    // 254 bytes of UTF-8, three-byte characters up to the end: a cut must not split one.
    utf8: 'x' + '日'.repeat(83) + '.bin',
  };
  const bodies = Object.fromEntries(Object.values(names).map((n) => [n, randomBytes(100_000)]));
  beforeEach(() => serveTree(server, Object.fromEntries(Object.entries(bodies).map(([n, b]) => [`dir/${n}`, b]))));

  /** The one temporary file in `dir` (besides `complete`): its name fits and is whole UTF-8, and it holds `bytes` bytes of `body`. */
  async function expectTemporary(dir: string, complete: string[], body: Buffer, bytes: number) {
    const temps = (await readdir(dir)).filter((e) => !complete.includes(e));
    expect(temps).toHaveLength(1);
    const temp = temps[0]!;
    expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(255);
    expect(temp).not.toContain('\uFFFD');
    expect(temp.endsWith('.part')).toBe(true);
    expect((await readFile(join(dir, temp))).equals(body.subarray(0, bytes))).toBe(true);
  }

  it.each(Object.entries(names))('get of a %s name: the file arrives byte-identical under its full name', async (_kind, name) => {
    expect(Buffer.byteLength(name)).toBeGreaterThanOrEqual(251);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    const r = await tftp(['get', ...at(), `dir/${name}`, local]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(local)).toEqual([name]);
    expect((await readFile(join(local, name))).equals(bodies[name]!)).toBe(true);
  });

  it('get -r of a folder of such names: every file arrives byte-identical', async () => {
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(Object.values(names).sort());
    for (const name of Object.values(names)) expect((await readFile(join(out, name))).equals(bodies[name]!)).toBe(true);
  });

  it('get -c resumes a cut transfer of a 255-byte name from a temporary file that fits', async () => {
    const name = names.ascii255;
    server.dataFaults.RETR = { type: 'truncate', bytes: 40_000 };
    const first = await tftp(['get', ...at(), `dir/${name}`, local]);
    expect(first.code).toBe(6);
    await expectTemporary(local, [], bodies[name]!, 40_000);

    delete server.dataFaults.RETR;
    server.commands.length = 0;
    const r = await tftp(['get', '-c', ...at(), `dir/${name}`, local]);
    expect(r.code, r.stderr).toBe(0);
    expect(rests()).toEqual(['REST 40000']);
    expect(await readdir(local)).toEqual([name]);
    expect((await readFile(join(local, name))).equals(bodies[name]!)).toBe(true);
  });

  it('get -r -c resumes a cut transfer of a multi-byte name at the limit', async () => {
    const name = names.utf8;
    const out = join(local, 'out');
    faultPerFile(server, (file) => (file === `dir/${name}` ? { type: 'truncate', bytes: 25_000 } : undefined));
    const first = await tftp(['get', '-r', ...at(), 'dir', out]);
    expect(first.code).toBe(10);
    const others = Object.values(names).filter((n) => n !== name);
    for (const n of others) expect((await readFile(join(out, n))).equals(bodies[n]!)).toBe(true);
    await expectTemporary(out, others, bodies[name]!, 25_000);

    faultPerFile(server, () => undefined);
    server.commands.length = 0;
    const r = await tftp(['get', '-r', '-c', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(retrs()).toEqual([`RETR dir/${name}`]);
    expect(rests()).toEqual(['REST 25000']);
    expect((await readdir(out)).sort()).toEqual(Object.values(names).sort());
    for (const n of Object.values(names)) expect((await readFile(join(out, n))).equals(bodies[n]!)).toBe(true);
  });
});

describe('--rest and the remote size', () => {
  const remote = randomBytes(3000);
  beforeEach(() => void server.files.set('f.bin', remote));

  it('--rest past the remote end: exit 7 naming the remote size, the local file untouched, no .part, no RETR', async () => {
    const dest = join(local, 'f.bin');
    const before = randomBytes(6000);
    await writeFile(dest, before);
    const r = await tftp(['get', '--rest', '5000', ...at(), 'f.bin', dest]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^tftp: [^\n]*\b3000\b[^\n]*\n$/);
    expect(await readdir(local)).toEqual(['f.bin']);
    expect((await readFile(dest)).equals(before)).toBe(true);
    expect(retrs()).toEqual([]);
  });

  it('--rest N over a local file longer than the remote one: the first N bytes are kept, the rest fetched, the result is the remote file', async () => {
    const dest = join(local, 'f.bin');
    await writeFile(dest, Buffer.concat([remote.subarray(0, 1000), randomBytes(5000)]));
    const r = await tftp(['get', '--rest', '1000', ...at(), 'f.bin', dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(rests()).toEqual(['REST 1000']);
    expect(await readdir(local)).toEqual(['f.bin']);
    expect((await readFile(dest)).equals(remote)).toBe(true);
  });

  it('--rest at exactly the remote size over a longer local file: the result is cut to the remote file', async () => {
    const dest = join(local, 'f.bin');
    await writeFile(dest, Buffer.concat([remote, randomBytes(3000)]));
    const r = await tftp(['get', '--rest', '3000', ...at(), 'f.bin', dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(local)).toEqual(['f.bin']);
    expect((await readFile(dest)).equals(remote)).toBe(true);
  });
});
