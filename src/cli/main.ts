import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import type { Io } from './io.js';
import { buildProgram } from './program.js';
import { EXIT } from './exit-codes.js';
import { Interrupted, signalExitCode } from './signals.js';
import { FtpError } from '../protocol/errors.js';

export type { Io } from './io.js';

/** Set by the bundle's build (scripts/bundle-cli.js); unset when this file runs as tsc built it. */
declare const __TFTP_VERSION__: string | undefined;

function packageVersion(): string {
  if (typeof __TFTP_VERSION__ === 'string') return __TFTP_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the command line `argv` (the user's arguments, without node and the
 * script) and returns the exit code. Never throws, never calls process.exit.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  // --no-color means what NO_COLOR means, everywhere colour is decided.
  if (argv.includes('--no-color')) io = { ...io, env: { ...io.env, NO_COLOR: '1' } };
  // `--tls` takes an optional mode: never let it swallow the host that follows.
  argv = argv.map((a, i) => (a === '--tls' && !['explicit', 'implicit'].includes(argv[i + 1] ?? '') ? '--tls=explicit' : a));
  const program = buildProgram(io, packageVersion());
  argv = withImpliedCommand(argv, program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err);
    const { reportError } = await import('./output.js'); // chalk only when there is an error to colour
    const code = reportError(io, named(err, io.signal?.reason), argv.includes('-v') || argv.includes('--verbose'));
    // Stopped by SIGTERM or SIGHUP rather than Ctrl-C: 128 + that signal's number.
    return code === EXIT.interrupted ? (signalExitCode(io.signal?.reason) ?? code) : code;
  }
}

const URL_ARGUMENT = /^(?:ftp|ftps|ftpes):\/\/[^/]*(\/.*)?$/i;

/**
 * curl's habit: a URL with no command before it is downloaded (`tftp
 * ftp://host/pub/f.iso`), listed when it ends in / or has no path, and with
 * -T uploaded to. Options before it are stepped over with their values, as
 * get and put read them; anything else is left for commander to judge.
 */
function withImpliedCommand(argv: string[], program: Command): string[] {
  const options = program.commands.filter((c) => c.name() === 'get' || c.name() === 'put').flatMap((c) => c.options);
  const takesValue = (token: string) => !token.includes('=') && options.some((o) => o.required && (o.short === token || o.long === token));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token.startsWith('-') && token !== '-' && token !== '--') {
      if (takesValue(token)) i++;
      continue;
    }
    const url = URL_ARGUMENT.exec(argv[token === '--' ? i + 1 : i] ?? '');
    if (!url) return argv;
    const upload = argv.some((a) => a === '-T' || a === '--upload-file' || a.startsWith('--upload-file='));
    const command = upload ? 'put' : !url[1] || url[1].endsWith('/') ? 'ls' : 'get';
    return [command, ...argv];
  }
  return argv;
}

/** "transfer interrupted by SIGTERM": which signal stopped the run, unless it was Ctrl-C. */
function named(err: unknown, reason: unknown): unknown {
  if (!(reason instanceof Interrupted) || reason.signal === 'SIGINT' || !(err instanceof FtpError) || err.kind !== 'aborted') return err;
  return err === reason ? err : new FtpError('aborted', `${err.message} by ${reason.signal}`);
}

/** Help and version exit 0; anything else commander rejects is a usage error (it printed why). */
function commanderExit(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
  return EXIT.usage;
}
