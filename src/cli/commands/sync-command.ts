import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { addConnectionOptions, parseRate } from '../options.js';
import type { FilterRule } from '../../core/jobs/sync/filter.js';
import type { SyncFlags } from './sync.js';
import { withMaxTime } from '../deadline.js';


const EXAMPLES = `
Examples:
  tftp sync ./public ftpes://deploy@ftp.example.com/www          # upload what changed
  tftp sync --state --delete --max-delete 50 --json ./public ftpes://deploy@ftp.example.com/www
  tftp sync --exclude '*.log' --exclude-from .syncignore ftp://ftp.example.com/pub/data ./data
  tftp sync --dry-run --delete ./site ftp://alice@ftp.example.com/site

Nothing is excluded by default except the state file (.tftp-sync.json, or the --state name) at the
folder's top. Patterns follow .gitignore: * ** ?, a leading / anchors at the top, a trailing / matches
folders only, ! includes again; the last matching rule wins. A file in an excluded folder cannot be
included again (exclude 'dir/*' rather than 'dir/').`;

function count(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 2_147_483) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

/** tftp sync [options] <local-dir> <url> | <url> <local-dir>: registered here, run from sync.ts (loaded when used). */
export function registerSync(program: Command, io: Io): void {
  // The three filter options share one list, so their order on the command line is kept.
  const rules: FilterRule[] = [];
  const rule = (make: (v: string) => FilterRule) => (value: string) => (rules.push(make(value)), rules);
  addConnectionOptions(
    program
      .command('sync')
      .description('make a remote folder match a local one (upload), or a local one match a remote one (download), moving only what changed')
      .argument('<source>', 'local folder, or ftp://, ftpes://, ftps:// URL of a remote folder')
      // Optional to commander only, so that `--state ./site url` (which took the folder for --state's value) gets its own hint.
      .argument('[destination]', 'URL of a remote folder, or local folder')
      .usage('[options] <source> <destination>'),
  )
    .option('-j, --parallel <n>', 'connections (default 4)', count(1, 64, 'a count 1-64'))
    .option('--retries <n>', 'retry a failed file n times', count(0, 100, 'a count 0-100'), 0)
    .option('--retry-delay <seconds>', 'first delay between retries, doubled each time (max 30)', seconds, 1)
    .addOption(new Option('--size-only', 'files of the same size are unchanged (times not compared)').conflicts('checksum'))
    .option('--checksum', "compare SHA-256 with the server's digest (HASH, XSHA256) where offered")
    .option('--state [name]', 'keep a state file on the destination (default .tftp-sync.json): what was sent, so the next run and a resumed one compare exactly')
    .option('--delete', 'remove destination files and folders the source lacks, once every transfer succeeded')
    .option('--max-delete <n>', 'with --delete: refuse (exit 2, nothing changed) if more than n paths would go', count(0, Number.MAX_SAFE_INTEGER, 'a count'))
    .option('--force', 'with --delete: allow an empty or missing source (everything on the destination goes)')
    .option('--exclude <pattern>', 'leave out paths matching this .gitignore pattern (repeatable)', rule((exclude) => ({ exclude })))
    .option('--include <pattern>', 'take back paths an earlier rule excluded (repeatable; the last match wins)', rule((include) => ({ include })))
    .option('--exclude-from <file>', 'read .gitignore-style rules from a file', rule((excludeFrom) => ({ excludeFrom })))
    .option('--inplace', 'upload straight to the final names (default: a temporary name, renamed over the old file)')
    .option('--follow-links', 'sync what local symbolic links point to (default: skip them with a notice)')
    .option('--dry-run', 'print the plan (upload, download, delete, skip and why), change nothing')
    .option('--json', 'NDJSON on stdout: each path\'s action (plan), transfer events, removals (delete), the summary (sync)')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-progress', 'no progress bar')
    .option('--limit-rate <rate>', 'at most this many bytes a second over all connections together (500K, 2M, 1G)', parseRate)
    .addHelpText('after', EXAMPLES)
    .action(async (source: string, destination: string | undefined, opts: SyncFlags) => {
      const { sync } = await import('./sync.js');
      await withMaxTime(io, opts.maxTime, (io) => sync(io, source, destination, { ...opts, rules }));
    });
}
