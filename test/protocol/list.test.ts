import { describe, expect, it } from 'vitest';
import { expectProtocolError } from '../support/expect-error.js';
import { listingLines, parseListing, parseListLine, parseMlsdLine, type ListEntry } from '../../src/protocol/list.js';

/** Listings below were taken "now": HH:MM dates fall in 2026 unless they are more than half a year ahead. */
const NOW = new Date('2026-11-25T14:00:00Z');

const file = (name: string, size: number | undefined, modified: string, permissions = 'rw-r--r--'): ListEntry =>
  size === undefined ? { name, type: 'file', modified, permissions } : { name, type: 'file', size, modified, permissions };
const dir = (name: string, size: number, modified: string, permissions = 'rwxr-xr-x'): ListEntry => ({
  name,
  type: 'dir',
  size,
  modified,
  permissions,
});
const link = (name: string, target: string | undefined, size: number, modified: string): ListEntry =>
  target === undefined
    ? { name, type: 'link', size, modified, permissions: 'rwxrwxrwx' }
    : { name, type: 'link', size, modified, permissions: 'rwxrwxrwx', target };

const T = '2026-11-25T13:39:00Z';

describe('parseListLine: unix ls -l styles', () => {
  it.each<[string, string, ListEntry]>([
    // vsftpd: numeric ids (hide_ids), zero-padded day, year column right-aligned.
    ['vsftpd file', '-rw-r--r--    1 0        0            4096 Nov 25 13:39 f.bin', file('f.bin', 4096, T)],
    ['vsftpd dir, year', 'drwxr-xr-x    2 0 0 4096 Jan 01  2025 dir', dir('dir', 4096, '2025-01-01T00:00:00Z')],
    ['vsftpd named ids', '-rw-r--r--    1 ftp      ftp          1234 Jul 14 08:00 readme.txt', file('readme.txt', 1234, '2026-07-14T08:00:00Z')],
    ['vsftpd symlink', 'lrwxrwxrwx    1 0        0               5 Nov 20 09:05 latest -> f.bin', link('latest', 'f.bin', 5, '2026-11-20T09:05:00Z')],
    // proftpd: space-padded day.
    ['proftpd file', '-rw-r--r--   1 ftp      ftp            12 Nov 25 13:39 a.txt', file('a.txt', 12, T)],
    ['proftpd dir, padded day', 'drwxr-xr-x   3 ftp      ftp          4096 Oct  7 09:12 photos', dir('photos', 4096, '2026-10-07T09:12:00Z')],
    ['proftpd absolute link', 'lrwxrwxrwx   1 ftp      ftp             9 Sep 30  2024 motd -> /etc/motd', link('motd', '/etc/motd', 9, '2024-09-30T00:00:00Z')],
    // pure-ftpd: wide id columns.
    ['pure-ftpd file', '-rw-r--r--    1 1000       1000             12 Nov 25 13:39 a.txt', file('a.txt', 12, T)],
    ['pure-ftpd dir with space', 'drwxr-xr-x    2 1000       1000           4096 Nov 25 13:39 with space', dir('with space', 4096, T)],
    ['pure-ftpd named, year', '-rw-r--r--    1 ftpuser    ftpgroup   1048576 Aug 12  2023 archive.tar.gz', file('archive.tar.gz', 1048576, '2023-08-12T00:00:00Z')],
    // ftp-srv: uid/gid default 1, size padded to 12, date padded to 12.
    ['ftp-srv big file', '-rw-r--r-- 1 1 1     67108864 Nov 25 13:39 big.bin', file('big.bin', 67108864, T)],
    ['ftp-srv dir, year', 'drwxr-xr-x 1 1 1         4096 Jan 01  2025 old', dir('old', 4096, '2025-01-01T00:00:00Z')],
    ['ftp-srv no mode', '-rwxr-xr-x 1 1 1            0 Nov 25 13:39 empty', file('empty', 0, T, 'rwxr-xr-x')],
    // busybox ftpd.
    ['busybox file', '-rw-r--r--    1 root     root          1234 Nov 25 13:39 file', file('file', 1234, T)],
    ['busybox char device', 'crw-rw-rw-    1 root     root        1,   3 Nov 25 13:39 null', file('null', undefined, T, 'rw-rw-rw-')],
    ['busybox block device', 'brw-rw----    1 root     disk        8,   0 Nov 25 13:39 sda', file('sda', undefined, T, 'rw-rw----')],
    ['device, joined numbers', 'crw-rw-rw- 1 root root 1,3 Nov 25 13:39 zero', file('zero', undefined, T, 'rw-rw-rw-')],
    // OpenBSD ftpd (ls -lgA): two-space columns, 512-byte directories, sticky bit.
    ['OpenBSD file', '-rw-r--r--  1 root  wheel  1234 Nov 25 13:39 file', file('file', 1234, T)],
    ['OpenBSD dir, year', 'drwxr-xr-x  2 root  wheel   512 Jan  1  2025 dir', dir('dir', 512, '2025-01-01T00:00:00Z')],
    ['OpenBSD sticky', 'drwxrwxrwt  4 root  wheel   512 Nov 25 13:39 tmp', dir('tmp', 512, T, 'rwxrwxrwt')],
    // Column variations.
    ['missing group', '-rw-r--r--   1 ftp   1234 Nov 25 13:39 nogroup.txt', file('nogroup.txt', 1234, T)],
    ['missing link count', '-rw-r--r-- ftp ftp 1234 Nov 25 13:39 nolinks.txt', file('nolinks.txt', 1234, T)],
    ['owner named like a month', '-rw-r--r-- 1 may jun 77 Nov 25 13:39 m', file('m', 77, T)],
    ['macOS xattr marker', '-rw-r--r--@  1 user  staff  1234 Nov 25 13:39 x', file('x', 1234, T)],
    ['ACL marker', 'drwxr-xr-x+ 2 user group 4096 Nov 25 13:39 acl', dir('acl', 4096, T)],
    ['SELinux marker', '-rw-r--r--. 1 root root 1234 Nov 25 13:39 se', file('se', 1234, T)],
    ['setuid', '-rwsr-xr-x 1 root root 54256 Nov 25 13:39 passwd', file('passwd', 54256, T, 'rwsr-xr-x')],
    ['setgid without x', '-rw-r-Sr-- 1 root root 1 Nov 25 13:39 odd', file('odd', 1, T, 'rw-r-Sr--')],
    ['fifo', 'prw-r--r-- 1 root root 0 Nov 25 13:39 pipe', file('pipe', 0, T)],
    ['socket', 'srwxrwxrwx 1 root root 0 Nov 25 13:39 sock', file('sock', 0, T, 'rwxrwxrwx')],
    ['lowercase month', '-rw-r--r-- 1 0 0 1 nov 25 13:39 lc', file('lc', 1, T)],
    ['single-digit hour', '-rw-r--r-- 1 0 0 1 Nov 25 9:05 h', file('h', 1, '2026-11-25T09:05:00Z')],
    ['size beyond 2^32', '-rw-r--r-- 1 0 0 9007199254740991 Nov 25 13:39 max', file('max', Number.MAX_SAFE_INTEGER, T)],
    ['leading space on the line', ' -rw-r--r-- 1 0 0 3 Nov 25 13:39 lead', file('lead', 3, T)],
    // Names: everything after the one space that follows the date.
    ['name with spaces', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 my file  v2.txt', file('my file  v2.txt', 3, T)],
    ['name with leading spaces', '-rw-r--r-- 1 0 0 3 Nov 25 13:39   lead', file('  lead', 3, T)],
    ['name with trailing space', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 trail ', file('trail ', 3, T)],
    ['name that looks like a date', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 Dec 31  2020 x', file('Dec 31  2020 x', 3, T)],
    ['unicode name', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 日本語 ünï', file('日本語 ünï', 3, T)],
    ["' -> ' in a file's name", '-rw-r--r-- 1 0 0 3 Nov 25 13:39 a -> b', file('a -> b', 3, T)],
    // Hostile names come back as given: refusing them is the caller's call.
    ['name with CR', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 a\rb', file('a\rb', 3, T)],
    ['name with LF', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 a\nb', file('a\nb', 3, T)],
    ['name with NUL', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 a\0b', file('a\0b', 3, T)],
    ['name with slashes', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 ../../etc/passwd', file('../../etc/passwd', 3, T)],
    ['file named ..', '-rw-r--r-- 1 0 0 3 Nov 25 13:39 ..', file('..', 3, T)],
  ])('%s', (_label, line, expected) => {
    expect(parseListLine(line, NOW)).toEqual(expected);
  });
});

describe('parseListLine: symlinks', () => {
  const at = '2026-11-25T13:39:00Z';
  it.each<[string, string, ListEntry]>([
    ['relative target', 'lrwxrwxrwx 1 0 0 7 Nov 25 13:39 a -> ../b/c', link('a', '../b/c', 7, at)],
    ['spaces on both sides', 'lrwxrwxrwx 1 0 0 9 Nov 25 13:39 my link -> my target', link('my link', 'my target', 9, at)],
    // A link's size is its target's length in bytes: that decides which arrow splits.
    ["' -> ' in the name, size decides", 'lrwxrwxrwx 1 0 0 1 Nov 25 13:39 a -> b -> c', link('a -> b', 'c', 1, at)],
    ["' -> ' in the target, size decides", 'lrwxrwxrwx 1 0 0 6 Nov 25 13:39 a -> b -> c', link('a', 'b -> c', 6, at)],
    ['size in UTF-8 bytes', 'lrwxrwxrwx 1 0 0 7 Nov 25 13:39 é -> ü -> x', link('é', 'ü -> x', 7, at)],
    ['undecidable: the first arrow', 'lrwxrwxrwx 1 0 0 99 Nov 25 13:39 a -> b -> c', link('a', 'b -> c', 99, at)],
    ['no arrow: no target', 'lrwxrwxrwx 1 0 0 4 Nov 25 13:39 orphan', link('orphan', undefined, 4, at)],
    ['arrow with an empty target', 'lrwxrwxrwx 1 0 0 0 Nov 25 13:39 dangling -> ', link('dangling', undefined, 0, at)],
    ['arrow at the start is part of the name', 'lrwxrwxrwx 1 0 0 1 Nov 25 13:39  -> x', link(' -> x', undefined, 1, at)],
  ])('%s', (_label, line, expected) => {
    expect(parseListLine(line, NOW)).toEqual(expected);
  });
});

describe('parseListLine: lines that are not entries', () => {
  it.each([
    ['total 12'],
    ['total 0'],
    ['TOTAL 4'],
    [''],
    ['   '],
    ['\t'],
    ['drwxr-xr-x    2 0 0 4096 Nov 25 13:39 .'],
    ['drwxr-xr-x    2 0 0 4096 Nov 25 13:39 ..'],
    ['11-25-26  01:45PM       <DIR>          .'],
  ])('%j -> null', (line) => {
    expect(parseListLine(line, NOW)).toBeNull();
  });
});

describe('parseListLine: year inference for HH:MM dates', () => {
  // The year is the most recent one that does not put the date more than
  // half a year (182.6 days, as ls) after now: the year closest to now.
  it.each([
    // Just after new year: last December is last year; a day of clock skew stays this year.
    ['2027-01-02T10:00:00Z', 'Dec 31 23:59', '2026-12-31T23:59:00Z'],
    ['2027-01-02T10:00:00Z', 'Jan 02 09:00', '2027-01-02T09:00:00Z'],
    ['2027-01-02T10:00:00Z', 'Jan 03 09:00', '2027-01-03T09:00:00Z'],
    ['2027-01-02T10:00:00Z', 'Jul 20 12:00', '2026-07-20T12:00:00Z'],
    // Just before new year: a server clock a little ahead already lives in next year.
    ['2026-12-31T23:30:00Z', 'Jan 01 00:10', '2027-01-01T00:10:00Z'],
    ['2026-12-31T23:30:00Z', 'Dec 31 23:00', '2026-12-31T23:00:00Z'],
    // The half-year edge: now + 182d 14h 54m 36s = 2027-07-02T14:24:36Z.
    ['2026-12-31T23:30:00Z', 'Jul 02 14:24', '2027-07-02T14:24:00Z'],
    ['2026-12-31T23:30:00Z', 'Jul 02 14:25', '2026-07-02T14:25:00Z'],
    // Mid-year.
    ['2026-11-25T14:00:00Z', 'Nov 25 13:39', '2026-11-25T13:39:00Z'],
    ['2026-11-25T14:00:00Z', 'Jun 01 00:00', '2026-06-01T00:00:00Z'],
    ['2026-11-25T14:00:00Z', 'Mar 03 08:00', '2027-03-03T08:00:00Z'],
    // Feb 29 only exists in leap years.
    ['2026-11-25T14:00:00Z', 'Feb 29 10:00', '2024-02-29T10:00:00Z'],
    ['2028-03-10T00:00:00Z', 'Feb 29 10:00', '2028-02-29T10:00:00Z'],
  ])('now %s: %s -> %s', (now, date, modified) => {
    const entry = parseListLine(`-rw-r--r-- 1 0 0 1 ${date} f`, new Date(now));
    expect(entry?.modified).toBe(modified);
  });

  it('an explicit year is kept as given, future or past', () => {
    expect(parseListLine('-rw-r--r-- 1 0 0 1 Dec 31  2030 f', NOW)?.modified).toBe('2030-12-31T00:00:00Z');
    expect(parseListLine('-rw-r--r-- 1 0 0 1 Jan  1  1970 f', NOW)?.modified).toBe('1970-01-01T00:00:00Z');
  });

  it('an invalid `now` is a programming error, not a protocol error', () => {
    expect(() => parseListLine('-rw-r--r-- 1 0 0 1 Nov 25 13:39 f', new Date(NaN))).toThrow(RangeError);
  });
});

describe('parseListLine: DOS / IIS style', () => {
  it.each<[string, string, ListEntry]>([
    ['IIS dir', '11-25-26  01:45PM       <DIR>          sub dir', { name: 'sub dir', type: 'dir', modified: '2026-11-25T13:45:00Z' }],
    ['IIS file', '11-25-26  01:45PM              1234 file.txt', { name: 'file.txt', type: 'file', size: 1234, modified: '2026-11-25T13:45:00Z' }],
    ['four-digit year', '11-25-2026  01:45PM              1234 file.txt', { name: 'file.txt', type: 'file', size: 1234, modified: '2026-11-25T13:45:00Z' }],
    ['24-hour dir', '11-25-26  13:45       <DIR>          sub dir', { name: 'sub dir', type: 'dir', modified: '2026-11-25T13:45:00Z' }],
    ['24-hour file, four-digit year', '11-25-2026  00:05                 0 empty.txt', { name: 'empty.txt', type: 'file', size: 0, modified: '2026-11-25T00:05:00Z' }],
    ['midnight is 12AM', '12-01-99  12:00AM       <DIR>          old', { name: 'old', type: 'dir', modified: '1999-12-01T00:00:00Z' }],
    ['noon is 12PM', '01-01-70  12:30PM                 1 epoch', { name: 'epoch', type: 'file', size: 1, modified: '1970-01-01T12:30:00Z' }],
    ['two-digit year 69 is 2069', '01-01-69  08:00AM                 1 y', { name: 'y', type: 'file', size: 1, modified: '2069-01-01T08:00:00Z' }],
    ['leap day', '02-29-24  11:59PM                10 leap', { name: 'leap', type: 'file', size: 10, modified: '2024-02-29T23:59:00Z' }],
    ['lowercase am/pm', '11-25-26  01:45pm       <DIR>          lc', { name: 'lc', type: 'dir', modified: '2026-11-25T13:45:00Z' }],
    ['space before PM', '11-25-26  01:45 PM      <DIR>          spaced', { name: 'spaced', type: 'dir', modified: '2026-11-25T13:45:00Z' }],
    ['slashes', '11/25/2026  13:45              7 s.txt', { name: 's.txt', type: 'file', size: 7, modified: '2026-11-25T13:45:00Z' }],
    ['ISO date', '2026-11-25  13:45       <DIR>          iso dir', { name: 'iso dir', type: 'dir', modified: '2026-11-25T13:45:00Z' }],
    ['big file', '11-25-26  01:45PM       68719476736 disk.img', { name: 'disk.img', type: 'file', size: 68719476736, modified: '2026-11-25T13:45:00Z' }],
    ['name with inner spaces', '11-25-26  01:45PM                 3 a  b  c', { name: 'a  b  c', type: 'file', size: 3, modified: '2026-11-25T13:45:00Z' }],
    ['name with NUL', '11-25-26  01:45PM                 3 a\0b', { name: 'a\0b', type: 'file', size: 3, modified: '2026-11-25T13:45:00Z' }],
  ])('%s', (_label, line, expected) => {
    expect(parseListLine(line, NOW)).toEqual(expected);
  });
});

describe('parseListLine: malformed lines throw', () => {
  it.each([
    // Not a listing line at all.
    ['hello world', /malformed LIST/],
    ['226 Transfer complete', /malformed LIST/],
    ['total', /malformed LIST/],
    ['total 12 extra', /malformed LIST/],
    ['+i8388621.29609,m824255902,/,\tdev', /malformed LIST/], // EPLF: unsupported
    // Unix: broken mode, missing columns, missing name.
    ['xrw-r--r-- 1 0 0 1 Nov 25 13:39 f', /malformed LIST/],
    ['-rw-r--r 1 0 0 1 Nov 25 13:39 f', /malformed LIST/],
    ['-rwxr-xr-xx 1 0 0 1 Nov 25 13:39 f', /malformed LIST/],
    ['-rq-r--r-- 1 0 0 1 Nov 25 13:39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 13:39', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 13:39 ', /no name/],
    ['-rw-r--r-- 1 Nov 25 13:39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nox 25 13:39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 32 13:39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 13.39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 133:9 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 20261 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 1.5K Nov 25 13:39 f', /malformed LIST/],
    ['-rw-r--r-- 1 0 0 -1 Nov 25 13:39 f', /malformed LIST/],
    // Sizes we cannot represent exactly.
    ['-rw-r--r-- 1 0 0 9007199254740992 Nov 25 13:39 f', /size/],
    ['-rw-r--r-- 1 0 0 99999999999999999999999999 Nov 25 13:39 f', /size/],
    // Impossible dates.
    ['-rw-r--r-- 1 0 0 1 Feb 30 10:00 f', /invalid date/],
    ['-rw-r--r-- 1 0 0 1 Feb 30  2024 f', /date/],
    ['-rw-r--r-- 1 0 0 1 Feb 29  2025 f', /date/],
    ['-rw-r--r-- 1 0 0 1 Nov 31 10:00 f', /invalid date/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 24:00 f', /invalid date/],
    ['-rw-r--r-- 1 0 0 1 Nov 25 13:60 f', /invalid date/],
    // DOS.
    ['13-25-26  01:45PM       <DIR>          x', /date/],
    ['02-30-26  01:45PM       <DIR>          x', /date/],
    ['11-25-26  13:45PM       <DIR>          x', /malformed LIST/],
    ['11-25-26  00:45AM       <DIR>          x', /malformed LIST/],
    ['11-25-26  24:00       <DIR>          x', /malformed LIST/],
    ['11-25-26  01:45PM       <DIR>', /no name/],
    ['11-25-26  01:45PM', /malformed LIST/],
    ['11-25-26  01:45PM              12a4 x', /size/],
    ['11-25-26  01:45PM   99999999999999999 x', /size/],
    ['11-25-2  01:45PM       <DIR>          x', /malformed LIST/],
    ['1125-26  01:45PM       <DIR>          x', /malformed LIST/],
  ])('%j throws', (line, message) => {
    expectProtocolError(() => parseListLine(line, NOW), message);
  });
});

describe('parseMlsdLine', () => {
  it.each<[string, string, ListEntry | null]>([
    // RFC 3659 7.7 examples.
    ['RFC cdir', 'Type=cdir;Modify=19981107085215;Perm=el; /tmp', null],
    ['RFC pdir', 'Type=pdir;Unique=keVO1+d?3;Perm=el; ..', null],
    ['RFC file, empty perm', 'Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z', { name: 'capmux.tar.z', type: 'file', size: 25730, modified: '1994-07-28T09:58:54Z', perm: '' }],
    ['RFC file', 'Type=file;Size=1830;Modify=19940916055648;Perm=r; hatch.c', { name: 'hatch.c', type: 'file', size: 1830, modified: '1994-09-16T05:56:48Z', perm: 'r' }],
    ['RFC unique only', 'type=dir;unique=AQkAAAAAAAABCAAA; bin', { name: 'bin', type: 'dir' }],
    ['RFC MLST path', 'Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz', { name: '/tmp/cap60.pl198.tar.gz', type: 'file', size: 1024990, perm: 'r' }],
    // pure-ftpd.
    ['pure-ftpd file', 'type=file;size=12;modify=20261125134500;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a7a; a.txt', { name: 'a.txt', type: 'file', size: 12, modified: '2026-11-25T13:45:00Z', permissions: 'rw-r--r--' }],
    ['pure-ftpd dir, sizd', 'type=dir;sizd=4096;modify=20261125134500;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a7b; sub', { name: 'sub', type: 'dir', size: 4096, modified: '2026-11-25T13:45:00Z', permissions: 'rwxr-xr-x' }],
    ['pure-ftpd cdir', 'type=cdir;sizd=4096;modify=20261125134500;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a79; .', null],
    ['pure-ftpd pdir', 'type=pdir;sizd=4096;modify=20261125134500;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=803g2; ..', null],
    // proftpd: facts sorted by name; UNIX.mode is the permissions, perm (what this user may do) kept apart.
    ['proftpd file', 'modify=20261125134500;perm=adfrw;size=12;type=file;unique=FD00U1234;UNIX.group=1000;UNIX.groupname=ftp;UNIX.mode=0644;UNIX.owner=1000;UNIX.ownername=ftp; a.txt', { name: 'a.txt', type: 'file', size: 12, modified: '2026-11-25T13:45:00Z', permissions: 'rw-r--r--', perm: 'adfrw' }],
    ['proftpd symlink', 'modify=20261125134500;perm=adfrw;size=9;type=OS.unix=symlink;unique=FD00U1235;UNIX.mode=0777; motd', { name: 'motd', type: 'link', size: 9, modified: '2026-11-25T13:45:00Z', permissions: 'rwxrwxrwx', perm: 'adfrw' }],
    ['proftpd slink with target', 'modify=20261125134500;perm=adfrw;size=9;type=OS.unix=slink:/etc/motd;unique=FD00U1235; motd', { name: 'motd', type: 'link', size: 9, modified: '2026-11-25T13:45:00Z', perm: 'adfrw', target: '/etc/motd' }],
    ['proftpd milliseconds', 'modify=20261125134500.123;perm=adfrw;size=1;type=file; ms', { name: 'ms', type: 'file', size: 1, modified: '2026-11-25T13:45:00.123Z', perm: 'adfrw' }],
    // Facts are case-insensitive; values of type too.
    ['upper-case facts', 'TYPE=FILE;SIZE=1;MODIFY=20261125134500; x', { name: 'x', type: 'file', size: 1, modified: '2026-11-25T13:45:00Z' }],
    ['mixed-case type', 'Type=Dir; x', { name: 'x', type: 'dir' }],
    ['slink target keeps its case', 'type=OS.UNIX=SLINK:/Target/Case; l', { name: 'l', type: 'link', target: '/Target/Case' }],
    ['slink target may hold =', 'type=OS.unix=slink:a=b;size=3; l', { name: 'l', type: 'link', size: 3, target: 'a=b' }],
    ['slink with empty target', 'type=OS.unix=slink:; l', { name: 'l', type: 'link' }],
    // Links named by a fact of their own, beside type=file (or dir).
    ['UNIX.slink with type=file', 'type=file;size=9;UNIX.slink=/etc/motd; motd', { name: 'motd', type: 'link', size: 9, target: '/etc/motd' }],
    ['unix.slink, lower case', 'type=file;unix.slink=data.bin; latest', { name: 'latest', type: 'link', target: 'data.bin' }],
    ['UNIX.slink with type=dir', 'type=dir;UNIX.slink=/srv/pub; pub', { name: 'pub', type: 'link', target: '/srv/pub' }],
    ['UNIX.slink empty', 'type=file;UNIX.slink=; l', { name: 'l', type: 'link' }],
    ['slink type wins over the fact', 'type=OS.unix=slink:/a;UNIX.slink=/b; l', { name: 'l', type: 'link', target: '/a' }],
    ['symlink type, target from the fact', 'type=OS.unix=symlink;UNIX.slink=/b; l', { name: 'l', type: 'link', target: '/b' }],
    // UNIX.mode as ls shows it; a mode that is not octal is left out.
    ['setuid, setgid, sticky', 'type=file;UNIX.mode=7755; s', { name: 's', type: 'file', permissions: 'rwsr-sr-t' }],
    ['special bits without x', 'type=file;UNIX.mode=7644; s', { name: 's', type: 'file', permissions: 'rwSr-Sr-T' }],
    ['three digits', 'type=file;UNIX.mode=640; m', { name: 'm', type: 'file', permissions: 'rw-r-----' }],
    ['a whole st_mode', 'type=file;UNIX.mode=100600; m', { name: 'm', type: 'file', permissions: 'rw-------' }],
    ['mode 0', 'type=file;UNIX.mode=0; m', { name: 'm', type: 'file', permissions: '---------' }],
    ['not octal', 'type=file;UNIX.mode=0789;perm=r; m', { name: 'm', type: 'file', perm: 'r' }],
    ['symbolic mode is not octal', 'type=file;UNIX.mode=rwxr-xr-x; m', { name: 'm', type: 'file' }],
    ['other OS types are files', 'type=OS.unix=chr-1/3; null', { name: 'null', type: 'file' }],
    ['size preferred over sizd', 'type=dir;size=1;sizd=2; d', { name: 'd', type: 'dir', size: 1 }],
    // Fractions of a second: normalised to milliseconds.
    ['tenths', 'type=file;modify=20261125134500.5; f', { name: 'f', type: 'file', modified: '2026-11-25T13:45:00.500Z' }],
    ['microseconds', 'type=file;modify=20261125134500.123456; f', { name: 'f', type: 'file', modified: '2026-11-25T13:45:00.123Z' }],
    ['leap day', 'type=file;modify=20240229235959; f', { name: 'f', type: 'file', modified: '2024-02-29T23:59:59Z' }],
    // Tolerated: no trailing ';', doubled ';', unknown facts.
    ['no trailing semicolon', 'type=file;size=5 f', { name: 'f', type: 'file', size: 5 }],
    ['doubled semicolons', 'type=file;;size=5;; f', { name: 'f', type: 'file', size: 5 }],
    ['unknown facts', 'type=file;lang=en;media-type=text/plain;charset=UTF-8;x.foo=bar;create=20200101000000; f', { name: 'f', type: 'file' }],
    ['empty fact value', 'type=file;unique=; f', { name: 'f', type: 'file' }],
    // The name is everything after the first space, as given.
    ['name with spaces and ;', 'type=file;size=1; a; b = c;', { name: 'a; b = c;', type: 'file', size: 1 }],
    ['name with leading space', 'type=file;size=1;  lead', { name: ' lead', type: 'file', size: 1 }],
    ['name with CR LF NUL', 'type=file;size=1; a\r\n\0b', { name: 'a\r\n\0b', type: 'file', size: 1 }],
    ['name with slashes', 'type=file;size=1; ../../etc/passwd', { name: '../../etc/passwd', type: 'file', size: 1 }],
    ['dir named .. as cdir', 'type=dir; ..', null],
    ['file named ..', 'type=file; ..', { name: '..', type: 'file' }],
    ['blank', '', null],
  ])('%s', (_label, line, expected) => {
    expect(parseMlsdLine(line)).toEqual(expected);
  });

  it.each([
    ['type=file;size=12', /no name/],
    ['type=file;size=12; ', /empty name/],
    ['size=12; x', /no type/],
    [' x', /no type/],
    ['type=banana; x', /unknown type/],
    ['type=; x', /unknown type/],
    ['type=file;size=abc; x', /size/],
    ['type=file;size=; x', /size/],
    ['type=file;size=-1; x', /size/],
    ['type=file;size=1e3; x', /size/],
    ['type=file;size=9007199254740992; x', /size/],
    ['type=file;size=99999999999999999999999; x', /size/],
    ['type=file;modify=20261325134500; x', /date/],
    ['type=file;modify=20260230134500; x', /date/],
    ['type=file;modify=20250229134500; x', /date/],
    ['type=file;modify=20261125246000; x', /date/],
    ['type=file;modify=20261125136000; x', /date/],
    ['type=file;modify=20261125134560; x', /date/],
    ['type=file;modify=20261100134500; x', /date/],
    ['type=file;modify=2026112513450; x', /modify/],
    ['type=file;modify=202611251345000; x', /modify/],
    ['type=file;modify=20261125134500.; x', /modify/],
    ['type=file;modify=20261125134500.12a; x', /modify/],
    ['type=file;modify=2026-11-25T13:45; x', /modify/],
    ['type=file;type=dir; x', /duplicate/],
    ['Type=file;TYPE=file; x', /duplicate/],
    ['type=file;=x; y', /bad fact/],
    ['type=file;noequals; y', /bad fact/],
  ])('%j throws', (line, message) => {
    expectProtocolError(() => parseMlsdLine(line), message);
  });
});

describe('listingLines', () => {
  it('splits at LF and drops every trailing CR and the empty lines', () => {
    expect(listingLines('a\r\nb\r\r\nc\nd\r\r\r\n\r\n\n e \r')).toEqual(['a', 'b', 'c', 'd', ' e ']);
  });

  it('keeps a CR inside a line', () => {
    expect(listingLines('type=file; a\rb\r\n')).toEqual(['type=file; a\rb']);
  });

  it('an empty text has no lines', () => {
    expect(listingLines('')).toEqual([]);
    expect(listingLines('\r\n\r\r\n')).toEqual([]);
  });
});

describe('parseListing', () => {
  it('keeps entries and reports the lines it could not parse', () => {
    const lines = [
      'total 12',
      'drwxr-xr-x    3 0        0            4096 Nov 25 13:39 .',
      'drwxr-xr-x    3 0        0            4096 Nov 25 13:39 ..',
      '-rw-r--r--    1 0        0            4096 Nov 25 13:39 f.bin',
      'this is not a listing line',
      '',
      'drwxr-xr-x    2 0        0            4096 Jan 01  2025 dir',
      '-rw-r--r--    1 0        0 9007199254740993 Nov 25 13:39 huge',
    ];
    expect(parseListing(lines, 'list', NOW)).toEqual({
      entries: [file('f.bin', 4096, T), dir('dir', 4096, '2025-01-01T00:00:00Z')],
      unparsed: ['this is not a listing line', '-rw-r--r--    1 0        0 9007199254740993 Nov 25 13:39 huge'],
    });
  });

  it('mixes unix and DOS lines in list format', () => {
    const { entries, unparsed } = parseListing(
      ['11-25-26  01:45PM       <DIR>          sub', '-rw-r--r-- 1 0 0 1 Nov 25 13:39 f'],
      'list',
      NOW,
    );
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['sub', 'dir'],
      ['f', 'file'],
    ]);
    expect(unparsed).toEqual([]);
  });

  it('parses MLSD, skipping cdir and pdir', () => {
    const lines = [
      'type=cdir;sizd=4096;modify=20261125134500; .',
      'type=pdir;sizd=4096;modify=20261125134500; ..',
      'type=file;size=12;modify=20261125134500; a b.txt',
      'type=dir;modify=20261125134500; sub',
      'type=file;size=x; broken',
      '-rw-r--r-- 1 0 0 1 Nov 25 13:39 f',
    ];
    expect(parseListing(lines, 'mlsd', NOW)).toEqual({
      entries: [
        { name: 'a b.txt', type: 'file', size: 12, modified: '2026-11-25T13:45:00Z' },
        { name: 'sub', type: 'dir', modified: '2026-11-25T13:45:00Z' },
      ],
      unparsed: ['type=file;size=x; broken', '-rw-r--r-- 1 0 0 1 Nov 25 13:39 f'],
    });
  });

  it('an empty listing has no entries', () => {
    expect(parseListing([], 'list', NOW)).toEqual({ entries: [], unparsed: [] });
    expect(parseListing([], 'mlsd', NOW)).toEqual({ entries: [], unparsed: [] });
  });
});
