import type { ListEntry } from '../../protocol/list.js';
import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { withSession } from '../session.js';

export interface LsFlags extends ConnectionOptions {
  names?: boolean;
  json?: boolean;
  long?: boolean;
}

/**
 * tftp ls <host|url> [path]: the server's LIST (or NLST) lines on stdout;
 * with --json or -l, parsed entries (MLSD when the server has it).
 */
export async function ls(io: Io, targetArg: string, pathArg: string | undefined, opts: LsFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const path = pathArg ?? target.path;
  if (path !== undefined) checkRemoteName(path, 'remote path');
  await withSession(io, target, opts, async (client) => {
    if (opts.json || opts.long) {
      const listing = await client.list(path);
      // Never silently dropped: what we could not read is said on stderr.
      for (const line of listing.unparsed) io.stderr.write(`tftp: listing line not understood: ${JSON.stringify(line)}\n`);
      if (opts.json) io.stdout.write(JSON.stringify(listing.entries, null, 2) + '\n');
      else io.stdout.write(await table(io, listing.entries));
      return;
    }
    const verb = opts.names ? 'NLST' : 'LIST';
    await client.type('A'); // listings are text: CRLF becomes LF on the way out
    await client.retrieve(path ? `${verb} ${path}` : verb, io.stdout, { keepOpen: true, signal: io.signal });
  });
}

/** `ls -l`-like columns: type and permissions, size, modified (UTC), name; coloured on a terminal. */
async function table(io: Io, entries: ListEntry[]): Promise<string> {
  const { colours } = await import('../output.js');
  const c = colours(io, io.stdout);
  const rows = entries.map((e) => [
    (e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : '-') + (e.permissions ?? ''),
    e.size === undefined ? '' : String(e.size),
    e.modified ? e.modified.slice(0, 16).replace('T', ' ') : '',
    e.name,
  ]);
  const width = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  return rows
    .map((r, i) => {
      const e = entries[i]!;
      const name = e.type === 'dir' ? c.blue(r[3]) : e.type === 'link' ? c.cyan(r[3]) + (e.target ? ` -> ${e.target}` : '') : r[3];
      return `${r[0]!.padEnd(width[0]!)}  ${r[1]!.padStart(width[1]!)}  ${r[2]!.padEnd(width[2]!)}  ${name}\n`;
    })
    .join('');
}
