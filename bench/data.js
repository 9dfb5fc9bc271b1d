// Benchmark data: large random files and many small ones inside the served
// root, plus checksum helpers so every transferred file can be verified.
import { createHash, randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** sha256 of a file, streamed. */
export async function sha256File(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(chunk);
  return h.digest('hex');
}

/**
 * sha256 of a file we generated, cached in "<file>.sha256" next to it (keyed by
 * size and mtime) so that a re-run does not have to hash 1 GiB again.
 */
export async function cachedSha256(path, sidecar = `${path}.sha256`) {
  const st = statSync(path);
  const key = `${st.size} ${Math.trunc(st.mtimeMs)}`;
  if (existsSync(sidecar)) {
    const [k1, k2, hash] = readFileSync(sidecar, 'utf8').trim().split(' ');
    if (`${k1} ${k2}` === key && /^[0-9a-f]{64}$/.test(hash)) return hash;
  }
  const hash = await sha256File(path);
  writeFileSync(sidecar, `${key} ${hash}\n`);
  return hash;
}

/**
 * Make (or reuse) a file of `size` random bytes at `path`. Streamed in 4 MiB
 * chunks with back-pressure; written to a ".part" file and renamed at the end so
 * an interrupted run never leaves a short file that looks reusable.
 */
export async function ensureRandomFile(path, size, { log = () => {}, sumsDir } = {}) {
  if (existsSync(path) && statSync(path).size === size) {
    chmodSync(path, 0o644);
    return { path, size, sha256: await cachedSha256(path, sidecarFor(path, sumsDir)), reused: true };
  }
  log(`generating ${basename(path)} (${(size / MiB).toFixed(0)} MiB of random data)...`);
  const part = `${path}.part`;
  const out = createWriteStream(part, { mode: 0o644 });
  const h = createHash('sha256');
  let left = size;
  while (left > 0) {
    const n = Math.min(left, 4 * MiB);
    // A fresh buffer per write: the stream may still hold the previous one.
    const buf = randomFillSync(Buffer.allocUnsafe(n));
    h.update(buf);
    left -= n;
    if (!out.write(buf)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(part, path);
  chmodSync(path, 0o644);
  const sha256 = h.digest('hex');
  const st = statSync(path);
  writeFileSync(sidecarFor(path, sumsDir), `${st.size} ${Math.trunc(st.mtimeMs)} ${sha256}\n`);
  return { path, size, sha256, reused: false };
}

/** Checksums of generated files live in `sumsDir` (outside the served root) or next to the file. */
function sidecarFor(path, sumsDir) {
  if (!sumsDir) return `${path}.sha256`;
  mkdirSync(sumsDir, { recursive: true });
  return join(sumsDir, `${basename(path)}.sha256`);
}

export function smallName(i) {
  return `f${String(i).padStart(4, '0')}.bin`;
}

/**
 * Make (or reuse) `count` random files of `size` bytes in `dir`.
 * @returns {Promise<Array<{name:string, size:number, sha256:string}>>}
 */
export async function ensureSmallFiles(dir, count, size) {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const files = [];
  for (let i = 0; i < count; i++) {
    const name = smallName(i);
    const p = join(dir, name);
    let buf;
    if (existsSync(p) && statSync(p).size === size) buf = readFileSync(p);
    else {
      buf = randomFillSync(Buffer.alloc(size));
      writeFileSync(p, buf, { mode: 0o644 });
    }
    chmodSync(p, 0o644);
    files.push({ name, size, sha256: createHash('sha256').update(buf).digest('hex') });
  }
  return files;
}

/**
 * Check a transferred file against its source. Returns null when it matches,
 * otherwise a short reason.
 */
export async function verifyFile(path, expected) {
  if (!existsSync(path)) return `missing ${path}`;
  const size = statSync(path).size;
  if (size !== expected.size) return `size ${size} != ${expected.size} (${basename(path)})`;
  const hash = await sha256File(path);
  if (hash !== expected.sha256) return `sha256 mismatch (${basename(path)})`;
  return null;
}

/** Verify a folder of small files. Returns null or the first problem found. */
export async function verifyFiles(dir, files) {
  for (const f of files) {
    const problem = await verifyFile(join(dir, f.name), f);
    if (problem) return problem;
  }
  return null;
}

/** Remove what earlier (possibly interrupted) put runs left in the upload folder. */
export function clearUploads(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (/^put-.*\.bin$/.test(name)) rmSync(join(dir, name), { force: true });
}
