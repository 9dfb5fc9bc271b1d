import { ProtocolError } from '../errors.js';
import { clip, entry, isBlank, isDigits, isDotDir, isoTime, parseCount, type EntryType, type ListEntry } from './common.js';

/** MLSD/MLST facts line "type=file;size=12;modify=20261125134500; name" (RFC 3659 7.2). */
export function parseMlsdLine(line: string): ListEntry | null {
  if (isBlank(line)) return null;
  // Fact values never hold a space, so the first one ends the facts; the name may hold anything.
  const space = line.indexOf(' ');
  if (space === -1) throw new ProtocolError(`malformed MLSD line: no name: ${clip(line)}`);
  const name = line.slice(space + 1);
  if (name === '') throw new ProtocolError(`malformed MLSD line: empty name: ${clip(line)}`);
  const facts = parseFacts(line.slice(0, space), line);

  const typeFact = facts.get('type');
  if (typeFact === undefined) throw new ProtocolError(`malformed MLSD line: no type fact: ${clip(line)}`);
  const kind = mlsdType(typeFact, line);
  if (kind === null || (kind.type === 'dir' && isDotDir(name))) return null;

  // Some servers keep type=file (or dir) for a link and name its target in a fact of its own.
  const slink = facts.get('unix.slink');
  if (slink !== undefined) {
    kind.type = 'link';
    if (slink !== '') kind.target ??= slink;
  }
  const sizeFact = facts.get('size') ?? facts.get('sizd');
  const modifyFact = facts.get('modify');
  const mode = facts.get('unix.mode');
  return entry(name, kind.type, {
    size: sizeFact === undefined ? undefined : parseCount(sizeFact, 'MLSD size', line),
    modified: modifyFact === undefined ? undefined : parseMlsdTime(modifyFact, line),
    permissions: mode === undefined ? undefined : unixPermissions(mode),
    perm: facts.get('perm'),
    target: kind.target,
  });
}

/**
 * An octal mode ("0755", "755", "4755", or a whole st_mode "100644") as
 * `ls -l` shows it: "rwxr-xr-x", with s/S, t/T for setuid, setgid, sticky.
 * Anything else is left out (undefined) rather than shown as it came.
 */
export function unixPermissions(mode: string): string | undefined {
  let shown = PERMISSIONS.get(mode);
  if (shown === undefined && !PERMISSIONS.has(mode)) {
    shown = permissionsOf(mode);
    // A folder has a handful of modes: remembered, so a listing of millions works each out once.
    if (PERMISSIONS.size >= 256) PERMISSIONS.clear();
    PERMISSIONS.set(mode, shown);
  }
  return shown;
}

const PERMISSIONS = new Map<string, string | undefined>();

function permissionsOf(mode: string): string | undefined {
  if (!/^[0-7]{1,7}$/.test(mode)) return undefined;
  const m = parseInt(mode, 8);
  const special = (bit: number, exec: boolean, set: string) => ((m & bit) !== 0 ? (exec ? set : set.toUpperCase()) : exec ? 'x' : '-');
  const triple = (shift: number, bit: number, set: string) =>
    ((m >> shift) & 4 ? 'r' : '-') + ((m >> shift) & 2 ? 'w' : '-') + special(bit, ((m >> shift) & 1) !== 0, set);
  return triple(6, 0o4000, 's') + triple(3, 0o2000, 's') + triple(0, 0o1000, 't');
}

/** "type=file;Size=12;" -> lower-cased fact names to values (RFC 3659 7.2: names are case-insensitive). */
function parseFacts(text: string, line: string): Map<string, string> {
  const facts = new Map<string, string>();
  // A scan, not split(';'): a listing of millions of lines makes no array per line.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    if (end > start) {
      // (an empty fact is the trailing ';', or a tolerated doubled one)
      const eq = text.indexOf('=', start);
      if (eq <= start || eq >= end) throw new ProtocolError(`malformed MLSD line: bad fact ${clip(text.slice(start, end))}: ${clip(line)}`);
      const key = factName(text.slice(start, eq));
      // Two different answers to one question: trust neither.
      if (facts.has(key)) throw new ProtocolError(`malformed MLSD line: duplicate fact ${clip(key)}: ${clip(line)}`);
      facts.set(key, text.slice(eq + 1, end));
    }
    start = end + 1;
  }
  return facts;
}

/** A fact's name in lower case; the usual names as constants, not a new string each line. */
function factName(name: string): string {
  switch (name) {
    case 'type':
    case 'size':
    case 'modify':
    case 'perm':
    case 'unix.mode':
      return name;
    case 'Type':
      return 'type';
    case 'Size':
      return 'size';
    case 'Modify':
      return 'modify';
    case 'Perm':
      return 'perm';
    case 'UNIX.mode':
      return 'unix.mode';
    default:
      return name.toLowerCase();
  }
}

/** The type fact's value; null for cdir/pdir (the listed folder and its parent). */
function mlsdType(value: string, line: string): { type: EntryType; target?: string } | null {
  const v = value.toLowerCase();
  if (v === 'file') return { type: 'file' };
  if (v === 'dir') return { type: 'dir' };
  if (v === 'cdir' || v === 'pdir') return null;
  for (const prefix of ['os.unix=slink', 'os.unix=symlink']) {
    if (v === prefix) return { type: 'link' };
    if (v.startsWith(prefix + ':')) {
      const target = value.slice(prefix.length + 1);
      return target === '' ? { type: 'link' } : { type: 'link', target };
    }
  }
  // Other OS-specific types (devices, fifos, sockets): RFC 3659 allows them; they are not folders.
  if (v.startsWith('os.')) return { type: 'file' };
  throw new ProtocolError(`malformed MLSD line: unknown type ${clip(value)}: ${clip(line)}`);
}

/** modify=YYYYMMDDHHMMSS[.sss] (RFC 3659 2.3), always UTC. */
function parseMlsdTime(value: string, line: string): string {
  const whole = value.slice(0, 14);
  const fraction = value.slice(15);
  const ok =
    whole.length === 14 &&
    isDigits(whole) &&
    (value.length === 14 || (value[14] === '.' && isDigits(fraction)));
  if (!ok) throw new ProtocolError(`malformed MLSD line: bad modify ${clip(value)}: ${clip(line)}`);
  const n = (from: number, to: number) => {
    let v = 0;
    for (let i = from; i < to; i++) v = v * 10 + whole.charCodeAt(i) - 0x30;
    return v;
  };
  const ms = value.length === 14 ? undefined : (fraction + '00').slice(0, 3);
  return isoTime(n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14), ms, line);
}
