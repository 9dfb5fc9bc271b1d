import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Socket } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { isCompletion, type Reply } from '../../protocol/reply.js';
import { CrlfToLf, LfToCrlf } from '../../protocol/ascii.js';
import { checkCommandArgument } from '../../protocol/command.js';
import type { FtpSession } from '../connection/session.js';
import { canSendAhead, sendAhead, transfercmd, type TransferStart } from './transfercmd.js';
import { isFileSystemError } from '../errno.js';
import { LocalFileError, isFileTarget, sendFile, type FileSource, type FileTarget } from './file-io.js';
import { FileWriter } from './file-writer.js';
import { converter, receive } from './stream-io.js';

export interface TransferOptions {
  /** Byte offset to resume from (sends REST). */
  rest?: number | undefined;
  /** Called with each chunk's length as bytes cross the data connection. */
  onBytes?: (n: number) => void;
  /**
   * Downloads into a file: called with each write's length once it is on
   * disk. Writes go in order, so the file is whole up to the start position
   * plus the sum of these, whatever happens next (a kill, a full disk).
   */
  onWritten?: (n: number) => void;
  /**
   * Downloads into a file: read only this many bytes (a range, after `rest`).
   * Once they are in, the data connection is closed and so is the control
   * connection, since the server's answer to a transfer cut short is of no use.
   */
  length?: number | undefined;
  /** Called once the server accepted the command, with the size it announced. */
  onStart?: (announcedSize: number | undefined) => void;
  /** Bytes the caller expects on this connection; fewer is an incomplete transfer. */
  expectedBytes?: number | undefined;
  /** Aborts the transfer (ABOR) and rejects with kind 'aborted'. */
  signal?: AbortSignal | undefined;
  /** Leave the destination open when the data ends (e.g. stdout). */
  keepOpen?: boolean;
  /**
   * The next transfer command on this connection (e.g. "RETR b"), when the
   * caller will issue nothing before it: it goes out (with EPSV) as soon as
   * this transfer's final reply arrives, so the server starts on it while
   * this one is being finished. A function is asked at that moment (and may
   * say undefined). Downloads and listings only. See sendAhead in transfercmd.ts.
   */
  next?: string | (() => string | undefined) | undefined;
}

/** How long to wait for the server's side of an ABOR or a failed transfer. */
const SETTLE_MS = 3_000;

export async function retrieve(session: FtpSession, cmd: string, dest: Writable | FileTarget, opts: TransferOptions): Promise<number> {
  opts.signal?.throwIfAborted();
  if (typeof opts.next === 'string') checkCommandArgument(opts.next, 'next command');
  const ascii = session.transferType === 'A';
  let bytes = 0;
  const count = (n: number) => {
    bytes += n;
    opts.onBytes?.(n);
  };
  let data: Promise<void>;
  let start: TransferStart;
  let cut = () => false;
  if (isFileTarget(dest)) {
    const writer = new FileWriter(dest, count, ascii ? new CrlfToLf() : undefined, opts.length ?? Infinity, opts.onWritten, session.options.rateLimit);
    start = await transfercmd(session, cmd, opts.rest, writer.onread);
    data = writer.run(start.socket, start.usesOnread);
    if (opts.length !== undefined) cut = () => writer.complete;
  } else {
    start = await transfercmd(session, cmd, opts.rest);
    start.socket.on('data', (chunk: Buffer) => count(chunk.length));
    const limit = session.options.rateLimit;
    data = receive(start.socket, ascii || limit ? converter(ascii ? new CrlfToLf() : undefined, limit) : undefined, dest, !!opts.keepOpen);
  }
  opts.onStart?.(start.size);
  await settle(session, start.socket, data, opts, cut);
  // Trust the 150's "(N bytes)" only for a whole binary file: it counts the file, not the wire.
  const expected = opts.expectedBytes ?? opts.length ?? (ascii || opts.rest ? undefined : start.size);
  if (expected !== undefined && bytes < expected) {
    throw new FtpError('transfer', `transfer incomplete: received ${bytes} of ${expected} bytes`);
  }
  return bytes;
}

export async function store(session: FtpSession, cmd: string, source: Readable | FileSource, opts: TransferOptions): Promise<number> {
  opts.signal?.throwIfAborted();
  if (typeof opts.next === 'string') checkCommandArgument(opts.next, 'next command');
  const { socket } = await transfercmd(session, cmd, opts.rest);
  socket.resume(); // read whatever the server sends (TLS tickets) so closing never resets
  opts.onStart?.(undefined);
  const ascii = session.transferType === 'A';
  const onBytes = opts.onBytes ?? (() => {});
  let sent: Promise<void>;
  if (isFileTarget(source)) {
    sent = sendFile(socket, source, onBytes, ascii ? new LfToCrlf() : undefined, session.options.rateLimit);
  } else {
    source.on('data', (chunk: Buffer) => onBytes(chunk.length));
    const limit = session.options.rateLimit;
    const stages = ascii || limit ? [source, converter(ascii ? new LfToCrlf() : undefined, limit), socket] : [source, socket];
    // Losing the socket may destroy the source: a stream being read loses nothing.
    sent = pipeline(stages as [Readable, Writable]).catch((err) => {
      throw isFileSystemError(err) ? new LocalFileError(err) : err;
    });
  }
  try {
    await settle(session, socket, sent, opts);
  } catch (err) {
    // Say how far the upload got, whatever ended it (426, 451, a reset).
    if (err instanceof FtpError && (err.kind === 'transfer' || err.kind === 'temporary')) {
      throw new FtpError(err.kind, `${err.message} (${socket.bytesWritten} bytes sent)`, err.code);
    }
    throw err;
  }
  return socket.bytesWritten;
}

