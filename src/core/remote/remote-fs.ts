// Verbs on remote files and folders, each mapping the server's replies to
// typed errors (4xx: 'temporary', 5xx: 'permanent'), so that callers never
// read reply codes themselves.
import { FtpError, ProtocolError, UnsupportedError } from '../../protocol/errors.js';
import { isCompletion, isIntermediate, replyText, type Reply } from '../../protocol/reply.js';
import { checkCommandArgument } from '../../protocol/command.js';
import { formatMfmt, parseMdtm } from '../../protocol/parse.js';
import { parseMlsdLine, type EntryType, type ListEntry } from '../../protocol/list.js';
import { mdtm, mlstFacts, size } from './facts.js';
import { entryInParent, isFolder } from './listing.js';
import type { FtpSession } from '../connection/session.js';

/** What stat() learns of a path. */
export interface RemoteStat {
  type: EntryType;
  size?: number;
  modified?: Date;
  /** Unix permissions as `ls -l` shows them (rw-r--r--), when the server states them. */
  permissions?: string;
}

export interface MkdirOptions {
  /** Also make each missing parent; a folder that exists already is fine. */
  recursive?: boolean;
}

/** Replies that say the server has no such command (or cannot take its argument): not an error for setModified. */
const NOT_IMPLEMENTED = new Set([500, 501, 502, 504]);

/**
 * MKD. With `recursive`, a refused MKD is fine when the folder exists (CWD
 * into it works; the session then goes back), and a missing parent is made
 * first: the path itself is tried first, so a tree made parents first costs
 * one MKD per folder.
 */
export async function mkdir(session: FtpSession, path: string, opts: MkdirOptions = {}): Promise<void> {
  const reply = await session.command(`MKD ${path}`, { allowError: true });
  if (isCompletion(reply)) return;
  if (!opts.recursive || reply.code < 500) throw session.replyError(reply);
  if (await folderExists(session, path)) return;
  const parent = parentOf(path);
  if (parent === undefined) throw session.replyError(reply);
  await mkdir(session, parent, opts);
  await session.voidCommand(`MKD ${path}`);
}

/** DELE: removes a file. */
export async function remove(session: FtpSession, path: string): Promise<void> {
  await session.voidCommand(`DELE ${path}`);
}

/** RMD: removes an empty folder. */
export async function removeDir(session: FtpSession, path: string): Promise<void> {
  await session.voidCommand(`RMD ${path}`);
}

export interface RenameOptions {
  /**
   * RNTO in the same write as RNFR, a round trip less: for a name this client
   * has just written (an upload's temporary file). Where RNFR is refused, the
   * server refuses the RNTO too (503, no RNFR before it): read and dropped.
   */
  together?: boolean | undefined;
}

/** RNFR, then RNTO once the server answered 350 (or at once, `together`). */
export async function rename(session: FtpSession, from: string, to: string, opts: RenameOptions = {}): Promise<void> {
  checkCommandArgument(to, 'path'); // before RNFR: a refused RNTO would leave it pending
  if (opts.together) return renameTogether(session, from, to);
  const reply = await session.command(`RNFR ${from}`);
  if (!isIntermediate(reply)) throw session.replyError(reply);
  await session.voidCommand(`RNTO ${to}`);
}

async function renameTogether(session: FtpSession, from: string, to: string): Promise<void> {
  checkCommandArgument(from, 'path');
  await session.takeBackAhead(); // its replies come first: it must not be waiting for them
  session.send(`RNFR ${from}`, `RNTO ${to}`);
  const rnfr = await session.read();
  const rnto = await session.read();
  if (!isIntermediate(rnfr)) throw session.replyError(rnfr);
  if (!isCompletion(rnto)) throw session.replyError(rnto);
}

/** An octal mode as SITE CHMOD takes it: 3 or 4 digits (644, 0755, 2775). */
export function checkMode(mode: string): void {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new FtpError('argument', `mode ${JSON.stringify(mode)}: expected an octal mode such as 644 or 0755`);
}

/**
 * SITE CHMOD (a Unix servers' extension, not in RFC 959). A reply that the
 * server has no such command (500, 502, 504, or a 5xx saying it does not
 * know it) is a 'permanent' error that says so in words.
 */
