import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/protocol/errors.js';
import { outcome } from '../support/expect-error.js';
import { parseListing, parseListLine, parseMlsdLine, type ListEntry } from '../../src/protocol/list.js';

// Property tests of the listing parsers: random, mutated and very long lines
// give an entry, null or a ProtocolError, nothing else, quickly; and entries
// formatted the way servers do read back equal.

const RUNS = 10_000;
const NOW = new Date('2026-11-25T14:00:00Z');
/** Per call. A parse takes microseconds; this only catches blow-ups (backtracking, quadratic scans). */
const BUDGET_MS = 50;

type Outcome = { value: ListEntry | null } | { error: ProtocolError };

/** outcome() within the time budget. A GC pause can stall one call; a slow parser stalls every time, so retry once. */
function timed(parse: () => ListEntry | null): Outcome {
  const start = performance.now();
  const r = outcome(parse);
  if (performance.now() - start > BUDGET_MS) {
    const again = performance.now();
    outcome(parse);
    expect(performance.now() - again).toBeLessThan(BUDGET_MS);
  }
  return r;
}

const KEYS = new Set(['name', 'type', 'size', 'modified', 'permissions', 'perm', 'target']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** What any entry must look like, whatever the input. */
function checkEntry(r: Outcome): void {
  if ('error' in r) {
    expect(r.error.message).toMatch(/^malformed /);
    return;
  }
  const e = r.value;
  if (e === null) return;
  expect(Object.keys(e).every((k) => KEYS.has(k))).toBe(true);
  expect(typeof e.name === 'string' && e.name.length > 0).toBe(true);
  expect(['file', 'dir', 'link']).toContain(e.type);
  if (e.size !== undefined) expect(Number.isSafeInteger(e.size) && e.size >= 0).toBe(true);
  if (e.modified !== undefined) {
    expect(e.modified).toMatch(ISO);
    // A real calendar date: the Date round-trip would shift Feb 30 to Mar 2.
    expect(new Date(e.modified).toISOString().slice(0, 19)).toBe(e.modified.slice(0, 19));
  }
  // Permissions always read as ls shows them, whatever the server sent.
  if (e.permissions !== undefined) expect(e.permissions).toMatch(/^([r-][w-][xsStTl-]){3}$/);
  if (e.perm !== undefined) expect(typeof e.perm).toBe('string');
  if (e.target !== undefined) {
    expect(e.type).toBe('link');
    expect(e.target.length).toBeGreaterThan(0);
  }
}

const LIST_SAMPLES = [
  '-rw-r--r--    1 0        0            4096 Nov 25 13:39 f.bin',
  'drwxr-xr-x    2 0 0 4096 Jan 01  2025 dir',
  '-rw-r--r-- 1 1 1     67108864 Nov 25 13:39 big.bin',
  'lrwxrwxrwx   1 ftp      ftp             9 Sep 30  2024 motd -> /etc/motd',
  'lrwxrwxrwx 1 0 0 1 Nov 25 13:39 a -> b -> c',
  'crw-rw-rw-    1 root     root        1,   3 Nov 25 13:39 null',
  'drwxr-xr-x  2 root  wheel   512 Jan  1  2025 dir',
  '-rw-r--r--   1 ftp   1234 Nov 25 13:39 no group.txt',
  '-rw-r--r--@  1 user  staff  1234 Feb 29 10:00 x',
  'total 12',
  '11-25-26  01:45PM       <DIR>          sub dir',
  '11-25-26  01:45PM              1234 file.txt',
  '11-25-2026  13:45                 0 empty.txt',
  '2026-11-25  13:45 PM      <DIR>          iso',
];

const MLSD_SAMPLES = [
  'Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z',
  'type=cdir;sizd=4096;modify=20261125134500;UNIX.mode=0755;unique=803g2a79; .',
  'type=file;size=12;modify=20261125134500;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a7a; a b.txt',
  'modify=20261125134500.123;perm=adfrw;size=9;type=OS.unix=slink:/etc/motd;unique=FD00U1235; motd',
  'type=dir;sizd=4096;modify=20240229235959; sub; dir',
  'type=OS.unix=symlink;size=3; l',
];

/** Characters the parsers look at, plus hostile ones and random unicode. */
const char = fc.oneof(
  fc.constantFrom(' ', '  ', '-', ':', ';', '=', ',', '.', '/', '>', ' -> ', '0', '1', '9', '<DIR>', 'PM', 'Nov', 'd', 'l', 'x'),
  fc.constantFrom('\r', '\n', '\0', '\t', 'é', '日', '\u{1F600}', '\uD800', '\uFEFF'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
);

const mutation = fc.record({
  kind: fc.constantFrom('set', 'insert', 'delete', 'truncate', 'huge', 'duplicate', 'swap'),
  at: fc.nat(),
  to: fc.nat(),
  ch: char,
});

/** Mutations of valid lines: characters replaced, inserted, deleted; truncation, huge numbers, repeated or swapped pieces. */
function mutate(samples: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 5 })).map(([line, ops]) => {
    let s = line;
    for (const { kind, at, to, ch } of ops) {
      const i = at % (s.length + 1);
      const j = to % (s.length + 1);
      if (kind === 'set') s = s.slice(0, i) + ch + s.slice(i + 1);
      if (kind === 'insert') s = s.slice(0, i) + ch + s.slice(i);
      if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1 + (to % 4));
      if (kind === 'truncate') s = s.slice(0, i);
      if (kind === 'huge') s = s.slice(0, i) + '9'.repeat(16 + (to % 40)) + s.slice(i);
      if (kind === 'duplicate') s = s.slice(0, Math.max(i, j)) + s.slice(Math.min(i, j), Math.max(i, j)) + s.slice(Math.max(i, j));
      if (kind === 'swap') {
        const words = s.split(' ');
        const a = at % words.length;
        const b = to % words.length;
        [words[a], words[b]] = [words[b]!, words[a]!];
        s = words.join(' ');
      }
    }
    return s;
  });
}