/**
 * Waits for both halves of a transfer: the data moved AND the 2xx final
 * reply arrived, in whichever order they come. Maps every way it can fail.
 */
async function settle(session: FtpSession, socket: Socket, data: Promise<void>, opts: TransferOptions, cut = () => false): Promise<void> {
  const seconds = Math.round(session.timeoutMs / 1000);
  socket.setTimeout(session.timeoutMs, () => {
    socket.destroy(new FtpError('timeout', `transfer stalled: no data for ${seconds} s`));
  });
  const final = session.read(null);
  let aborted = false;
  /** The final reply once it is in: after it there is nothing left to ABOR. */
  let finalReply: Reply | undefined;
  const next = opts.next;
  // Before anything else hears of the reply: nothing may be sent in between.
  final.then((r) => {
    finalReply = r;
    if (next !== undefined && isCompletion(r) && !aborted) sendNext(session, next);
  }, () => {});
  // A refusal mid-transfer (426, 451, 552) or a lost control connection ends
  // the data side too, after a grace period to keep what is already in flight.
  const hangUp = () => setTimeout(() => socket.destroy(), SETTLE_MS).unref();
  final.then((r) => r.code >= 400 && hangUp(), hangUp);

  let interrupt: (() => void) | undefined;
  const onAbort = () => {
    aborted = true;
    socket.destroy();
    interrupt?.();
  };
  // The transfer owns Ctrl-C until its final reply, not just while data flows:
  // an upload the kernel has fully buffered still waits for the server's 226.
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the transfer was starting (the 150 and the abort in one turn): the listener came too late.
  if (opts.signal?.aborted) onAbort();
  try {
    // The session is busy (Ctrl-C is the transfer's to handle) until both halves are in.
    await session.transferring(async () => {
      let dataError: unknown;
      try {
        await data;
      } catch (err) {
        dataError = err;
      }
      // On success an upload has only half-closed: destroying it now, with the
      // server's last bytes (a TLS ticket) unread, would send a reset that can
      // discard data the server has not read yet. It ends once the reply is in.
      if (dataError !== undefined || aborted) socket.destroy();
      if (dataError === undefined && !aborted && cut()) {
        // The range is in. Whether the server answers 226, 426 or 451 (or both) to a
        // transfer we cut short, the reply cannot be relied on: this session is over.
        session.close();
        return;
      }
      // Only a transfer that can be interrupted waits for it.
      const interrupted = opts.signal
        ? new Promise<undefined>((resolve) => {
            interrupt = () => resolve(undefined);
            if (aborted) interrupt();
          })
        : undefined;
      // After Ctrl-C the data side's failure is our own doing: ABOR is the answer, whatever it was.
      await finish(session, final, aborted ? undefined : dataError, interrupted, () => finalReply !== undefined);
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}

function sendNext(session: FtpSession, next: NonNullable<TransferOptions['next']>): void {
  // Asked only when it can go: a function may claim work (the CLI's next file).
  if (!canSendAhead(session)) return;
  try {
    const cmd = typeof next === 'function' ? next() : next;
    if (cmd !== undefined) sendAhead(session, cmd);
  } catch {
    // Not sent (e.g. a line break in it): the next transfer goes the usual way, and fails there.
  }
}

/** The final reply, read against `interrupted` (Ctrl-C): then ABOR. */
async function finish(
  session: FtpSession,
  final: Promise<Reply>,
  dataError: unknown,
  interrupted: Promise<undefined> | undefined,
  replied: () => boolean,
): Promise<void> {
  if (dataError instanceof LocalFileError) {
    // The server's side no longer matters; its late reply must not be misread later.
    session.close();
    throw dataError.cause;
  }
  let reply: Reply | undefined;
  try {
    reply = await withTimeout(interrupted ? Promise.race([interrupted, final]) : final, dataError ? SETTLE_MS : session.timeoutMs, session);
  } catch (err) {
    throw dataError ? asTransferError(dataError) : err;
  }
  if (reply === undefined) {
    // A transfer whose final reply is already in is over on the server: an ABOR
    // now would only leave its own reply unread.
    if (!replied()) await abortTransfer(session, final);
    throw new FtpError('aborted', 'transfer interrupted');
  }
  // Our own timeout comes first: the server's complaint (e.g. 551 after our reset) is its consequence.
  if (dataError instanceof FtpError && dataError.kind === 'timeout') throw dataError;
  if (reply.code >= 400) throw session.replyError(reply);
  if (dataError) throw asTransferError(dataError);
  if (!isCompletion(reply)) throw session.replyError(reply);
}

/** ABOR, then accept 426 + 226 or a lone 2xx; a silent server loses its connection. */
async function abortTransfer(session: FtpSession, final: Promise<Reply>): Promise<void> {
  try {
    session.send('ABOR');
    const first = await withTimeout(final, SETTLE_MS, session);
    if (first.code >= 400) await session.read(SETTLE_MS);
  } catch {
    session.close();
  }
}

function withTimeout<T>(reply: Promise<T>, ms: number, session: FtpSession): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new FtpError('timeout', `no reply from server in ${Math.round(ms / 1000)} s after the transfer`);
      session.close(err);
      reject(err);
    }, ms);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function asTransferError(err: unknown): Error {
  if (err instanceof FtpError) return err;
  return new FtpError('transfer', `data connection failed: ${(err as Error)?.message ?? String(err)}`);
}
