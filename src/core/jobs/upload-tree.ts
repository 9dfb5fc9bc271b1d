import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasLineBreak } from '../../protocol/command.js';
import { runBatch, type BatchItem, type BatchOutcome } from './batch.js';
import { uploadFile, type UploadSettings } from './upload.js';
import type { JobReporter, OpenSession, Progress } from './events.js';

export interface TreeUploadSettings extends UploadSettings {
  /** Connections (default 4). */
  parallel?: number | undefined;
}

/** What a local tree holds: its files and the remote folders they need, parents first. */
export interface UploadPlan {
  files: { local: string; remote: string; size: number }[];
  folders: string[];
}

/**
 * Walks the local tree under `localRoot` into files for `remoteRoot` and the
 * folders to make there (the remote root's own parents first: a/b/c needs a
 * and a/b). Links and special files are reported and left out, as are names
 * no FTP command can carry (CR, LF, NUL).
 */
export async function planUpload(localRoot: string, remoteRoot: string, reporter: JobReporter): Promise<UploadPlan> {
  const folders = remoteRoot.split('/').filter(Boolean).map((_, i, parts) => (remoteRoot.startsWith('/') ? '/' : '') + parts.slice(0, i + 1).join('/'));
  const files: UploadPlan['files'] = [];
  const skip = (file: string, reason: string) => {
    reporter.event?.({ event: 'skip', file, reason });
    reporter.notice?.(`skipped ${JSON.stringify(file)}: ${reason}`);
  };
  const walk = async (dir: string, remoteDir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const local = join(dir, entry.name);
      const remote = `${remoteDir}/${entry.name}`;
      if (hasLineBreak(entry.name)) {
        skip(local, 'refused: a CR, LF or NUL in the name');
      } else if (entry.isDirectory()) {
        folders.push(remote);
        await walk(local, remote);
      } else if (entry.isFile()) {
        files.push({ local, remote, size: (await stat(local)).size });
      } else {
        skip(local, entry.isSymbolicLink() ? 'symbolic link (not followed)' : 'not a regular file');
      }
    }
  };
  await walk(localRoot, remoteRoot);
  return { files, folders };
}

/**
 * Makes the plan's remote folders, then sends every file over a batch of
 * connections; the session that made the folders goes on as the first of them.
 */
export async function uploadPlan(openSession: OpenSession, plan: UploadPlan, s: TreeUploadSettings, opts: { reporter: JobReporter; progressFor(name: string): Progress }): Promise<BatchOutcome> {
  const session = await openSession();
  try {
    for (const folder of plan.folders) await session.client.mkdir(folder, { recursive: true });
  } catch (err) {
    await session.end(false);
    throw err;
  }
  const fileReporter: JobReporter = { event: opts.reporter.event };
  const items: BatchItem[] = plan.files.map((f) => ({
    name: f.remote,
    size: f.size,
    async run(c, attempt, progress) {
      const file = await open(f.local, 'r');
      try {
        return await uploadFile(c, { local: f.local, remotePath: f.remote, fd: file.fd, localSize: f.size }, s, attempt, progress, fileReporter);
      } finally {
        await file.close();
      }
    },
  }));
  return runBatch(openSession, items, { parallel: s.parallel ?? 4, retries: s.retries, retryDelay: s.retryDelay, signal: s.signal, reporter: opts.reporter, session, progressFor: (item) => opts.progressFor(item.name) });
}

