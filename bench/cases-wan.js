// The wide-area cases (group "wan"): the usual transfers through bench/wan-proxy.js,
// which puts a round trip and a shared bandwidth cap on the control connection
// and on every passive data connection. The proxy listens on 127.0.0.2 and
// forwards to the bench's vsftpd at 127.0.0.1, whose 227 replies name 127.0.0.1:
// the peers are told to ignore that address (lftp ftp:ignore-pasv-address,
// curl --ftp-skip-pasv-ip; ftplib ignores it by default, tftp always does and
// uses EPSV anyway). Active mode is not run over it.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MiB, ensureRandomFile, ensureSmallFiles, verifyFile, verifyFiles } from './data.js';
import { median } from './measure.js';
import { PEERS, lftpScript, tftp, tftpBin } from './peers.js';
import { SYNC_CASES } from './sync-case.js';
import { startWanProxy } from './wan-proxy.js';

export const WAN_HOST = '127.0.0.2';
export const WAN_DEFAULTS = { rttMs: 40, mbit: 100 };
/** The tree cases' folder: fewer files than "tree", so that one connection at 40 ms stays within seconds. */
const TREE_FILES = 100;
const TREE_DIR = 'wan-tree';
const GET_BYTES = 20 * MiB;
const PARALLEL_PUT = 8;

/** The case's target: the same server and files, reached through a fresh proxy (`t.wan`: options and the server's passive range). */
async function throughProxy(t, extra = async () => ({})) {
  const w = t.wan;
  if (!w) throw new Error('the wan cases need target.wan ({rttMs, mbit, pasvMin, pasvMax, root})');
  const more = await extra(w);
  const proxy = await startWanProxy({ listenHost: WAN_HOST, targetHost: t.host, controlPort: t.port, dataPorts: [w.pasvMin, w.pasvMax], rttMs: w.rttMs, mbit: w.mbit });
  return { target: { ...t, ...more, host: WAN_HOST, port: proxy.port, direct: { host: t.host, port: t.port }, proxy }, close: proxy.close };
}

/** The peers' own switches for a server whose 227 names another address than the control host's. */
function overWan(toolId, spec) {
  if (toolId === 'lftp') return { ...spec, args: spec.args.map((a, i) => (i > 0 && spec.args[i - 1] === '-c' ? `set ftp:ignore-pasv-address yes; ${a}` : a)) };
  if (toolId === 'curl') return { ...spec, args: [spec.args[0], '--ftp-skip-pasv-ip', ...spec.args.slice(1)] };
  return spec;
}

/** `tftp COMMAND… -P PORT HOST OPERANDS…` */
const cliArgs = (t, command, operands) => ({ cmd: process.execPath, args: [tftpBin(), ...command, '-P', String(t.port), t.host, ...operands] });

/** The rows in the table's order, so that the note names them in that order too. */
const expectTrips = (byLabel, variants) => {
  for (const v of variants) byLabel.set(v.label, []);
  return variants;
};

/** A variant: `build(tag)` gives {spec, verify, cleanup}; `onRun` sees the proxy's control sessions of each timed run. */
function variant(tool, label, build, onRun) {
  return {
    label,
    tool: tool.id,
    detect: () => tool.detect(),
    prepare(tag) {
      const { spec, verify, cleanup, proxy } = build(tag);
      const first = proxy ? proxy.sessions.length : 0;
      return {
        ...overWan(tool.id, spec),
        async verify(res) {
          const problem = await verify(res);
          if (!problem && proxy && onRun && !tag.startsWith('w')) {
            await proxy.settle();
            onRun(label, proxy.sessions.slice(first));
          }
          return problem;
        },
        cleanup,
      };
    },
  };
}

/** One file downloaded into the work folder. */
function getVariants(t, file, tools, onRun) {
  return tools.map((tool) =>
    variant(
      tool,
      tool.id,
      (tag) => {
        const local = join(t.workDir, `wan-${tool.id}-${tag}.bin`);
        rmSync(local, { force: true });
        return {
          spec: tool.get({ host: t.host, port: t.port, remote: file.remote, local, active: false }),
          verify: () => verifyFile(local, file),
          cleanup: () => rmSync(local, { force: true }),
          proxy: t.proxy,
        };
      },
      onRun,
    ),
  );
}

