import { FtpError } from './errors.js';

/**
 * True when `value` holds a CR, LF or NUL: in a command line, a CR or LF
 * would smuggle a second command and a NUL would cut this one short.
 */
export function hasLineBreak(value: string): boolean {
  return /[\r\n\0]/.test(value);
}

/** Refuses a command argument with a CR, LF or NUL before anything reaches the wire. */
export function checkCommandArgument(value: string, what = 'argument'): void {
  if (hasLineBreak(value)) {
    throw new FtpError('argument', `${what} contains a CR, LF or NUL character`);
  }
}

/** The command as a trace shows it: passwords masked. */
export function traceCommand(line: string): string {
  return /^PASS /i.test(line) ? 'PASS ****' : line;
}
