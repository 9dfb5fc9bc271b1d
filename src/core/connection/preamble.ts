import { isCompletion, type Reply } from '../../protocol/reply.js';
import type { ParsedFeatures } from '../../protocol/feat.js';
import type { ControlConnection } from './control.js';

/**
 * A command held back so that it costs no round trip of its own: it goes out
 * in the same write as the next command, and its reply is read before that
 * command's. `check` turns a reply that refuses it into the error to raise.
 */
export interface HeldCommand {
  line: string;
  check?: (reply: Reply) => Error | undefined;
  /** Hears that the line has gone out (its reply comes to `check`). */
  sent?: () => void;
}

/**
 * The commands held for the next write (TYPE, OPTS UTF8 ON). One of each
 * kind: holding a second TYPE replaces the first, which never needs to go.
 */
export class Preamble {
  private held = new Map<string, HeldCommand>();

  hold(kind: string, command: HeldCommand): void {
    this.held.set(kind, command);
  }

  /**
   * `send` writes the held lines (in the order first held) in front of its
   * own; they are no longer held once it returns, and still are if it throws
   * (a line that cannot be encoded sends nothing). Returns what went out.
   */
  sendWith(send: (held: string[]) => void): HeldCommand[] {
    const all = [...this.held.values()];
    send(all.map((h) => h.line));
    this.held.clear();
    for (const h of all) h.sent?.();
    return all;
  }

  /** Nothing of what is held will be needed (the session ends). */
  drop(): void {
    this.held.clear();
  }
}

/** TYPE, held for the next command; `refused` hears of a refusal and gives the error to raise. */
export function heldType(type: 'A' | 'I', refused: (reply: Reply) => Error): HeldCommand {
  return { line: `TYPE ${type}`, check: (reply) => (isCompletion(reply) ? undefined : refused(reply)) };
}

/**
 * Reads the replies of `held` (asked for at once, before anything else is
 * read): the first refusal, or undefined. A lost connection rejects.
 */
export async function readHeld(held: HeldCommand[], read: () => Promise<Reply>): Promise<Error | undefined> {
  const replies = held.map(() => read());
  for (const r of replies) r.catch(() => {}); // observed below, in order
  let failed: Error | undefined;
  for (let i = 0; i < held.length; i++) {
    const err = held[i]!.check?.(await replies[i]!);
    failed ??= err;
  }
  return failed;
}

/** `line` after the held commands, in one write: its reply once theirs are read; a held command's refusal throws instead. */
export async function sendAfterHeld(control: ControlConnection, preamble: Preamble, line: string, onSent?: () => void): Promise<Reply> {
  const held = preamble.sendWith((lines) => control.send(...lines, line));
  onSent?.();
  const refused = readHeld(held, () => control.read());
  const answer = control.read();
  answer.catch(() => {}); // read after the held replies, in order
  const err = await refused;
  // The refusal says why (a 421 that closes the connection leaves no reply to the command).
  if (err) throw await answer.then(() => err, () => err);
  return answer;
}

/** Commands that carry no name: login (before OPTS could be sent) and the UTF-8 announcement itself. */
const NO_NAME = /^(USER|PASS|ACCT|AUTH|PBSZ|PROT|FEAT|OPTS|QUIT)( |$)/i;

function namesNonAscii(line: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(line) && !NO_NAME.test(line);
}

/** Commands whose answer carries the server's names (a listing): the code page must be settled before them. */
const LISTS_NAMES = /^(LIST|NLST|MLSD|STAT )/i;

/**
 * RFC 2640: a server that lists UTF8 in FEAT may still use a local code page
 * for names until told (IIS, older FileZilla Server). It is told, with
 * `OPTS UTF8 ON`, before the first command that names something outside
 * ASCII or lists names: a session of ASCII names that lists nothing asks
 * neither FEAT nor OPTS for it. Refused is fine: the names are sent as UTF-8
 * either way.
 */
export class Utf8Announcement {
  private decided = false;

  /** `utf8`: whether names are sent as UTF-8 (not with another --encoding). */
  constructor(private readonly utf8: () => boolean) {}

  /**
   * Before `line` goes out with a reply awaited: before a non-ASCII name, FEAT
   * once, then OPTS UTF8 ON where it lists UTF8; before a listing, OPTS held to
   * go out with it (no round trip of its own). Undefined when there is nothing to wait for.
   */
  beforeCommand(line: string, known: ParsedFeatures | undefined, preamble: Preamble, features: () => Promise<ParsedFeatures>, command: (line: string) => Promise<unknown>): Promise<void> | undefined {
    if (this.decided) return undefined;
    if (LISTS_NAMES.test(line)) return void this.holdUnasked(known, preamble);
    if (!namesNonAscii(line)) return undefined;
    this.decided = true;
    if (!this.utf8()) return undefined;
    return features().then(async (feat) => void (feat.has('UTF8') && (await command('OPTS UTF8 ON'))));
  }

  /**
   * Before `lines` go out without waiting (sent ahead): no time to ask FEAT,
   * so OPTS is held unasked unless FEAT is known without UTF8 (a server that
   * does not know OPTS refuses it, harmlessly).
   */
  beforeSend(lines: string[], known: ParsedFeatures | undefined, preamble: Preamble): void {
    if (this.decided || !lines.some((l) => namesNonAscii(l) || LISTS_NAMES.test(l))) return;
    this.holdUnasked(known, preamble);
  }

  private holdUnasked(known: ParsedFeatures | undefined, preamble: Preamble): void {
    this.decided = true;
    if (this.utf8() && known?.has('UTF8') !== false) preamble.hold('OPTS UTF8', { line: 'OPTS UTF8 ON' });
  }
}
