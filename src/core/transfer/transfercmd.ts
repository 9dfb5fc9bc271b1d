// Starting a transfer (ftplib's transfercmd): a data connection, REST, the
// command, and its 1xx reply; and sending the next transfer command ahead.
import type { OnReadOpts, Socket } from 'node:net';
import { FtpError, PermanentError, ProtocolError, RestRefusedError, TemporaryError } from '../../protocol/errors.js';
import { isPreliminary, replyText, type Reply } from '../../protocol/reply.js';
import { parseTransferSize } from '../../protocol/parse.js';
import { checkCommandArgument } from '../../protocol/command.js';
import { openActive, openPassive, openPipelined, type DataReads, type PendingData } from './data.js';
import type { FtpSession } from '../connection/session.js';
import { takeEarlyEpsv } from './early-epsv.js';

export interface TransferStart {
  socket: Socket;
  /** Size announced in the 1xx reply, "(N bytes)", when the server gives one. */
  size?: number | undefined;
  /** True when the socket reads into the `onread` buffers given to transfercmd. */
  usesOnread: boolean;
}

/** Transfer commands that can be sent ahead: taking one back changes nothing on the server. */
const SENDABLE_AHEAD = new Set(['RETR', 'LIST', 'NLST', 'MLSD']);

/** How long a failed data connection waits for the server's reply to the command. */
const DATA_FAILURE_REPLY_MS = 1_000;
const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

/**
 * Opens a data connection and issues `cmd` on it, after `REST rest` when
 * given. Resolves once the server accepted the command (1xx) and the data
 * socket is connected; the caller then reads the final reply.
 */
export async function transfercmd(session: FtpSession, cmd: string, rest?: number, onread?: OnReadOpts): Promise<TransferStart> {
  checkCommandArgument(cmd, 'command');
  const ahead = rest === undefined && session.claimAhead(cmd);
  if (!ahead) await session.takeBackAhead();
  return start(session, cmd, rest, onread, ahead);
}

/** transfercmd once the command sent ahead is settled: `ahead` when `cmd` is that command. */
async function start(session: FtpSession, cmd: string, rest: number | undefined, onread: OnReadOpts | undefined, ahead: boolean): Promise<TransferStart> {
  const tls = session.tls;
  // Taken whatever this transfer does: after it, that port is no longer the server's newest.
  const early = takeEarlyEpsv(session);
  // pyftpdlib drops a session that gets OPTS between EPSV and the listing it is for.
  session.announceBefore(cmd);
  let sent!: () => void;
  const written = new Promise<void>((resolve) => (sent = resolve));
  // Under TLS a passive connection is dialled by TLS once the command is out (and reads into
  // our buffers); a wrapped one (active mode, or an EPSV port still to prove) reads by itself.
  const reads: DataReads = tls ? { onread, secure: { tls, after: written } } : { onread };
  // A refused EPSV (read with the command's refusal) leaves undefined: then step by step.
  const pending = (ahead ? await openPipelined(session, cmd, reads, true) : undefined) ?? (await openData(session, cmd, rest, reads, early));
  try {
    if (rest !== undefined) {
      const reply = await session.command(`REST ${rest}`, { allowError: true });
      if (reply.code !== 350) {
        throw new RestRefusedError(rest, reply.code, replyText(reply));
      }
    }
    // Some servers answer only once the data connection is up, so wait for both at once.
    const replied = pending.replied ?? session.command(cmd, { onSent: sent });
    if (pending.replied) sent();
    void replied.then(sent, sent);
    // The handshake starts as soon as TCP is up and the command is written: servers answer
    // 150 only after it, and pyftpdlib resets a handshake that comes before the command.
    const opened = pending.connected();
    const connected = (tls && !pending.secured ? opened.then(async (raw) => (await written, tls.wrap(raw, 'data').ready)) : opened).catch(async (err: Error) => {
      // The server's own word (425, 421) says more than our connect error, if it comes
      // soon; either way it may wait for this connection forever: the session cannot go on.
      const said = await Promise.race([replied.then(() => undefined, (e: Error) => e), delay(DATA_FAILURE_REPLY_MS)]);
      // A refused command (550, 425) waits for no connection: the session goes on.
      if (said instanceof TemporaryError || said instanceof PermanentError) throw said;
      const reason = said instanceof FtpError ? said : err;
      session.close(reason);
      throw reason;
    });
    connected.catch(() => {}); // observed below, once the command is accepted
    const reply = await replied;
    if (!isPreliminary(reply)) {
      void connected.then((s) => s.destroy(), () => {});
      throw new ProtocolError(`expected 150 before the transfer, got ${reply.code} ${replyText(reply)}`);
    }
    // A server that cannot open the data connection (active mode: it cannot reach us)
    // may say so right after its 150: that reply ends the wait, not our timeout.
    let open = false;
    const decided = () => (open = true);
    void connected.then(decided, decided);
    const refused = session.peek().then(async (next) => {
      // Once the data connection is up, the final reply is the caller's to read.
      if (open || next.code < 400) return connected;
      await session.read(); // its final reply, taken now
      throw session.replyError(next);
    });
    refused.catch(() => {});
    const socket = await Promise.race([connected, refused]);
    open = true;
    return { socket, size: parseTransferSize(replyText(reply)), usesOnread: pending.usesOnread && (!tls || pending.secured === true) };
  } catch (err) {
    pending.cancel();
    throw err;
  }
}

