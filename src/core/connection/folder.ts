import { ProtocolError } from '../../protocol/errors.js';
import { isCompletion, type Reply } from '../../protocol/reply.js';
import { parse257 } from '../../protocol/parse.js';

/** Commands that change the session's folder. */
const CHANGES_FOLDER = /^(X?CWD|CDUP|XCUP)( |$)/i;

/**
 * Which folder a session is in, as far as it can know: learned with PWD and
 * proved with a CWD to it (some servers' PWD names a path their CWD refuses),
 * forgotten when a CWD or CDUP moves the session, kept when one is refused.
 */
export class SessionFolder {
  /** The folder, once learned; null: PWD cannot be gone back to; undefined: not known. */
  private folder: string | null | undefined;
  /** The last folder PWD named and CWD proved: a CWD back to it puts the session there again. */
  private proven: string | undefined;

  /** The folder the session is in; `ask` sends a command and returns its reply, whatever it is. */
  async current(ask: (line: string) => Promise<Reply>): Promise<string | null> {
    if (this.folder !== undefined) return this.folder;
    let folder: string | null = null;
    const reply = await ask('PWD');
    if (reply.code === 257) {
      try {
        folder = parse257(reply.lines.join('\n'));
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }
    if (folder !== null && (folder === '' || !isCompletion(await ask(`CWD ${folder}`)))) folder = null;
    this.folder = folder;
    if (folder !== null) this.proven = folder;
    return folder;
  }

  /**
   * Sends a command through `send` and follows it: a CWD or CDUP forgets the
   * folder, unless the server refused it (5xx: it did not move) or it went
   * back to the proven folder.
   */
  follow(line: string, send: () => Promise<Reply>): Promise<Reply> {
    if (!CHANGES_FOLDER.test(line)) return send();
    const before = this.folder;
    this.folder = undefined;
    return send().then((reply) => {
      if (reply.code >= 500) this.folder = before;
      else if (isCompletion(reply) && this.proven !== undefined && line === `CWD ${this.proven}`) this.folder = this.proven;
      return reply;
    });
  }
}
