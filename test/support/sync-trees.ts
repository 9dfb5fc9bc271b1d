import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

/** Every file under `dir`, relative path -> bytes. */
export async function files(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dir, p).split('\\').join('/'), await readFile(p));
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out;
}

/** The final name an upload's temporary name stands for: "a/.x.tftp-0123abcd.part" -> "a/x". */
export function finalName(path: string): string {
  return path.replace(/(^|\/)\.([^/]+)\.tftp-[0-9a-f]{8}(-[0-9a-f]{6})?\.part$/, '$1$2');
}

export function expectSame(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
}

/** A local tree to deploy: nested folders, an empty file, a name with a space. */
export async function site(root: string): Promise<void> {
  await mkdir(join(root, 'css/deep'), { recursive: true });
  await writeFile(join(root, 'index.html'), randomBytes(5000));
  await writeFile(join(root, 'with space.txt'), 'hello');
  await writeFile(join(root, 'css/site.css'), randomBytes(70_000));
  await writeFile(join(root, 'css/deep/empty.css'), '');
}

