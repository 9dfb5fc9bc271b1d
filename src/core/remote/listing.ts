import type { Writable } from 'node:stream';
import { FtpError, PermanentError, ProtocolError } from '../../protocol/errors.js';
import { isCompletion, replyText } from '../../protocol/reply.js';
import { parseListLine, parseListingLine, type ListEntry } from '../../protocol/list.js';
import { sessionOf, type FtpSession, type OnSession } from '../connection/session.js';
import { retrieve } from '../transfer/transfer.js';
import { epsvWithNext } from '../transfer/early-epsv.js';
import { collectLines, MAX_LISTING_BYTES, retrieveLines, type OnLine } from './listing-lines.js';
import { mlst } from './facts.js';

/**
 * Folder listings, the way servers really answer them. LIST and NLST take
 * their argument badly: BSD-derived servers split it at spaces (they run `ls`
 * on it), vsftpd and pure-ftpd answer a missing folder with an empty 226. So
 * a folder is listed from inside: CWD into it, LIST with no argument, CWD back
 * to where the session was (learned once with PWD, and checked). A path CWD
 * refuses is not a folder: it is listed as the argument (a file shows
 * itself), and nothing at all then means there is no such thing. MLSD takes
 * its argument as one path (RFC 3659), so it keeps it.
 */

export interface Listing {
  format: 'mlsd' | 'list';
  entries: ListEntry[];
  unparsed: string[];
  /** True when the path named a file (the server refused to go into it), not a folder. */
  file?: boolean;
}

export interface ListOptions {
  /** Aborts the listing's transfer (ABOR), as for any download. */
  signal?: AbortSignal | undefined;
  /** 'list': parsed LIST even where MLSD is offered (its ls -l lines tell a link that some servers' MLSD follows). */
  format?: 'list' | undefined;
  /**
   * A folder's entries one by one as they arrive, instead of into `entries`:
   * the listing is never held, so it has no size limit. The data connection
   * waits while a returned promise is pending. A path that is a file still
   * comes back in `entries` (with `file`), never through here.
   */
  onEntry?: ((entry: ListEntry) => void | Promise<void>) | undefined;
  /** With onEntry: the lines that could not be parsed, as they arrive, instead of into `unparsed`. */
  onUnparsed?: ((line: string) => void) | undefined;
  /**
   * The session ends right after this listing: a folder is still listed from
   * inside, but the session stays there, so neither PWD nor the CWD back is sent.
   */
  endsSession?: boolean | undefined;
}

export { MAX_LISTING_BYTES, retrieveLines, retrieveText } from './listing-lines.js';

/** Where a listing runs: inside the folder (it exists), for a path that is not a folder, or we could not tell. */
type Where = 'inside' | 'not-folder' | 'unknown';

/** MLSD when FEAT offers MLST, else LIST; in binary mode, so no server's ASCII conversion gets in the way. */
export async function listEntries(session: FtpSession, path: string | undefined, opts: ListOptions = {}): Promise<Listing> {
  const format = opts.format !== 'list' && (await session.features()).has('MLST') ? 'mlsd' : 'list';
  await session.type('I');
  const now = new Date();
  const entries: ListEntry[] = [];
  const unparsed: string[] = [];
  let file = false;
  const { onEntry, onUnparsed } = opts;
  // A file's own line is the answer, not a folder's entry: it is never streamed.
  const streaming = () => onEntry !== undefined && !file;
  const take: OnLine = (line) => {
    const parsed = parseListingLine(line, format, now);
    if (parsed === 'unparsed') return void (streaming() && onUnparsed ? onUnparsed(line) : unparsed.push(line));
    if (parsed === null) return;
    if (streaming()) return onEntry!(parsed);
    entries.push(parsed);
  };
  const maxBytes = onEntry ? Infinity : MAX_LISTING_BYTES;
  if (format === 'mlsd') await mlsdLines(session, path, opts, maxBytes, () => (file = true), take);
  else {
    await inFolder(session, path, (arg, where) => {
      file = where === 'not-folder';
      return listLines(session, arg, where, path, opts, maxBytes, take);
    }, opts.endsSession);
  }
  return { format, entries, unparsed, ...(file ? { file } : {}) };
}

