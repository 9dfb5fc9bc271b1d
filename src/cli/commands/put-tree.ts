import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FtpClient } from '../../core/client.js';
import type { Io } from '../io.js';
import { LocalError, UsageError } from '../exit-codes.js';
import { checkRemoteName, type Target } from '../target.js';
import { withSession } from '../session.js';
import { runBatch, type BatchItem } from '../batch.js';
import { createOverallProgress } from '../progress.js';
import { ndjson, reportSkip } from '../events.js';
import { uploadOnce, type PutFlags } from './put.js';
import { hasLineBreak } from '../../protocol/command.js';

interface PlannedUpload {
  local: string;
  remote: string;
  size: number;
}

/** tftp put -r <host|url> <local-dir> [remote-dir] */
export async function putTree(io: Io, target: Target, localRoot: string, remoteArg: string | undefined, opts: PutFlags): Promise<void> {
  if (target.isUrl && target.path !== undefined && remoteArg !== undefined) throw new UsageError('too many arguments: the URL already names the remote folder');
  if (localRoot === '-') throw new UsageError('stdin is not a folder');
  if (opts.rest !== undefined) throw new UsageError('--rest applies to one file; use -c to resume a folder');
  if (!(await stat(localRoot)).isDirectory()) throw new LocalError(`${localRoot}: not a directory`);
  const remoteRoot = (target.isUrl ? target.path : remoteArg)?.replace(/\/+$/, '') ?? basename(localRoot.replace(/\/+$/, ''));
  checkRemoteName(remoteRoot, 'remote path');
  const events = opts.json ? ndjson(io) : undefined;

  // Parents first: a/b/c needs a and a/b.
  const folders = remoteRoot.split('/').filter(Boolean).map((_, i, parts) => (remoteRoot.startsWith('/') ? '/' : '') + parts.slice(0, i + 1).join('/'));
  const files: PlannedUpload[] = [];
  const walk = async (dir: string, remoteDir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const local = join(dir, entry.name);
      const remote = `${remoteDir}/${entry.name}`;
      if (hasLineBreak(entry.name)) {
        reportSkip(io, events, local, 'refused: a CR, LF or NUL in the name');
      } else if (entry.isDirectory()) {
        folders.push(remote);
        await walk(local, remote);
      } else if (entry.isFile()) {
        files.push({ local, remote, size: (await stat(local)).size });
      } else {
        reportSkip(io, events, local, entry.isSymbolicLink() ? 'symbolic link (not followed)' : 'not a regular file');
      }
    }
  };
  await walk(localRoot, remoteRoot);
  if (opts.dryRun) {
    for (const f of files) io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: f.remote, local: f.local, size: f.size }) + '\n' : `${f.local} -> ${f.remote}\n`);
    return;
  }
  await withSession(io, target, opts, (client) => makeFolders(client, folders));

  const progress = await createOverallProgress(io, { name: `${files.length} files`, verb: 'uploaded', quiet: !!opts.quiet || !!events, bar: opts.progress, totalBytes: files.reduce((s, f) => s + f.size, 0), files: files.length });
  const items: BatchItem[] = files.map((f) => ({
    name: f.remote,
    size: f.size,
    async run(client, attempt, p) {
      const file = await open(f.local, 'r');
      try {
        return await uploadOnce(io, client, { ...opts, quiet: true }, { local: f.local, remotePath: f.remote, fd: file.fd, localSize: f.size }, attempt, p, events);
      } finally {
        await file.close();
      }
    },
  }));
  let ok = false;
  try {
    await runBatch(io, target, opts, items, { parallel: opts.parallel ?? 4, events, progressFor: async (item) => progress.item(item.name) });
    ok = true;
  } finally {
    progress.finish(ok);
  }
}

/** MKD each folder, parents first; one that already exists is fine. */
async function makeFolders(client: FtpClient, folders: string[]): Promise<void> {
  for (const folder of folders) await client.mkdir(folder, { recursive: true });
}
