// tftp doctor's data connection checks: a small LIST over each mode (EPSV,
// PASV, EPRT, PORT), made by the client's own code, and what the server
// answered to the command that set the mode up.
import { Writable } from 'node:stream';
import { replyText, type Reply } from '../../protocol/reply.js';
import type { FtpClient } from '../client.js';
import { message } from './tls-check.js';
import type { DataCheck, DataMode } from './report.js';

const LISTING_KEEP = 64 * 1024;
const REPLIES_KEEP = 400;

/** Keeps the first 64 KiB of a listing, counts the rest. */
class Sink extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    if (this.kept < LISTING_KEEP) {
      const part = chunk.subarray(0, LISTING_KEEP - this.kept);
      this.chunks.push(Buffer.from(part));
      this.kept += part.length;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The replies the check-up's connections got, each with the command it answered (the last 400). */
export class ReplyLog {
  private readonly entries: { command: string | undefined; reply: Reply }[] = [];
  private dropped = 0;

  /** For FtpClientOptions.onReply. */
  readonly record = (command: string | undefined, reply: Reply): void => {
    this.entries.push({ command, reply });
    if (this.entries.length > REPLIES_KEEP) this.dropped += this.entries.splice(0, this.entries.length - REPLIES_KEEP).length;
  };

  /** Where the log is now, for replyTo. */
  get mark(): number {
    return this.dropped + this.entries.length;
  }

  /** The reply to the last `verb` command since `mark`, as "code text"; null when none was sent. */
  replyTo(verb: string, mark: number): string | null {
    for (let i = this.entries.length - 1; i >= Math.max(0, mark - this.dropped); i--) {
      const { command, reply } = this.entries[i]!;
      if (command === verb || command?.startsWith(verb + ' ')) return `${reply.code} ${replyText(reply)}`;
    }
    return null;
  }
}

export function blankCheck(command: string): DataCheck {
  return { ok: false, command, reply: null, refused: false, bytes: null, error: null, skipped: null };
}

/**
 * A LIST over one mode, on the session `session()` gives (reconnected when an
 * earlier check ended it); with the listing's text when it worked.
 */
export async function dataCheck(mode: DataMode, session: () => Promise<FtpClient>, log: ReplyLog, signal: AbortSignal | undefined): Promise<{ check: DataCheck; text: string }> {
  const command = mode.toUpperCase();
  const check = blankCheck(command);
  const sink = new Sink();
  const from = log.mark;
  let client: FtpClient;
  try {
    client = await session();
  } catch (err) {
    return { check: { ...check, error: `could not reconnect: ${message(err)}` }, text: '' };
  }
  client.useDataMode(mode);
  let error: string | null = null;
  try {
    await client.type('A');
    check.bytes = await client.retrieve('LIST', sink, { signal });
  } catch (err) {
    error = message(err);
    check.bytes = null;
    client.close(); // whatever state the failure left, the next check starts afresh
  }
  check.reply = log.replyTo(command, from);
  check.refused = check.reply !== null && /^5\d\d/.test(check.reply);
  if (check.refused) {
    // The client fell back (EPSV to PASV, EPRT to PORT): this mode carried nothing.
    const fellBack = mode === 'epsv' ? 'PASV' : mode === 'eprt' ? 'PORT' : null;
    check.ok = false;
    check.error = `${command} refused: ${check.reply}` + (fellBack ? ` (tftp falls back to ${fellBack}${error ? `, which failed too: ${error}` : ''})` : '');
    check.bytes = null;
  } else if (check.reply === null && error !== null) {
    check.error = error;
  } else {
    check.ok = error === null;
    check.error = error;
  }
  return { check, text: check.ok ? sink.text() : '' };
}