/** LIST or NLST of `path` as the server formats it, into `dest` (left open), in ASCII mode. */
export async function listRaw(on: OnSession, verb: 'LIST' | 'NLST', path: string | undefined, dest: Writable, opts: ListOptions = {}): Promise<void> {
  const session = sessionOf(on);
  await session.type('A'); // text: CRLF becomes LF on the way out
  await inFolder(session, path, async (arg, where) => {
    if (where === 'not-folder') {
      // Not a folder: its own line from the parent's listing (LIST <path> is split at spaces by BSD servers).
      const lines = await fromParent(session, path!, opts, (dir, own) => collectLines(session, dir === undefined ? verb : `${verb} ${dir}`, opts, (line) => own(rawName(verb, line))));
      if (!dest.write(lines.map((l) => `${l}\n`).join(''))) await new Promise((resolve) => dest.once('drain', resolve));
      return;
    }
    try {
      await retrieve(session, arg === undefined ? verb : `${verb} ${arg}`, dest, { keepOpen: true, signal: opts.signal });
    } catch (err) {
      if (where === 'inside' && saysNoFiles(err)) return;
      throw err;
    }
  }, opts.endsSession);
}

/** The name a raw LIST or NLST line is about (undefined for lines that name nothing). */
function rawName(verb: 'LIST' | 'NLST', line: string): string | undefined {
  return verb === 'NLST' ? line.slice(line.lastIndexOf('/') + 1) : listLineName(line, new Date());
}

/**
 * The lines of a path that is not a folder (a file, or nothing), taken from
 * its parent folder's listing: the parent is listed from inside, and only the
 * lines whose name `own` says is the path's last component are kept (the
 * rest of a large parent is never held). None is "no such file or folder".
 * Sending `LIST <path>` instead fails on BSD-derived servers, which split it
 * at spaces and answer a missing path with ls's error text.
 */
async function fromParent(session: FtpSession, path: string, opts: ListOptions, listLinesOf: (arg: string | undefined, own: (name: string | undefined) => boolean) => Promise<string[]>): Promise<string[]> {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  const parent = slash === -1 ? undefined : trimmed.slice(0, slash) || '/';
  const own = await inFolder(session, parent, async (arg, where) => {
    if (where === 'not-folder') throw noSuchPath(path); // no parent folder either
    try {
      return await listLinesOf(arg, (n) => n === name);
    } catch (err) {
      if (saysNoFiles(err)) return [];
      throw err;
    }
  }, opts.endsSession);
  if (own.length === 0) throw noSuchPath(path);
  return own;
}

async function listLines(session: FtpSession, arg: string | undefined, where: Where, path: string | undefined, opts: ListOptions, maxBytes: number, onLine: OnLine): Promise<void> {
  if (where === 'not-folder') {
    const now = new Date();
    const own = await fromParent(session, path!, opts, (dir, isOwn) => collectLines(session, dir === undefined ? 'LIST' : `LIST ${dir}`, opts, (line) => isOwn(listLineName(line, now))));
    for (const line of own) await onLine(line);
    return;
  }
  try {
    await retrieveLines(session, arg === undefined ? 'LIST' : `LIST ${arg}`, onLine, opts, maxBytes);
  } catch (err) {
    if (where === 'inside' && saysNoFiles(err)) return;
    throw err;
  }
}

