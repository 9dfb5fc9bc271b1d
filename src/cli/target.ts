import { UsageError } from './exit-codes.js';
import { hasLineBreak } from '../protocol/command.js';

export { parseTarget, type Target } from '../core/target.js';

/** CR, LF or NUL would let a name smuggle a second command: refuse before connecting. */
export function checkRemoteName(value: string, what: string): void {
  if (hasLineBreak(value)) throw new UsageError(`${what} contains a CR, LF or NUL character`);
}
