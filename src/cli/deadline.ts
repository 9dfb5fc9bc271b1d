import { FtpError } from '../protocol/errors.js';
import type { Io } from './io.js';

/**
 * -m, --max-time: the run stops after this many seconds the way Ctrl-C stops
 * it (ABOR, the .part kept for -c), but as a timeout: exit 6, one line.
 */
export async function withMaxTime(io: Io, maxTime: number | undefined, work: (io: Io) => Promise<void>): Promise<void> {
  if (maxTime === undefined) return work(io);
  const controller = new AbortController();
  const outer = io.signal;
  const passOn = () => controller.abort(outer!.reason);
  if (outer?.aborted) passOn();
  outer?.addEventListener('abort', passOn, { once: true });
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new FtpError('aborted', 'interrupted'));
  }, maxTime * 1000);
  try {
    await work({ ...io, signal: controller.signal });
  } catch (err) {
    if (expired && !outer?.aborted) {
      const cause = err instanceof FtpError && err.kind !== 'aborted' ? ` (${err.message})` : '';
      throw new FtpError('timeout', `stopped after --max-time ${maxTime} s${cause}`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', passOn);
  }
}
