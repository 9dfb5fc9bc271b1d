import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from './exit-codes.js';

/** Options every command takes: where and how to connect. */
export interface ConnectionOptions {
  port?: number;
  user?: string;
  password?: string;
  active?: boolean;
  /** false with --no-epsv. */
  epsv?: boolean;
  passive?: boolean;
  verbose?: boolean;
  timeout: number;
  passwordStdin?: boolean;
  netrcFile?: string;
  tls?: boolean | string;
  caFile?: string;
  insecure?: boolean;
  pinSha256?: string;
  /** --limit-rate, in bytes a second: one budget for every connection of the run. */
  limitRate?: number;
  /** --encoding: the server's names are in this encoding, not UTF-8. */
  encoding?: string;
  /** '' turns a proxy from the environment off. */
  proxy?: string;
  noproxy?: string;
  ipv4?: boolean;
  ipv6?: boolean;
  /** Seconds; 0 off. */
  keepalive?: number;
  connectTimeout?: number;
  maxTime?: number;
}

/** Options of get and put. */
export interface TransferFlags extends ConnectionOptions {
  ascii?: boolean;
  binary?: boolean;
  rest?: number;
  continue?: boolean;
  quiet?: boolean;
  progress: boolean;
  retries: number;
  retryDelay: number;
  preserve?: boolean;
}

function integer(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

/** Node's timers hold at most 2^31-1 ms: a longer timeout would fire at once. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SECONDS) throw new InvalidArgumentError(`expected a positive number of seconds, at most ${MAX_SECONDS} (24 days)`);
  return n;
}

const RATE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** curl's --limit-rate syntax: bytes a second, or with K, M or G (powers of 1024). */
export function parseRate(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(value.trim());
  const n = m ? Math.floor(Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a rate in bytes a second, e.g. 500K, 2M, 1G or 65536');
  return n;
}

/** -C's argument: '-' (find the offset, as -c does) or a byte offset. */
function continueAt(value: string): '-' | number {
  return value === '-' ? value : integer(0, Number.MAX_SAFE_INTEGER, 'a byte offset or -')(value);
}

/**
 * curl's names given to tftp's own options, before an action runs: --cacert
 * is --ca-file, -C - is -c and -C <offset> is --rest. Both forms at once
 * with different values is a usage error.
 */
export function applyCurlAliases(cmd: Command): void {
  const o = cmd.opts<{ cacert?: string; caFile?: string; continueAt?: '-' | number; continue?: boolean; rest?: number }>();
  if (o.cacert !== undefined) {
    if (o.caFile !== undefined && o.caFile !== o.cacert) throw new UsageError('--cacert is another name for --ca-file: give one of them');
    cmd.setOptionValue('caFile', o.cacert);
  }
  if (o.continueAt !== undefined) {
    if (o.continue || o.rest !== undefined) throw new UsageError('-C is -c (with -) or --rest (with an offset): give only one of them');
    if (o.continueAt === '-') cmd.setOptionValue('continue', true);
    else cmd.setOptionValue('rest', o.continueAt);
  }
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-P, --port <n>', 'server port (default 21)', integer(1, 65535, 'a port number 1-65535'))
    .option('-u, --user <name[:password]>', 'user name (default anonymous), and the password after the first colon')
    .option('--password <pw>', 'password (visible to other users: prefer TFTP_PASSWORD, --password-stdin or ~/.netrc)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--netrc-file <path>', 'credentials file to use instead of ~/.netrc (missing: exit 2)')
    .option('--tls [mode]', 'FTPS: explicit (AUTH TLS, the default) or implicit (port 990); also ftpes:// and ftps:// URLs')
    .option('--ca-file <pem>', 'also trust the CA certificates in this PEM file')
    .option('--cacert <pem>', "the same as --ca-file (curl's name)")
    .option('--pin-sha256 <fingerprint>', "accept exactly the server certificate with this SHA-256 fingerprint (-v prints it)")
    .option('-k, --insecure', "do not verify the server's certificate (prints a warning)")
    .addOption(new Option('--passive', 'passive data connections: EPSV, then PASV (default)').conflicts('active'))
    .addOption(new Option('--active', 'active data connections: EPRT, then PORT'))
    .option('--no-epsv', 'passive mode with PASV only, never EPSV (for servers whose EPSV answers lead nowhere)')
    .option('--timeout <seconds>', 'connect and idle timeout', seconds, 30)
    .option('--encoding <name>', "the server's names are in this encoding, not UTF-8 (latin1, cp1251, cp1252, shift_jis, gbk …)")
    .option('--connect-timeout <seconds>', 'limit for connecting: TCP (and proxy), TLS handshake, greeting (default: --timeout)', seconds)
    .option('-m, --max-time <seconds>', 'stop the whole run after this long (exit 6; a download keeps its .part for -c)', seconds)
    .option('--proxy <url>', "through a proxy: socks5://, socks5h:// (the proxy resolves the name), socks4a:// or http:// (CONNECT), with user:password@ if needed; '' for none (default: ALL_PROXY)")
    .option('--noproxy <hosts>', "comma list of hosts and domains to reach directly, '*' for all (default: NO_PROXY)")
    .addOption(new Option('-4, --ipv4', 'IPv4 addresses only').conflicts('ipv6'))
    .addOption(new Option('-6, --ipv6', 'IPv6 addresses only'))
    .option('--keepalive <seconds>', 'TCP keepalive, and NOOP on a connection idle this long between files; 0 off', integer(0, MAX_SECONDS, `a number of seconds 0-${MAX_SECONDS}`), 60)
    .option('-v, --verbose', 'trace the protocol on stderr (passwords masked)')
    .option('--no-color', 'no colours (also when NO_COLOR is set or output is not a terminal)');
}

/** Options of transfers that may move many files (get and put). */
export function addMultiFileOptions(cmd: Command): Command {
  return cmd
    .option('-r, --recursive', 'transfer a whole folder tree')
    .option('-j, --parallel <n>', 'connections for a multi-file transfer (default 4)', integer(1, 64, 'a count 1-64'))
    .option('--dry-run', 'print what would be transferred, transfer nothing')
    .option('--json', 'NDJSON events on stdout: start, progress, retry, skip, done, error, summary');
}

export function addTransferOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .addOption(new Option('--binary', 'binary transfer, TYPE I (default)').conflicts('ascii'))
    .addOption(new Option('--ascii', 'ASCII transfer, TYPE A: CRLF<->LF line endings'))
    .addOption(new Option('--rest <offset>', 'resume from this byte offset (sends REST)').argParser(integer(0, Number.MAX_SAFE_INTEGER, 'a byte offset')).conflicts('continue'))
    .option('-c, --continue', 'resume a partial transfer where it stopped')
    .option('-C, --continue-at <offset>', "curl's form: - is -c, a byte offset is --rest", continueAt)
    .option('--retries <n>', 'retry a failed transfer n times, resuming where it stopped', integer(0, 100, 'a count 0-100'), 0)
    .option('--retry-delay <seconds>', 'first delay between retries, doubled each time (max 30)', seconds, 1)
    .option('-p, --preserve', 'keep modification times: MDTM on get, MFMT on put (where the server has it)')
    .option('-q, --quiet', 'print nothing but errors')
    .addOption(new Option('-s, --silent', "the same as -q (curl's name)").implies({ quiet: true }))
    .option('--no-progress', 'no progress bar')
    .option('--limit-rate <rate>', 'at most this many bytes a second over all connections together (500K, 2M, 1G)', parseRate);
}
