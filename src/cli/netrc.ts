import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface NetrcEntry {
  login?: string;
  password?: string;
}

/**
 * Parses a netrc file: `machine`, `default`, `login`, `password` (also
 * `account`, and `macdef` bodies, which are skipped). Tokens may be quoted.
 */
export function parseNetrc(text: string): { machines: Map<string, NetrcEntry>; fallback?: NetrcEntry } {
  const machines = new Map<string, NetrcEntry>();
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
          if (value !== undefined && !machines.has(value)) machines.set(value, current);
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
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/**
 * The netrc entry for `host`, or undefined. A file others can read is
 * ignored with a warning, as curl and ftp do: it holds passwords.
 */
export async function lookupNetrc(host: string, path: string | undefined, home: string | undefined, warn: (msg: string) => void): Promise<NetrcEntry | undefined> {
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
    if (path !== undefined) warn(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
  const { machines, fallback } = parseNetrc(text);
  return machines.get(host) ?? fallback;
}
