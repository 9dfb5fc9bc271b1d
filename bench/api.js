// Run one benchmark case against any FTP server that serves a local folder
// (e.g. ftp-srv in a vitest smoke test). The server must accept an anonymous
// login (user "anonymous", any password) and, for "put", allow uploads into
// `uploadDir` under its root.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASES, runCase } from './cases.js';
import { MiB } from './data.js';

/**
 * @param {object} o
 * @param {string} [o.host='127.0.0.1']
 * @param {number} o.port            control port of the server
 * @param {string} o.root            local folder the server serves as "/" (test data is written here)
 * @param {'get'|'put'|'active'|'progress'|'small'|'latency'|'tree'|'segments'|'ftps-get'|'ftps-put'|'ftps-active'|'ftps-small'|'ftps-tree'|'ftps-tree-8'|'ftps-segments'|'sync-first'|'sync-second'|'startup'} [o.case='get']
 * @param {string[]} [o.tools=['tftp']]  tools besides tftp: any of 'lftp', 'curl', 'ftplib', 'rclone'
 * @param {number} [o.runs=1]
 * @param {number} [o.sizeMiB=1]     size of the random file for get/put/active/progress
 * @param {number} [o.smallCount=10] files for the "small" case
 * @param {number} [o.syncFiles=12]  files of the sync cases' site (the uploads land in uploadDir)
 * @param {{port:number, caFile:string}} [o.ftps]  for the ftps-* cases: an explicit FTPS server serving the same root, and its CA
 * @param {string} [o.uploadDir='upload']  folder under root for "put" (must exist and be writable)
 * @param {number} [o.timeoutMs=60000]
 * @param {Function} [o.log]
 * @returns {Promise<{id:string, title:string, status:'ok'|'FAILED', rows:Array<object>}>}
 *   rows[i]: {label, tool, status:'ok'|'FAILED'|'skipped', reason, runs, medianS, minS, maxS, mbps, peakRssMiB, ratio}
 */
export async function benchAgainst(o) {
  const { prepareTarget } = await import('./target.js');
  const c = CASES.find((x) => x.id === (o.case ?? 'get'));
  if (!c) throw new Error(`unknown case ${o.case}`);
  const bytes = (o.sizeMiB ?? 1) * MiB;
  const scratch = mkdtempSync(join(tmpdir(), 'tftp-bench-api-'));
  const workDir = join(scratch, 'work');
  try {
    const target = await prepareTarget({
      host: o.host ?? '127.0.0.1',
      port: o.port,
      root: o.root,
      workDir,
      sumsDir: join(scratch, 'sums'),
      bigBytes: bytes,
      mediumBytes: bytes,
      smallCount: o.smallCount ?? 10,
      uploadDir: o.uploadDir ?? 'upload',
      needSmall: ['small', 'latency', 'tree', 'ftps-small', 'ftps-tree', 'ftps-tree-8'].includes(c.id),
      log: o.log,
    });
    if (o.ftps) target.ftps = o.ftps;
    target.syncFiles = o.syncFiles ?? 12;
    return await runCase(c, target, {
      runs: o.runs ?? 1,
      exactRuns: true,
      warmup: 0,
      timeoutMs: o.timeoutMs ?? 60_000,
      tools: ['tftp', ...(o.tools ?? []), 'node -e 0', 'node-bare'],
      log: o.log,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
