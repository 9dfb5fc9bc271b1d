import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, waitUntil, type FakeServer, type FakeSession } from '../support/fake-server.js';
import { faultPerFile, serveTree } from '../support/fake-tree.js';
import { tftp } from '../support/cli.js';

// Limits a batch (get -r) meets on the way: a local disk that fills (nothing
// new starts, what never started is named), and a server that takes only so
// many connections at once (the others carry every file).

let server: FakeServer;
let local: string;
afterEach(async () => {
  await server?.close();
  await rm(local, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const retrs = () => server.commands.filter((c) => c.startsWith('RETR ')).map((c) => c.slice('RETR '.length));
const name = (i: number) => String(i).padStart(2, '0');

/** Remote files dir/<prefix>NN.bin of `size` bytes each. */
function files(prefix: string, n: number, size: number | ((i: number) => number)): Record<string, Buffer> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`dir/${prefix}${name(i)}.bin`, randomBytes(typeof size === 'number' ? size : size(i))]));
}

/** The names under "not started (N):" on stderr. */
function notStarted(stderr: string): string[] {
  const m = /^not started \((\d+)\):\n((?: {2}\S.*\n)*)/m.exec(stderr);
  if (!m) return [];
  const names = m[2]!.split('\n').filter(Boolean).map((l) => l.trim());
  expect(names).toHaveLength(Number(m[1]));
  return names;
}