export async function chmod(session: FtpSession, path: string, mode: string): Promise<void> {
  checkMode(mode);
  checkCommandArgument(path, 'path');
  const reply = await session.command(`SITE CHMOD ${mode} ${path}`, { allowError: true });
  if (isCompletion(reply)) return;
  const text = replyText(reply);
  if ((NOT_IMPLEMENTED.has(reply.code) && reply.code !== 501) || (reply.code >= 500 && /\b(unknown|not (understood|implemented|supported|recogni[sz]ed))\b/i.test(text))) {
    throw new UnsupportedError('SITE CHMOD', reply.code, text);
  }
  throw session.replyError(reply);
}

/**
 * MFMT (draft-somers-ftp-mfxx), when FEAT offers it. False when the server
 * cannot: no MFMT in FEAT, a reply that it has no such command (or will not
 * take the argument), or one that is no answer (1xx, 3xx).
 */
export async function setModified(session: FtpSession, path: string, date: Date): Promise<boolean> {
  if (!(await session.features()).has('MFMT')) return false;
  const reply = await session.command(`MFMT ${formatMfmt(date)} ${path}`, { allowError: true });
  if (isCompletion(reply)) return true;
  if (reply.code < 400 || NOT_IMPLEMENTED.has(reply.code)) return false;
  throw session.replyError(reply);
}

/**
 * What a path is, or undefined when there is nothing there. MLST where FEAT
 * offers it; else a CWD into it tells a folder (and comes back), SIZE and
 * MDTM a file, and the parent's listing anything else. The CWD comes first
 * because some servers (ftp-srv) answer SIZE for a folder too.
 */
export async function stat(session: FtpSession, path: string): Promise<RemoteStat | undefined> {
  if ((await session.features()).has('MLST')) {
    const reply = await session.command(`MLST ${path}`, { allowError: true });
    const found = reply.code === 250 ? fromFacts(reply) : undefined;
    if (found) return found;
    if (reply.code >= 400 && reply.code < 500) throw session.replyError(reply);
    if (reply.code === 550) return undefined; // no such path
    // Anything else (a 501 for an argument it will not take): ask the other ways.
  }
  const folder = await isFolder(session, path);
  if (folder === true) return { type: 'dir' };
  // Servers start in ASCII, and some refuse SIZE there: binary, as transfers default to.
  if (session.transferType === undefined) await session.type('I');
  // Only once CWD said it is no folder: SIZE alone cannot tell.
  const bytes = folder === false ? await size(session, path) : undefined;
  if (bytes !== undefined) {
    const modified = dateOf(await mdtm(session, path));
    return modified ? { type: 'file', size: bytes, modified } : { type: 'file', size: bytes };
  }
  const entry = await entryInParent(session, path);
  return entry && toStat(entry);
}

/** True when `path` is a folder: CWD into it (and back), or its parent's listing where CWD cannot be used. */
async function folderExists(session: FtpSession, path: string): Promise<boolean> {
  const folder = await isFolder(session, path);
  if (folder !== undefined) return folder;
  return (await entryInParent(session, path))?.type === 'dir';
}

/** "a/b/c" -> "a/b", "/a" -> "/", "a" -> undefined. */
function parentOf(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (slash === -1) return undefined;
  return slash === 0 ? '/' : trimmed.slice(0, slash);
}

/** MLST's facts line; a folder may be typed cdir (the folder MLST was asked about). */
function fromFacts(reply: Reply): RemoteStat | undefined {
  const line = mlstFacts(reply);
  if (line === undefined) return undefined;
  let entry: ListEntry | null;
  try {
    entry = parseMlsdLine(line.replace(/(^|;)type=[cp]dir(?=;|$)/i, '$1type=dir'));
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
  return entry === null ? { type: 'dir' } : toStat(entry);
}

function toStat(entry: ListEntry): RemoteStat {
  const stat: RemoteStat = { type: entry.type };
  if (entry.size !== undefined) stat.size = entry.size;
  if (entry.modified !== undefined) stat.modified = new Date(entry.modified);
  if (entry.permissions !== undefined) stat.permissions = entry.permissions;
  return stat;
}

function dateOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return parseMdtm(text);
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}
