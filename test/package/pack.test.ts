import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';

// The published shape: `npm pack` holds only what runs, and the tarball,
// installed into an empty prefix from the local npm cache, works as `tftp`.
// `npm test` builds dist/ first; a bare `vitest run` builds it here if missing.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the FTP server lives in this process). */
function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Our environment without what `npm test` exports for this project (npm_package_*, npm_config_local_prefix…). */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())) env[k] = v;
  }
  env.NO_COLOR = '1';
  env.npm_config_update_notifier = 'false';
  return env;
}

// What the tarball may hold: the built code, the command, the docs, the metadata.
const ALLOWED = /^(dist\/.+|bin\/tftp\.js|docs\/.+|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'bin/tftp.js', 'dist/index.js', 'dist/index.d.ts', 'dist/tftp.cjs', 'dist/cli/runtime.js'];

let work: string;
let prefix: string;
let tarball: string;
let files: string[];
let server: RunningFtpSrv;
const data = randomBytes(300 * 1024 + 7);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/tftp.cjs'))) {
    const built = await run(NPM, ['run', 'build'], ROOT);
    if (built.code !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
  }
  work = await mkdtemp(join(tmpdir(), 'tftp-pack-'));
  prefix = join(work, 'prefix');
  await mkdir(prefix);

  // --ignore-scripts: "prepare" would rebuild dist/ under the feet of other test files.
  const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);

  // Runtime dependencies come from the npm cache that `npm ci` filled.
  const install = (mode: string) => run(NPM, ['install', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--ignore-scripts', mode], work);
  let installed = await install('--offline');
  if (installed.code !== 0) installed = await install('--prefer-offline');
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stderr}`);

  server = await startFtpSrv();
  await writeFile(join(server.root, 'file.bin'), data);
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm pack', { timeout: 60_000 }, () => {
  it('holds only what runs', () => {
    const stray = files.filter((f) => !ALLOWED.test(f));
    expect(stray).toEqual([]);
    for (const dir of ['src/', 'test/', 'bench/', 'scripts/', '.ci/', 'node_modules/']) {
      expect(files.filter((f) => f.startsWith(dir)), dir).toEqual([]);
    }
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    for (const f of REQUIRED) expect(files, f).toContain(f);
  });
});

describe('the installed tarball', { timeout: 60_000 }, () => {
  const bin = () => join(prefix, 'node_modules', '.bin', 'tftp');

  it('is what runs, not the working copy', async () => {
    const target = await realpath(bin());
    expect(target).toBe(await realpath(join(prefix, 'node_modules', pkg.name, 'bin', 'tftp.js')));
    expect((await stat(target)).mode & 0o111).not.toBe(0);
    const installed = JSON.parse(await readFile(join(prefix, 'node_modules', pkg.name, 'package.json'), 'utf8'));
    expect(installed.version).toBe(pkg.version);
    expect(existsSync(join(prefix, 'node_modules', pkg.name, 'src'))).toBe(false);
  });

  it('prints the package version', async () => {
    const r = await run(bin(), ['--version'], work);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('downloads byte-identical', async () => {
    const dest = join(work, 'got.bin');
    const r = await run(bin(), ['get', '-q', `${server.url}/file.bin`, dest], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it('lists through npm exec --prefix', async () => {
    const r = await run(NPM, ['exec', '--prefix', prefix, '--offline', '--', 'tftp', 'ls', '--names', `${server.url}/`], work);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('file.bin');
  });

  it('can be imported as a library', async () => {
    const code = `const m = await import('${pkg.name}'); console.log(typeof m.FtpClient, typeof m.FtpError);`;
    const r = await run(process.execPath, ['--input-type=module', '-e', code], prefix);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
  });
});
