import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * A name from a server listing is used as a local file name only when it is
 * one plain path segment: no separators, no "." or "..", no control
 * characters. Anything else could write outside the target folder.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name === '.' || name === '..') return 'a "." or ".." entry';
  if (name.includes('/') || name.includes('\\')) return 'a path separator in the name';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'a control character in the name';
  if (isAbsolute(name)) return 'an absolute path';
  return undefined;
}

/** The local path for `segments` under `root`; throws if it would leave `root` (belt and braces). */
export function localPathUnder(root: string, segments: string[]): string {
  const base = resolve(root);
  const path = resolve(join(base, ...segments));
  const rel = relative(base, path);
  if (isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(`refusing a path outside ${base}: ${segments.join('/')}`);
  }
  return path;
}

/** The local name a download gets by default: the remote basename, if it is a safe one. */
export function defaultLocalName(remote: string): string | undefined {
  const name = remote.split('/').filter(Boolean).pop();
  return name && name !== '.' && name !== '..' && !name.includes('\\') ? name : undefined;
}
