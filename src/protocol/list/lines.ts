import { ProtocolError } from '../errors.js';

/** No listing line is longer than this: names are a few KiB at most, facts less. */
export const MAX_LISTING_LINE = 1024 * 1024;

/**
 * A listing's text fed in pieces as it arrives, out as whole lines: split at
 * LF, every CR at the end of a line dropped (CRLF in binary mode, and the
 * CR CR LF some servers send in ASCII mode), empty lines left out. Only the
 * line not yet ended is held, and a line longer than MAX_LISTING_LINE is a
 * ProtocolError: a server sending no LF at all cannot fill the memory.
 */
export class ListingLineSplitter {
  private partial = '';

  /** The lines `text` completes. */
  push(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
      const piece = text.slice(start, lf);
      this.take(this.partial === '' ? piece : this.partial + piece, lines);
      this.partial = '';
      start = lf + 1;
    }
    if (start < text.length) {
      if (this.partial.length + text.length - start > MAX_LISTING_LINE) throw new ProtocolError(`listing line too long: over ${MAX_LISTING_LINE} characters`);
      this.partial += text.slice(start);
    }
    return lines;
  }

  /** The last line, when the listing does not end with LF. */
  end(): string[] {
    const lines: string[] = [];
    this.take(this.partial, lines);
    this.partial = '';
    return lines;
  }

  private take(raw: string, lines: string[]): void {
    if (raw.length > MAX_LISTING_LINE) throw new ProtocolError(`listing line too long: over ${MAX_LISTING_LINE} characters`);
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 0x0d) end--;
    if (end > 0) lines.push(end === raw.length ? raw : raw.slice(0, end));
  }
}
