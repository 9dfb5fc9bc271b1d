import { createRequire } from 'node:module';

/**
 * What ftp-srv was asked, from its side: every command of the listed verbs
 * ("STOR a/b.txt"), in order, over all sessions and instances of this
 * process (ftp-srv's command table is global). `onCommand` sees each as it
 * arrives, e.g. to interrupt a run after a few files.
 */
export interface FtpSrvLog {
  lines: string[];
  onCommand?: ((line: string) => void) | undefined;
  /** The commands of one verb, their arguments only. */
  args(verb: string): string[];
  clear(): void;
  restore(): void;
}

type Handler = (this: unknown, ctx: { command: { arg: string | null } }) => unknown;

export function logFtpSrvCommands(verbs = ['STOR', 'APPE', 'RETR', 'DELE', 'RMD', 'MKD', 'RNFR', 'RNTO', 'MFMT', 'MDTM']): FtpSrvLog {
  const require = createRequire(import.meta.url);
  const registry = require('ftp-srv/src/commands/registry') as Record<string, { handler: Handler }>;
  const originals = new Map<string, Handler>();
  const log: FtpSrvLog = {
    lines: [],
    args: (verb) => log.lines.filter((l) => l.startsWith(`${verb} `)).map((l) => l.slice(verb.length + 1)),
    clear: () => void (log.lines.length = 0),
    restore: () => {
      for (const [verb, handler] of originals) if (registry[verb]) registry[verb].handler = handler;
    },
  };
  for (const verb of verbs) {
    const entry = registry[verb];
    if (!entry) continue;
    const original = entry.handler;
    originals.set(verb, original);
    entry.handler = function (ctx) {
      const line = `${verb} ${ctx.command.arg ?? ''}`;
      log.lines.push(line);
      log.onCommand?.(line);
      return original.call(this, ctx);
    };
  }
  return log;
}
