import { Chalk, type ChalkInstance } from 'chalk';
import type { Io } from './io.js';
import { printable } from './text.js';
import { exitCodeFor, isFsError, EXIT } from './exit-codes.js';

/** Colour only for a terminal (stderr unless told), and never when NO_COLOR is set. */
export function colours(io: Io, stream: { isTTY?: boolean } = io.stderr): ChalkInstance {
  const wanted = stream.isTTY === true && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '');
  return new Chalk({ level: wanted ? 1 : 0 });
}

/** One line on stderr for any failure; the stack only with --verbose and only for our own bugs. */
export function reportError(io: Io, err: unknown, verbose: boolean): number {
  const code = exitCodeFor(err);
  const c = colours(io);
  io.stderr.write(`${c.red('tftp:')} ${describeError(err)}\n`);
  if (verbose && code === EXIT.internal && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return code;
}

/** The one-line text of any error, as the user sees it. */
export function describeError(err: unknown): string {
  const code = exitCodeFor(err);
  if (isFsError(err)) return describeFsError(err);
  const message = err instanceof Error ? err.message : String(err);
  const oneLine = printable(message.replace(/\s*[\r\n]+\s*/g, ' '));
  return code === EXIT.internal ? `internal error: ${oneLine}` : oneLine;
}

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EEXIST: 'file exists',
};

function describeFsError(err: NodeJS.ErrnoException): string {
  const what = FS_MESSAGES[err.code!] ?? err.message;
  return err.path ? `${err.path}: ${what}` : `local file: ${what}`;
}