/** The name a LIST line is about; undefined for one that cannot be parsed. */
function listLineName(line: string, now: Date): string | undefined {
  try {
    return parseListLine(line, now)?.name;
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** MLSD keeps its argument; only an empty or "No files found" answer makes us look whether the folder exists. */
async function mlsdLines(session: FtpSession, path: string | undefined, opts: ListOptions, maxBytes: number, isFile: () => void, onLine: OnLine): Promise<void> {
  let count: number;
  try {
    count = await retrieveLines(session, path ? `MLSD ${path}` : 'MLSD', onLine, opts, maxBytes);
  } catch (err) {
    if (saysNoFiles(err) && (!path || (await isFolder(session, path)) === true)) return;
    // MLSD lists folders only (RFC 3659 7.1): a file has its facts line from MLST.
    if (path && err instanceof PermanentError && (await isFolder(session, path)) === false) {
      const line = await mlst(session, path);
      if (line !== undefined) {
        isFile();
        return onLine(line);
      }
    }
    throw err;
  }
  // Servers send the folder's own cdir line; with nothing at all, it may not exist.
  if (count === 0 && path && (await isFolder(session, path)) === false) throw noSuchPath(path);
}

/** True or false when CWD says; undefined when the session's folder could not be learned (we then never leave it). */
export function isFolder(session: FtpSession, path: string): Promise<boolean | undefined> {
  return inFolder(session, path, async (_arg, where) => (where === 'inside' ? true : where === 'not-folder' ? false : undefined));
}

/**
 * Runs `list` from inside the folder `path` and comes back; with the path as
 * its argument when CWD refuses it (not a folder); or, on a server whose PWD
 * cannot be gone back to, with the argument and without moving. With `stay`
 * (the session ends after `list`) it does not come back, so it needs no PWD.
 */
async function inFolder<T>(session: FtpSession, path: string | undefined, list: (arg: string | undefined, where: Where) => Promise<T>, stay = false): Promise<T> {
  if (!path) return list(undefined, 'inside');
  const home = stay ? undefined : await session.workingFolder();
  if (home === null) return list(path, 'unknown');
  // Staying in the folder, the listing follows the CWD: its EPSV may go with it.
  if (stay) epsvWithNext(session, `LIST ${path}`);
  const reply = await session.command(`CWD ${path}`, { allowError: true });
  if (reply.code >= 500) return list(path, 'not-folder'); // it did not move
  if (!isCompletion(reply)) throw session.replyError(reply);
  if (home === undefined) return list(undefined, 'inside');
  let result: T;
  try {
    result = await list(undefined, 'inside');
  } catch (err) {
    if (session.connected) await goBack(session, home).catch(() => {});
    throw err;
  }
  await goBack(session, home);
  return result;
}

/** Back to the session's folder; a server that will not go back leaves the session nowhere we know: it ends. */
async function goBack(session: FtpSession, home: string): Promise<void> {
  const reply = await session.command(`CWD ${home}`, { allowError: true });
  if (isCompletion(reply)) return; // the session knows it is home again (see SessionFolder)
  const err = new FtpError('protocol', `the server would not go back to ${home} after the listing: ${reply.code} ${replyText(reply)}`, reply.code);
  session.close(err);
  throw err;
}

/**
 * "450 No files found" (and "550 No files found" from some servers, e.g. those
 * FluentFTP works around) for a folder that exists: it is empty. Only that
 * text: a 450 or 550 for anything else (busy, permission) stays an error.
 */
function saysNoFiles(err: unknown): boolean {
  return err instanceof FtpError && (err.code === 450 || err.code === 550) && /\bno files found\b/i.test(err.message);
}

/** A path that names nothing: 'permanent', as a 550 would be. */
class NoSuchPath extends FtpError {
  constructor(path: string) {
    super('permanent', `no such file or folder: ${path}`);
  }
}

function noSuchPath(path: string): FtpError {
  return new NoSuchPath(path);
}

/**
 * The entry of a path CWD has refused (not a folder), from its parent
 * folder's LIST (see fromParent); undefined when the parent lists no such name.
 */
export async function entryInParent(session: FtpSession, path: string, opts: ListOptions = {}): Promise<ListEntry | undefined> {
  await session.type('I');
  const now = new Date();
  let entry: ListEntry | undefined;
  try {
    await listLines(session, undefined, 'not-folder', path, opts, Infinity, (line) => {
      const parsed = parseListingLine(line, 'list', now);
      if (entry === undefined && parsed !== null && parsed !== 'unparsed') entry = parsed;
    });
  } catch (err) {
    if (err instanceof NoSuchPath) return undefined;
    throw err;
  }
  return entry;
}
