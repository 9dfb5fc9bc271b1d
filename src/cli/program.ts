import { Command, InvalidArgumentError } from 'commander';
import type { Io } from './io.js';
import { withMaxTime } from './deadline.js';
import { addConnectionOptions, addMultiFileOptions, addTransferOptions, applyCurlAliases } from './options.js';
import type { GetFlags, PutFlags } from './settings.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import type { LsFlags } from './commands/ls.js';
import { registerDoctor } from './commands/doctor.js';
import { registerSync } from './commands/sync-command.js';
import { registerRemoteCommands } from './commands/remote-register.js';

const EXAMPLES = {
  get: `
Examples:
  tftp get ftp://user@ftp.example.com:2121/pub/file.iso /tmp/file.iso
  tftp get -c --retries 5 ftp.example.com pub/file.iso   # resume, and retry on failure
  tftp get -r -j 8 --json ftpes://ftp.example.com/pub/dataset ./dataset
  tftp get -q ftp.example.com logs/app.log - | grep ERROR`,
  put: `
Examples:
  tftp put ftp.example.com report.pdf
  TFTP_PASSWORD=$SECRET tftp put --tls -u alice ftp.example.com report.pdf incoming/
  tftp put -r -j 4 ftp://alice@ftp.example.com/incoming/ ./build
  tar c dir | tftp put ftp.example.com - backup.tar`,
  ls: `
Examples:
  tftp ls ftp.example.com
  tftp ls -l ftp://ftp.example.com/pub
  tftp ls --json ftp.example.com pub | jq '.[] | select(.type == "file") | .name'`,
};

/**
 * The commander program. Actions import their command lazily, so `--help`
 * and `--version` do not load the protocol core.
 */
export function buildProgram(io: Io, version: string): Command {
  const program = new Command('tftp')
    .description('A fast, scriptable FTP client.\nA URL with no command is downloaded, or listed when it ends in / (as curl does): tftp ftp://host/pub/f.iso')
    .version(version, '-V, --version')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  addMultiFileOptions(addTransferOptions(
    program
      .command('get')
      .description('download a file (written to <local>.part, renamed when complete)')
      .argument('<host|url>', 'server name or ftp://[user[:password]@]host[:port]/path')
      .argument('[remote]', 'remote file (with a host; a URL carries it in its path)')
      .argument('[local]', 'local file or folder (default: the remote basename; - for stdout)'),
  ))
    .option('--follow-links', 'with -r: download what symbolic links point to (default: list and skip them)')
    .option('--segments <n>', 'split one download into n ranges over n connections (needs REST STREAM)', (v: string) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 16) throw new InvalidArgumentError('expected a count 1-16');
      return n;
    })
    .option('--verify', "compare with the server's own digest (HASH, XSHA256, XSHA1, XMD5) when it offers one")
    .option('--sha256 <hex>', 'check the download against this SHA-256 (mismatch: exit 11, no final file)', (v: string) => {
      if (!/^[0-9a-f]{64}$/i.test(v)) throw new InvalidArgumentError('expected a SHA-256: 64 hex digits');
      return v.toLowerCase();
    })
    .option('-o, --output <file>', "the local file (curl's form of the [local] argument; - for stdout)")
    .option('-O, --remote-name', 'name the local file after the remote one (the default; as in curl)')
    .addHelpText('after', EXAMPLES.get)
    .action(async (target: string, a: string | undefined, b: string | undefined, opts: GetFlags) => {
      const { get } = await import('./commands/get.js');
      await withMaxTime(io, opts.maxTime, (io) => get(io, target, a, b, opts));
    });

  addMultiFileOptions(addTransferOptions(
    program
      .command('put')
      .description('upload a file')
      .argument('<host|url>', 'server name or ftp://[user[:password]@]host[:port]/path (a trailing / keeps the local name)')
      .argument('[local]', 'local file (- for stdin); with -T, the remote name')
      .argument('[remote]', 'remote name (default: the local basename)'),
  ))
    .option('--create-dirs', "make the remote path's missing folders first (MKD)")
    .option('--append', 'add to the end of the remote file (APPE); a missing file is made')
    .option('--atomic', 'upload to a temporary name in the same folder, renamed over the final name when complete')
    .option('-T, --upload-file <file>', "the local file (curl's form of the <local> argument)")
    .addHelpText('after', EXAMPLES.put)
    .action(async (target: string, local: string | undefined, remote: string | undefined, opts: PutFlags) => {
      const { put } = await import('./commands/put.js');
      await withMaxTime(io, opts.maxTime, (io) => put(io, target, local, remote, opts));
    });

  addConnectionOptions(
    program
      .command('ls')
      .description("list a remote folder (the server's LIST lines)")
      .argument('<host|url>', 'server name or ftp://[user[:password]@]host[:port]/path')
      .argument('[path]', 'remote folder or file'),
  )
    .option('--names', 'names only (NLST)')
    .option('--json', 'entries as one JSON array: name, type, size, modified (UTC), permissions, target')
    .option('-l, --long', 'entries as an aligned table (MLSD when the server has it, else parsed LIST)')
    .addHelpText('after', EXAMPLES.ls)
    .action(async (target: string, path: string | undefined, opts: LsFlags) => {
      const { ls } = await import('./commands/ls.js');
      await withMaxTime(io, opts.maxTime, (io) => ls(io, target, path, opts));
    });

  registerDoctor(program, io);
  registerSync(program, io);
  registerRemoteCommands(program, io);

  // --cacert, -C: curl's names, turned into tftp's before the action runs.
  program.hook('preAction', (_program, action) => applyCurlAliases(action));

  for (const cmd of program.commands) {
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)').addHelpText('after', `\n${EXIT_CODES_HELP}`);
  }
  return program;
}
