// The tools under test: tftp itself and its peers (lftp, curl, Python ftplib).
// Each tool knows whether it is installed, its version, and how to build the
// command line for one transfer. Commands are plain argv arrays (no shell),
// except where a pseudo-terminal is wanted (`script -qfc "..."`).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..');

/** Where the CLI under test lives; TFTP_BENCH_CLI can point at another build. */
export function tftpBin() {
  return process.env.TFTP_BENCH_CLI ? resolve(process.env.TFTP_BENCH_CLI) : join(REPO, 'bin', 'tftp.js');
}
export function tftpLib() {
  return process.env.TFTP_BENCH_LIB ? resolve(process.env.TFTP_BENCH_LIB) : join(REPO, 'dist', 'index.js');
}

export function which(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function firstLine(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15000 })
      .trim()
      .split('\n')[0]
      .trim();
  } catch {
    return null;
  }
}

/** POSIX shell quoting, for the one command that goes through `script -c`. */
export function shq(s) {
  s = String(s);
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const stripSlash = (p) => p.replace(/^\/+/, '');
const ftpUrl = (ctx, path) => `ftp://${ctx.host}:${ctx.port}/${stripSlash(path)}`;

// --- tftp -----------------------------------------------------------------------
/** With `ctx.caFile`: explicit FTPS, the server's certificate verified against that CA. */
const tftpTls = (ctx) => (ctx.caFile ? ['--tls', '--ca-file', ctx.caFile] : []);

export const tftp = {
  id: 'tftp',
  detect() {
    const bin = tftpBin();
    if (!existsSync(bin)) return { ok: false, reason: `${bin} not found (the client is not built yet)` };
    const version = firstLine(process.execPath, [bin, '--version']);
    if (version === null) return { ok: false, reason: `\`node ${bin} --version\` failed (run \`npm run build\`?)` };
    return { ok: true, version, path: bin };
  },
  detectLib() {
    const lib = tftpLib();
    return existsSync(lib) ? { ok: true, path: lib } : { ok: false, reason: `${lib} not found (run \`npm run build\`)` };
  },
  get(ctx) {
    const args = [tftpBin(), 'get', ...tftpTls(ctx), '--no-progress', '-P', String(ctx.port)];
    if (ctx.active) args.push('--active');
    args.push(ctx.host, ctx.remote, ctx.local);
    return { cmd: process.execPath, args };
  },
  /** A folder over `ctx.parallel` connections (default 8); with `ctx.caFile`, explicit FTPS trusting that CA. */
  tree(ctx) {
    const args = [tftpBin(), 'get', '-r', '-j', String(ctx.parallel ?? 8), ...tftpTls(ctx), '--no-progress', '-P', String(ctx.port), ctx.host, ctx.remoteDir, ctx.localDir];
    return { cmd: process.execPath, args };
  },
  segments(ctx) {
    return { cmd: process.execPath, args: [tftpBin(), 'get', '--segments', '4', ...tftpTls(ctx), '--no-progress', '-P', String(ctx.port), ctx.host, ctx.remote, ctx.local] };
  },
  put(ctx) {
    const args = [tftpBin(), 'put', ...tftpTls(ctx), '--no-progress', '-P', String(ctx.port)];
    if (ctx.active) args.push('--active');
    args.push(ctx.host, ctx.local, ctx.remote);
    return { cmd: process.execPath, args };
  },
  /** A get whose output goes to a pseudo-terminal (80x24 is set with stty). */
  getInPty(ctx, { progress }) {
    const inner = [process.execPath, tftpBin(), 'get', ...(progress ? [] : ['--no-progress']), '-P', String(ctx.port)];
    inner.push(ctx.host, ctx.remote, ctx.local);
    const line = `stty cols 100 rows 30 2>/dev/null; exec ${inner.map(shq).join(' ')}`;
    return { cmd: which('script') || 'script', args: ['-qfc', line, '/dev/null'], env: { ...process.env, TERM: 'xterm-256color' } };
  },
  many(ctx) {
    return {
      cmd: process.execPath,
      args: [join(here, 'many-small.js'), ctx.host, String(ctx.port), ctx.manifest, ctx.localDir, ...(ctx.caFile ? [ctx.caFile] : [])],
    };
  },
  version() {
    return { cmd: process.execPath, args: [tftpBin(), '--version'] };
  },
  /** Make `ctx.remoteDir` match `ctx.localDir` (cases "sync-*"); `ctx.flags`: the comparison's own flags. */
  sync(ctx) {
    const url = `${ftpUrl(ctx, ctx.remoteDir)}/`;
    return { cmd: process.execPath, args: [tftpBin(), 'sync', '--delete', '-j', String(ctx.parallel ?? 8), ...(ctx.flags ?? []), '--no-progress', ctx.localDir, url] };
  },
};

// --- lftp -------------------------------------------------------------------------
// Settings chosen to make lftp fast and comparable: no TLS attempt (the server
// has none), overwrite without asking, no retries/back-off hiding a failure,
// plain (non-temp-file) writes like the other tools.
// With `ctx.caFile`: explicit FTPS required on control and data connections,
// the server's certificate verified against that CA.
export function lftpScript(ctx, transfer) {
  const q = (s) => `"${String(s).replace(/(["\\])/g, '\\$1')}"`;
  const tls = ctx.caFile
    ? ['set ftp:ssl-allow true', 'set ftp:ssl-force true', 'set ftp:ssl-protect-data true', 'set ssl:verify-certificate true', `set ssl:ca-file ${q(ctx.caFile)}`]
    : ['set ftp:ssl-allow false'];
  const settings = [
    'set cmd:interactive false',
    'set cmd:fail-exit true',
    ...tls,
    'set xfer:clobber true',
    'set xfer:use-temp-file false',
    'set net:max-retries 1',
    'set net:timeout 60',
    'set net:persist-retries 0',
    `set ftp:passive-mode ${ctx.active ? 'false' : 'true'}`,
  ];
  return [
    ...settings,
    `open -u anonymous,guest -p ${ctx.port} ${ctx.host}`,
    transfer(q),
    'bye',
  ].join('; ');
}

export const lftp = {
  id: 'lftp',
  detect() {
    const p = which('lftp');
    if (!p) return { ok: false, reason: 'lftp not installed (apt-get install -y lftp)' };
    const v = firstLine(p, ['--version']) || '';
    const m = /Version ([\d.]+)/.exec(v);
    return { ok: true, version: m ? m[1] : v, path: p };
  },
  get(ctx) {
    return { cmd: 'lftp', args: ['--norc', '-c', lftpScript(ctx, (q) => `get ${q(ctx.remote)} -o ${q(ctx.local)}`)] };
  },
  put(ctx) {
    return { cmd: 'lftp', args: ['--norc', '-c', lftpScript(ctx, (q) => `put ${q(ctx.local)} -o ${q(ctx.remote)}`)] };
  },
  /** A folder of small files over `ctx.parallel` connections, default 8 (cases "tree", "ftps-tree"). */
  tree(ctx) {
    const script = lftpScript(ctx, (q) => `mirror --parallel=${ctx.parallel ?? 8} ${q(ctx.remoteDir)} ${q(ctx.localDir)}`);
    return { cmd: 'lftp', args: ['--norc', '-c', script] };
  },
  /** One file in 4 ranges over 4 connections (case "segments"). */
  segments(ctx) {
    return { cmd: 'lftp', args: ['--norc', '-c', lftpScript(ctx, (q) => `pget -n 4 ${q(ctx.remote)} -o ${q(ctx.local)}`)] };
  },
  /** Upload what is newer or missing, remove what the local folder lacks (cases "sync-*"). */
  sync(ctx) {
    const mirror = (q) => `mirror -R --only-newer --delete --parallel=${ctx.parallel ?? 8} ${q(ctx.localDir)} ${q(ctx.remoteDir)}`;
    return { cmd: 'lftp', args: ['--norc', '-c', lftpScript(ctx, mirror)] };
  },
};

// --- rclone ---------------------------------------------------------------------
// An on-the-fly FTP remote (connection string, no config file). vsftpd has no
// MFMT: without --ftp-writing-mdtm (vsftpd's `MDTM time path`) rclone could not
// set remote times, and would compare sizes only.
let rclonePass = undefined;
export const rclone = {
  id: 'rclone',
  detect() {
    const p = which('rclone');
    if (!p) return { ok: false, reason: 'rclone not installed (apt-get install -y rclone)' };
    rclonePass ??= firstLine(p, ['obscure', 'guest']);
    if (!rclonePass) return { ok: false, reason: '`rclone obscure` failed' };
    const v = firstLine(p, ['version']) || '';
    const m = /^rclone v?(\S+)/.exec(v);
    return { ok: true, version: m ? m[1] : v, path: p };
  },
  sync(ctx) {
    const remote = `:ftp,host=${ctx.host},port=${ctx.port},user=anonymous,pass=${rclonePass}:${stripSlash(ctx.remoteDir)}`;
    const n = String(ctx.parallel ?? 8);
    return { cmd: 'rclone', args: ['sync', ctx.localDir, remote, '--transfers', n, '--checkers', n, '--ftp-writing-mdtm', '-q'] };
  },
};

// --- curl -------------------------------------------------------------------------
// With `ctx.caFile`: explicit FTPS (AUTH TLS) required, data protected, the certificate checked against that CA.
const curlTls = (ctx) => (ctx.caFile ? ['--ssl-reqd', '--cacert', ctx.caFile] : []);

export const curl = {
  id: 'curl',
  detect() {
    const p = which('curl');
    if (!p) return { ok: false, reason: 'curl not installed (apt-get install -y curl)' };
    const v = firstLine(p, ['--version']) || '';
    const m = /^curl ([\d.]+)/.exec(v);
    return { ok: true, version: m ? m[1] : v, path: p };
  },
  // -q first: ignore any ~/.curlrc. -sS: silent but report errors.
  get(ctx) {
    const args = ['-q', '-sS', ...curlTls(ctx), '--user', 'anonymous:guest'];
    if (ctx.active) args.push('--ftp-port', '-');
    args.push('-o', ctx.local, ftpUrl(ctx, ctx.remote));
    return { cmd: 'curl', args };
  },
  put(ctx) {
    const args = ['-q', '-sS', ...curlTls(ctx), '--user', 'anonymous:guest'];
    if (ctx.active) args.push('--ftp-port', '-');
    args.push('-T', ctx.local, ftpUrl(ctx, ctx.remote));
    return { cmd: 'curl', args };
  },
};

// --- Python ftplib --------------------------------------------------------------------
// The real interpreter is resolved once: a pyenv shim is a bash script that
// would add ~100 ms of its own to every run.
let python = undefined;
function pythonExe() {
  if (python !== undefined) return python;
  python = null;
  for (const name of ['python3', 'python']) {
    const p = which(name);
    if (!p) continue;
    const exe = firstLine(p, ['-c', 'import sys, ftplib; print(sys.executable)']);
    if (exe && existsSync(exe)) {
      python = exe;
      break;
    }
  }
  return python;
}
const PEER_PY = join(here, 'ftplib_peer.py');
/** `--active`, and with `ctx.caFile` explicit FTPS whose data connections resume the control connection's session. */
const pyFlags = (ctx) => [...(ctx.active ? ['--active'] : []), ...(ctx.caFile ? ['--tls', ctx.caFile] : [])];

export const ftplib = {
  id: 'ftplib',
  detect() {
    const exe = pythonExe();
    if (!exe) return { ok: false, reason: 'python3 not installed (apt-get install -y python3)' };
    const v = firstLine(exe, ['--version']) || '';
    return { ok: true, version: v.replace(/^Python /, 'python '), path: exe };
  },
  get(ctx) {
    return { cmd: pythonExe(), args: [PEER_PY, 'get', ctx.host, String(ctx.port), ctx.remote, ctx.local, ...pyFlags(ctx)] };
  },
  put(ctx) {
    return { cmd: pythonExe(), args: [PEER_PY, 'put', ctx.host, String(ctx.port), ctx.local, ctx.remote, ...pyFlags(ctx)] };
  },
  many(ctx) {
    return { cmd: pythonExe(), args: [PEER_PY, 'many', ctx.host, String(ctx.port), ctx.manifest, ctx.localDir, ...pyFlags(ctx)] };
  },
};

// --- node itself (baseline for start-up time) -----------------------------------------
export const nodeBare = {
  id: 'node -e 0',
  detect() {
    return { ok: true, version: process.version, path: process.execPath };
  },
  version() {
    return { cmd: process.execPath, args: ['-e', '0'] };
  },
};

/** The "small" loop written directly on node:net: Node's own share of the per-file cost. */
export const nodeBareLoop = {
  id: 'node-bare',
  detect: () => nodeBare.detect(),
  many(ctx) {
    return { cmd: process.execPath, args: [join(here, 'many-small-bare.js'), ctx.host, String(ctx.port), ctx.manifest, ctx.localDir] };
  },
};

export const PEERS = { lftp, curl, ftplib, rclone };

export function packageVersion() {
  try {
    return JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}
