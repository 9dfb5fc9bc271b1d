import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEdits, compareTrees, contentFor, editSpec, siteSpec, undoEdits, writeSite } from '../../bench/sync-site.js';

// The sync cases' site and the check that decides whether a tool's run counts.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tftp-sync-site-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bench sync site', () => {
  it('is 1000 files of 1-100 KiB, about 20 MiB, over 40 folders at most 3 deep, the same on every call', () => {
    const s = siteSpec(1000);
    expect(s.files).toHaveLength(1000);
    expect(new Set(s.files.map((f) => f.path)).size).toBe(1000);
    expect(s.folders).toHaveLength(40);
    expect(Math.max(...s.folders.map((f) => (f ? f.split('/').length : 0)))).toBe(3);
    expect(Math.min(...s.files.map((f) => f.size))).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...s.files.map((f) => f.size))).toBeLessThanOrEqual(100 * 1024);
    expect(s.bytes / 1024 ** 2).toBeGreaterThan(18);
    expect(s.bytes / 1024 ** 2).toBeLessThan(23);
    // Every folder holds a file (rclone creates no empty folders).
    for (const folder of s.folders.filter(Boolean)) expect(s.files.some((f) => f.path.startsWith(`${folder}/`))).toBe(true);
    expect(siteSpec(1000)).toEqual(s);
    expect(contentFor('a/x', 4096).equals(contentFor('a/x', 4096))).toBe(true);
    expect(contentFor('a/x', 4096).equals(contentFor('a/y', 4096))).toBe(false);
  });

  it('edits 10 files, half keeping their size, and deletes 5 others, never a folder\'s last file', () => {
    const s = siteSpec(1000);
    const e = editSpec(s, { changed: 10, deleted: 5 });
    const sizeOf = new Map(s.files.map((f) => [f.path, f.size]));
    expect(e.change).toHaveLength(10);
    expect(e.remove).toHaveLength(5);
    expect(e.change.filter((c) => c.size === sizeOf.get(c.path))).toHaveLength(5);
    const touched = new Set([...e.change.map((c) => c.path), ...e.remove]);
    expect(touched.size).toBe(15);
    const fixed = new Set(s.files.slice(0, s.fixed).map((f) => f.path));
    for (const p of e.remove) expect(fixed.has(p)).toBe(false);
  });

  it('the check passes equal trees and names a same-size edit, a missing file, an extra file and an extra folder', () => {
    const s = siteSpec(30);
    const local = join(dir, 'local');
    const remote = join(dir, 'remote');
    writeSite(local, s);
    writeSite(remote, s);
    expect(compareTrees(local, remote)).toBeNull();

    const e = editSpec(s, { changed: 2, deleted: 1 });
    const same = e.change.find((c) => c.size === s.files.find((f) => f.path === c.path)!.size)!;
    applyEdits(local, e);
    expect(statSync(join(local, same.path)).mtimeMs).toBeGreaterThan(Date.now());
    const problem = compareTrees(local, remote);
    expect(problem).toMatch(/extra path|differs/);
    // What a tool that misses same-size edits leaves: everything right but one file's bytes.
    applyEdits(remote, e);
    expect(compareTrees(local, remote)).toBeNull();
    writeFileSync(join(remote, same.path), contentFor(same.path, same.size));
    expect(compareTrees(local, remote)).toBe(`${same.path} differs on the server (${same.size} bytes, local ${same.size})`);
    applyEdits(remote, { ...e, remove: [] });

    writeFileSync(join(remote, '.tftp-sync.json'), '{}');
    expect(compareTrees(local, remote)).toMatch(/^1 extra path\(s\) on the server, e\.g\. \.tftp-sync\.json$/);
    expect(compareTrees(local, remote, { allowExtra: ['.tftp-sync.json'] })).toBeNull();
    mkdirSync(join(remote, 'leftover'));
    expect(compareTrees(local, remote, { allowExtra: ['.tftp-sync.json'] })).toMatch(/extra path\(s\) on the server, e\.g\. leftover\/$/);
    rmSync(join(remote, 'leftover'), { recursive: true });
    rmSync(join(remote, s.files[0]!.path));
    expect(compareTrees(local, remote, { allowExtra: ['.tftp-sync.json'] })).toBe(`1 path(s) missing on the server, e.g. ${s.files[0]!.path}`);
  });

  it('undoing the edits gives back the site as written, bytes and times', () => {
    const s = siteSpec(30);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeSite(a, s);
    writeSite(b, s);
    const e = editSpec(s, { changed: 4, deleted: 2 });
    applyEdits(b, e);
    undoEdits(b, s, e);
    expect(compareTrees(a, b)).toBeNull();
    for (const f of s.files) {
      expect(statSync(join(b, f.path)).mtimeMs).toBe(f.mtimeS * 1000);
      expect(readFileSync(join(b, f.path)).length).toBe(f.size);
    }
  });
});
