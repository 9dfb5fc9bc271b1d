// The sessions a sync lists with: the first one, and up to -j in all, each
// opened only when a folder waits for a listing and none is free. The batch
// of transfers then goes on with them, so no login is made twice.
import type { OpenSession, Session } from '../events.js';

export class SessionPool {
  private readonly idle: Session[] = [];
  private readonly waiting: ((s: Session) => void)[] = [];
  private readonly all: Session[];
  private opened = 1;
  /** A refused extra login: the listings go on over the sessions there are. */
  private full = false;

  constructor(
    private readonly open: OpenSession,
    readonly first: Session,
    private readonly max: number,
  ) {
    this.all = [first];
    this.idle.push(first);
  }

  /** Runs `fn` on a free session, opening one more while there is room and none is free. */
  async use<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const s = await this.acquire();
    try {
      return await fn(s);
    } finally {
      this.release(s);
    }
  }

  /** Every session but the first, for the transfers (the first goes on as their first connection). */
  extras(): Session[] {
    return this.all.filter((s) => s !== this.first);
  }

  /** Ends the sessions other than the first (after a failure, or when nothing is sent). */
  async endExtras(ok: boolean): Promise<void> {
    await Promise.all(this.all.filter((s) => s !== this.first).map((s) => s.end(ok)));
  }

  private async acquire(): Promise<Session> {
    const free = this.idle.pop();
    if (free) return free;
    if (!this.full && this.opened < this.max) {
      this.opened++;
      try {
        const s = await this.open();
        this.all.push(s);
        return s;
      } catch {
        // The server's limit of connections, most likely: the first session carries on.
        this.full = true;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(s: Session): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.idle.push(s);
  }
}
