// How each tool runs one kind of transfer in a case, and how its result is
// checked: the variants the cases of cases.js and cases-ftps.js are made of.
// With `t.caFile` (an FTPS target) every tool runs under explicit TLS, trusting that CA.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyFile, verifyFiles } from './data.js';
import { PEERS, nodeBareLoop, tftp } from './peers.js';

export const fmtSize = (n) => (n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(2)} GiB` : `${+(n / 1024 ** 2).toFixed(1)} MiB`);
/** A one-line excerpt of a tool's output, for failure reasons. */
export const tail = (s, n = 240) => {
  s = String(s || '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
  return s.length > n ? `${s.slice(0, n)}…` : s;
};

/** One download variant: `tool.get` (or a custom builder) into a fresh local file. */
export function getVariant(tool, t, file, { active = false, label = tool.id, build, detect } = {}) {
  return {
    label,
    tool: tool.id,
    detect: detect || (() => tool.detect()),
    prepare(tag) {
      const local = join(t.workDir, `dl-${tool.id}-${tag}.bin`);
      rmSync(local, { force: true });
      const ctx = { host: t.host, port: t.port, remote: file.remote, local, active, caFile: t.caFile };
      const spec = build ? build(ctx) : tool.get(ctx);
      return {
        ...spec,
        verify: () => verifyFile(local, file),
        cleanup: () => rmSync(local, { force: true }),
      };
    },
  };
}

export function putVariant(tool, t, file) {
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
      const spec = tool.put({ host: t.host, port: t.port, local: file.path, remote, active: false, caFile: t.caFile });
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
      const spec = tool.many({ host: t.host, port: t.port, manifest, localDir, caFile: t.caFile });
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
export function manyVariants(t, manifestName) {
  const manifest = join(t.workDir, manifestName);
  writeFileSync(manifest, `${t.small.map((f) => f.remote).join('\n')}\n`);
  const libDetect = () => {
    const cli = tftp.detectLib();
    return cli.ok ? { ok: true, version: 'library (dist/index.js)', path: cli.path } : cli;
  };
  return [
    { ...manyVariant(tftp, t, manifest, libDetect), label: 'tftp (library)' },
    manyVariant(PEERS.ftplib, t, manifest),
    // The bare loop speaks plain FTP only.
    ...(t.caFile ? [] : [{ ...manyVariant(nodeBareLoop, t, manifest), label: 'node (bare loop)' }]),
  ];
}

/** A folder of small files downloaded recursively by tftp and lftp (`caFile`: over explicit FTPS). */
export function treeVariants(t, { parallel, caFile }) {
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
export const smallSet = (t) => `${t.small.length} files of ${t.small[0] ? t.small[0].size / 1024 : 0} KiB`;
export const smallBytes = (t) => t.small.reduce((a, f) => a + f.size, 0);
