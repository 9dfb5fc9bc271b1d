import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasLineBreak } from '../../protocol/command.js';
import { runBatch, type BatchItem, type BatchOutcome } from './batch.js';
import { FtpError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import { uploadFile, type Upload, type UploadSettings } from './upload.js';
import type { JobReporter, OpenSession, Progress } from './events.js';

export interface TreeUploadSettings extends UploadSettings {
  /** Connections (default 4). */
  parallel?: number | undefined;
}

/** What a local tree holds: its files and the remote folders they need, parents first. */
export interface UploadPlan {
  files: { local: string; remote: string; size: number }[];
  /** The remote root first, then its subfolders. */
  folders: string[];
}

/**
 * Walks the local tree under `localRoot` into files for `remoteRoot` and the
 * folders to make there (the remote root first). Links and special files are
 * reported and left out, as are names no FTP command can carry (CR, LF, NUL).
 */
export async function planUpload(localRoot: string, remoteRoot: string, reporter: JobReporter): Promise<UploadPlan> {
  const folders = remoteRoot === '' ? [] : [remoteRoot]; // '': the server's root, there already
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
 * The remote root's parents must exist, unless `createDirs` makes them too.
 */
export async function uploadPlan(openSession: OpenSession, plan: UploadPlan, s: TreeUploadSettings, opts: { reporter: JobReporter; progressFor(name: string): Progress }): Promise<BatchOutcome> {
  const session = await openSession();
  try {
    const [root, ...below] = plan.folders;
    if (root !== undefined) await makeRoot(session.client, root, !!s.createDirs);
    for (const folder of below) await session.client.mkdir(folder, { recursive: true });
  } catch (err) {
    await session.end(false);
    throw err;
  }
  const fileReporter: JobReporter = { event: opts.reporter.event };
  // The folders are made: each file's own createDirs has nothing left to do.
  const fileSettings: UploadSettings = { ...s, createDirs: false };
  const items: BatchItem[] = plan.files.map((f) => {
    const up: Upload = { local: f.local, remotePath: f.remote, localSize: f.size }; // one for every attempt: it keeps their state
    return {
      name: f.remote,
      size: f.size,
      async run(c, attempt, progress) {
        const file = await open(f.local, 'r');
        try {
          up.fd = file.fd;
          return await uploadFile(c, up, fileSettings, attempt, progress, fileReporter);
        } finally {
          await file.close();
        }
      },
    };
  });
  return runBatch(openSession, items, { parallel: s.parallel ?? 4, retries: s.retries, retryDelay: s.retryDelay, signal: s.signal, reporter: opts.reporter, session, progressFor: (item) => opts.progressFor(item.name) });
}


/**
 * MKD of the remote root: a folder already there is fine; with `parents`,
 * its missing parents are made first, else a missing parent is the server's
 * refusal, as for a single file.
 */
async function makeRoot(fs: RemoteFs, root: string, parents: boolean): Promise<void> {
  if (parents) return fs.mkdir(root, { recursive: true });
  try {
    await fs.mkdir(root);
  } catch (err) {
    if (err instanceof FtpError && err.kind === 'permanent' && (await fs.stat(root))?.type === 'dir') return;
    throw err;
  }
}
