import { createHash } from 'node:crypto';
import { resolvePath, type CommandContext, type FakeServer, type FakeSession } from './fake-server.js';

/**
 * Folders, times and the verbs a sync needs on the fake server, which alone
 * keeps only files: CWD only into folders that exist, MKD, RMD, RNFR/RNTO,
 * MDTM in UTC, and a LIST per folder that shows each time in the server's
 * own zone (`offsetHours` from UTC), to the minute and without a year, as
 * `ls -l` does for recent files. No MLSD, no MFMT.
 */
export interface FakeFs {
  folders: Set<string>;
  times: Map<string, Date>;
  /** Adds a file (and its folders) with this modification time. */
  put(path: string, body: Buffer | string, time?: Date): void;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function serveFs(server: FakeServer, opts: { offsetHours: number; mdtm?: boolean; xsha256?: boolean; extraLines?: Record<string, string[]> }): FakeFs {
  const fs: FakeFs = {
    folders: new Set(['']),
    times: new Map(),
    put(path, body, time = new Date()) {
      server.files.set(path, Buffer.from(body));
      fs.times.set(path, time);
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) fs.folders.add(parts.slice(0, i).join('/'));
    },
  };
  const at = (ctx: CommandContext) => resolvePath(ctx.session.cwd, ctx.arg);
  const parent = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  const shown = (d: Date) => {
    const t = new Date(d.getTime() + opts.offsetHours * 3_600_000);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${MONTHS[t.getUTCMonth()]} ${two(t.getUTCDate())} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
  };
  const pending = new WeakMap<FakeSession, string>();
  Object.assign(server.handlers, {
    CWD: (ctx: CommandContext) => {
      const path = at(ctx);
      if (!fs.folders.has(path)) return '550 No such folder';
      ctx.session.cwd = path;
      return '250 Directory changed';
    },
    LIST: (ctx: CommandContext) => {
      const folder = at(ctx);
      const lines: string[] = [];
      for (const f of [...fs.folders].sort()) if (f !== '' && parent(f) === folder) lines.push(`drwxr-xr-x 1 ftp ftp          0 ${shown(new Date())} ${f.slice(f.lastIndexOf('/') + 1)}`);
      for (const [name, body] of [...server.files].sort()) {
        if (parent(name) === folder) lines.push(`-rw-r--r-- 1 ftp ftp ${String(body.length).padStart(10)} ${shown(fs.times.get(name) ?? new Date())} ${name.slice(name.lastIndexOf('/') + 1)}`);
      }
      lines.push(...(opts.extraLines?.[folder] ?? []));
      server.listings.set(folder, lines.map((l) => `${l}\r\n`).join(''));
      return ctx.fallback();
    },
    MDTM: (ctx: CommandContext) => {
      const time = fs.times.get(at(ctx));
      if (opts.mdtm === false) return '502 Command not implemented';
      if (!time || !server.files.has(at(ctx))) return '550 No such file';
      return `213 ${time.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
    },
    MKD: (ctx: CommandContext) => {
      const path = at(ctx);
      if (fs.folders.has(path) || server.files.has(path) || !fs.folders.has(parent(path))) return '550 Cannot create';
      fs.folders.add(path);
      return `257 "/${path}" created`;
    },
    RMD: (ctx: CommandContext) => {
      const path = at(ctx);
      const busy = [...server.files.keys(), ...fs.folders].some((p) => p.startsWith(`${path}/`));
      if (!fs.folders.has(path) || busy || path === '') return '550 Cannot remove';
      fs.folders.delete(path);
      return '250 Removed';
    },
    RNFR: (ctx: CommandContext) => {
      if (!server.files.has(at(ctx))) return '550 No such file';
      pending.set(ctx.session, at(ctx));
      return '350 Ready for RNTO';
    },
    RNTO: (ctx: CommandContext) => {
      const from = pending.get(ctx.session);
      pending.delete(ctx.session);
      if (from === undefined) return '503 RNFR first';
      server.files.set(at(ctx), server.files.get(from)!);
      fs.times.set(at(ctx), fs.times.get(from) ?? new Date());
      server.files.delete(from);
      fs.times.delete(from);
      return '250 Renamed';
    },
    STOR: async (ctx: CommandContext) => {
      await ctx.fallback();
      fs.times.set(at(ctx), new Date());
    },
    ...(opts.xsha256
      ? {
          FEAT: '211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n XSHA256\r\n211 End',
          XSHA256: (ctx: CommandContext) => {
            const body = server.files.get(at(ctx));
            return body ? `250 ${createHash('sha256').update(body).digest('hex')}` : '550 No such file';
          },
        }
      : {}),
  });
  return fs;
}
