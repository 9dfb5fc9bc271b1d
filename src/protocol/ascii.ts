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
    if (this.heldCR && chunk.length > 0) {
      this.heldCR = false;
      if (chunk[0] !== LF) out[n++] = CR;
    }
    // Native searches and copies between CRs: no JavaScript loop per byte.
    let from = 0;
    for (let cr = chunk.indexOf(CR); cr !== -1; cr = chunk.indexOf(CR, from)) {
      n += chunk.copy(out, n, from, cr);
      from = cr + 1;
      if (from === chunk.length) {
        this.heldCR = true; // its LF may start the next chunk
        break;
      }
      if (chunk[from] !== LF) out[n++] = CR;
    }
    n += chunk.copy(out, n, from);
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
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, lf + 1)) lfs++;
    const out = Buffer.allocUnsafe(chunk.length + lfs);
    let n = 0;
    let from = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, lf + 1)) {
      const afterCR = lf > 0 ? chunk[lf - 1] === CR : this.lastWasCR;
      n += chunk.copy(out, n, from, lf);
      if (!afterCR) out[n++] = CR;
      from = lf; // the LF goes out with the next run
    }
    n += chunk.copy(out, n, from);
    if (chunk.length > 0) this.lastWasCR = chunk[chunk.length - 1] === CR;
    return out.subarray(0, n);
  }
}
