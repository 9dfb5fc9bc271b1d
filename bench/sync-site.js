// The web site of the sync cases: files of mixed sizes in nested folders, all
// derived from a seed (the same bytes on every machine and every run), the
// edits of the second phase, and the check that a remote folder on the
// server's disk equals the local one byte for byte.
import { createCipheriv, createHash } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SEED = 'tftp-bench-sync-1';
const KiB = 1024;
/** Folders: 3 at the top, 3 in each, 3 in each of those (39, and the top folder: 40). */
const FANOUT = 3;
const DEPTH = 3;
const EXTENSIONS = ['.html', '.css', '.js', '.json', '.svg', '.png', '.jpg', '.txt'];
/** Modification time of the untouched files: a fixed day, one second apart. */
const BASE_MTIME_S = Date.UTC(2026, 0, 1) / 1000;

/** A small deterministic generator (mulberry32): numbers in [0, 1). */
function prng(seedText) {
  let a = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` bytes derived from `label` (AES-CTR over zeros: fast and the same everywhere). */
export function contentFor(label, size) {
  const key = createHash('sha256').update(`${SEED}:${label}`).digest();
  const c = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()]);
}

/** Folders in breadth-first order (parents first), at most `max` of them, '' being the top. */
function folderList(max) {
  const out = [''];
  for (let i = 0; i < out.length && out.length < max; i++) {
    const parent = out[i];
    const level = parent ? parent.split('/').length : 0;
    if (level >= DEPTH) continue;
    for (let k = 0; k < FANOUT && out.length < max; k++) out.push(`${parent ? `${parent}/` : ''}${'abc'[level]}${k}`);
  }
  return out;
}

/**
 * The site: `files` files over up to 40 folders (at most one folder per two files),
 * sizes from 1 KiB to 100 KiB, most of them small (1 KiB + 99 KiB × u⁴: ~20 KiB on average).
 * Every folder holds at least one file, so no tool has to create an empty folder.
 * @returns {{folders:string[], files:Array<{path:string, size:number, mtimeS:number}>, bytes:number, fixed:number}}
 */
export function siteSpec(files) {
  const rand = prng(`${SEED}:site:${files}`);
  const folders = folderList(Math.max(1, Math.min(FANOUT + FANOUT ** 2 + FANOUT ** 3 + 1, Math.floor(files / 2))));
  const list = [];
  for (let i = 0; i < files; i++) {
    const folder = i < folders.length ? folders[i] : folders[Math.floor(rand() * folders.length)];
    const name = `f${String(i).padStart(4, '0')}${EXTENSIONS[Math.floor(rand() * EXTENSIONS.length)]}`;
    const size = KiB + Math.floor(rand() ** 4 * 99 * KiB);
    list.push({ path: folder ? `${folder}/${name}` : name, size, mtimeS: BASE_MTIME_S + i });
  }
  // `fixed`: the first files, one per folder, are never deleted (no folder empties).
  return { folders, files: list, bytes: list.reduce((a, f) => a + f.size, 0), fixed: folders.length };
}

/**
 * The second phase's edits: `changed` files get new content (half of them the same
 * size, half a different one), `deleted` others are removed. Deterministic.
 */
export function editSpec(site, { changed, deleted }) {
  const rand = prng(`${SEED}:edits:${site.files.length}`);
  const pool = site.files.slice(site.fixed);
  const pick = () => pool.splice(Math.floor(rand() * pool.length), 1)[0];
  const change = [];
  for (let i = 0; i < changed && pool.length; i++) {
    const f = pick();
    const size = i % 2 === 0 ? f.size : f.size + 512 + Math.floor(rand() * 4 * KiB);
    change.push({ path: f.path, size });
  }
  const remove = [];
  for (let i = 0; i < deleted && pool.length; i++) remove.push(pick().path);
  return { change, remove, bytes: change.reduce((a, f) => a + f.size, 0) };
}

/** Write the untouched site into `dir` (replacing whatever is there). */
export function writeSite(dir, site) {
  rmSync(dir, { recursive: true, force: true });
  for (const folder of site.folders) mkdirSync(join(dir, folder), { recursive: true });
  for (const f of site.files) restoreFile(dir, f);
}

function restoreFile(dir, f) {
  const p = join(dir, f.path);
  writeFileSync(p, contentFor(f.path, f.size), { mode: 0o644 });
  utimesSync(p, f.mtimeS, f.mtimeS);
}

/** Put back the files `edits` touched, as `writeSite` wrote them. */
export function undoEdits(dir, site, edits) {
  const touched = new Set([...edits.change.map((c) => c.path), ...edits.remove]);
  for (const f of site.files) if (touched.has(f.path)) restoreFile(dir, f);
}

/**
 * Apply the edits to the site in `dir`. The edited files' time is 2 s ahead of the
 * clock: an edit made after the deploy, even by tools that compare to the second.
 */
export function applyEdits(dir, edits) {
  const t = Date.now() / 1000 + 2;
  for (const c of edits.change) {
    const p = join(dir, c.path);
    writeFileSync(p, contentFor(`${c.path}#edited`, c.size));
    utimesSync(p, t, t);
  }
  for (const path of edits.remove) rmSync(join(dir, path));
}

/** An empty folder at `dir` that the server's sessions can write (owned like `parent`). */
export function emptyRemoteFolder(dir, parent) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const st = statSync(parent);
  chownSync(dir, st.uid, st.gid);
}

/** Relative paths under `dir`: folders end with '/'. */
function walk(dir, rel = '', out = []) {
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) {
      out.push(`${r}/`);
      walk(dir, r, out);
    } else out.push(r);
  }
  return out;
}

/**
 * Does the folder on the server's disk equal the local one, byte for byte, with
 * nothing extra (`allowExtra`: names a tool keeps at the top for itself)?
 * @returns {string|null} null when equal, else the first difference
 */
export function compareTrees(localDir, remoteDir, { allowExtra = [] } = {}) {
  if (!existsSync(remoteDir)) return `the remote folder ${remoteDir} does not exist`;
  const local = walk(localDir);
  const remote = walk(remoteDir).filter((p) => !allowExtra.includes(p));
  const remoteSet = new Set(remote);
  const localSet = new Set(local);
  const missing = local.filter((p) => !remoteSet.has(p));
  const extra = remote.filter((p) => !localSet.has(p));
  if (missing.length) return `${missing.length} path(s) missing on the server, e.g. ${missing[0]}`;
  if (extra.length) return `${extra.length} extra path(s) on the server, e.g. ${extra[0]}`;
  for (const p of local) {
    if (p.endsWith('/')) continue;
    const a = readFileSync(join(localDir, p));
    const b = readFileSync(join(remoteDir, p));
    if (!a.equals(b)) return `${p} differs on the server (${b.length} bytes, local ${a.length})`;
  }
  return null;
}