/** A listing of the small files' folder: every name must be in the output. */
function lsVariants(t, onRun) {
  const dir = t.small[0].remote.replace(/\/[^/]*$/, '');
  const names = t.small.map((f) => f.name);
  const check = (res) => {
    const missing = names.filter((n) => !res.stdout.includes(n));
    return missing.length ? `${missing.length} of ${names.length} names missing from the listing (first: ${missing[0]})` : null;
  };
  const lftpLs = (cmd) => ({ cmd: 'lftp', args: ['--norc', '-c', lftpScript({ host: t.host, port: t.port }, (q) => `${cmd} ${q(dir)}`)] });
  const row = (tool, label, spec) => variant(tool, label, () => ({ spec, verify: check, cleanup() {}, proxy: t.proxy }), onRun);
  return [
    row(tftp, 'tftp ls', cliArgs(t, ['ls'], [dir])),
    row(PEERS.curl, 'curl (LIST)', { cmd: 'curl', args: ['-q', '-sS', '--user', 'anonymous:guest', `ftp://${t.host}:${t.port}${dir}/`] }),
    row(PEERS.lftp, 'lftp ls', lftpLs('ls')),
    row(PEERS.lftp, 'lftp cls', lftpLs('cls -1')),
  ];
}

/** A folder downloaded over `parallel` connections: tftp get -r -j N vs lftp mirror --parallel=N. */
function treeVariants(t, parallel) {
  return [tftp, PEERS.lftp].map((tool) =>
    variant(tool, tool.id, (tag) => {
      const localDir = join(t.workDir, `wan-tree-${tool.id}-${tag}`);
      rmSync(localDir, { recursive: true, force: true });
      return {
        spec: tool.tree({ host: t.host, port: t.port, remoteDir: `/${TREE_DIR}`, localDir, parallel }),
        verify: () => verifyFiles(localDir, t.treeFiles),
        cleanup: () => rmSync(localDir, { recursive: true, force: true }),
      };
    }),
  );
}

/** The same folder uploaded into /upload/wan-put-TOOL: tftp put -r -j 8 vs lftp mirror -R --parallel=8, checked on the server's disk. */
function putTreeVariants(t) {
  const localDir = join(t.wan.root, TREE_DIR);
  const specs = {
    tftp: (remoteDir) => cliArgs(t, ['put', '-r', '-j', String(PARALLEL_PUT), '--no-progress'], [localDir, remoteDir]),
    lftp: (remoteDir) => ({ cmd: 'lftp', args: ['--norc', '-c', lftpScript({ host: t.host, port: t.port }, (q) => `mirror -R --parallel=${PARALLEL_PUT} ${q(localDir)} ${q(remoteDir)}`)] }),
  };
  return [tftp, PEERS.lftp].map((tool) =>
    variant(tool, tool.id, () => {
      const name = `wan-put-${tool.id}`;
      const onDisk = join(t.uploadLocalDir, name);
      rmSync(onDisk, { recursive: true, force: true });
      return {
        spec: specs[tool.id](`${t.uploadRemoteDir.replace(/\/+$/, '')}/${name}`),
        verify: () => {
          const extra = readdirSync(onDisk).length - t.treeFiles.length;
          return extra ? `${extra} more entries than files on the server` : verifyFiles(onDisk, t.treeFiles);
        },
        cleanup: () => rmSync(onDisk, { recursive: true, force: true }),
      };
    }),
  );
}

/** The tree cases' files, in the served root. */
const withTree = (w) => ensureSmallFiles(join(w.root, TREE_DIR), TREE_FILES, 4096).then((files) => ({ treeFiles: files }));

const link = (t) => `${t.wan.rttMs} ms round trip, ${t.wan.mbit} Mbit/s each way`;
const treeBytes = () => TREE_FILES * 4096;

/** Control round trips (and command lines) of each tool's timed runs, for the cases that report them: label → runs. */
const trips = { 'wan-small': new Map(), 'wan-ls': new Map() };
const recordTrips = (byLabel) => (label, sessions) => {
  const list = byLabel.get(label) ?? [];
  list.push({ roundTrips: sessions.reduce((a, s) => a + s.roundTrips, 0), commands: sessions.reduce((a, s) => a + s.commands, 0) });
  byLabel.set(label, list);
};
const tripsNote = (byLabel) => {
  const parts = [...byLabel].filter(([, runs]) => runs.length).map(([label, runs]) => `${label} ${median(runs.map((r) => r.roundTrips))} (${median(runs.map((r) => r.commands))})`);
  return `control-connection round trips (command lines) per run, median: ${parts.join(', ') || 'none measured'}; a round trip = a client write after a server reply`;
};

