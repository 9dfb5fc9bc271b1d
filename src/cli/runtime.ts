import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import type { run } from './main.js';
import type { abortOnSignals } from './signals.js';

/**
 * How the tftp process runs V8. A transfer's JavaScript is glue between
 * system calls, run a few thousand times at most: compiling it with V8's
 * optimising compiler (TurboFan) as soon as it is warm costs more CPU and
 * memory than it saves. Fifteen times V8's default budget keeps TurboFan for
 * code that runs hot for real (a listing of 100 000 lines, ASCII conversion
 * of a big file), while the per-file glue stays in the baseline tiers.
 * Measured with `npm run bench`: 500 small files take 20 % less CPU, peak
 * memory is lower and flat, 1 GiB transfers keep their speed
 * (docs/performance.md).
 */
const V8_FLAGS = '--interrupt-budget=1000000';

/** Before any of tftp's code is compiled: V8's code cache is only taken back under the flags it was made with. */
export function tuneRuntime(): void {
  setFlagsFromString(V8_FLAGS);
}

/** What dist/tftp.cjs, the bundle of the command line (scripts/bundle-cli.js), exports. */
export interface CliBundle {
  run: typeof run;
  abortOnSignals: typeof abortOnSignals;
}

/** The bundle's first line, written by its build: a digest of the rest, which names its code cache. */
const BUNDLE_HEADER = /^\/\/ tftp-cli bundle ([0-9a-f]{16,64})\n/;
const CACHE_FILE = /^cli-[0-9a-f]+-.+\.v8$/;
/** Another build's cache unused this long goes when a new one is written (one in use is only read, so its time stays). */
const STALE_MS = 30 * 24 * 3600 * 1000;

/**
 * Loads the bundle as node loads a CommonJS file, but through V8's code
 * cache: compiling the bundle was a third of what `tftp --version` costs
 * after node's own start-up. The cache is written once, at the end of a run
 * (so it holds the functions that run compiled), and used while the bundle
 * and node stay the same; V8 itself refuses a cache of another V8 or other
 * flags, and a refused cache is written again. Any failure to read or write
 * it only costs the compile. TFTP_NO_CODE_CACHE (non-empty) turns it off.
 */
export function loadBundle(file: string, env: NodeJS.ProcessEnv): CliBundle {
  const source = readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(source, env);
  const cachedData = cacheFile ? readOwnFile(cacheFile) : undefined;
  // The wrapper node gives a CommonJS module, on the bundle's first line so line numbers hold.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as CliBundle };
  const body = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  body(module.exports, createRequire(file), module, file, dirname(file));
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => saveCodeCache(script, cacheFile));
  return module.exports;
}

/** Where this bundle's cache lives under this node: in the user's cache folder, never a shared one. */
export function codeCacheFile(source: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.TFTP_NO_CODE_CACHE) return undefined;
  const digest = BUNDLE_HEADER.exec(source)?.[1];
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : homeCache();
  if (!digest || !base) return undefined;
  return join(base, 'tftp', `cli-${digest}-${process.version}-${process.arch}.v8`);
}

function homeCache(): string | undefined {
  try {
    const home = homedir();
    return home ? join(home, '.cache') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cache's bytes if it is a file of this user that nobody else may write,
 * checked on the open file: cached data is code, and `sudo tftp` with
 * another user's HOME must not run what that user wrote.
 */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const info = fstatSync(fd);
    if (!info.isFile() || (info.mode & 0o022) !== 0 || (process.getuid && info.uid !== process.getuid())) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined; // no cache yet, or none we may use: compile
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Written whole under a temporary name, then renamed: a run that reads it at the same time sees all or nothing. */
function saveCodeCache(script: Script, cacheFile: string): void {
  const dir = dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600, flag: 'wx' }); // never through a planted link
    renameSync(temporary, cacheFile);
    for (const name of readdirSync(dir)) {
      const other = join(dir, name);
      if (CACHE_FILE.test(name) && other !== cacheFile && Date.now() - statSync(other).mtimeMs > STALE_MS) rmSync(other, { force: true });
    }
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Left for the next write to replace; never a failure of the run.
    }
  }
}
