/**
 * A transfer command already sent, with EPSV, ahead of its transfercmd (see
 * sendAhead in transfer/transfercmd.ts); `takeBack` undoes it when another
 * command must go first.
 */
export class SentAhead {
  private ahead: { cmd: string; takeBack: () => Promise<void> } | undefined;

  get cmd(): string | undefined {
    return this.ahead?.cmd;
  }

  went(cmd: string, takeBack: () => Promise<void>): void {
    this.ahead = { cmd, takeBack };
  }

  /** The transfercmd of `cmd` takes it: true when that was `cmd`. */
  claim(cmd: string): boolean {
    if (this.ahead?.cmd !== cmd) return false;
    this.ahead = undefined;
    return true;
  }

  /** Takes it back (its data connection dropped, its replies read), if there is one. */
  async takeBack(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = undefined;
    await ahead?.takeBack();
  }

  /** Gone with the connection. */
  forget(): void {
    this.ahead = undefined;
  }
}
