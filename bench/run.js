#!/usr/bin/env node
// `npm run bench`: tftp against lftp, curl and Python ftplib on a private
// vsftpd at 127.0.0.1. See docs/performance.md.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CASES, CASE_IDS, runCase } from './cases.js';
import { SYNC_CASES } from './sync-case.js';
import { FTPS_IDS } from './cases-ftps.js';
import { WAN_DEFAULTS } from './cases-wan.js';
import { MiB, clearUploads } from './data.js';
import { haveGnuTime, killAllChildren } from './measure.js';
import { PEERS, tftp } from './peers.js';
import { formatMachine, formatTable, machineInfo } from './report.js';
import { prepareTarget } from './target.js';
import { INSTALL_HINT, findVsftpd, startVsftpd, vsftpdVersion } from './vsftpd.js';

export { benchAgainst } from './api.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The test suite's certificate for 127.0.0.1 and the CA that signed it: what the FTPS case serves and trusts. */
const TLS_FIXTURES = join(here, '..', 'test', 'fixtures', 'tls');
const TEST_CERT = { cert: join(TLS_FIXTURES, 'server.pem'), key: join(TLS_FIXTURES, 'server.key'), ca: join(TLS_FIXTURES, 'ca.pem') };

const USAGE = `usage: node bench/run.js [options]     (npm run bench -- [options])

  --quick            100 MiB instead of 1 GiB, 3 runs (under a minute)
  --runs N           timed runs per tool and case (default 5, quick 3)
  --warmup N         untimed rounds before the timed ones (default 1)
  --cases a,b        only these cases: ${CASE_IDS.join(', ')}
                     (sync: both sync-first and sync-second; ftps: every ftps-* case;
                     wan: every wan-* case)
  --peers a,b        only these peers: ${Object.keys(PEERS).join(', ')}
  --size-mib N       size of the large file (default 1024, quick 100)
  --small N          number of 4 KiB files (default 500)
  --sync-files N     files of the sync cases' site (default 1000, quick 200)
  --wan-rtt MS       round trip of the wan cases' link (default ${WAN_DEFAULTS.rttMs})
  --wan-mbit N       bandwidth of that link each way, Mbit/s (default ${WAN_DEFAULTS.mbit})
  --dir PATH         data folder, kept between runs (default ${join(tmpdir(), 'tftp-bench')})
  --port N           first control port to try (default 2121)
  --timeout S        limit for one transfer, seconds (default 600)
  --json PATH        results file (default bench/results/latest.json)
  -h, --help         this text`;

