import type { Readable, Writable } from 'node:stream';

type Terminal = { isTTY?: boolean; columns?: number };

/** Everything the CLI touches of the outside world, so tests can run it in-process. */
export interface Io {
  stdin: Readable & Terminal;
  stdout: Writable & Terminal;
  stderr: Writable & Terminal;
  env: Record<string, string | undefined>;
  /** Fires on Ctrl-C: the running transfer is aborted and the exit code is 130. */
  signal?: AbortSignal;
}
