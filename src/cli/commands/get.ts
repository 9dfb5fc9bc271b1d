import type { Writable } from 'node:stream';
import type { FileTarget } from '../../core/file-io.js';
import type { Io } from '../io.js';
import type { TransferFlags } from '../options.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { withSession } from '../session.js';
import { defaultLocalName, openPartFile, type PartFile } from '../local-file.js';
import { createProgress } from '../progress.js';

/** tftp get <host|url> [remote] [local] */
export async function get(io: Io, targetArg: string, arg1: string | undefined, arg2: string | undefined, opts: TransferFlags): Promise<void> {
  const target = parseTarget(targetArg);
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
  const remotePath = remote;
  const localPath = local;

  await withSession(io, target, opts, async (client) => {
    await client.type('I'); // SIZE in ASCII mode is refused or wrong on some servers
    const remoteSize = await client.size(remotePath);
    if (opts.ascii) await client.type('A');

    let sink: Writable | FileTarget = io.stdout;
    let offset = opts.rest ?? 0;
    let part: PartFile | undefined;
    if (!toStdout) {
      const opened = await openPartFile(localPath, { rest: opts.rest, continue: opts.continue, remoteSize: opts.ascii ? undefined : remoteSize });
      if (opened === 'complete') {
        if (!opts.quiet) io.stderr.write(`${localPath} is already complete (${remoteSize} bytes)\n`);
        return;
      }
      part = opened;
      sink = part.target;
      offset = part.offset;
    }
    const progress = await createProgress(io, { name: remotePath, verb: 'downloaded', quiet: !!opts.quiet, bar: opts.progress });
    const resume = opts.rest !== undefined || offset > 0;
    let received = 0;
    try {
      await client.retrieve(`RETR ${remotePath}`, sink, {
        rest: resume ? offset : undefined,
        expectedBytes: remoteSize !== undefined && !opts.ascii ? remoteSize - offset : undefined,
        onStart: (announced) => progress.start(remoteSize ?? (announced !== undefined && !resume ? announced : undefined), offset),
        onBytes: (n) => {
          received += n;
          progress.add(n);
        },
        signal: io.signal,
        keepOpen: toStdout,
      });
    } catch (err) {
      progress.finish(false);
      if (part) await part.abandon(received > 0);
      throw err;
    }
    if (part) await part.commit();
    progress.finish(true);
  });
}