function openData(session: FtpSession, cmd: string, rest: number | undefined, reads: DataReads, early: Reply | undefined): Promise<PendingData> {
  // Active under TLS: the accepted socket is wrapped, and a wrapped socket cannot use onread.
  if (!session.passive) return openActive(session, session.tls ? undefined : reads.onread);
  // Once EPSV has worked, it goes out with the command itself: one round trip less per file.
  // Not with REST: a refused REST must stop the command before it runs.
  return openPassive(session, reads, rest === undefined && session.modes.epsv === true ? cmd : undefined, early);
}

/** Whether sendAhead would send now: passive mode, EPSV known to work, nothing sent ahead yet. */
export function canSendAhead(session: FtpSession): boolean {
  return session.passive && session.modes.epsv === true && session.sentAhead === undefined && session.connected;
}

/**
 * Sends EPSV and `cmd` now, for the transfercmd(cmd) that comes next: the
 * server starts on it while the caller is still finishing the last file.
 * Any other command before that transfercmd first takes it back (see
 * takeBack), so only commands that can be taken back harmlessly go:
 * downloads and listings, never an upload (a cancelled STOR leaves an empty
 * file). False, with nothing sent, for those and unless canSendAhead.
 */
export function sendAhead(session: FtpSession, cmd: string): boolean {
  checkCommandArgument(cmd, 'command');
  if (!SENDABLE_AHEAD.has(cmd.split(' ', 1)[0]!.toUpperCase()) || !canSendAhead(session)) return false;
  session.note('the next transfer goes ahead:');
  session.send('EPSV', cmd);
  session.wentAhead(cmd, () => takeBack(session, cmd));
  return true;
}

/**
 * Takes back a command sent ahead that will not be used: its data connection
 * is opened and dropped at once, and its replies are read, so that the next
 * command gets its own reply. A server that answers oddly loses the session.
 */
async function takeBack(session: FtpSession, cmd: string): Promise<void> {
  try {
    const { socket } = await start(session, cmd, undefined, undefined, true); // takes it, as the transfer it is
    socket.destroy();
    await session.read(); // 226, or 426 for the dropped connection
  } catch (err) {
    // Refused (e.g. 550) is fine: the command is over. Anything else leaves the session in doubt.
    if (!(err instanceof TemporaryError || err instanceof PermanentError) || !session.connected) {
      session.close(err as Error);
      throw err;
    }
  }
}
