// tftp rm, mkdir, rmdir, mv, chmod, stat and quote: their arguments, options
// and help. Each action imports its command only when it runs.
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { addConnectionOptions } from '../options.js';
import type { PathFlags } from './remote-paths.js';
import type { RmFlags } from './rm.js';
import type { MkdirFlags } from './mkdir.js';
import type { QuoteFlags } from './quote.js';
import { withMaxTime } from '../deadline.js';

const HOST = ['<host|url>', 'server name or ftp://[user[:password]@]host[:port]/path (the URL path is the first path)'] as const;
const JSON_EVENTS = 'NDJSON events on stdout: one per path, then a summary';
const DRY_RUN = 'print what would be done, change nothing on the server';

const EXAMPLES = {
  rm: `
Examples:
  tftp rm ftp.example.com incoming/old.tar
  tftp rm -f ftp.example.com 'logs/*.gz'             # a wildcard; -f: nothing there is fine
  tftp rm -r --dry-run ftp.example.com build/2024    # list what -r would remove
  tftp rm -r --json ftp://alice@ftp.example.com/build/2024`,
  mkdir: `
Examples:
  tftp mkdir ftp.example.com incoming/new
  tftp mkdir -p ftp.example.com releases/2025/03/01  # the missing parents too`,
  rmdir: `
Examples:
  tftp rmdir ftp.example.com incoming/empty
  tftp rmdir --dry-run ftp.example.com a b c`,
  mv: `
Examples:
  tftp mv ftp.example.com report.tmp report.pdf
  tftp mv ftp.example.com incoming/report.pdf archive/   # into a folder, same name`,
  chmod: `
Examples:
  tftp chmod ftp.example.com 644 public/index.html
  tftp chmod ftp.example.com 755 'bin/*.sh'
  tftp chmod --dry-run ftp.example.com 600 'private/*'`,
  stat: `
Examples:
  tftp stat ftp.example.com pub/file.iso
  tftp stat --json ftp.example.com 'pub/*.iso' | jq -r 'select(.event == "stat") | .size'`,
  quote: `
Examples:
  tftp quote ftp.example.com 'SITE HELP'
  tftp quote ftp.example.com 'MDTM pub/file.iso' 'SIZE pub/file.iso'
  tftp quote --json -u alice ftp.example.com 'SITE CHMOD 600 private.key'`,
};

/** Adds the remote file commands. Call it before the loop that adds the exit codes to every command's help. */
export function registerRemoteCommands(program: Command, io: Io): void {
  addConnectionOptions(program.command('rm').description('remove remote files (DELE); -r: a folder and everything in it').argument(...HOST).argument('[path...]', 'remote files (wildcards in the last part)'))
    .option('-r, --recursive', 'remove folders and everything in them (depth first; links removed, never followed)')
    .option('-f, --force', 'a path that names nothing is not an error')
    .option('--force-root', 'with -r, also the login folder, / or a folder above the login folder')
    .option('--dry-run', DRY_RUN)
    .option('--json', JSON_EVENTS)
    .addHelpText('after', EXAMPLES.rm)
    .action(async (target: string, paths: string[], opts: RmFlags) => {
      const { rm } = await import('./rm.js');
      await withMaxTime(io, opts.maxTime, (io) => rm(io, target, paths, opts));
    });

  addConnectionOptions(program.command('mkdir').description('make remote folders (MKD)').argument(...HOST).argument('[path...]', 'remote folders'))
    .option('-p, --parents', 'make missing parents too; a folder that exists is fine')
    .option('--json', JSON_EVENTS)
    .addHelpText('after', EXAMPLES.mkdir)
    .action(async (target: string, paths: string[], opts: MkdirFlags) => {
      const { mkdir } = await import('./mkdir.js');
      await withMaxTime(io, opts.maxTime, (io) => mkdir(io, target, paths, opts));
    });

  addConnectionOptions(program.command('rmdir').description('remove empty remote folders (RMD)').argument(...HOST).argument('[path...]', 'remote folders'))
    .option('--dry-run', DRY_RUN)
    .option('--json', JSON_EVENTS)
    .addHelpText('after', EXAMPLES.rmdir)
    .action(async (target: string, paths: string[], opts: PathFlags) => {
      const { rmdir } = await import('./rmdir.js');
      await withMaxTime(io, opts.maxTime, (io) => rmdir(io, target, paths, opts));
    });

  addConnectionOptions(program.command('mv').description('rename or move a remote file or folder (RNFR, RNTO)').argument(...HOST).argument('[from]', 'remote path (a URL carries it in its path)').argument('[to]', 'new path; ending in / : into that folder'))
    .option('--json', JSON_EVENTS)
    .addHelpText('after', EXAMPLES.mv)
    .action(async (target: string, from: string | undefined, to: string | undefined, opts: PathFlags) => {
      const { mv } = await import('./mv.js');
      await withMaxTime(io, opts.maxTime, (io) => mv(io, target, from, to, opts));
    });

  addConnectionOptions(program.command('chmod').description('change remote permissions (SITE CHMOD)').argument(...HOST).argument('<mode>', 'octal mode, e.g. 644 or 0755').argument('[path...]', 'remote paths (wildcards in the last part)'))
    .option('--dry-run', DRY_RUN)
    .option('--json', JSON_EVENTS)
    .addHelpText('after', EXAMPLES.chmod)
    .action(async (target: string, mode: string, paths: string[], opts: PathFlags) => {
      const { chmod } = await import('./chmod.js');
      await withMaxTime(io, opts.maxTime, (io) => chmod(io, target, mode, paths, opts));
    });

  addConnectionOptions(program.command('stat').description('type, size, modified time (UTC) and permissions of a remote path').argument(...HOST).argument('[path]', 'remote path (a wildcard in the last part: each match)'))
    .option('--json', 'NDJSON: a stat event per path (null for what the server does not tell), then a summary')
    .addHelpText('after', EXAMPLES.stat)
    .action(async (target: string, path: string | undefined, opts: PathFlags) => {
      const { stat } = await import('./stat.js');
      await withMaxTime(io, opts.maxTime, (io) => stat(io, target, path, opts));
    });

  addConnectionOptions(program.command('quote').description('send raw commands after login, in order; print each reply').argument('<host|url>', 'server name or ftp://[user[:password]@]host[:port]').argument('<command...>', 'FTP commands, one per argument'))
    .option('--json', 'NDJSON: a reply event per command (code, lines), then a summary')
    .addHelpText('after', EXAMPLES.quote)
    .action(async (target: string, commands: string[], opts: QuoteFlags) => {
      const { quote } = await import('./quote.js');
      await withMaxTime(io, opts.maxTime, (io) => quote(io, target, commands, opts));
    });
}
