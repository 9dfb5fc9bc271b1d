import type { ControlConnection } from './control.js';
import type { Reply } from '../../protocol/reply.js';

/**
 * NOOP on a control connection nobody has used for a while, so that a NAT or
 * a proxy that forgets idle connections keeps it (sessions held between the
 * files of a batch, a library client left idle). Every use of the session
 * touches it; the timer never keeps the process alive.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  /** The NOOP waiting for its reply: reads queue behind it. */
  private noop: Promise<void> | undefined;
  /** Replies being waited for: no NOOP goes out while a command is unanswered. */
  private waiting = 0;
  /** Final replies owed to lines sent with send() and not read yet: a NOOP now could take one of them. */
  private owed = 0;

  /** `idle` gives the connection when a NOOP may go now (nothing in flight, no transfer, no command sent ahead). */
  constructor(
    private readonly ms: number,
    private readonly idle: () => ControlConnection | 'busy' | undefined,
  ) {}

  get pending(): Promise<void> | undefined {
    return this.noop;
  }

  /** Something went over the connection: the clock starts over. */
  touch(): void {
    if (this.ms <= 0) return;
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.fire(), this.ms);
    this.timer.unref();
  }

  /** Lines went out with send(): their final replies are owed until read(). */
  sent(lines: number): void {
    this.owed += lines;
    this.touch();
  }

  /** A reply read after send(): a final one pays one line back. */
  reading(reply: Promise<Reply>): Promise<Reply> {
    return this.during(
      reply.then((r) => {
        if (r.code >= 200 && this.owed > 0) this.owed--;
        return r;
      }),
    );
  }

  /** A reply being waited for: the connection is not idle meanwhile. */
  async during<T>(reply: Promise<T>): Promise<T> {
    this.waiting++;
    try {
      return await reply;
    } finally {
      this.waiting--;
      this.touch();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private fire(): void {
    const control = this.idle();
    if (control === 'busy' || this.noop || this.waiting > 0 || this.owed > 0) return this.touch();
    if (control === undefined || control.closed) return;
    // Sent and read at once: whatever is sent after it reads its own reply after the 200.
    control.send('NOOP');
    this.noop = control
      .read()
      .then(
        () => {},
        () => {}, // a lost connection shows on the next command
      )
      .finally(() => {
        this.noop = undefined;
        this.touch();
      });
  }
}
