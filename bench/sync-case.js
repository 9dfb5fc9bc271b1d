// The sync cases: deploy a web site (bench/sync-site.js) into a folder on the
// server with `tftp sync`, `lftp mirror -R` and `rclone sync`, then redeploy it
// after a few edits. Each run starts from the same remote state and is checked
// on the server's disk: the remote folder must equal the local one, byte for
// byte, with nothing extra (--delete).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runMeasured } from './measure.js';
import { PEERS, tftp } from './peers.js';
import { applyEdits, compareTrees, editSpec, emptyRemoteFolder, siteSpec, undoEdits, writeSite } from './sync-site.js';

const PARALLEL = 8;
/** tftp's state file: the one name on the server no other tool writes, and allowed there. */
const TFTP_STATE = '.tftp-sync.json';

/** The edits of the second phase: 10 changed and 5 deleted files, fewer on a small site. */
export const editCounts = (files) => ({ changed: Math.min(10, Math.max(2, Math.floor(files / 4))), deleted: Math.min(5, Math.max(1, Math.floor(files / 8))) });

const fmtMiB = (n) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/**
 * The tools of both phases. vsftpd has no MFMT, so no tool can give the server a
 * file's local time the standard way:
 * - tftp would compare sizes only, and miss an edit that keeps the size: `--state`
 *   (a record of what was sent, kept on the server) makes it exact. `--inplace`
 *   writes the final names directly, as the peers do (lftp runs with
 *   xfer:use-temp-file false; rclone 1.60's FTP backend STORs the final names); the
 *   default, a temporary name renamed over the old file, is its own row.
 * - lftp compares the local time with the server's (the upload's): `--only-newer`
 *   sends what was edited since the deploy.
 * - rclone sets times with vsftpd's `MDTM time path` (`--ftp-writing-mdtm`).
 */
function tools() {
  return [
    { label: 'tftp', tool: tftp, flags: ['--state', '--inplace'], slug: 'tftp' },
    { label: 'tftp (atomic)', tool: tftp, flags: ['--state'], slug: 'tftp-atomic' },
    { label: 'lftp', tool: PEERS.lftp, slug: 'lftp' },
    { label: 'rclone', tool: PEERS.rclone, slug: 'rclone' },
  ];
}

/** One tool's row: `second` runs an untimed first deploy of its own, and the edits, before the timed run. */
function syncVariant(t, { label, tool, flags, slug }, second) {
  const site = t.syncSite;
  const localDir = second ? site.editDir : site.dir;
  const remoteOnDisk = join(t.uploadLocalDir, `sync-${slug}`);
  const allowExtra = tool === tftp ? [TFTP_STATE] : [];
  // `via`: where the untimed first deploy goes (`t.direct`: past a proxy the timed run crosses).
  const command = (via = t) =>
    tool.sync({ host: via.host, port: via.port, localDir, remoteDir: `${t.uploadRemoteDir.replace(/\/+$/, '')}/sync-${slug}`, parallel: PARALLEL, flags });
  let unusable = null;
  return {
    label,
    tool: tool.id,
    // A missing peer is skipped; tftp itself never is: it fails, saying why.
    detect() {
      const d = tool.detect();
      if (d.ok || tool !== tftp) return d;
      unusable = d.reason;
      return { ok: true, version: null };
    },
    async prepare(_tag, { timeoutMs }) {
      if (unusable) throw new Error(unusable);
      emptyRemoteFolder(remoteOnDisk, t.uploadLocalDir);
      if (second) {
        undoEdits(localDir, site.spec, site.edits);
        const spec = command(t.direct);
        const res = await runMeasured(spec.cmd, spec.args, { env: spec.env, timeoutMs, measureRss: false });
        const problem = res.code !== 0 ? `exit ${res.code ?? res.signal}` : compareTrees(localDir, remoteOnDisk, { allowExtra });
        if (problem) {
          rmSync(remoteOnDisk, { recursive: true, force: true });
          throw new Error(`the untimed first deploy before the second run: ${problem}`);
        }
        applyEdits(localDir, site.edits);
      }
      return {
        ...command(),
        verify: () => compareTrees(localDir, remoteOnDisk, { allowExtra }),
        cleanup: () => rmSync(remoteOnDisk, { recursive: true, force: true }),
      };
    },
  };
}

/** Writes the site (and a copy to edit) under the work folder for the length of the case. */
function setupSite(t) {
  const spec = siteSpec(t.syncFiles);
  const dir = join(t.workDir, 'sync-site');
  const editDir = join(t.workDir, 'sync-site-edited');
  writeSite(dir, spec);
  writeSite(editDir, spec);
  const close = async () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(editDir, { recursive: true, force: true });
  };
  return { target: { ...t, syncSite: { spec, edits: editSpec(spec, editCounts(t.syncFiles)), dir, editDir } }, close };
}

const siteTitle = (t) => {
  const s = siteSpec(t.syncFiles);
  return `${s.files.length} files (${fmtMiB(s.bytes)}, 1–100 KiB) in ${s.folders.length} folders`;
};
const NOTE =
  'tftp sync --delete -j 8 --state --inplace ("atomic": without --inplace) vs lftp mirror -R --only-newer --delete --parallel=8 vs rclone sync --transfers 8 --checkers 8 --ftp-writing-mdtm; wall time; the remote folder checked on the server\'s disk';

export const SYNC_CASES = [
  {
    id: 'sync-first',
    title: (t) => `sync: ${siteTitle(t)}, first deploy into an empty folder, ${PARALLEL} connections`,
    bytes: (t) => siteSpec(t.syncFiles).bytes,
    setup: setupSite,
    variants: (t) => tools().map((x) => syncVariant(t, x, false)),
    note: NOTE,
  },
  {
    id: 'sync-second',
    title: (t) => {
      const e = editCounts(t.syncFiles);
      return `sync: the same site after editing ${e.changed} files (half of them the same size) and deleting ${e.deleted}: the second run`;
    },
    bytes: () => 0,
    setup: setupSite,
    variants: (t) => tools().map((x) => syncVariant(t, x, true)),
    note: 'the same commands; before each run, untimed: that tool\'s own first deploy into an empty folder (checked), then the edits',
  },
];
