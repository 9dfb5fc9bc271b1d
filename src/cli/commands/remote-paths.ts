// What rm, mkdir, rmdir, mv, chmod and stat share: their paths (a URL's path
// first), one session for all of them, a failed path that does not stop the
// others, NDJSON events, and the end of a batch (failures listed, exit 10
// when some paths failed and others did not).
import type { FtpClient } from '../../core/client.js';
import type { BatchOutcome } from '../../core/jobs/batch.js';
import { aboutPath } from '../../core/jobs/remove-tree.js';
import { expandWildcard, NoMatchError } from '../../core/jobs/wildcard.js';
import { FtpError, UnsupportedError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { exitCodeFor, PartialFailure, UsageError } from '../exit-codes.js';
import { finishBatch } from '../events.js';
import { withSession } from '../session.js';
import { checkRemoteName, type Target } from '../target.js';

export interface PathFlags extends ConnectionOptions {
  json?: boolean;
  dryRun?: boolean;
}

/** The paths a command works on: the URL's path (if any), then those given; at least one. */
export function pathsOf(target: Target, args: string[], what = 'remote path'): string[] {
  const paths = [...(target.isUrl && target.path ? [target.path] : []), ...args];
  if (paths.length === 0) throw new UsageError(`missing the ${what}`);
  for (const p of paths) checkRemoteName(p, what);
  return paths;
}

/**
 * JSON with DEL and the C1 controls escaped too (JSON.stringify leaves them
 * raw, and U+009B starts a terminal escape as ESC [ does).
 */
export function jsonLine(value: object): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

/** What a path's work tells: NDJSON events with --json, lines for people otherwise. */
export interface PathOutput {
  /** An NDJSON event (written only with --json). */
  event(e: { event: string; [key: string]: unknown }): void;
  /** A line on stdout (not with --json). */
  line(text: string): void;
  json: boolean;
}

export interface EachPathOptions {
  /** Expand wildcards in the last part of each path (rm, chmod, stat). */
  wildcards?: boolean;
  /** A wildcard that matches nothing is no failure (rm -f). */
  noMatchOk?: boolean;
  /** Runs once logged in, before any path (e.g. refusals that need PWD). */
  before?: (client: FtpClient) => Promise<void>;
}

/**
 * Runs `work` for every path over one session. A failed path is reported
 * (an `error` event with --json) and the next goes on; a lost connection,
 * an interruption or a command the server lacks stops the rest. Ends like
 * a multi-file transfer: finishBatch lists what failed and throws the error
 * the run comes to (the path's own for one path, PartialFailure for some).
 */
export async function forEachPath(
  io: Io,
  target: Target,
  opts: PathFlags,
  paths: string[],
  work: (client: FtpClient, path: string, out: PathOutput) => Promise<void>,
  o: EachPathOptions = {},
): Promise<void> {
  const json = !!opts.json;
  const out: PathOutput = {
    json,
    event: (e) => void (json && io.stdout.write(jsonLine(e))),
    line: (text) => void (!json && io.stdout.write(`${text}\n`)),
  };
  const began = performance.now();
  const failures: { name: string; err: unknown }[] = [];
  const notStarted: string[] = [];
  let items = 0;
  let ok = 0;
  let stoppedBy: unknown;
  const fail = (path: string, err: unknown) => {
    const named = aboutPath(path, err);
    // An entry deep in a tree (rm -r) is listed by its own path, which the message starts with.
    const message = (named as Error)?.message ?? '';
    const deeper = message.startsWith(`${path.replace(/\/+$/, '')}/`) ? message.slice(0, message.indexOf(': ')) : undefined;
    failures.push({ name: deeper ?? path, err: named });
    out.event({ event: 'error', path, code: exitCodeFor(named), message: (named as Error)?.message ?? String(named) });
  };
  const stops = (client: FtpClient, err: unknown) => !client.connected || err instanceof UnsupportedError || (err instanceof FtpError && ['aborted', 'login', 'tls', 'connect'].includes(err.kind));

  await withSession(io, target, opts, async (client) => {
    await o.before?.(client);
    for (let i = 0; i < paths.length; i++) {
      const pattern = paths[i]!;
      let expanded: string[];
      try {
        expanded = o.wildcards ? await expandWildcard(client, pattern, io.signal) : [pattern];
      } catch (err) {
        items++;
        if (o.noMatchOk && err instanceof NoMatchError) {
          ok++;
          out.event({ event: 'skip', path: pattern, reason: err.message });
          continue;
        }
        fail(pattern, err);
        if (stops(client, err)) {
          stoppedBy = err;
          notStarted.push(...paths.slice(i + 1));
          break;
        }
        continue;
      }
      for (let j = 0; j < expanded.length; j++) {
        const path = expanded[j]!;
        items++;
        try {
          await work(client, path, out);
          ok++;
        } catch (err) {
          fail(path, err);
          if (stops(client, err)) stoppedBy = err;
        }
        if (stoppedBy !== undefined) {
          notStarted.push(...expanded.slice(j + 1), ...paths.slice(i + 1));
          break;
        }
      }
      if (stoppedBy !== undefined) break;
    }
    // An interruption ends the session as a failure would.
    if (stoppedBy instanceof FtpError && stoppedBy.kind === 'aborted') throw stoppedBy;
  });
  const seconds = Math.round(performance.now() - began) / 1000;
  const files = items + notStarted.length;
  for (const name of notStarted) out.event({ event: 'skip', path: name, reason: `not started: ${(stoppedBy as Error)?.message ?? 'stopped'}` });
  out.event({ event: 'summary', paths: files, ok, failed: failures.length, notStarted: notStarted.length, seconds });
  const outcome: BatchOutcome = { files, ok, skipped: 0, bytes: 0, seconds, failures, notStarted };
  if (failures.length > 0) {
    outcome.failure =
      stoppedBy !== undefined || files === 1 || failures.length === files
        ? (stoppedBy !== undefined ? failures[failures.length - 1]!.err : failures[0]!.err)
        : new PartialFailure(`${failures.length} of ${files} paths failed (listed above); ${ok} succeeded`);
  }
  await finishBatch(io, outcome, json);
}
