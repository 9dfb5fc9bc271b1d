// The stream path of a download (a data socket into any Writable), and TYPE A
// conversion as a stream stage.
import { Transform, type Readable, type Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { LocalFileError } from './file-io.js';
import type { RateLimiter } from '../rate-limit.js';

/**
 * Socket -> (converter) -> destination with back-pressure. Unlike pipeline(),
 * a failing socket does not destroy the destination: every byte received is
 * flushed to it first, so a .part file keeps all that arrived.
 */
export function receive(socket: Socket, convert: Transform | undefined, dest: Writable, keepOpen: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const src: Readable = convert ?? socket;
    if (convert) socket.pipe(convert, { end: false });
    src.pipe(dest, { end: false });
    let socketError: Error | undefined;
    socket.on('error', (err) => (socketError ??= err));
    dest.once('error', (err) => {
      socket.destroy();
      reject(new LocalFileError(err));
    });
    const closed = () => {
      const failure = socket.readableEnded ? undefined : (socketError ?? new FtpError('transfer', 'data connection closed before the end of the transfer'));
      const finish = () => {
        src.unpipe(dest);
        if (keepOpen) return failure ? reject(failure) : resolve();
        dest.end(() => (failure ? reject(failure) : resolve()));
      };
      if (!convert) return finish();
      socket.unpipe(convert);
      convert.once('end', finish);
      convert.end(); // flushes a held CR
      convert.resume();
    };
    // An empty transfer may have ended and closed before we got here (the server
    // closed at once, and its 150 and 226 were read first): no 'close' will come.
    if (socket.closed) closed();
    else socket.once('close', closed);
  });
}

/**
 * A TYPE A converter (protocol/ascii.ts) as a stream stage; with a rate
 * limit, each chunk is passed on once the budget has paid for it (the
 * stage's buffer then holds the socket back, as any slow reader does).
 */
export function converter(conv: { push(b: Buffer): Buffer; flush?(): Buffer } | undefined, limiter?: RateLimiter): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const out = conv ? conv.push(chunk) : chunk;
      const wait = limiter?.take(chunk.length) ?? 0;
      if (wait > 0) setTimeout(() => cb(null, out), wait);
      else cb(null, out);
    },
    flush(cb) {
      cb(null, conv?.flush?.());
    },
  });
}
