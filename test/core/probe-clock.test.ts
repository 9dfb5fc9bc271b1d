import { describe, expect, it } from 'vitest';
import { clockReport, firstFile } from '../../src/core/probe/clock.js';
import type { Capability } from '../../src/core/probe/probe.js';

const mdtm: Capability = { advertised: true, file: 'f.bin', works: true, detail: '213 20240131120000' };
const recent = '-rw-r--r--    1 ftp      ftp          4096 Jan 31 12:00 f.bin\r\n';
const NOW = new Date('2024-02-01T00:00:00Z');

describe('firstFile', () => {
  it('takes the first regular file of a Unix listing, skipping folders and links', () => {
    const listing = 'drwxr-xr-x 2 ftp ftp 4096 Jan 01 2020 dir\r\nlrwxrwxrwx 1 ftp ftp 5 Jan 01 2020 l -> f\r\n-rw-r--r-- 1 ftp ftp 123 Mar  5  2021 my file.txt\r\n';
    expect(firstFile(listing)).toMatchObject({ name: 'my file.txt', size: 123, month: 2, day: 5, year: 2021 });
    expect(firstFile(recent)).toMatchObject({ name: 'f.bin', hour: 12, minute: 0 });
    expect(firstFile('total 0\r\n')).toBeNull();
  });
});

describe('clockReport', () => {
  it('LIST and MDTM agree', () => {
    const r = clockReport(firstFile(recent), '20240131120000', mdtm, NOW);
    expect(r).toMatchObject({ method: 'mdtm-vs-list', listMinusMdtmSeconds: 0, mdtm: '2024-01-31T12:00:00.000Z' });
    expect(r.summary).toMatch(/^LIST and MDTM agree/);
  });

  it('LIST in a time zone: the offset to the quarter hour', () => {
    const r = clockReport(firstFile(recent), '20240131103000', mdtm, NOW);
    expect(r.listMinusMdtmSeconds).toBe(5400);
    expect(r.summary).toMatch(/UTC\+01:30 from MDTM/);
  });

  it('a server clock ahead of ours is said', () => {
    const r = clockReport(firstFile('-rw-r--r-- 1 ftp ftp 1 Jan 01 2020 old\r\n'), '20240201020000', mdtm, NOW);
    expect(r).toMatchObject({ method: 'mdtm-vs-now', mdtmMinusNowSeconds: 7200 });
    expect(r.summary).toMatch(/2 h ahead of our clock/);
  });

  it('no file, no MDTM, or an MDTM that is not a time: unknown', () => {
    expect(clockReport(null, undefined, mdtm, NOW).summary).toMatch(/^unknown: no file/);
    expect(clockReport(firstFile(recent), undefined, { ...mdtm, works: false, detail: '550 no' }, NOW).summary).toMatch(/gave no time \(550 no\)/);
    expect(clockReport(firstFile(recent), '2024013112', mdtm, NOW).summary).toMatch(/not understood/);
  });
});
