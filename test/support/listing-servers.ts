import { once } from 'node:events';
import { resolvePath, startFakeServer, type CommandContext, type FakeServer, type FakeSession, type Handler } from './fake-server.js';

/**
 * Fake servers that list folders the way real server families do, for the
 * listing tests: a tree of folders (each with its LIST lines, MLSD lines or
 * names) and files, a login folder that need not be the root, and the
 * family's habits with LIST arguments, missing folders and empty ones.
 */
export interface Tree {
  /** Folder (relative to the root) -> its entries as LIST lines, MLSD facts lines or names. */
  folders: Record<string, string[]>;
  /** File (relative to the root) -> its body. */
  files?: Record<string, string>;
}

export interface Persona {
  /** 'bsd': LIST/NLST arguments are split at spaces (inetutils and netkit ftpd run `ls` on them). */
  splitsArguments?: boolean;
  /**
   * What LIST/NLST of a path that does not exist gets: an empty 226 (vsftpd,
   * pure-ftpd), ls's error text as the listing with a 226 (BSD ftpd), or a reply.
   */
  missing?: 'empty' | 'ls-error' | string;
  /** The reply to LIST, NLST and MLSD of an empty folder, instead of an empty 226 (e.g. '450 No files found'). */
  emptyFolder?: string;
  /** Offer MLSD (FEAT lists MLST): then folders hold MLSD lines. */
  mlsd?: boolean;
  /** MLSD lines end in \r\r\n while in TYPE A (GridFTP). */
  doubleCrInAscii?: boolean;
  /** The login folder, relative to the root (default the root). */
  home?: string;
  /** Replaces the PWD reply (an odd server). */
  pwd?: string;
}

const types = new WeakMap<FakeSession, string>();

/** Starts a fake server with this tree and these habits. */
export async function startPersona(tree: Tree, persona: Persona = {}): Promise<FakeServer> {
  const folders = new Map(Object.entries(tree.folders));
  const home = persona.home ?? '';
  const handlers: Record<string, Handler> = {
    PASS: (ctx) => {
      ctx.session.cwd = home;
      return ctx.fallback();
    },
    CWD: (ctx) => {
      const to = resolvePath(ctx.session.cwd, ctx.arg);
      const exists = to === '' || folders.has(to) || [...folders.keys()].some((f) => f.startsWith(`${to}/`));
      if (!exists) return ctx.session.reply(550, `${ctx.arg}: No such file or directory`);
      ctx.session.cwd = to;
      return ctx.session.reply(250, 'Directory successfully changed.');
    },
    TYPE: (ctx) => {
      types.set(ctx.session, ctx.arg.toUpperCase());
      return ctx.session.reply(200, `Type set to ${ctx.arg}`);
    },
    // Files are named from the session's folder: a client that did not come back cannot fetch them.
    RETR: (ctx) => {
      ctx.arg = resolvePath(ctx.session.cwd, ctx.arg);
      return ctx.fallback();
    },
    SIZE: (ctx) => {
      ctx.arg = resolvePath(ctx.session.cwd, ctx.arg);
      return ctx.fallback();
    },
    MLST: (ctx) => {
      const path = resolvePath(ctx.session.cwd, ctx.arg);
      const body = tree.files?.[path];
      if (body === undefined) return ctx.session.reply(550, `${ctx.arg}: No such file or directory`);
      return ctx.session.send(`250- Listing ${ctx.arg}\r\n type=file;size=${body.length};modify=20260101000000; ${ctx.arg}\r\n250 End\r\n`);
    },
    LIST: (ctx) => list(ctx, 'LIST'),
    NLST: (ctx) => list(ctx, 'NLST'),
    MLSD: (ctx) => list(ctx, 'MLSD'),
  };
  if (persona.pwd !== undefined) handlers.PWD = persona.pwd;
  if (persona.mlsd) handlers.FEAT = '211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;UNIX.mode*;\r\n SIZE\r\n211 End';

  const list = async (ctx: CommandContext, verb: string): Promise<void> => {
    const arg = verb !== 'MLSD' && persona.splitsArguments ? (ctx.arg.split(' ')[0] ?? '') : ctx.arg;
    const path = resolvePath(ctx.session.cwd, arg);
    const entries = folders.get(path);
    const file = tree.files?.[path];
    let lines: string[];
    if (entries !== undefined) {
      if (entries.length === 0 && persona.emptyFolder) return void (await ctx.session.canned(persona.emptyFolder));
      lines = verb === 'NLST' ? entries.map(nameOf) : entries;
    } else if (file !== undefined && verb !== 'MLSD') {
      const name = path.split('/').pop()!;
      lines = [verb === 'NLST' ? arg : `-rw-r--r--    1 0        0     ${String(file.length).padStart(10)} Jan 01  2026 ${name}`];
    } else if (verb !== 'MLSD' && persona.missing === 'ls-error') {
      lines = arg.split(' ').map((word) => `${word}: No such file or directory`);
    } else if (verb === 'MLSD' || (persona.missing !== undefined && persona.missing !== 'empty')) {
      return void (await ctx.session.canned(verb === 'MLSD' ? `550 ${arg}: No such file or directory` : persona.missing!));
    } else {
      lines = [];
    }
    const ending = persona.doubleCrInAscii && (types.get(ctx.session) ?? 'A') === 'A' ? '\r\r\n' : '\r\n';
    await sendListing(ctx, lines.map((l) => l + ending).join(''));
  };

  return startFakeServer({ files: tree.files ?? {}, handlers });
}

/** The name at the end of a LIST or MLSD line (enough for these tests' lines). */
function nameOf(line: string): string {
  if (line.includes('; ')) return line.slice(line.indexOf('; ') + 2);
  return line.split(/ +/).slice(8).join(' ');
}

/** 150, the text over the data connection, 226. */
export async function sendListing(ctx: CommandContext, text: string): Promise<void> {
  const data = await ctx.session.openData();
  await ctx.session.reply(150, 'Here comes the directory listing.');
  data.end(text);
  await once(data, 'close');
  await ctx.session.reply(226, 'Directory send OK.');
}

/** An `ls -l` line for a file of `size` bytes. */
export const fileLine = (name: string, size: number) => `-rw-r--r--    1 0        0     ${String(size).padStart(10)} Jan 01  2026 ${name}`;
/** An `ls -l` line for a folder. */
export const dirLine = (name: string) => `drwxr-xr-x    2 0        0           4096 Jan 01  2026 ${name}`;
