import { FtpError } from './errors.js';

/**
 * A command line must not smuggle a second command (CR/LF) or cut one short
 * (NUL): refuse it before anything reaches the wire.
 */
export function checkCommandArgument(value: string, what = 'argument'): void {
  if (/[\r\n\0]/.test(value)) {
    throw new FtpError('argument', `${what} contains a CR, LF or NUL character`);
  }
}

/** The command as a trace shows it: passwords masked. */
export function traceCommand(line: string): string {
  return /^PASS /i.test(line) ? 'PASS ****' : line;
}
