// The benchmark cases and the loop that runs them: every available tool of a
// case runs once per round, in alternating order (A B C D, then D C B A, ...),
// so slow drift of a shared, noisy machine hits every tool alike. Each run is
// checked (exit status, then size and sha256 of what was transferred) before
// its time counts.
import { runMeasured, summarize } from './measure.js';
import { PEERS, nodeBare, packageVersion, tftp, which } from './peers.js';
import { fmtSize, getVariant, manyVariants, putVariant, smallBytes, smallSet, tail, treeVariants } from './variants.js';
import { FTPS_CASES } from './cases-ftps.js';
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
 *   caFile,                          // set for an FTPS target: every tool runs under TLS, trusting this CA
 * }
 */

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
    id: 'segments',
    title: (t) => `get ${fmtSize(t.big.size)} in 4 segments over 4 connections`,
    bytes: (t) => t.big.size,
    variants: (t) => [tftp, PEERS.lftp].map((tool) => getVariant(tool, t, t.big, { build: (ctx) => tool.segments(ctx) })),
    note: 'tftp get --segments 4 vs lftp pget -n 4',
  },
  ...FTPS_CASES,
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
