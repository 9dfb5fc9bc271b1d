import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { spawnTftp } from '../support/cli.js';

// bin/tftp.js loads the command line from one bundle, dist/tftp.cjs, through
// V8's code cache in $XDG_CACHE_HOME/tftp (src/cli/runtime.ts). `npm test` builds dist/ first.

const REQUIRE_CACHE_AT_EXIT = join(tmpdir(), `tftp-required-${process.pid}.cjs`);
let server: RunningFtpSrv;
let work: string;
const data = randomBytes(64 * 1024 + 3);
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

beforeAll(async () => {
  server = await startFtpSrv();
  await writeFile(join(server.root, 'file.bin'), data);
  work = await mkdtemp(join(tmpdir(), 'tftp-bundle-'));
  // Preloaded into the command: which packages it required by the time it ended.
  await writeFile(REQUIRE_CACHE_AT_EXIT, "process.on('exit', () => process.stderr.write('REQUIRED ' + JSON.stringify(Object.keys(require('node:module')._cache)) + '\\n'));\n");
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
  await rm(REQUIRE_CACHE_AT_EXIT, { force: true });
});

async function cacheFiles(cacheHome: string): Promise<string[]> {
  return readdir(join(cacheHome, 'tftp')).catch(() => []);
}

function version(env: NodeJS.ProcessEnv) {
  return spawnTftp(['--version'], { env: { TFTP_NO_CODE_CACHE: '', ...env } }).done;
}

describe('the bundled command line', () => {
  it('writes a code cache on its first run and takes it unchanged on the next ones', async () => {
    const cacheHome = join(work, 'first');
    const first = await version({ XDG_CACHE_HOME: cacheHome });
    expect(first.stdout.toString().trim()).toBe(pkg.version);
    const files = await cacheFiles(cacheHome);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^cli-[0-9a-f]{32}-${process.version}-${process.arch}\\.v8$`));
    const made = await stat(join(cacheHome, 'tftp', files[0]!));
    expect(made.size).toBeGreaterThan(10_000);
    expect(made.mode & 0o777).toBe(0o600);

    // A cache V8 refused would be written again, under a new inode.
    const get = await spawnTftp(['get', '-q', `${server.url}/file.bin`, join(work, 'copy.bin')], { env: { XDG_CACHE_HOME: cacheHome, TFTP_NO_CODE_CACHE: '' } }).done;
    expect(get.code).toBe(0);
    expect((await readFile(join(work, 'copy.bin'))).equals(data)).toBe(true);
    const second = await version({ XDG_CACHE_HOME: cacheHome });
    expect(second.code).toBe(0);
    const kept = await stat(join(cacheHome, 'tftp', files[0]!));
    expect([kept.ino, kept.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
  });

  it('replaces a cache V8 refuses, and runs as if there was none', async () => {
    const cacheHome = join(work, 'refused');
    await version({ XDG_CACHE_HOME: cacheHome });
    const [name] = await cacheFiles(cacheHome);
    const file = join(cacheHome, 'tftp', name!);
    const garbage = randomBytes(4096);
    await writeFile(file, garbage);
    const r = await version({ XDG_CACHE_HOME: cacheHome });
    expect([r.code, r.stdout.toString().trim(), r.stderr]).toEqual([0, pkg.version, '']);
    const after = await readFile(file);
    expect(after.equals(garbage)).toBe(false);
    expect(after.length).toBeGreaterThan(10_000);
  });

  it('takes no cache that another user could have written, and writes its own in its place', async () => {
    const cacheHome = join(work, 'shared');
    await version({ XDG_CACHE_HOME: cacheHome });
    const [name] = await cacheFiles(cacheHome);
    const file = join(cacheHome, 'tftp', name!);
    await chmod(file, 0o666);
    const open = await stat(file);
    const r = await version({ XDG_CACHE_HOME: cacheHome });
    expect([r.code, r.stdout.toString().trim()]).toEqual([0, pkg.version]);
    const replaced = await stat(file);
    expect(replaced.ino).not.toBe(open.ino);
    expect(replaced.mode & 0o777).toBe(0o600);
  });

  it.runIf(process.getuid?.() === 0)("takes no cache owned by another user (sudo with another user's HOME)", async () => {
    const cacheHome = join(work, 'other-user');
    await version({ XDG_CACHE_HOME: cacheHome });
    const [name] = await cacheFiles(cacheHome);
    const file = join(cacheHome, 'tftp', name!);
    await chown(file, 65534, 65534);
    const theirs = await stat(file);
    const r = await version({ XDG_CACHE_HOME: cacheHome });
    expect(r.code).toBe(0);
    const after = await stat(file);
    expect([after.ino === theirs.ino, after.uid]).toEqual([false, 0]);
  });

  it('runs without a cache where none can be written, and says nothing of it', async () => {
    const notAFolder = join(work, 'plain-file');
    await writeFile(notAFolder, 'x');
    const r = await spawnTftp(['get', '-q', `${server.url}/file.bin`, join(work, 'copy2.bin')], { env: { XDG_CACHE_HOME: notAFolder, TFTP_NO_CODE_CACHE: '' } }).done;
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect((await readFile(join(work, 'copy2.bin'))).equals(data)).toBe(true);
  });

  it('writes no cache with TFTP_NO_CODE_CACHE', async () => {
    const cacheHome = join(work, 'off');
    const r = await version({ XDG_CACHE_HOME: cacheHome, TFTP_NO_CODE_CACHE: '1' });
    expect([r.code, r.stdout.toString().trim()]).toEqual([0, pkg.version]);
    expect(await cacheFiles(cacheHome)).toEqual([]);
  });

  it('requires iconv-lite, socks and ignore only when a run needs them', async () => {
    const required = async (argv: string[]) => {
      const r = await spawnTftp(argv, { env: { NODE_OPTIONS: `--require ${REQUIRE_CACHE_AT_EXIT}`, XDG_CACHE_HOME: join(work, 'lazy') } }).done;
      expect(r.code).toBe(0);
      const line = r.stderr.split('\n').find((l) => l.startsWith('REQUIRED '))!;
      const files = JSON.parse(line.slice('REQUIRED '.length)) as string[];
      return ['iconv-lite', 'socks', 'ignore'].filter((p) => files.some((f) => f.includes(`/node_modules/${p}/`)));
    };
    expect(await required(['get', '-q', `${server.url}/file.bin`, join(work, 'copy3.bin')])).toEqual([]);
    // The check sees a package the run did need.
    expect(await required(['get', '-q', '--encoding', 'latin1', `${server.url}/file.bin`, join(work, 'copy4.bin')])).toEqual(['iconv-lite']);
  });
});
