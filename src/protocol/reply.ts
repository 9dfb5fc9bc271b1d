import { ProtocolError } from './errors.js';

/** One complete server reply; `lines` holds the text of each line without its code prefix. */
export interface Reply {
  code: number;
  lines: string[];
}

/** The reply's text on one line: what error messages and traces show. */
export function replyText(reply: Reply): string {
  return reply.lines.map((l) => l.trim()).filter(Boolean).join(' ');
}

export const isPreliminary = (r: Reply) => r.code >= 100 && r.code < 200;
export const isCompletion = (r: Reply) => r.code >= 200 && r.code < 300;
export const isIntermediate = (r: Reply) => r.code >= 300 && r.code < 400;

export interface ReplyLimits {
  /** Longest line we buffer, in bytes; a longer one is a protocol error. */
  maxLineBytes: number;
  /** Largest multi-line reply, in bytes, counting every line. */
  maxReplyBytes: number;
  /** Most lines in one reply: a flood of empty lines is bounded too. */
  maxReplyLines: number;
}

export const DEFAULT_LIMITS: ReplyLimits = { maxLineBytes: 8 * 1024, maxReplyBytes: 256 * 1024, maxReplyLines: 10_000 };

const LF = 0x0a;
const FIRST_LINE = /^(\d{3})([ -])(.*)$/s;
const CODE_ONLY = /^(\d{3})$/;

/**
 * Chunk-safe reader of FTP replies (RFC 959 4.2). Feed it TCP chunks in any
 * split; it returns each reply once its last line has arrived. Memory is
 * bounded: a line or a reply over the limits throws a ProtocolError.
 */
export class ReplyReader {
  /** Sees each line as it arrives, without its line ending (the -v trace). */
  onLine: ((line: string) => void) | undefined;
  /**
   * Turns a line's bytes buf[start, end) into text: UTF-8 unless the
   * session's names are in another encoding (the caller brings the decoder,
   * so this module stays free of I/O and of code pages).
   */
  decode: (buf: Buffer, start: number, end: number) => string = (buf, start, end) => buf.toString('utf8', start, end);
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private pending: { code: string; lines: string[]; bytes: number } | null = null;

  private readonly limits: ReplyLimits;

  constructor(limits: Partial<ReplyLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  push(chunk: Buffer): Reply[] {
    const replies: Reply[] = [];
    // One search per chunk, not one per line: a NUL is rare, and fatal.
    const nul = chunk.indexOf(0);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      this.checkLineLength(nl - start);
      let reply: Reply | null;
      if (this.partialBytes) {
        const line = Buffer.concat([...this.partial, chunk.subarray(start, nl)]);
        this.partial = [];
        this.partialBytes = 0;
        reply = this.acceptLine(line, 0, line.length, line.indexOf(0));
      } else {
        reply = this.acceptLine(chunk, start, nl, nul >= start && nul < nl ? nul : -1);
      }
      if (reply) replies.push(reply);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.checkLineLength(rest.length);
      // Copy: the caller may reuse its buffer.
      this.partial.push(Buffer.from(rest));
      this.partialBytes += rest.length;
    }
    return replies;
  }

  /** True when a reply has started but not finished (used to spot a truncated reply at close). */
  get midReply(): boolean {
    return this.pending !== null || this.partialBytes > 0;
  }

  private checkLineLength(extra: number): void {
    if (this.partialBytes + extra > this.limits.maxLineBytes) {
      throw new ProtocolError(`reply too long: a line exceeds ${this.limits.maxLineBytes} bytes`);
    }
  }

  /** The line buf[start, lf) (its LF at `lf`); `nul` is the position of a NUL byte in it, or -1. */
  private acceptLine(buf: Buffer, start: number, lf: number, nul: number): Reply | null {
    const end = lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf;
    if (nul !== -1 && nul < end) {
      throw new ProtocolError('malformed reply: NUL byte in reply');
    }
    const line = this.decode(buf, start, end);
    this.onLine?.(line);
    // Count the terminator too, so a flood of empty lines is bounded as well.
    if (this.pending) return this.continueReply(line, lf - start + 1);

    const m = FIRST_LINE.exec(line) ?? (CODE_ONLY.test(line) ? [line, line, ' ', ''] : null);
    if (!m) throw new ProtocolError(`malformed reply: ${JSON.stringify(line.slice(0, 80))}`);
    const code = m[1]!;
    if (code[0] === '0' || code[0]! > '5') {
      throw new ProtocolError(`malformed reply code ${code}`);
    }
    if (m[2] === ' ') return { code: Number(code), lines: [m[3]!] };
    this.pending = { code, lines: [m[3]!], bytes: 0 };
    return this.continueReply(null, lf - start + 1);
  }

  /** Adds a line to the reply in progress (null: just count the first line). */
  private continueReply(line: string | null, bytes: number): Reply | null {
    const p = this.pending!;
    p.bytes += bytes;
    if (p.bytes > this.limits.maxReplyBytes || p.lines.length > this.limits.maxReplyLines) {
      throw new ProtocolError(`reply too long: over ${this.limits.maxReplyBytes} bytes or ${this.limits.maxReplyLines} lines`);
    }
    if (line === null) return null;
    // The reply ends at a line "ddd " (or "ddd") with the same code.
    if (line.startsWith(p.code) && (line.length === 3 || line[3] === ' ')) {
      p.lines.push(line.slice(4));
      this.pending = null;
      return { code: Number(p.code), lines: p.lines };
    }
    p.lines.push(line.startsWith(p.code + '-') ? line.slice(4) : line);
    return null;
  }
}

/** What the first bytes of a connection say it is; undefined while too few have come to tell. */
export type Opening = 'ftp' | 'ssh' | 'tls';

const SSH_BANNER = Buffer.from('SSH-');

/**
 * Tells an FTP greeting from an SSH banner ("SSH-2.0-…", RFC 4253) and from a
 * TLS record (content type 20-23, then version major 3), which means the
 * server expected TLS from the first byte.
 */
export function sniffOpening(head: Buffer): Opening | undefined {
  if (head.length === 0) return undefined;
  if (head[0]! >= 0x14 && head[0]! <= 0x17) {
    if (head.length < 2) return undefined;
    if (head[1] === 0x03) return 'tls';
  }
  const n = Math.min(head.length, SSH_BANNER.length);
  if (!head.subarray(0, n).equals(SSH_BANNER.subarray(0, n))) return 'ftp';
  return n === SSH_BANNER.length ? 'ssh' : undefined;
}
