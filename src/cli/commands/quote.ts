import { checkRawCommand, shownCommand, type RawReply } from '../../core/remote/raw.js';
import { FtpError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { UsageError } from '../exit-codes.js';
import { parseTarget } from '../target.js';
import { withSession } from '../session.js';
import { printable } from '../text.js';
import { jsonLine } from './remote-paths.js';
import { aboutPath } from '../../core/jobs/remove-tree.js';

export interface QuoteFlags extends ConnectionOptions {
  json?: boolean;
}

/**
 * tftp quote <host|url> <command>...: each command as written, in order,
 * after login; each reply on stdout. Every command is checked before the
 * first goes out (CR, LF, NUL; no data-connection commands). A 4xx or 5xx
 * reply stops the run: exit 5, the reply on stderr.
 */
export async function quote(io: Io, targetArg: string, commands: string[], opts: QuoteFlags): Promise<void> {
  const target = parseTarget(targetArg);
  if (target.isUrl && target.path) throw new UsageError('quote sends its commands in the login folder: give the URL without a path (or send a CWD first)');
  if (commands.length === 0) throw new UsageError('missing the command to send');
  for (const c of commands) {
    try {
      checkRawCommand(c);
    } catch (err) {
      throw err instanceof FtpError ? new UsageError(`${printable(shownCommand(c).replace(/[\r\n\0].*$/s, ''))}: ${err.message}`) : err;
    }
  }
  let ok = 0;
  await withSession(io, target, opts, async (client) => {
    for (const c of commands) {
      const shown = shownCommand(c);
      let reply: RawReply;
      try {
        reply = await client.raw(c);
      } catch (err) {
        throw aboutPath(shown, err); // a lost connection names the command it cut short
      }
      if (opts.json) io.stdout.write(jsonLine({ event: 'reply', command: shown, code: reply.code, lines: reply.lines }));
      if (!reply.ok) {
        if (opts.json) io.stdout.write(jsonLine({ event: 'summary', commands: commands.length, ok, failed: 1 }));
        throw new FtpError('permanent', `${shown}: ${replyLines(reply).join(' / ')}`, reply.code);
      }
      if (!opts.json) io.stdout.write(replyLines(reply).map((l) => `${printable(l)}\n`).join(''));
      ok++;
    }
  });
  if (opts.json) io.stdout.write(jsonLine({ event: 'summary', commands: commands.length, ok, failed: 0 }));
}

/** The reply as a server writes it: "211-Features:", the lines between, "211 End". */
function replyLines(reply: RawReply): string[] {
  const { code, lines } = reply;
  if (lines.length <= 1) return [`${code} ${lines[0] ?? ''}`.trimEnd()];
  return [`${code}-${lines[0]}`, ...lines.slice(1, -1), `${code} ${lines[lines.length - 1]}`];
}
