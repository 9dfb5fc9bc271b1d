// EPSV asked in the same write as the command before a session's first
// transfer (SIZE before a RETR, CWD before a LIST): the data port is known
// when that command's reply comes, a round trip saved. curl sends EPSV
// before TYPE and SIZE too.
import type { Reply } from '../../protocol/reply.js';
import type { FtpSession } from '../connection/session.js';

interface EarlyEpsv {
  sent: boolean;
  reply?: Reply;
  /** The control connection it went out on: a port of another one is no port of the server's now. */
  on: object | undefined;
}

const early = new WeakMap<FtpSession, EarlyEpsv>();

/**
 * Holds EPSV to go out with the next command, for the transfer `cmd` that
 * follows it. Only while EPSV is still to prove on the session (after that it
 * goes out with the transfer command itself), in passive mode, and for
 * commands that name no non-ASCII path (whose FEAT and OPTS UTF8 ON must not
 * come between EPSV and the transfer: pyftpdlib drops the session).
 */
export function epsvWithNext(session: FtpSession, cmd: string): void {
  // eslint-disable-next-line no-control-regex
  if (!session.passive || session.modes.epsv !== undefined || session.sentAhead !== undefined || /[^\x00-\x7f]/.test(cmd)) return;
  session.announceBefore(cmd); // OPTS UTF8 ON, if the transfer needs it, goes before EPSV
  const state: EarlyEpsv = { sent: false, on: session.connectionIdentity };
  early.set(session, state);
  session.hold('EPSV', { line: 'EPSV', sent: () => (state.sent = true), check: (reply) => void (state.reply = reply) });
}

/**
 * The reply to an EPSV sent early, for the transfer about to open its data
 * connection: the server's newest passive port, as no other EPSV, PASV or
 * transfer came after it. Undefined when none was sent, or its reply never
 * came (a lost connection), or it went out on an earlier connection of the
 * session: then EPSV is asked as usual.
 */
export function takeEarlyEpsv(session: FtpSession): Reply | undefined {
  const state = early.get(session);
  early.delete(session);
  return state?.sent && state.on === session.connectionIdentity ? state.reply : undefined;
}
