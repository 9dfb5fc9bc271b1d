import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Socket } from 'node:net';
import { FtpError } from '../protocol/errors.js';
import { isCompletion, type Reply } from '../protocol/reply.js';
import { CrlfToLf, LfToCrlf } from '../protocol/ascii.js';
import type { FtpClient } from './client.js';

export interface TransferOptions {
  /** Byte offset to resume from (sends REST). */
  rest?: number;
  /** Called with each chunk's length as bytes cross the data connection. */
  onBytes?: (n: number) => void;
  /** Called once the server accepted the command, with the size it announced. */
  onStart?: (announcedSize: number | undefined) => void;
  /** Bytes the caller expects on this connection; fewer is an incomplete transfer. */
  expectedBytes?: number;
  /** Aborts the transfer (ABOR) and rejects with kind 'aborted'. */
  signal?: AbortSignal;
  /** Leave the destination open when the data ends (e.g. stdout). */
  keepOpen?: boolean;
}

/** How long to wait for the server's side of an ABOR or a failed transfer. */
const SETTLE_MS = 3_000;

export async function retrieve(client: FtpClient, cmd: string, writable: Writable, opts: TransferOptions): Promise<number> {
  opts.signal?.throwIfAborted();
  const { socket, size } = await client.transfercmd(cmd, opts.rest);
  opts.onStart?.(size);
  const ascii = client.transferType === 'A';
  // Trust the 150's "(N bytes)" only for a whole binary file: it counts the file, not the wire.
  const expected = opts.expectedBytes ?? (ascii || opts.rest ? undefined : size);
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    opts.onBytes?.(chunk.length);
  });
  const stages: (Readable | Writable | Transform)[] = ascii ? [socket, converter(new CrlfToLf()), writable] : [socket, writable];
  await runTransfer(client, socket, stages, writable, opts);
  if (expected !== undefined && bytes < expected) {
    throw new FtpError('transfer', `transfer incomplete: received ${bytes} of ${expected} bytes`);
  }
  return bytes;
}

export async function store(client: FtpClient, cmd: string, readable: Readable, opts: TransferOptions): Promise<number> {
  opts.signal?.throwIfAborted();
  const { socket } = await client.transfercmd(cmd, opts.rest);
  opts.onStart?.(undefined);
  const ascii = client.transferType === 'A';
  if (opts.onBytes) readable.on('data', (chunk: Buffer) => opts.onBytes!(chunk.length));
  const stages = ascii ? [readable, converter(new LfToCrlf()), socket] : [readable, socket];
  try {
    await runTransfer(client, socket, stages, readable, { ...opts, keepOpen: false });
  } catch (err) {
    if (err instanceof FtpError && err.kind === 'transfer') {
      throw new FtpError('transfer', `${err.message} (${socket.bytesWritten} bytes sent)`, err.code);
    }
    throw err;
  }
  return socket.bytesWritten;
}

/**
 * Runs the data pipeline and waits for the final reply. Done means both:
 * the data stream ended AND a 2xx arrived, in whichever order they come.
 */
async function runTransfer(
  client: FtpClient,
  socket: Socket,
  stages: (Readable | Writable)[],
  local: Readable | Writable,
  opts: TransferOptions,
): Promise<void> {
  const seconds = Math.round(client.timeoutMs / 1000);
  socket.setTimeout(client.timeoutMs, () => {
    socket.destroy(new FtpError('timeout', `transfer stalled: no data for ${seconds} s`));
  });
  const final = client.readReply(null);
  // A refusal that arrives mid-transfer (426, 451, 552) ends the data side too.
  final.then((r) => r.code >= 400 && socket.destroy(), () => socket.destroy());

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    socket.destroy();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  client.busy = true;
  try {
    await settle(client, socket, stages, local, final, opts, () => aborted);
  } finally {
    client.busy = false;
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function settle(
  client: FtpClient,
  socket: Socket,
  stages: (Readable | Writable)[],
  local: Readable | Writable,
  final: Promise<Reply>,
  opts: TransferOptions,
  wasAborted: () => boolean,
): Promise<void> {
  const seconds = Math.round(client.timeoutMs / 1000);
  let localError: unknown;
  local.once('error', (err) => (localError = err));
  let dataError: unknown;
  try {
    await pipeline(stages as [Readable, Writable], { end: !opts.keepOpen });
  } catch (err) {
    dataError = err;
  } finally {
    socket.destroy();
  }

  if (wasAborted()) {
    await abortTransfer(client, final);
    throw new FtpError('aborted', 'transfer interrupted');
  }
  let reply: Reply;
  if (dataError && dataError === localError) {
    // The server's side of this transfer no longer matters; its late reply must not be misread later.
    client.close();
    throw localError;
  }
  try {
    reply = await withTimeout(final, dataError ? SETTLE_MS : client.timeoutMs, client, seconds);
  } catch (err) {
    throw dataError ? describeDataError(dataError) : err;
  }
  if (reply.code >= 400) throw client.replyError(reply);
  if (dataError) throw describeDataError(dataError);
  if (!isCompletion(reply)) throw client.replyError(reply);
}

/** ABOR, then accept 426 + 226 or a lone 2xx; a silent server loses its connection. */
async function abortTransfer(client: FtpClient, final: Promise<Reply>): Promise<void> {
  try {
    client.send('ABOR');
    const first = await withTimeout(final, SETTLE_MS, client, SETTLE_MS / 1000);
    if (first.code >= 400) await client.readReply(SETTLE_MS);
  } catch {
    client.close();
  }
}

function withTimeout(reply: Promise<Reply>, ms: number, client: FtpClient, seconds: number): Promise<Reply> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new FtpError('timeout', `no reply from server in ${seconds} s after the transfer`);
      client.close(err);
      reject(err);
    }, ms);
  });
  return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
}

function describeDataError(err: unknown): Error {
  if (err instanceof FtpError) return err;
  return new FtpError('transfer', `data connection failed: ${(err as Error)?.message ?? String(err)}`);
}

function converter(conv: { push(b: Buffer): Buffer; flush?(): Buffer }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, conv.push(chunk));
    },
    flush(cb) {
      cb(null, conv.flush?.());
    },
  });
}

