import type { DataFault, FakeServer } from './fake-server.js';

/**
 * Remote trees on the fake server: its own LIST output lists every file it
 * has, whatever the folder; these helpers give each folder its own listing.
 * Dates are in the past, so -c never takes a local file for older than the
 * remote one.
 */

/** One `ls -l` line (no line ending). */
export function lsLine(name: string, size: number, type: 'file' | 'dir' | 'link' = 'file', target?: string): string {
  const mode = type === 'dir' ? 'drwxr-xr-x' : type === 'link' ? 'lrwxrwxrwx' : '-rw-r--r--';
  return `${mode} 1 ftp ftp ${String(size).padStart(10)} Jan 01  2020 ${name}${target ? ` -> ${target}` : ''}`;
}

/** One MLSD facts line (no line ending). */
export function mlsdLine(name: string, size: number, type: 'file' | 'dir' = 'file'): string {
  return `type=${type};size=${size};modify=20200101000000; ${name}`;
}

/** Joins listing lines with CRLF, as servers send them. */
export function listing(lines: string[]): string {
  return lines.map((l) => `${l}\r\n`).join('');
}

/**
 * Serves `files` (paths like 'dir/sub/a.bin') and a LIST listing for every
 * folder on the way to them, entries in the order given.
 */
export function serveTree(server: FakeServer, files: Record<string, Buffer>): void {
  const folders = new Map<string, string[]>();
  const entry = (folder: string) => folders.get(folder) ?? folders.set(folder, []).get(folder)!;
  for (const [path, body] of Object.entries(files)) {
    server.files.set(path, body);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const name = parts[i]!;
      const lines = entry(folder);
      if (i === parts.length - 1) lines.push(lsLine(name, body.length));
      else if (!lines.some((l) => l.startsWith('d') && l.endsWith(` ${name}`))) lines.push(lsLine(name, 0, 'dir'));
    }
  }
  for (const [folder, lines] of folders) server.listings.set(folder, listing(lines));
}

/**
 * Gives each RETR the data fault `pick` returns for its file (none when it
 * returns undefined). The fault is read as the RETR starts, so parallel
 * sessions each get their own.
 */
export function faultPerFile(server: FakeServer, pick: (name: string) => DataFault | undefined): void {
  server.handlers.RETR = (ctx) => {
    const fault = pick(ctx.arg.replace(/^\/+/, ''));
    if (fault) ctx.server.dataFaults.RETR = fault;
    else delete ctx.server.dataFaults.RETR;
    return ctx.fallback();
  };
}
