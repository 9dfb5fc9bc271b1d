import { FtpError } from '../protocol/errors.js';

/**
 * Signals that stop tftp the way Ctrl-C does: the transfer in progress is
 * aborted (ABOR), a download keeps its resumable .part, one line says so, and
 * the exit code is 128 + the signal's number (the shell's convention). CI
 * systems cancel a job with SIGTERM; a closed terminal sends SIGHUP.
 */
export const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** The reason an AbortSignal carries when a signal stopped the run. */
export class Interrupted extends FtpError {
  override name = 'Interrupted';
  constructor(readonly signal: StopSignal) {
    super('aborted', signal === 'SIGINT' ? 'interrupted' : `interrupted by ${signal}`);
  }
}

/** The exit code of a run stopped by a signal, if `reason` says one did. */
export function signalExitCode(reason: unknown): number | undefined {
  return reason instanceof Interrupted ? 128 + STOP_SIGNALS[reason.signal] : undefined;
}

/**
 * Wires the process's stop signals to an AbortSignal: the first aborts the
 * run cleanly, a second one leaves at once with the same exit code.
 */
export function abortOnSignals(proc: NodeJS.Process): AbortSignal {
  const controller = new AbortController();
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    proc.on(signal, () => {
      if (controller.signal.aborted) proc.exit(128 + STOP_SIGNALS[signal]);
      controller.abort(new Interrupted(signal));
    });
  }
  return controller.signal;
}
