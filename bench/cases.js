// The benchmark cases and the loop that runs them: every available tool of a
// case runs once per round, in alternating order (A B C D, then D C B A, ...),
// so slow drift of a shared, noisy machine hits every tool alike. Each run is
// checked (exit status, then size and sha256 of what was transferred) before
// its time counts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMeasured, summarize } from './measure.js';
import { verifyFile, verifyFiles } from './data.js';
import { PEERS, nodeBare, nodeBareLoop, packageVersion, tftp, which } from './peers.js';
import { startDelayProxy } from './delay-proxy.js';
import { SYNC_CASES } from './sync-case.js';
import { WAN_CASES } from './cases-wan.js';

/**
 * A target is the server and the data the cases run against:
 * {
 *   host, port,
 *   workDir,                         // local scratch folder for downloads
 *   big:    { remote, size, sha256, path },   // get / put (path: local source file)
 *   medium: { remote, size, sha256, path },   // active / progress
 *   uploadRemoteDir, uploadLocalDir, // where STOR lands, and where that is on this disk
 *   small:  [{ remote, name, size, sha256 }], // many small files
 * }
 */

const fmtSize = (n) => (n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(2)} GiB` : `${+(n / 1024 ** 2).toFixed(1)} MiB`);
/** A one-line excerpt of a tool's output, for failure reasons. */
const tail = (s, n = 240) => {
  s = String(s || '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
  return s.length > n ? `${s.slice(0, n)}…` : s;
};

/** One download variant: `tool.get` (or a custom builder) into a fresh local file. */
function getVariant(tool, t, file, { active = false, label = tool.id, build, detect } = {}) {
  return {
    label,
    tool: tool.id,
    detect: detect || (() => tool.detect()),
    prepare(tag) {
      const local = join(t.workDir, `dl-${tool.id}-${tag}.bin`);
      rmSync(local, { force: true });
      const ctx = { host: t.host, port: t.port, remote: file.remote, local, active };
      const spec = build ? build(ctx) : tool.get(ctx);
      return {
        ...spec,
        verify: () => verifyFile(local, file),
        cleanup: () => rmSync(local, { force: true }),
      };
    },
  };
}

function putVariant(tool, t, file) {
  return {
    label: tool.id,
    tool: tool.id,
    detect: () => tool.detect(),
    prepare(tag) {
      if (!t.uploadLocalDir) throw new Error('put needs target.uploadLocalDir to verify what the server stored');
      const name = `put-${tool.id}-${tag}.bin`;
      const stored = join(t.uploadLocalDir, name);
      rmSync(stored, { force: true });
      const remote = `${t.uploadRemoteDir.replace(/\/+$/, '')}/${name}`;
      const spec = tool.put({ host: t.host, port: t.port, local: file.path, remote, active: false });
      return {
        ...spec,
        verify: () => verifyFile(stored, file),
        cleanup: () => rmSync(stored, { force: true }),
      };
    },
  };
}

function manyVariant(tool, t, manifest, detect = () => tool.detect()) {
  return {
    label: tool.id,
    tool: tool.id,
    detect,
    prepare(tag) {
      const localDir = join(t.workDir, `small-${tool.id}-${tag}`);
      rmSync(localDir, { recursive: true, force: true });
      mkdirSync(localDir, { recursive: true });
      const spec = tool.many({ host: t.host, port: t.port, manifest, localDir });
      return {
        ...spec,
        verify: async (res) => {
          const problem = await verifyFiles(localDir, t.small);
          if (problem) return problem;
          try {
            const report = JSON.parse(res.stdout.trim().split('\n').pop());
            if (report.files !== t.small.length) return `reported ${report.files} files, expected ${t.small.length}`;
            res.loopS = report.loopS;
          } catch {
            return `no JSON report on stdout: ${tail(res.stdout)}`;
          }
          return null;
        },
        cleanup: () => rmSync(localDir, { recursive: true, force: true }),
      };
    },
  };
}

/** The many-small-files loop: tftp's library, ftplib, and the bare node:net baseline. */
function manyVariants(t, manifestName) {
  const manifest = join(t.workDir, manifestName);
  writeFileSync(manifest, `${t.small.map((f) => f.remote).join('\n')}\n`);
  const libDetect = () => {
    const cli = tftp.detectLib();
    return cli.ok ? { ok: true, version: 'library (dist/index.js)', path: cli.path } : cli;
  };
  return [
    { ...manyVariant(tftp, t, manifest, libDetect), label: 'tftp (library)' },
    manyVariant(PEERS.ftplib, t, manifest),
    { ...manyVariant(nodeBareLoop, t, manifest), label: 'node (bare loop)' },
  ];
}

/** A folder of small files downloaded recursively by tftp and lftp (`caFile`: over explicit FTPS). */
function treeVariants(t, { parallel, caFile }) {
  return [tftp, PEERS.lftp].map((tool) => ({
    label: tool.id,
    tool: tool.id,
    detect: () => tool.detect(),
    prepare(tag) {
      const localDir = join(t.workDir, `tree-${tool.id}-${tag}`);
      rmSync(localDir, { recursive: true, force: true });
      const remoteDir = t.small[0].remote.replace(/\/[^/]*$/, '');
      return {
        ...tool.tree({ host: t.host, port: t.port, remoteDir, localDir, parallel, caFile }),
        verify: () => verifyFiles(localDir, t.small),
        cleanup: () => rmSync(localDir, { recursive: true, force: true }),
      };
    },
  }));
}

/** "500 files of 4 KiB", and their bytes: the small, latency and tree cases. */
const smallSet = (t) => `${t.small.length} files of ${t.small[0] ? t.small[0].size / 1024 : 0} KiB`;
const smallBytes = (t) => t.small.reduce((a, f) => a + f.size, 0);

/** The latency case: one-way delay of its proxy, and how many of the small files it fetches. */
const LATENCY_DELAY_MS = 5;
const LATENCY_FILES = 100;

const peersOf = (ids) => ids.map((id) => PEERS[id]);

/** The cases, in the order they run. `variants[0]` is the baseline of the ratios. */
export const CASES = [
  {
    id: 'get',
    title: (t) => `get ${fmtSize(t.big.size)} (passive)`,
    bytes: (t) => t.big.size,
    variants: (t) => [tftp, ...peersOf(['lftp', 'curl', 'ftplib'])].map((tool) => getVariant(tool, t, t.big)),
  },
  {
    id: 'put',
    title: (t) => `put ${fmtSize(t.big.size)} (passive)`,
    bytes: (t) => t.big.size,
    variants: (t) => [tftp, ...peersOf(['lftp', 'curl', 'ftplib'])].map((tool) => putVariant(tool, t, t.big)),
  },
  {
    id: 'active',
    title: (t) => `get ${fmtSize(t.medium.size)} (active mode)`,
    bytes: (t) => t.medium.size,
    variants: (t) =>
      [tftp, ...peersOf(['lftp', 'curl', 'ftplib'])].map((tool) => getVariant(tool, t, t.medium, { active: true })),
  },
  {
    id: 'progress',
    title: (t) => `get ${fmtSize(t.medium.size)} in a pty: progress bar vs --no-progress`,
    bytes: (t) => t.medium.size,
    variants: (t) => {
      const detect = () => (which('script') ? tftp.detect() : { ok: false, reason: '`script` (util-linux) not installed' });
      return [
        getVariant(tftp, t, t.medium, { label: 'tftp (progress)', detect, build: (ctx) => tftp.getInPty(ctx, { progress: true }) }),
        getVariant(tftp, t, t.medium, { label: 'tftp --no-progress', detect, build: (ctx) => tftp.getInPty(ctx, { progress: false }) }),
      ];
    },
    note: 'both through `script -qfc` (a pseudo-terminal, 100x30); ratio = progress / no-progress',
  },
  {
    id: 'small',
    title: (t) => `${smallSet(t)}, one connection (loop time)`,
    bytes: smallBytes,
    timeField: 'loopS',
    variants: (t) => manyVariants(t, 'small-manifest.txt'),
    note: 'time = the fetch loop inside the process (connect/login and interpreter start excluded; see "startup"); "node (bare loop)" is the same loop on node:net without the library',
  },
  {
    id: 'latency',
    title: (t) => `${smallSet(t)}, one connection, ${2 * LATENCY_DELAY_MS} ms round trips on the control connection (loop time)`,
    bytes: smallBytes,
    timeField: 'loopS',
    // The first LATENCY_FILES small files, through a proxy that delays the control connection.
    async setup(t) {
      const proxy = await startDelayProxy(t.host, t.port, LATENCY_DELAY_MS);
      return { target: { ...t, port: proxy.port, small: t.small.slice(0, LATENCY_FILES) }, close: proxy.close };
    },
    variants: (t) => manyVariants(t, 'latency-manifest.txt'),
    note: `the "small" loop over a proxy that holds each control-connection chunk ${LATENCY_DELAY_MS} ms each way (data connections go direct): what the round trips per file cost`,
  },
  {
    id: 'tree',
    title: (t) => `${smallSet(t)}, recursive, 8 connections`,
    bytes: smallBytes,
    variants: (t) => treeVariants(t, { parallel: 8 }),
    note: 'tftp get -r -j 8 vs lftp mirror --parallel=8; wall time including process start',
  },
  {
    id: 'ftps-tree',
    title: (t) => `${smallSet(t)}, recursive, 4 connections, explicit FTPS (TLS session reuse required)`,
    bytes: smallBytes,
    // An FTPS server of its own: `target.ftps` gives it ({port, caFile}) or starts it (a function).
    async setup(t) {
      if (!t.ftps) throw new Error('case ftps-tree needs an FTPS server (target.ftps)');
      const server = typeof t.ftps === 'function' ? await t.ftps() : { ...t.ftps, close: async () => {} };
      return { target: { ...t, port: server.port, caFile: server.caFile }, close: server.close };
    },
    variants: (t) => treeVariants(t, { parallel: 4, caFile: t.caFile }),
    note: 'tftp get -r -j 4 --tls --ca-file vs lftp mirror --parallel=4 with ftp:ssl-force and ssl:ca-file; every data connection under TLS, resuming the session',
  },
  {
    id: 'segments',
    title: (t) => `get ${fmtSize(t.big.size)} in 4 segments over 4 connections`,
    bytes: (t) => t.big.size,
    variants: (t) => [tftp, PEERS.lftp].map((tool) => getVariant(tool, t, t.big, { build: (ctx) => tool.segments(ctx) })),
    note: 'tftp get --segments 4 vs lftp pget -n 4',
  },
  ...SYNC_CASES,
  ...WAN_CASES,
  {
    id: 'startup',
    title: () => 'cold start: `tftp --version` vs `node -e 0`',
    bytes: () => 0,
    minRuns: 10,
    variants: () => {
      const want = packageVersion();
      const v = (tool, label) => ({
        label,
        tool: tool.id,
        detect: () => tool.detect(),
        prepare() {
          return {
            ...tool.version(),
            verify: async (res) =>
              tool === tftp && want && !res.stdout.includes(want) ? `--version printed "${tail(res.stdout, 80)}", expected ${want}` : null,
            cleanup() {},
          };
        },
      });
      return [v(tftp, 'tftp --version'), v(nodeBare, 'node -e 0')];
    },
  },
];

export const CASE_IDS = CASES.map((c) => c.id);

/**
 * Run one case against a target.
 * @param {object} c         a CASES entry
 * @param {object} t         the target (see above)
 * @param {{runs:number, exactRuns?:boolean, warmup:number, timeoutMs:number, tools?:string[], log?:Function}} opts
 *   exactRuns: ignore a case's minRuns; tools: keep only these tools (the baseline always stays)
 */
export async function runCase(c, t, opts) {
  // A case may set up something of its own around the server (a proxy): it runs against that.
  const own = c.setup ? await c.setup(t) : null;
  try {
    return await runRounds(c, own ? own.target : t, opts);
  } finally {
    await own?.close();
  }
}

async function runRounds(c, t, opts) {
  const log = opts.log || (() => {});
  const runs = Math.max(opts.runs, c.minRuns && !opts.exactRuns ? c.minRuns : 0);
  const warmup = opts.warmup ?? 0;
  let variants = c.variants(t);
  if (opts.tools) variants = variants.filter((v, i) => i === 0 || opts.tools.includes(v.tool) || opts.tools.includes(v.label));
  const rows = variants.map((v, i) => {
    const d = v.detect();
    return {
      label: v.label,
      tool: v.tool,
      baseline: i === 0,
      version: d.ok ? d.version : null,
      status: d.ok ? 'ok' : 'skipped',
      reason: d.ok ? null : d.reason,
      runs: [],
      variant: v,
    };
  });
  const live = rows.filter((r) => r.status === 'ok');
  for (let round = 0; round < warmup + runs; round++) {
    const order = round % 2 === 0 ? live : [...live].reverse();
    for (const row of order) {
      if (row.status !== 'ok') continue;
      const isWarmup = round < warmup;
      let p;
      let res;
      let problem = null;
      try {
        // A prepare may do untimed work of its own first (the sync cases deploy).
        p = await row.variant.prepare(isWarmup ? `w${round}` : String(round - warmup), { timeoutMs: opts.timeoutMs });
        res = await runMeasured(p.cmd, p.args, { env: p.env, timeoutMs: opts.timeoutMs });
        if (res.timedOut) problem = `timed out after ${opts.timeoutMs / 1000} s`;
        else if (res.code !== 0) problem = `exit ${res.code ?? res.signal}: ${tail(res.stderr || res.stdout)}`;
        else problem = await p.verify(res);
      } catch (e) {
        problem = e.message;
      } finally {
        p?.cleanup();
      }
      const tag = isWarmup ? 'warm-up' : `run ${round - warmup + 1}/${runs}`;
      const secs = res ? (c.timeField && res[c.timeField] != null ? res[c.timeField] : res.wallS) : NaN;
      log(`  ${c.id.padEnd(8)} ${tag.padEnd(9)} ${row.label.padEnd(20)} ${Number.isFinite(secs) ? secs.toFixed(3) : '-'} s ${problem ? `FAILED: ${problem}` : 'ok'}`);
      if (problem) {
        row.status = 'FAILED';
        row.reason = problem;
      }
      if (isWarmup && !problem) continue;
      if (res) {
        row.runs.push({
          wallS: res.wallS,
          loopS: res.loopS ?? null,
          rssMiB: res.rssMiB,
          outputBytes: res.stdoutBytes,
          ok: !problem,
          ...(problem ? { problem } : {}),
        });
      }
    }
  }
  return finishCase(c, t, rows, { runs, warmup });
}

function finishCase(c, t, rows, { runs, warmup }) {
  const bytes = c.bytes(t);
  for (const row of rows) {
    const ok = row.runs.filter((r) => r.ok);
    const times = ok.map((r) => (c.timeField && r[c.timeField] != null ? r[c.timeField] : r.wallS));
    const s = summarize(times);
    row.medianS = s.median;
    row.minS = s.min;
    row.maxS = s.max;
    row.mbps = bytes && s.median ? bytes / s.median / 1e6 : null;
    const rss = ok.map((r) => r.rssMiB).filter((x) => x != null);
    row.peakRssMiB = rss.length ? Math.max(...rss) : null;
    const out = ok.map((r) => r.outputBytes);
    row.outputBytes = out.length ? Math.max(...out) : null;
    delete row.variant;
  }
  const base = rows[0];
  for (const row of rows.slice(1)) {
    row.ratio = base.status === 'ok' && row.status === 'ok' && base.medianS && row.medianS ? base.medianS / row.medianS : null;
  }
  return {
    id: c.id,
    title: c.title(t),
    note: c.note || null,
    bytes,
    runs,
    warmup,
    status: rows.some((r) => r.status === 'FAILED') ? 'FAILED' : 'ok',
    rows,
  };
}
