import { StringDecoder } from 'node:string_decoder';
import { FtpError } from '../../protocol/errors.js';

/**
 * How names travel: commands are encoded with it, replies and listings
 * decoded. UTF-8 unless told otherwise (RFC 2640); servers with names in a
 * legacy code page (latin1, cp1251, shift_jis, gbk …) need their encoding
 * named, and iconv-lite is loaded only then.
 */
export interface NameCodec {
  /** The encoding's name as given (`utf-8` by default). */
  readonly name: string;
  readonly utf8: boolean;
  /** The bytes of `text`; a character the encoding cannot write is kind `argument` (never a silent '?'). */
  encode(text: string): Buffer;
  /** The text of `bytes[start, end)`. */
  decode(bytes: Buffer, start?: number, end?: number): string;
  /** Decodes a stream of chunks, a character split between two kept whole. */
  decoder(): ChunkDecoder;
}

export interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

const UTF8_NAMES = new Set(['utf8', 'utf-8']);

export function isUtf8Name(name: string | undefined): boolean {
  return name === undefined || UTF8_NAMES.has(name.toLowerCase());
}

const REPLACEMENT = '\uFFFD';
const REPLACEMENT_BYTES = Buffer.from(REPLACEMENT);

/**
 * UTF-8. `onInvalid` hears of bytes that are not UTF-8 (shown as U+FFFD):
 * the sign that the server's names are in another encoding.
 */
export function utf8Codec(onInvalid?: () => void): NameCodec {
  // A U+FFFD that the server really sent is valid UTF-8: only one we made is a sign.
  const check = (text: string, bytes: Buffer) => {
    if (onInvalid && text.includes(REPLACEMENT) && !bytes.includes(REPLACEMENT_BYTES)) onInvalid();
    return text;
  };
  return {
    name: 'utf-8',
    utf8: true,
    encode: (text) => Buffer.from(text, 'utf8'),
    decode: (bytes, start = 0, end = bytes.length) => check(bytes.toString('utf8', start, end), bytes.subarray(start, end)),
    decoder: () => {
      const d = new StringDecoder('utf8');
      return { write: (chunk) => check(d.write(chunk), chunk), end: () => d.end() };
    },
  };
}

/** Every printable ASCII character and the line ending: an encoding must write them as ASCII, or commands would break. */
const ASCII_PROBE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '\r\n';

/** The codec for `name`: UTF-8 without loading anything, any other through iconv-lite (loaded now). */
export async function loadCodec(name: string | undefined, onInvalid?: () => void): Promise<NameCodec> {
  if (isUtf8Name(name)) return utf8Codec(onInvalid);
  const iconv = (await import('iconv-lite')).default;
  if (!iconv.encodingExists(name!)) throw new FtpError('argument', `unknown encoding ${JSON.stringify(name)} (try latin1, cp1251, cp1252, shift_jis, gbk, euc-kr …)`);
  const encoding = name!;
  if (!iconv.encode(ASCII_PROBE, encoding).equals(Buffer.from(ASCII_PROBE))) {
    throw new FtpError('argument', `encoding ${JSON.stringify(name)} does not write ASCII as ASCII: FTP commands cannot be sent in it`);
  }
  return {
    name: encoding,
    utf8: false,
    encode: (text) => {
      const bytes = iconv.encode(text, encoding);
      // iconv-lite writes '?' for what the encoding lacks: that would name another file.
      if (iconv.decode(bytes, encoding) !== text) throw new FtpError('argument', `${JSON.stringify(text)} cannot be written in ${encoding}`);
      return bytes;
    },
    decode: (bytes, start = 0, end = bytes.length) => iconv.decode(bytes.subarray(start, end), encoding),
    decoder: () => {
      const d = iconv.getDecoder(encoding);
      return { write: (chunk) => d.write(chunk), end: () => d.end() ?? '' };
    },
  };
}
