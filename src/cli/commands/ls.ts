import { Writable } from 'node:stream';
import type { ListEntry } from '../../protocol/list.js';
import { listRaw } from '../../core/remote/listing.js';
import type { ChunkDecoder } from '../../core/connection/codec.js';
import type { Io } from '../io.js';
import type { ConnectionOptions } from '../options.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { withSession } from '../session.js';
import { printable } from '../text.js';
import { Batched } from '../batched.js';

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
      const out = new Batched(io.stdout);
      const printer = opts.json ? new JsonPrinter(out) : new TablePrinter(out, await tableColours(io));
      // Never silently dropped: what we could not read is said on stderr.
      const unparsed = (line: string) => void io.stderr.write(`tftp: listing line not understood: ${jsonText(line)}\n`);
      // Entries are printed as they arrive (the listing is never held); a file comes back whole.
      const listing = await client.list(path, { signal: io.signal, endsSession: true, onEntry: (e) => printer.add(e), onUnparsed: unparsed });
      listing.unparsed.forEach(unparsed);
      for (const e of listing.entries) await printer.add(e);
      await printer.end();
      return;
    }
    const out = new PrintableLines(io.stdout, client.session.codec.decoder());
    await listRaw(client, opts.names ? 'NLST' : 'LIST', path, out, { signal: io.signal, endsSession: true });
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  });
}

interface Printer {
  add(e: ListEntry): Promise<void> | undefined;
  end(): Promise<void> | undefined;
}

/** The same text as JSON.stringify(entries, null, 2), entry by entry in the server's order. */
class JsonPrinter implements Printer {
  private count = 0;
  constructor(private readonly out: Batched) {}

  add(e: ListEntry): Promise<void> | undefined {
    return this.out.add((this.count++ === 0 ? '[\n  ' : ',\n  ') + entryJson(e));
  }

  end(): Promise<void> | undefined {
    this.out.add(this.count === 0 ? '[]\n' : '\n]\n');
    return this.out.flush();
  }
}

type Colours = Awaited<ReturnType<typeof tableColours>>;

async function tableColours(io: Io) {
  const { colours } = await import('../output.js');
  return colours(io, io.stdout);
}

/** Rows held back to size the columns; later rows keep those widths, or widen a column they do not fit. */
const SIZING_ROWS = 1000;

/**
 * `ls -l`-like columns: type and permissions, size, modified (UTC), name;
 * coloured on a terminal. The first SIZING_ROWS rows set the widths (all of
 * them, for a listing that short); only rows, never the listing, are held.
 */
class TablePrinter implements Printer {
  private held: [string[], ListEntry][] = [];
  private width: number[] | undefined;
  constructor(
    private readonly out: Batched,
    private readonly c: Colours,
  ) {}

  add(e: ListEntry): Promise<void> | undefined {
    const row = [
      (e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : '-') + (e.permissions ?? ''),
      e.size === undefined ? '' : String(e.size),
      e.modified ? e.modified.slice(0, 16).replace('T', ' ') : '',
    ];
    if (this.width) return this.print(row, e);
    this.held.push([row, e]);
    if (this.held.length >= SIZING_ROWS) return this.release();
    return undefined;
  }

  end(): Promise<void> | undefined {
    this.release();
    return this.out.flush();
  }

  /** Sizes the columns from the rows held (a loop, not Math.max(...): a spread of 100 000 overflows the stack), and prints them. */
  private release(): Promise<void> | undefined {
    if (this.width) return undefined;
    const width = [0, 0, 0];
    for (const [r] of this.held) for (let i = 0; i < 3; i++) width[i] = Math.max(width[i]!, r[i]!.length);
    this.width = width;
    let wait: Promise<void> | undefined;
    for (const [row, e] of this.held) wait = this.print(row, e) ?? wait;
    this.held = [];
    return wait;
  }

  private print(r: string[], e: ListEntry): Promise<void> | undefined {
    const width = this.width!;
    for (let i = 0; i < 3; i++) if (r[i]!.length > width[i]!) width[i] = r[i]!.length;
    const name = printable(e.name);
    const c = this.c;
    const shown = e.type === 'dir' ? c.blue(name) : e.type === 'link' ? c.cyan(name) + (e.target ? ` -> ${printable(e.target)}` : '') : name;
    return this.out.add(`${r[0]!.padEnd(width[0]!)}  ${r[1]!.padStart(width[1]!)}  ${r[2]!.padEnd(width[2]!)}  ${shown}\n`);
  }
}

/**
 * An entry as JSON.stringify(e, null, 2) indented once more would show it,
 * key by key: only the strings go through jsonText, so a listing of millions
 * makes little garbage.
 */
function entryJson(e: ListEntry): string {
  let text = `{\n    "name": ${jsonText(e.name)},\n    "type": "${e.type}"`;
  if (e.size !== undefined) text += `,\n    "size": ${e.size}`;
  if (e.modified !== undefined) text += `,\n    "modified": ${jsonText(e.modified)}`;
  if (e.permissions !== undefined) text += `,\n    "permissions": ${jsonText(e.permissions)}`;
  if (e.perm !== undefined) text += `,\n    "perm": ${jsonText(e.perm)}`;
  if (e.target !== undefined) text += `,\n    "target": ${jsonText(e.target)}`;
  return text + '\n  }';
}

const C1 = /[\u007f-\u009f]/;

/**
 * JSON with DEL and the C1 controls (U+007F-U+009F) escaped too:
 * JSON.stringify leaves them raw, and U+009B starts a terminal escape just
 * as ESC [ does. They can only stand inside strings, where \u escapes are valid.
 */
function jsonText(value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent);
  return !C1.test(json) ? json : json.replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
    this.send(text ? this.escape(text, false) : '', done);
  }

  /** What is left (a character cut short, CRs at the very end), once the listing is over. */
  override _final(done: (err?: Error | null) => void): void {
    this.send(this.escape(this.decoder.end(), true), done);
  }

  /** Writes `text` on, and takes the next chunk only once the output has room (a slow pipe holds the listing back). */
  private send(text: string, done: () => void): void {
    if (text === '' || this.out.write(text)) return done();
    this.out.once('drain', () => done());
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
