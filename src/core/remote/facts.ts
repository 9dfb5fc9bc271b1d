// What a server states about one path, reply by reply: SIZE, MDTM, MLST.
import { replyText, type Reply } from '../../protocol/reply.js';
import { parseSize } from '../../protocol/parse.js';
import type { FtpSession } from '../connection/session.js';

/** SIZE of a remote file, or undefined when the server will not say (5xx, or a 213 without a number). */
export async function size(session: FtpSession, path: string): Promise<number | undefined> {
  const reply = await session.command(`SIZE ${path}`, { allowError: true });
  // Some servers (ftp-srv for an empty file) answer "213 File status": no size, not an attack.
  if (reply.code === 213) return /^\s*\d+\s*$/.test(replyText(reply)) ? parseSize(replyText(reply)) : undefined;
  if (reply.code >= 500) return undefined;
  throw session.replyError(reply);
}

/** MDTM of a remote file as the server states it (YYYYMMDDHHMMSS[.sss], UTC), or undefined. */
export async function mdtm(session: FtpSession, path: string): Promise<string | undefined> {
  const reply = await session.command(`MDTM ${path}`, { allowError: true });
  if (reply.code === 213) return replyText(reply);
  if (reply.code >= 500) return undefined;
  throw session.replyError(reply);
}

/** The facts line of MLST; undefined when refused. */
export async function mlst(session: FtpSession, path: string): Promise<string | undefined> {
  const reply = await session.command(`MLST ${path}`, { allowError: true });
  return reply.code === 250 ? mlstFacts(reply) : undefined;
}

/** The facts line of MLST's 250 reply: the one that starts with a space (RFC 3659 7.2). */
export function mlstFacts(reply: Reply): string | undefined {
  return reply.lines
    .slice(1, -1)
    .find((l) => l.startsWith(' '))
    ?.slice(1);
}