const firstSync = SYNC_CASES.find((c) => c.id === 'sync-first');
const secondSync = SYNC_CASES.find((c) => c.id === 'sync-second');

/** A sync case's site and tools, with every timed run going through the link. */
function syncOverWan(sync) {
  return {
    async setup(t) {
      const site = await sync.setup(t);
      try {
        const wan = await throughProxy(site.target);
        return { target: wan.target, close: () => wan.close().then(site.close) };
      } catch (e) {
        await site.close();
        throw e;
      }
    },
    variants: (t) => sync.variants(t).map((v) => ({ ...v, prepare: async (tag, o) => overWan(v.tool, await v.prepare(tag, o)) })),
  };
}

export const WAN_CASES = [
  {
    id: 'wan-small',
    group: 'wan',
    title: (t) => `get one 4 KiB file over a WAN link (${link(t)})`,
    bytes: (t) => t.small[0].size,
    setup: (t) => {
      trips['wan-small'].clear();
      return throughProxy(t);
    },
    variants: (t) => expectTrips(trips['wan-small'], getVariants(t, t.small[0], [tftp, PEERS.curl, PEERS.lftp, PEERS.ftplib], recordTrips(trips['wan-small']))),
    get note() {
      return tripsNote(trips['wan-small']);
    },
  },
  {
    id: 'wan-get',
    group: 'wan',
    title: (t) => `get ${GET_BYTES / MiB} MiB over a WAN link (${link(t)})`,
    bytes: () => GET_BYTES,
    setup: (t) =>
      throughProxy(t, async (w) => {
        const f = await ensureRandomFile(join(w.root, `random-${GET_BYTES / MiB}m.bin`), GET_BYTES, { sumsDir: w.sumsDir });
        return { wanFile: { remote: `/random-${GET_BYTES / MiB}m.bin`, size: f.size, sha256: f.sha256 } };
      }),
    variants: (t) => getVariants(t, t.wanFile, [tftp, PEERS.curl, PEERS.lftp, PEERS.ftplib]),
  },
  {
    id: 'wan-ls',
    group: 'wan',
    title: (t) => `list a folder of ${t.small.length} names over a WAN link (${link(t)})`,
    bytes: () => 0,
    setup: (t) => {
      trips['wan-ls'].clear();
      return throughProxy(t);
    },
    variants: (t) => expectTrips(trips['wan-ls'], lsVariants(t, recordTrips(trips['wan-ls']))),
    get note() {
      return `tftp ls vs curl ftp://…/dir/ (LIST) vs lftp ls (LIST) and cls -1; every name checked in the output; ${tripsNote(trips['wan-ls'])}`;
    },
  },
  ...[1, 8].map((n) => ({
    id: `wan-tree-${n}`,
    group: 'wan',
    title: (t) => `${TREE_FILES} files of 4 KiB, recursive, ${n} connection${n > 1 ? 's' : ''}, over a WAN link (${link(t)})`,
    bytes: treeBytes,
    setup: (t) => throughProxy(t, withTree),
    variants: (t) => treeVariants(t, n),
    note: `tftp get -r -j ${n} vs lftp mirror --parallel=${n}; wall time including process start`,
  })),
  {
    id: 'wan-put-tree-8',
    group: 'wan',
    title: (t) => `upload ${TREE_FILES} files of 4 KiB into a new folder, ${PARALLEL_PUT} connections, over a WAN link (${link(t)})`,
    bytes: treeBytes,
    setup: (t) => throughProxy(t, withTree),
    variants: putTreeVariants,
    note: `tftp put -r -j ${PARALLEL_PUT} vs lftp mirror -R --parallel=${PARALLEL_PUT}; checked on the server's disk`,
  },
  {
    id: 'wan-sync-first',
    group: 'wan',
    title: (t) => `${firstSync.title(t)}, over a WAN link (${link(t)})`,
    bytes: firstSync.bytes,
    // The site of the sync cases, deployed through the proxy into an empty folder (about 3 round trips a file on vsftpd).
    ...syncOverWan(firstSync),
    note: `${firstSync.note}; the commands of sync-first`,
  },
  {
    id: 'wan-sync',
    group: 'wan',
    title: (t) => `${secondSync.title(t)}, over a WAN link (${link(t)})`,
    bytes: () => 0,
    // Each tool's untimed first deploy goes straight to the server (t.direct), the timed second run through the proxy.
    ...syncOverWan(secondSync),
    note: `${secondSync.note.replace('first deploy', 'first deploy (direct, not over the link)')}; the commands of sync-second`,
  },
];