describe('a disk that fills during get -r (a 256 KiB tmpfs)', () => {
  let small: string;
  let mounted = false;
  beforeEach(async () => {
    server = await startFakeServer();
    local = await mkdtemp(join(tmpdir(), 'tftp-batch-'));
    small = join(local, 'small');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  });
  afterEach(() => {
    if (mounted) execFileSync('umount', [small]);
    mounted = false;
  });

  /** Every file is complete, or its .part is an exact prefix, or nothing of it is there. */
  async function expectPrefixes(tree: Record<string, Buffer>, out: string) {
    const parts: string[] = [];
    for (const entry of await readdir(out)) {
      const remote = `dir/${entry.replace(/\.part$/, '')}`;
      const body = tree[remote];
      expect(body, entry).toBeDefined();
      const got = await readFile(join(out, entry));
      if (entry.endsWith('.part')) {
        parts.push(remote);
        expect(got.length, entry).toBeGreaterThan(0);
        expect(got.equals(body!.subarray(0, got.length)), `${entry} is a prefix`).toBe(true);
      } else {
        expect(got.equals(body!), `${entry} is whole`).toBe(true);
      }
    }
    return parts;
  }

  it('-j 1: after the first ENOSPC no file starts, those not started are listed, exit 7, the .part is a prefix', async (ctx) => {
    if (!mounted) return ctx.skip();
    // Two small files fit; each big one stops after 350 KB (more than the disk) and waits.
    const tree = { ...files('a', 2, 20_000), ...files('z', 8, 400_000) };
    serveTree(server, tree);
    faultPerFile(server, (file) => (file.startsWith('dir/z') ? { type: 'hold', bytes: 350_000 } : undefined));
    const out = join(small, 'out');
    const r = await tftp(['get', '-r', '-j', '1', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/^tftp: [^\n]*z00\.bin\.part: no space left on device$/m);
    expect(retrs()).toEqual(['dir/a00.bin', 'dir/a01.bin', 'dir/z00.bin']);
    expect(notStarted(r.stderr)).toEqual(Object.keys(tree).slice(3));
    expect(await expectPrefixes(tree, out)).toEqual(['dir/z00.bin']);
  });

  it('-j 4: the files in flight fail, no other starts, every one not started is listed, every .part a prefix', async (ctx) => {
    if (!mounted) return ctx.skip();
    const tree = files('f', 12, 400_000);
    serveTree(server, tree);
    server.dataFaults.RETR = { type: 'hold', bytes: 350_000 };
    const out = join(small, 'out');
    const r = await tftp(['get', '-r', '-j', '4', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/no space left on device/);
    const started = retrs();
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThanOrEqual(4);
    expect(server.sessions.length).toBeLessThanOrEqual(4);
    expect(notStarted(r.stderr).sort()).toEqual(Object.keys(tree).filter((f) => !started.includes(f)));
    const parts = await expectPrefixes(tree, out);
    for (const p of parts) expect(started).toContain(p);
  });

  it('connections still logging in when the disk fills start no file', async (ctx) => {
    if (!mounted) return ctx.skip();
    const tree = files('f', 12, 400_000);
    serveTree(server, tree);
    server.dataFaults.RETR = { type: 'hold', bytes: 350_000 };
    // Logins after the first are answered once the first session is gone: its file filled the disk.
    server.handlers.PASS = async (ctx) => {
      const first = server.sessions[0]!;
      if (ctx.session !== first) await waitUntil(() => first.socket.destroyed, 5_000, 'the first session to end');
      return ctx.fallback();
    };
    const out = join(small, 'out');
    const r = await tftp(['get', '-r', '-j', '4', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(7);
    expect(retrs()).toEqual(['dir/f00.bin']);
    expect(notStarted(r.stderr)).toEqual(Object.keys(tree).slice(1));
    await expectPrefixes(tree, out);
  });

  it('a file whose RETR went ahead just before the disk filled is listed as not started', async (ctx) => {
    if (!mounted) return ctx.skip();
    // z00's 226 comes when half of it is sent (that half fits): the next RETR goes ahead, then the rest fills the disk.
    const tree = { ...files('a', 1, 20_000), ...files('z', 5, (i) => (i === 0 ? 400_000 : 20_000)) };
    serveTree(server, tree);
    faultPerFile(server, (file) => (file === 'dir/z00.bin' ? { type: 'early226' } : undefined));
    const out = join(small, 'out');
    const r = await tftp(['get', '-r', '-j', '1', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/z00\.bin\.part: no space left on device/);
    const done = (await readdir(out)).filter((e) => !e.endsWith('.part')).map((e) => `dir/${e}`);
    expect(done).toEqual(['dir/a00.bin']);
    // Every file neither complete nor failed is named.
    expect(notStarted(r.stderr)).toEqual(Object.keys(tree).slice(2));
    await expectPrefixes(tree, out);
  });
});

describe('a server that takes 4 connections at once', () => {
  const LIMIT = 4;
  let tree: Record<string, Buffer>;
  let open = 0;
  let peak = 0;
  let refused = 0;
  beforeEach(async () => {
    local = await mkdtemp(join(tmpdir(), 'tftp-batch-'));
    tree = files('f', 40, (i) => 1000 + i * 1237);
    open = peak = refused = 0;
  });

  /** Admits a session if fewer than LIMIT are open; counts it until it closes. */
  function admit(session: FakeSession): boolean {
    if (open >= LIMIT) {
      refused++;
      return false;
    }
    open++;
    peak = Math.max(peak, open);
    session.socket.once('close', () => open--);
    return true;
  }

  async function expectAll(out: string) {
    expect((await readdir(out)).sort()).toEqual(Object.keys(tree).map((f) => f.slice('dir/'.length)));
    for (const [file, body] of Object.entries(tree)) expect((await readFile(join(out, file.slice('dir/'.length)))).equals(body), file).toBe(true);
  }

  it('the 5th and later are greeted with 421 and closed: get -r -j 16 still gets all 40 files byte-identical, exit 0', async () => {
    server = await startFakeServer({
      greeting: async (session) => {
        if (admit(session)) return session.canned('220 Fake FTP server ready');
        await session.canned('421 Too many connections (4) from this IP');
        session.socket.end();
      },
    });
    serveTree(server, tree);
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', '-j', '16', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(refused).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    await expectAll(out);
  });

  it.each(['USER', 'PASS'])('the 5th and later are refused with 530 at %s (MaxClientsPerHost): all 40 files arrive, exit 0', async (verb) => {
    const admitted = new WeakSet<FakeSession>();
    server = await startFakeServer({
      greeting: (session) => {
        if (admit(session)) admitted.add(session);
        return session.canned('220 Fake FTP server ready');
      },
      handlers: {
        [verb]: async (ctx) => {
          if (admitted.has(ctx.session)) return ctx.fallback();
          await ctx.session.canned('530 Sorry, the maximum number of clients (4) from your host are already connected.');
          ctx.session.socket.end();
        },
      },
    });
    serveTree(server, tree);
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', '-j', '16', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(refused).toBeGreaterThan(0);
    await expectAll(out);
  });
});
