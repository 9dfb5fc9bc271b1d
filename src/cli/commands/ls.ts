import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { withSession } from '../session.js';

export interface LsFlags extends ConnectionOptions {
  names?: boolean;
}

/** tftp ls <host|url> [path]: the server's LIST (or NLST) lines on stdout. */
export async function ls(io: Io, targetArg: string, pathArg: string | undefined, opts: LsFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const path = pathArg ?? target.path;
  if (path !== undefined) checkRemoteName(path, 'remote path');
  const verb = opts.names ? 'NLST' : 'LIST';
  await withSession(io, target, opts, async (client) => {
    await client.type('A'); // listings are text: CRLF becomes LF on the way out
    await client.retrieve(path ? `${verb} ${path}` : verb, io.stdout, { keepOpen: true, signal: io.signal });
  });
}
