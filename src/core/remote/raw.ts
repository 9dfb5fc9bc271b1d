// A command sent as the caller wrote it (tftp quote, Ftp.raw): checked before
// it goes out, its final reply handed back as it came.
import { FtpError } from '../../protocol/errors.js';
import { checkCommandArgument, traceCommand } from '../../protocol/command.js';
import { isPreliminary, replyText } from '../../protocol/reply.js';
import type { FtpSession } from '../connection/session.js';

/** A server's final reply to a raw command. */
export interface RawReply {
  code: number;
  /** The text of each line, without the code. */
  lines: string[];
  /** The lines on one line. */
  text: string;
  /** False for a 4xx or 5xx reply. */
  ok: boolean;
}

/** Commands that need a data connection, which a raw command has no way to open or read. */
export const DATA_COMMANDS = ['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD', 'PASV', 'EPSV', 'LPSV', 'PORT', 'EPRT', 'LPRT', 'REST'] as const;

/** Commands that would change the session's TLS or login under the client's feet. */
const SESSION_COMMANDS = ['AUTH', 'CCC', 'REIN'];

/** The command's verb, upper-cased ("site chmod 644 f" -> "SITE"). */
export function verbOf(line: string): string {
  return (/^\s*(\S*)/.exec(line)?.[1] ?? '').toUpperCase();
}

/**
 * Refuses, before anything is sent, a command that would smuggle a second one
 * (CR, LF, NUL), an empty one, one that needs a data connection, and one that
 * would change the session's TLS or login. Kind 'argument'.
 */
export function checkRawCommand(line: string): void {
  checkCommandArgument(line, 'command');
  const verb = verbOf(line);
  if (verb === '') throw new FtpError('argument', 'empty command');
  if ((DATA_COMMANDS as readonly string[]).includes(verb)) {
    throw new FtpError('argument', `${verb} needs a data connection: use tftp get, put or ls (or the library's download, upload and list)`);
  }
  if (SESSION_COMMANDS.includes(verb)) throw new FtpError('argument', `${verb} would change the session's TLS or login underneath the client: refused`);
}

/**
 * Sends `line` and returns the final reply (after any 1xx), whatever its code.
 * A TYPE sent this way leaves the session unsure of the transfer type: the
 * next transfer sets it again.
 */
export async function raw(session: FtpSession, line: string): Promise<RawReply> {
  checkRawCommand(line);
  let reply = await session.command(line, { allowError: true });
  while (isPreliminary(reply)) reply = await session.read();
  if (verbOf(line) === 'TYPE') session.forgetType();
  return { code: reply.code, lines: reply.lines, text: replyText(reply), ok: reply.code < 400 };
}

/** The command as it may be shown (a PASS masked). */
export function shownCommand(line: string): string {
  return traceCommand(line.trimStart());
}
