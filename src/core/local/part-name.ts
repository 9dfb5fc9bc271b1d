import { basename, dirname, join } from 'node:path';

/** The longest file name, in bytes, that common file systems take (ext4, XFS, btrfs, APFS: 255). */
const NAME_MAX = 255;

/**
 * The temporary name a download is written under before it is renamed to
 * `final`: `<name>.part` next to it. When that name is too long for the file
 * system, or is itself the name of another file of the same transfer
 * (`taken`: a folder holding both `x.iso` and `x.iso.part`), the name is
 * shortened and tagged with a hash of the full name instead. The result
 * depends only on the name and `taken`, so a later run with -c finds it again.
 */
export async function tempPath(final: string, suffix = '.part', taken?: ReadonlySet<string>): Promise<string> {
  const name = basename(final);
  const plain = name + suffix;
  if (Buffer.byteLength(plain) <= NAME_MAX && !taken?.has(plain)) return join(dirname(final), plain);
  const { createHash } = await import('node:crypto'); // only for the rare long or colliding name
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  for (let n = 0; ; n++) {
    const tag = `.~${hash}${n ? `-${n}` : ''}${suffix}`;
    const candidate = cutToBytes(name, NAME_MAX - Buffer.byteLength(tag)) + tag;
    if (!taken?.has(candidate)) return join(dirname(final), candidate);
  }
}

/** The longest prefix of `text` that fits in `max` bytes of UTF-8, never splitting a character. */
function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end);
}
