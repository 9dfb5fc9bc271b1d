import { Writable } from 'node:stream';
import type { ListEntry } from '../../protocol/list.js';
import { listRaw } from '../../core/remote/listing.js';
import type { ChunkDecoder } from '../../core/connection/codec.js';
import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { withSession } from '../session.js';
import { printable } from '../text.js';

export interface LsFlags extends ConnectionOptions {
  names?: boolean;
  json?: boolean;
  long?: boolean;
}

/**
 * tftp ls <host|url> [path]: the server's LIST (or NLST) lines on stdout;
 * with --json or -l, parsed entries (MLSD when the server has it). Whatever
 * the server wrote reaches the terminal escaped (see printable()).
 */
export async function ls(io: Io, targetArg: string, pathArg: string | undefined, opts: LsFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const path = pathArg ?? target.path;
  if (path !== undefined) checkRemoteName(path, 'remote path');
  await withSession(io, target, opts, async (client) => {
    if (opts.json || opts.long) {
      const listing = await client.list(path, { signal: io.signal });
      // Never silently dropped: what we could not read is said on stderr.
      for (const line of listing.unparsed) io.stderr.write(`tftp: listing line not understood: ${jsonText(line)}\n`);
      if (opts.json) writeJson(io, listing.entries);
      else await writeTable(io, listing.entries);
      return;
    }
    const out = new PrintableLines(io.stdout, client.session.codec.decoder());
    await listRaw(client, opts.names ? 'NLST' : 'LIST', path, out, { signal: io.signal });
    out.flush();
  });
}

/** Rows go out this many at a time: a listing of millions never becomes one string. */
const BATCH = 1000;

/** `ls -l`-like columns: type and permissions, size, modified (UTC), name; coloured on a terminal. */
async function writeTable(io: Io, entries: ListEntry[]): Promise<void> {
  const { colours } = await import('../output.js');
  const c = colours(io, io.stdout);
  const rows = entries.map((e) => [
    (e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : '-') + (e.permissions ?? ''),
    e.size === undefined ? '' : String(e.size),
    e.modified ? e.modified.slice(0, 16).replace('T', ' ') : '',
  ]);
  // A loop, not Math.max(...widths): an argument list of 100 000 overflows the stack.
  const width = [0, 0, 0];
  for (const r of rows) for (let i = 0; i < 3; i++) width[i] = Math.max(width[i]!, r[i]!.length);
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const e = entries[i]!;
    const name = printable(e.name);
    const shown = e.type === 'dir' ? c.blue(name) : e.type === 'link' ? c.cyan(name) + (e.target ? ` -> ${printable(e.target)}` : '') : name;
    chunk += `${r[0]!.padEnd(width[0]!)}  ${r[1]!.padStart(width[1]!)}  ${r[2]!.padEnd(width[2]!)}  ${shown}\n`;
    if ((i + 1) % BATCH === 0) {
      io.stdout.write(chunk);
      chunk = '';
    }
  }
  if (chunk) io.stdout.write(chunk);
}

/** The same text as JSON.stringify(entries, null, 2), written in batches. */
function writeJson(io: Io, entries: ListEntry[]): void {
  if (entries.length === 0) return void io.stdout.write('[]\n');
  let chunk = '[\n';
  for (let i = 0; i < entries.length; i++) {
    chunk += '  ' + jsonText(entries[i], 2).replace(/\n/g, '\n  ') + (i + 1 < entries.length ? ',\n' : '\n]\n');
    if ((i + 1) % BATCH === 0) {
      io.stdout.write(chunk);
      chunk = '';
    }
  }
  if (chunk) io.stdout.write(chunk);
}

/**
 * JSON with DEL and the C1 controls (U+007F-U+009F) escaped too:
 * JSON.stringify leaves them raw, and U+009B starts a terminal escape just
 * as ESC [ does. They can only stand inside strings, where \u escapes are valid.
 */
function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Raw listing text -> printable() line by line, line breaks kept: the names' encoding is
 * decoded across chunk boundaries, and the CRs that end a line (CR CR LF
 * from some servers) are dropped, even when the LF comes in the next chunk.
 */
class PrintableLines extends Writable {
  /** CRs at the end of the last chunk: a line ending if an LF follows, text otherwise. */
  private heldCrs = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly decoder: ChunkDecoder,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const text = this.decoder.write(chunk);
    if (text) this.out.write(this.escape(text, false));
    done();
  }

  /** What is left (a character cut short, CRs at the very end), once the listing is over. */
  flush(): void {
    const rest = this.escape(this.decoder.end(), true);
    if (rest) this.out.write(rest);
  }

  private escape(text: string, last: boolean): string {
    const held = '\r'.repeat(this.heldCrs);
    this.heldCrs = 0;
    text = held + text;
    let end = text.length;
    if (!last) while (end > 0 && text.charCodeAt(end - 1) === 0x0d) end--;
    this.heldCrs = text.length - end;
    return text
      .slice(0, end)
      .split('\n')
      .map((line, i, all) => printable(i < all.length - 1 ? withoutCrs(line) : line))
      .join('\n');
  }
}

/** The line without the CRs at its end (a loop: a regular expression would rescan runs of CRs). */
function withoutCrs(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
  return line.slice(0, end);
}