const soup = fc.array(char, { maxLength: 40 }).map((a) => a.join(''));
const random = fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 120 }));

describe('parseListLine and parseMlsdLine on hostile input', () => {
  // Lines of 10 000 characters built from the pieces the scanners react to: a
  // backtracking regex or a rescan per piece would show up as seconds here.
  const prefix = fc.constantFrom(
    '',
    '-rw-r--r-- 1 0 0 ',
    '-rw-r--r-- 1 0 0 1 Nov 25 13:39 ',
    'lrwxrwxrwx 1 0 0 5 Nov 25 13:39 a',
    'crw-rw-rw- 1 0 0 ',
    '11-25-26  01:45PM ',
    '11-25-26  01:45PM  1 ',
    'type=file;',
    'type=file;size=1; ',
    'type=file;modify=20261125134500.',
  );
  const piece = fc.constantFrom(' ', '9', ' 9', 'Nov 25 13:39 ', ' -> ', ' -> é', ';', 'a=b;', 'x=', '=', '1,', '-', 'a', ':', '0', '日');
  const longLine = fc
    .tuple(prefix, fc.array(piece, { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 8 }))
    .map(([head, pieces, tail]) => {
      const unit = pieces.join('');
      return (head + unit.repeat(Math.ceil(10_000 / unit.length))).slice(0, 10_000) + tail;
    });

  // First, so that it runs before anything could hang: each line is tried at
  // growing lengths, one character at a time while short, so an exponential
  // blow-up fails the budget at a few dozen characters instead of never returning.
  const lengths = [...Array.from({ length: 48 }, (_, i) => i + 1), 64, 128, 256, 512, 1024, 2048, 4096, 8192, 10_000];
  it('growing prefixes of long lines stay within the budget', () => {
    fc.assert(
      fc.property(longLine, (line) => {
        for (const n of lengths) {
          const head = line.slice(0, n);
          checkEntry(timed(() => parseListLine(head, NOW)));
          checkEntry(timed(() => parseMlsdLine(head)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('10 000-character lines parse in time', () => {
    fc.assert(
      fc.property(longLine, (line) => {
        checkEntry(timed(() => parseListLine(line, NOW)));
        checkEntry(timed(() => parseMlsdLine(line)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('mutated LIST lines: an entry, null or a ProtocolError, in time', () => {
    fc.assert(
      fc.property(mutate(LIST_SAMPLES), (line) => {
        checkEntry(timed(() => parseListLine(line, NOW)));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated MLSD lines: an entry, null or a ProtocolError, in time', () => {
    fc.assert(
      fc.property(mutate(MLSD_SAMPLES), (line) => {
        checkEntry(timed(() => parseMlsdLine(line)));
      }),
      { numRuns: RUNS },
    );
  });

  it('random text, through both parsers', () => {
    fc.assert(
      fc.property(random, (line) => {
        checkEntry(timed(() => parseListLine(line, NOW)));
        checkEntry(timed(() => parseMlsdLine(line)));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseListing', () => {
  it('is the line parsers applied to each line: entries in order, the rest reported, nothing dropped', () => {
    const line = fc.oneof(mutate(LIST_SAMPLES), mutate(MLSD_SAMPLES), fc.constantFrom(...LIST_SAMPLES, ...MLSD_SAMPLES), random);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('list' as const, 'mlsd' as const), (lines, format) => {
        const expected: { entries: ListEntry[]; unparsed: string[] } = { entries: [], unparsed: [] };
        for (const l of lines) {
          const r = outcome(() => (format === 'mlsd' ? parseMlsdLine(l) : parseListLine(l, NOW)));
          if ('error' in r) expected.unparsed.push(l);
          else if (r.value) expected.entries.push(r.value);
        }
        expect(parseListing(lines, format, NOW)).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

// ---- round trips: entries formatted the way servers do read back equal ----

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

/** Any name, as servers may send; '.' and '..' directories are the listing's own, never entries. */
const name = fc
  .oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), fc.constantFrom('a -> b', ' lead', 'trail ', '..', 'x;y=z'));
const permissions = fc
  .tuple(...[0, 1, 2].map(() => fc.tuple(fc.constantFrom('r', '-'), fc.constantFrom('w', '-'), fc.constantFrom('x', '-', 's', 'S', 't', 'T'))))
  .map((groups) => groups.flat().join(''));
const size = fc.oneof(fc.nat(5000), fc.maxSafeNat());
/** A calendar date at midnight in years 1000-9999 (the `ls` year column). */
const oldDate = fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())));
/** Within ~6 months of NOW either way, to the minute (the `ls` HH:MM column). */
const recentDate = fc.integer({ min: -180 * 24 * 60, max: 180 * 24 * 60 }).map((minutes) => {
  const d = new Date(NOW.getTime() + minutes * 60_000);
  d.setUTCSeconds(0, 0);
  return d;
});
/** The entry's form: seconds, no milliseconds. */
const iso = (d: Date) => d.toISOString().slice(0, 19) + 'Z';

const listEntry = fc
  .record({
    type: fc.constantFrom('file' as const, 'dir' as const, 'link' as const),
    name,
    size,
    permissions,
    target: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    recent: fc.boolean(),
    recentDate,
    oldDate,
  })
  .filter((r) => !(r.type === 'dir' && (r.name === '.' || r.name === '..')));

/** `ls -l`, the way the servers in test/protocol/list.test.ts lay it out. */
const listStyle = fc.record({
  links: fc.option(fc.nat(99), { nil: undefined }),
  owner: fc.constantFrom('0', '1', '1000', 'ftp', 'root', 'user_1'),
  group: fc.option(fc.constantFrom('0', '1', 'ftp', 'wheel', 'staff'), { nil: undefined }),
  gap: fc.integer({ min: 1, max: 12 }),
  zeroDay: fc.boolean(),
  upper: fc.boolean(),
});

describe('round trips', () => {
  it('an entry formatted as an ls -l line reads back equal', () => {
    fc.assert(
      fc.property(listEntry, listStyle, (e, style) => {
        const date = e.recent ? e.recentDate : e.oldDate;
        const month = MONTHS[date.getUTCMonth()]!;
        const day = pad(date.getUTCDate(), 2, style.zeroDay ? '0' : ' ');
        const clock = e.recent ? `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}` : ` ${date.getUTCFullYear()}`;
        // A link's size is its target's length: that is what lets the parser split names holding ' -> '.
        const bytes = e.type === 'link' ? Buffer.byteLength(e.target) : e.size;
        const columns = [
          { file: '-', dir: 'd', link: 'l' }[e.type] + e.permissions,
          ...(style.links === undefined ? [] : [String(style.links)]),
          style.owner,
          ...(style.group === undefined ? [] : [style.group]),
          String(bytes).padStart(style.gap),
          `${style.upper ? month.toUpperCase() : month} ${day} ${clock}`,
          e.type === 'link' ? `${e.name} -> ${e.target}` : e.name,
        ];
        const expected: ListEntry = { name: e.name, type: e.type, size: bytes, modified: iso(date), permissions: e.permissions };
        if (e.type === 'link') expected.target = e.target;
        expect(parseListLine(columns.join(' '), NOW)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  /** Fact values hold no ';' and no space (RFC 3659 7.2). */
  const factValue = fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !/[; ]/.test(v));
  const mlsdEntry = fc
    .record({
      type: fc.constantFrom('file' as const, 'dir' as const, 'link' as const),
      name,
      size: fc.option(size, { nil: undefined }),
      sizd: fc.boolean(),
      modified: fc.option(fc.tuple(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined })), { nil: undefined }),
      perm: fc.option(fc.constantFrom('', 'r', 'adfrw', 'el', 'flcdmpe'), { nil: undefined }),
      mode: fc.option(fc.integer({ min: 0, max: 0o7777 }).map((m) => '0' + m.toString(8).padStart(3, '0')), { nil: undefined }),
      target: fc.option(factValue, { nil: undefined }),
      unique: fc.option(factValue, { nil: undefined }),
      order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      cases: fc.array(fc.constantFrom('lower', 'upper', 'title'), { minLength: 8, maxLength: 8 }),
      trailing: fc.boolean(),
      /** A link as type=OS.unix=slink:<target>, or as type=file with a UNIX.slink fact. */
      slinkFact: fc.boolean(),
    })
    .filter((r) => !(r.type === 'dir' && (r.name === '.' || r.name === '..')));

  /** A mode as ls -l shows it, written out bit by bit: the parser must agree. */
  const rwx = (m: number) =>
    [...'rwxrwxrwx']
      .map((c, i) => {
        const on = (m & (0o400 >> i)) !== 0;
        const special = i === 2 ? m & 0o4000 : i === 5 ? m & 0o2000 : i === 8 ? m & 0o1000 : 0;
        if (!special) return on ? c : '-';
        const mark = i === 8 ? 't' : 's';
        return on ? mark : mark.toUpperCase();
      })
      .join('');

  it('an entry formatted as an MLSD line reads back equal', () => {
    fc.assert(
      fc.property(mlsdEntry, (e) => {
        const facts: [string, string][] = [];
        const asFact = e.type === 'link' && e.slinkFact && e.target !== undefined;
        const type = e.type === 'link' ? (asFact ? 'file' : e.target === undefined ? 'OS.unix=symlink' : `OS.unix=slink:${e.target}`) : e.type;
        facts.push(['type', type]);
        if (asFact) facts.push(['UNIX.slink', e.target!]);
        if (e.size !== undefined) facts.push([e.type === 'dir' && e.sizd ? 'sizd' : 'size', String(e.size)]);
        let modified: string | undefined;
        if (e.modified) {
          const [d, fraction] = e.modified;
          const t = d.toISOString();
          const stamp = t.slice(0, 4) + t.slice(5, 7) + t.slice(8, 10) + t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19);
          facts.push(['modify', fraction === undefined ? stamp : `${stamp}.${fraction}`]);
          modified = t.slice(0, 19) + (fraction === undefined ? '' : '.' + (fraction + '00').slice(0, 3)) + 'Z';
        }
        if (e.perm !== undefined) facts.push(['perm', e.perm]);
        if (e.mode !== undefined) facts.push(['UNIX.mode', e.mode]);
        if (e.unique !== undefined) facts.push(['unique', e.unique]);
        // Any order, any case of fact names.
        const shuffled = facts
          .map((f, i) => ({ f, k: e.order[i]! }))
          .sort((a, b) => a.k - b.k)
          .map(({ f: [k, v] }, i) => {
            const c = e.cases[i]!;
            const key = c === 'upper' ? k.toUpperCase() : c === 'title' ? k[0]!.toUpperCase() + k.slice(1) : k.toLowerCase();
            return `${key}=${v}`;
          });
        const line = shuffled.join(';') + (e.trailing ? ';' : '') + ' ' + e.name;

        const expected: ListEntry = { name: e.name, type: e.type };
        if (e.size !== undefined) expected.size = e.size;
        if (modified !== undefined) expected.modified = modified;
        if (e.mode !== undefined) expected.permissions = rwx(parseInt(e.mode, 8));
        if (e.perm !== undefined) expected.perm = e.perm;
        if (e.type === 'link' && e.target !== undefined) expected.target = e.target;
        expect(parseMlsdLine(line)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
