import { Writable } from 'node:stream';
import { ProtocolError } from '../../protocol/errors.js';
import { ListingLineSplitter } from '../../protocol/list.js';
import type { FtpSession } from '../connection/session.js';
import { retrieve } from '../transfer/transfer.js';

// A listing's data connection, as lines (streamed) or as text (held whole).

/** What a listing's transfer takes: a signal that aborts it (ABOR). */
interface ListOptions {
  signal?: AbortSignal | undefined;
}

export const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/** Takes one line of a listing; a promise holds the data connection until it settles. */
export type OnLine = (line: string) => void | Promise<void>;

/**
 * The lines of a listing (`cmd`) to `onLine` as they arrive: decoded across
 * chunks, split by ListingLineSplitter. Resolves with the number of lines; a
 * server sending more than `maxBytes` is cut off.
 */
export async function retrieveLines(session: FtpSession, cmd: string, onLine: OnLine, opts: ListOptions = {}, maxBytes = MAX_LISTING_BYTES): Promise<number> {
  const decoder = session.codec.decoder();
  const splitter = new ListingLineSplitter();
  const tooLong = sizeLimit(maxBytes);
  let count = 0;
  const deliver = async (lines: string[]) => {
    count += lines.length;
    for (const line of lines) {
      const wait = onLine(line);
      if (wait) await wait;
    }
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const err = tooLong(chunk);
      if (err) return done(err);
      // Decoded at once, so the chunk's memory goes back before its lines are worked through.
      deliver(splitter.push(decoder.write(chunk))).then(() => done(), done);
    },
    final(done) {
      const rest = splitter.push(decoder.end());
      deliver(rest.concat(splitter.end())).then(() => done(), done);
    },
  });
  await retrieve(session, cmd, sink, { signal: opts.signal });
  return count;
}

/** A listing's lines into an array (a small one: a parent folder's matching lines, a raw not-folder). */
export async function collectLines(session: FtpSession, cmd: string, opts: ListOptions, keep: (line: string) => boolean = () => true): Promise<string[]> {
  const lines: string[] = [];
  await retrieveLines(session, cmd, (line) => void (keep(line) && lines.push(line)), opts, Infinity);
  return lines;
}

/** A small download (a listing) into memory; a server sending more than `maxBytes` is cut off. */
export async function retrieveText(session: FtpSession, cmd: string, maxBytes = MAX_LISTING_BYTES, opts: ListOptions = {}): Promise<string> {
  const chunks: Buffer[] = [];
  const tooLong = sizeLimit(maxBytes);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const err = tooLong(chunk);
      if (!err) chunks.push(chunk);
      done(err);
    },
  });
  await retrieve(session, cmd, sink, { signal: opts.signal });
  return session.codec.decode(Buffer.concat(chunks));
}

/** Counts a listing's bytes: the error to end it with once it has sent more than `maxBytes`. */
function sizeLimit(maxBytes: number): (chunk: Buffer) => ProtocolError | undefined {
  let received = 0;
  return (chunk) => ((received += chunk.length) > maxBytes ? new ProtocolError(`listing too long: over ${maxBytes} bytes`) : undefined);
}
