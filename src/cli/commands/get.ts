import type { Writable } from 'node:stream';
import type { FtpClient } from '../../core/client.js';
import type { FileTarget } from '../../core/file-io.js';
import type { Io } from '../io.js';
import type { TransferFlags } from '../options.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { withSession } from '../session.js';
import { defaultLocalName, openPartFile, type PartFile } from '../local-file.js';
import { createProgress } from '../progress.js';
import { FinalError, withRetries } from '../retry.js';

interface Download {
  remotePath: string;
  /** A local path, or '-' for stdout. */
  localPath: string;
  toStdout: boolean;
}

/** What the first attempt saw of the remote file: a retry resumes only if it is unchanged. */
interface Seen {
  size?: number | undefined;
  mdtm?: string | undefined;
  /** Bytes already written to stdout, which a retry must not repeat. */
  written: number;
}

/** tftp get <host|url> [remote] [local] */
export async function get(io: Io, targetArg: string, arg1: string | undefined, arg2: string | undefined, opts: TransferFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const download = planDownload(target, arg1, arg2, opts);
  const seen: Seen = { written: 0 };
  await withRetries(io, opts, (attempt) => withSession(io, target, opts, (client) => downloadOnce(io, client, download, opts, attempt, seen)));
}

function planDownload(target: Target, arg1: string | undefined, arg2: string | undefined, opts: TransferFlags): Download {
  let remote: string | undefined;
  let local: string | undefined;
  if (target.isUrl) {
    if (arg2 !== undefined) throw new UsageError('too many arguments: the URL already names the remote file');
    remote = target.path;
    local = arg1;
    if (!remote) throw new UsageError('the URL names no remote file');
  } else {
    remote = arg1;
    local = arg2;
    if (!remote) throw new UsageError('missing the remote file to get');
  }
  checkRemoteName(remote, 'remote path');
  local ??= defaultLocalName(remote);
  if (!local) throw new UsageError(`cannot name a local file after ${JSON.stringify(remote)}: give one`);
  const toStdout = local === '-';
  if (opts.ascii && (opts.rest !== undefined || opts.continue)) {
    throw new UsageError('--rest and --continue need a binary transfer (ASCII offsets differ between client and server)');
  }
  if (toStdout && opts.continue) throw new UsageError('--continue needs a local file, not stdout');
  return { remotePath: remote, localPath: local, toStdout };
}

async function downloadOnce(io: Io, client: FtpClient, d: Download, opts: TransferFlags, attempt: number, seen: Seen): Promise<void> {
  await client.type('I'); // SIZE in ASCII mode is refused or wrong on some servers
  const remoteSize = await client.size(d.remotePath);
  const mdtm = opts.retries > 0 ? await client.mdtm(d.remotePath) : undefined;
  const changed = attempt > 0 && (remoteSize !== seen.size || mdtm !== seen.mdtm);
  if (attempt === 0 || changed) Object.assign(seen, { size: remoteSize, mdtm });
  if (opts.ascii) await client.type('A');
  // ASCII offsets differ between the two ends, so an ASCII retry starts over.
  const restart = attempt > 0 && (changed || !!opts.ascii);
  if (d.toStdout && restart && seen.written > 0) {
    const why = changed ? `${d.remotePath} changed on the server` : 'an ASCII transfer cannot resume';
    throw new FinalError('transfer', `${why}; ${seen.written} bytes were already written to stdout`);
  }

  let sink: Writable | FileTarget = io.stdout;
  let offset = (opts.rest ?? 0) + seen.written;
  let part: PartFile | undefined;
  if (!d.toStdout) {
    const opened = await openPartFile(d.localPath, {
      rest: opts.rest,
      continue: opts.continue,
      remoteSize: opts.ascii ? undefined : remoteSize,
      retry: attempt > 0,
      restart,
    });
    if (opened === 'complete') {
      if (!opts.quiet) io.stderr.write(`${d.localPath} is already complete (${remoteSize} bytes)\n`);
      return;
    }
    part = opened;
    sink = part.target;
    offset = part.offset;
  }
  const progress = await createProgress(io, { name: d.remotePath, verb: 'downloaded', quiet: !!opts.quiet, bar: opts.progress });
  const resume = opts.rest !== undefined || offset > 0;
  let received = 0;
  try {
    await client.retrieve(`RETR ${d.remotePath}`, sink, {
      rest: resume ? offset : undefined,
      expectedBytes: remoteSize !== undefined && !opts.ascii ? remoteSize - offset : undefined,
      onStart: (announced) => progress.start(remoteSize ?? (announced !== undefined && !resume ? announced : undefined), offset),
      onBytes: (n) => {
        received += n;
        progress.add(n);
      },
      signal: io.signal,
      keepOpen: d.toStdout,
    });
  } catch (err) {
    progress.finish(false);
    if (d.toStdout) seen.written += received;
    if (part) await part.abandon(received > 0);
    throw err;
  }
  if (part) await part.commit();
  progress.finish(true);
}
