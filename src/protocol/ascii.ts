/**
 * TYPE A line-ending conversion, chunk by chunk. Pure and stateful: a CR at
 * the end of one chunk may pair with an LF at the start of the next.
 */

const CR = 0x0d;
const LF = 0x0a;

/** Network (CRLF) to local (LF): drops a CR that is followed by LF. */
export class CrlfToLf {
  private heldCR = false;

  push(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let n = 0;
    if (this.heldCR) {
      if (chunk[0] !== LF) out[n++] = CR;
      this.heldCR = false;
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === CR) {
        if (i + 1 === chunk.length) {
          this.heldCR = true;
          continue;
        }
        if (chunk[i + 1] === LF) continue;
      }
      out[n++] = b;
    }
    return out.subarray(0, n);
  }

  /** A CR left at the very end of the stream stands for itself. */
  flush(): Buffer {
    const tail = this.heldCR ? Buffer.from([CR]) : Buffer.alloc(0);
    this.heldCR = false;
    return tail;
  }
}

/** Local (LF) to network (CRLF): a bare LF becomes CRLF, an existing CRLF stays. */
export class LfToCrlf {
  private lastWasCR = false;

  push(chunk: Buffer): Buffer {
    let lfs = 0;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === LF) lfs++;
    const out = Buffer.allocUnsafe(chunk.length + lfs);
    let n = 0;
    let prevCR = this.lastWasCR;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === LF && !prevCR) out[n++] = CR;
      out[n++] = b;
      prevCR = b === CR;
    }
    this.lastWasCR = prevCR;
    return out.subarray(0, n);
  }
}