export function parseArgs(argv) {
  const o = {
    quick: false,
    runs: null,
    warmup: null,
    cases: CASE_IDS,
    peers: null,
    sizeMiB: null,
    small: null,
    syncFiles: null,
    wanRttMs: WAN_DEFAULTS.rttMs,
    wanMbit: WAN_DEFAULTS.mbit,
    dir: join(tmpdir(), 'tftp-bench'),
    port: 2121,
    timeoutS: 600,
    json: join(here, 'results', 'latest.json'),
  };
  const need = (i, name) => {
    if (i >= argv.length) throw new Error(`${name} needs a value`);
    return argv[i];
  };
  const int = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: not a whole number: ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      val = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const v = () => (val !== undefined ? val : need(++i, a));
    switch (a) {
      case '--quick':
        o.quick = true;
        break;
      case '--runs':
        o.runs = Math.max(1, int(v(), a));
        break;
      case '--warmup':
        o.warmup = int(v(), a);
        break;
      case '--cases': {
        // "sync" names both of its phases, "ftps" every case under TLS, "wan" every wide-area case.
        o.cases = v().split(',').map((s) => s.trim()).filter(Boolean).flatMap((c) => CASE_GROUPS[c] ?? [c]);
        const bad = o.cases.filter((c) => !CASE_IDS.includes(c));
        if (bad.length) throw new Error(`unknown case(s): ${bad.join(', ')} (known: ${CASE_IDS.join(', ')})`);
        break;
      }
      case '--peers': {
        o.peers = v().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = o.peers.filter((p) => !(p in PEERS));
        if (bad.length) throw new Error(`unknown peer(s): ${bad.join(', ')} (known: ${Object.keys(PEERS).join(', ')})`);
        break;
      }
      case '--size-mib':
        o.sizeMiB = Math.max(1, int(v(), a));
        break;
      case '--small':
        o.small = int(v(), a);
        break;
      case '--sync-files':
        o.syncFiles = Math.max(2, int(v(), a));
        break;
      case '--wan-rtt':
        o.wanRttMs = int(v(), a);
        break;
      case '--wan-mbit':
        o.wanMbit = Math.max(1, int(v(), a));
        break;
      case '--dir':
        o.dir = resolve(v());
        break;
      case '--port':
        o.port = int(v(), a);
        break;
      case '--timeout':
        o.timeoutS = Math.max(1, int(v(), a));
        break;
      case '--json':
        o.json = resolve(v());
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option: ${a}`);
    }
  }
  o.exactRuns = o.runs !== null;
  o.runs ??= o.quick ? 3 : 5;
  o.warmup ??= 1;
  o.sizeMiB ??= o.quick ? 100 : 1024;
  o.small ??= 500;
  o.syncFiles ??= o.quick ? 200 : 1000;
  return o;
}

const SYNC_IDS = SYNC_CASES.map((c) => c.id);
const WAN_IDS = CASES.filter((c) => c.group === 'wan').map((c) => c.id);
const CASE_GROUPS = { sync: SYNC_IDS, ftps: FTPS_IDS, wan: WAN_IDS };

const log = (...a) => console.error(...a);

export async function main(argv = process.argv.slice(2)) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    log(`bench: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }

  const vsftpdBin = findVsftpd();
  if (!vsftpdBin) {
    log(`bench: vsftpd is not installed; the benchmark needs it as its server. Install it with:\n    ${INSTALL_HINT}`);
    return 2;
  }
  if (process.getuid?.() !== 0) log('bench: warning: not running as root; vsftpd may refuse to start');

  // Tools and their versions.
  const versions = { vsftpd: vsftpdVersion(vsftpdBin) };
  for (const t of [tftp, ...Object.values(PEERS)]) {
    const d = t.detect();
    versions[t.id] = d.ok ? d.version : `not available: ${d.reason}`;
    if (!d.ok) log(`bench: ${t.id}: skipped — ${d.reason}`);
  }
  if (!haveGnuTime()) log('bench: /usr/bin/time not found: peak RSS is not measured (apt-get install -y time)');

  const selected = CASES.filter((c) => o.cases.includes(c.id));
  const bigBytes = o.sizeMiB * MiB;
  const mediumBytes = Math.min(bigBytes, 100 * MiB);
  const needs = (...ids) => selected.some((c) => ids.includes(c.id));

  let server = null;
  /** The FTPS vsftpd while an ftps-* case runs. */
  let ftpsServer = null;
  let finished = false;
  const workDir = join(o.dir, 'work');
  const hardStop = (code) => {
    if (finished) return;
    finished = true;
    killAllChildren('SIGKILL');
    server?.killSync();
    ftpsServer?.killSync();
    rmSync(workDir, { recursive: true, force: true });
    clearUploads(join(o.dir, 'root', 'upload'));
    process.exit(code);
  };
  const onSignal = (sig) => {
    log(`\nbench: ${sig}: stopping vsftpd and running transfers`);
    hardStop(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.once('exit', () => {
    killAllChildren('SIGKILL');
    server?.killSync();
    ftpsServer?.killSync();
  });

  try {
    mkdirSync(o.dir, { recursive: true });
    const root = join(o.dir, 'root');
    log(`bench: data in ${o.dir}`);
    const target = await prepareTarget({
      host: '127.0.0.1',
      port: 0,
      root,
      workDir,
      sumsDir: join(o.dir, 'sums'),
      bigBytes,
      mediumBytes,
      smallCount: o.small,
      needBig: needs('get', 'put', 'segments', 'ftps-get', 'ftps-put', 'ftps-segments'),
      needMedium: needs('active', 'progress', 'ftps-active'),
      needSmall: needs('small', 'latency', 'tree', 'ftps-small', 'ftps-tree', 'ftps-tree-8', 'wan-small', 'wan-ls'),
      log: (m) => log(`bench: ${m}`),
    });

    server = await startVsftpd({ root, uploadDir: target.uploadLocalDir, port: o.port, log: (m) => log(`bench: ${m}`) });
    target.port = server.port;
    target.syncFiles = o.syncFiles;
    target.wan = { rttMs: o.wanRttMs, mbit: o.wanMbit, pasvMin: server.pasvMin, pasvMax: server.pasvMax, root, sumsDir: join(o.dir, 'sums') };
    log(`bench: vsftpd ${server.version} pid ${server.pid} on 127.0.0.1:${server.port} (passive ${server.pasvMin}-${server.pasvMax})`);
    // The ftps-* cases: a second vsftpd, with TLS, for the length of each case only.
    target.ftps = async () => {
      const ftps = await startVsftpd({ root, uploadDir: target.uploadLocalDir, port: server.port + 1, tls: TEST_CERT, log: (m) => log(`bench: ${m}`) });
      ftpsServer = ftps;
      log(`bench: vsftpd with TLS, pid ${ftps.pid} on 127.0.0.1:${ftps.port}`);
      const close = async () => {
        await ftps.stop();
        ftpsServer = null;
      };
      return { port: ftps.port, caFile: TEST_CERT.ca, close };
    };

    const machine = machineInfo({ versions });
    const results = [];
    for (const c of selected) {
      log(`bench: case ${c.id}: ${c.title(target)}`);
      results.push(
        await runCase(c, target, {
          runs: o.runs,
          exactRuns: o.exactRuns,
          warmup: o.warmup,
          timeoutMs: o.timeoutS * 1000,
          tools: o.peers ? ['tftp', ...o.peers, 'node -e 0', 'node-bare'] : undefined,
          log,
        }),
      );
    }
    await server.stop();
    server = null;
    rmSync(workDir, { recursive: true, force: true });

    machine.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
    const title = `tftp benchmark${o.quick ? ' (QUICK: --quick)' : ''} — runs ${o.runs}, warm-up ${o.warmup}, large file ${o.sizeMiB} MiB`;
    const text = [
      title,
      formatMachine(machine),
      '',
      formatTable(results),
      '',
      'median/min–max: wall seconds over the timed runs; MB/s = 10^6 bytes / median; peak RSS = highest ru_maxrss of a run;',
      'tftp/peer = median(tftp) / median(peer): below 1 means tftp was faster. Every transfer was checked (size + sha256).',
    ].join('\n');
    console.log(`\n${text}`);

    mkdirSync(dirname(o.json), { recursive: true });
    const options = { quick: o.quick, runs: o.runs, warmup: o.warmup, sizeMiB: o.sizeMiB, small: o.small, syncFiles: o.syncFiles, wanRttMs: o.wanRttMs, wanMbit: o.wanMbit, cases: o.cases, peers: o.peers };
    writeFileSync(o.json, `${JSON.stringify({ machine, options, server: { vsftpd: versions.vsftpd, port: target.port }, cases: results }, null, 2)}\n`);
    log(`bench: results written to ${o.json}`);
    finished = true;
    return results.some((r) => r.status === 'FAILED') ? 1 : 0;
  } catch (e) {
    log(`bench: ${e.message}`);
    killAllChildren('SIGKILL');
    if (server) await server.stop();
    server = null;
    finished = true;
    return e.code === 'NO_VSFTPD' ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then((code) => {
    process.exitCode = code;
  });
}
