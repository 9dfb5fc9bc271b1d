import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

export interface NetrcEntry {
  login?: string;
  password?: string;
}

export interface Netrc {
  /** Every `machine` entry of each host (lower case), in file order. */
  machines: Map<string, NetrcEntry[]>;
  fallback?: NetrcEntry;
}

/**
 * Parses a netrc file: `machine`, `default`, `login`, `password` (also
 * `account`, and `macdef` bodies, which are skipped). Tokens may be quoted;
 * a `#` that starts an unquoted token comments out the rest of the line, as
 * in curl.
 */
export function parseNetrc(text: string): Netrc {
  const machines = new Map<string, NetrcEntry[]>();
  let fallback: NetrcEntry | undefined;
  let current: NetrcEntry | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const tokens = tokenize(lines[i]!);
    for (let t = 0; t < tokens.length; t++) {
      const word = tokens[t]!;
      const value = tokens[t + 1];
      switch (word) {
        case 'machine':
          current = {};
          if (value !== undefined) {
            const host = value.toLowerCase();
            machines.set(host, [...(machines.get(host) ?? []), current]);
          }
          t++;
          break;
        case 'default':
          current = fallback = {};
          break;
        case 'login':
        case 'password':
          if (current && value !== undefined) current[word] = value;
          t++;
          break;
        case 'account':
          t++;
          break;
        case 'macdef':
          // A macro runs to the next empty line.
          while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
          t = tokens.length;
          break;
      }
    }
  }
  return fallback ? { machines, fallback } : { machines };
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[2]?.startsWith('#')) break; // a comment to the end of the line
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  }
  return out;
}

/**
 * The entry for `host` (any case) and `user`: with a user, the first entry of
 * the host whose login is that user; without one, the host's first entry.
 * Else the default entry, on the same terms.
 */
export function findNetrcEntry(netrc: Netrc, host: string, user: string | undefined): NetrcEntry | undefined {
  const fits = (e: NetrcEntry | undefined) => e !== undefined && (user === undefined || e.login === user);
  const entries = netrc.machines.get(host.toLowerCase()) ?? [];
  return entries.find(fits) ?? (fits(netrc.fallback) ? netrc.fallback : undefined);
}

/**
 * The netrc entry for `host` and `user`, or undefined. A file the group or
 * others can access is ignored with a warning (as ftp(1) and Python's netrc
 * module do; curl does not check): it holds passwords. A missing ~/.netrc is
 * no error; a --netrc-file that cannot be read is a usage error.
 */
export async function lookupNetrc(host: string, user: string | undefined, path: string | undefined, home: string | undefined, warn: (msg: string) => void): Promise<NetrcEntry | undefined> {
  const file = path ?? (home ? join(home, '.netrc') : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      warn(`${file} is readable by other users: ignored (chmod 600 ${file})`);
      return undefined;
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (path !== undefined) throw new UsageError(`cannot read --netrc-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
  return findNetrcEntry(parseNetrc(text), host, user);
}
