import type { Command } from 'commander';
import type { Io } from '../io.js';
import { addConnectionOptions, type ConnectionOptions } from '../options.js';
import type { TlsOptions } from '../../core/connection/tls.js';
import type { Capability, DataCheck, ProbeReport } from '../../core/probe/probe.js';
import { printable } from '../text.js';

export interface DoctorFlags extends ConnectionOptions {
  json?: boolean;
}

const EXAMPLES = `
Examples:
  tftp doctor ftp.example.com
  tftp doctor -u alice ftp://ftp.example.com:2121
  tftp doctor --json ftp.example.com | jq .recommended.flags
  tftp doctor --ca-file corp-ca.pem ftp.example.com      # verify AUTH TLS with a private CA

It connects and logs in (over AUTH TLS when the server refuses a login
without it), tries a small LIST over EPSV, PASV, EPRT and PORT, tries AUTH TLS
on a connection of its own when the server offers it, asks SIZE and MDTM about
a file the listing shows, tries REST, and ends with the flags that suit the
server. It writes nothing on the server. Exit 0 once it could connect,
whatever the checks found, also when a certificate that is not trusted kept it
from logging in (it shows the fingerprint to pin); a rejected login is exit 4.`;

/** Adds `tftp doctor <host|url>`. Call it before the loop that adds the exit codes to every command's help. */
export function registerDoctor(program: Command, io: Io): void {
  addConnectionOptions(
    program
      .command('doctor')
      .description('check a server: data connection modes, AUTH TLS, features, clock; recommends flags')
      .argument('<host|url>', 'server name or ftp://[user[:password]@]host[:port] (ftpes://, ftps:// for FTPS)'),
  )
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, opts: DoctorFlags) => {
      const { withMaxTime } = await import('../deadline.js');
      await withMaxTime(io, opts.maxTime, (io) => doctor(io, target, opts));
    });
}

/** tftp doctor <host|url>: the check-up, as a table (or JSON) on stdout. */
export async function doctor(io: Io, targetArg: string, opts: DoctorFlags): Promise<void> {
  // Loaded here, not at the top: registering the command must not load the protocol core.
  const [{ parseTarget }, { credentials, warn }, { probeServer }, { tlsSettings, INSECURE_WARNING }, { networkSettings }] = await Promise.all([
    import('../target.js'),
    import('../credentials.js'),
    import('../../core/probe/probe.js'),
    import('../session.js'),
    import('../network.js'),
  ]);
  const target = parseTarget(targetArg);
  // An unknown --encoding is a usage error before connecting, as for the other commands.
  if (opts.encoding !== undefined) await (await import('../../core/connection/codec.js')).loadCodec(opts.encoding);
  const connection = networkSettings(target.host, opts, io.env);
  // Without --tls, the same settings verify doctor's trial of AUTH TLS.
  const { mode, verify: trial } = await tlsSettings(target, opts);
  const { user, password } = await credentials(io, target, opts);
  const tls: TlsOptions | undefined = mode ? { mode, ...trial } : undefined;
  if (opts.insecure) warn(io, INSECURE_WARNING);
  const port = target.port ?? opts.port ?? (tls?.mode === 'implicit' ? 990 : 21);

  const trace = opts.verbose ? (dir: string, line: string) => io.stderr.write(`${dir} ${printable(line)}\n`) : undefined;
  const showSteps = !opts.verbose && io.stderr.isTTY === true;
  const onStep = showSteps ? (what: string) => io.stderr.write(`\r\x1b[Kdoctor: ${what}…`) : undefined;
  let report: ProbeReport;
  try {
    report = await probeServer({
      host: target.host,
      port,
      user,
      password,
      timeoutMs: opts.timeout * 1000,
      connection,
      tls,
      tlsTrial: trial,
      caFile: opts.caFile,
      encoding: opts.encoding,
      trace,
      onStep,
      signal: io.signal,
    });
  } finally {
    if (showSteps) io.stderr.write('\r\x1b[K');
  }
  if (opts.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else io.stdout.write(await formatReport(report, io));
}

type Row = [label: string, status: string, detail: string];

/** The report as aligned text; coloured when stdout is a terminal (not with NO_COLOR or --no-color). */
async function formatReport(r: ProbeReport, io: Io): Promise<string> {
  const { colours } = await import('../output.js'); // chalk only once there is a report to show
  const c = colours(io, io.stdout);
  const width = Math.max(60, io.stdout.columns ?? 100);

  const where = r.server.host.includes(':') ? `[${r.server.host}]:${r.server.port}` : `${r.server.host}:${r.server.port}`;
  const head: [string, string][] = [
    ['Server', `${where}${r.server.address !== r.server.host ? ` (${r.server.address})` : ''}, ${r.server.tls === 'none' ? 'plain FTP' : `FTPS ${r.server.tls}`}, ${r.loggedIn ? 'logged in' : 'not logged in'} as ${r.user}`],
    ...(r.loginNeedsTls ? [['Login', `refused without TLS: ${r.loginNeedsTls}`] as [string, string]] : []),
    ['Greeting', r.greeting],
    ['System', r.system ?? (r.loggedIn ? '(SYST refused)' : '(not asked: no login)')],
    ['FEAT', r.feat === null ? (r.loggedIn ? '(FEAT refused)' : '(not asked: no login)') : r.feat.length ? r.feat.join(', ') : '(none)'],
  ];

  const rows: Row[] = [];
  const pasvNote = r.pasvAddress
    ? r.pasvAddress.differs
      ? `; the reply names ${r.pasvAddress.advertised}, not ${r.pasvAddress.control} (tftp ignores it)`
      : `; the reply names the control address`
    : '';
  for (const [mode, check] of Object.entries(r.data) as [string, DataCheck][]) {
    rows.push([`${mode.toUpperCase()} data`, dataStatus(check), dataDetail(check) + (mode === 'pasv' ? pasvNote : '')]);
  }
  if (r.loggedIn) {
    rows.push(['Passive (default)', r.passiveWorks ? 'ok' : 'fail', r.passiveWorks ? 'EPSV, or PASV when EPSV is refused' : 'transfers without --active fail']);
    rows.push(['Active (--active)', r.activeWorks ? 'ok' : 'fail', r.activeWorks ? 'EPRT, or PORT when EPRT is refused' : 'transfers with --active fail']);
  }

  const t = r.authTls;
  const tlsStatus = t.works === true ? 'ok' : t.works === false ? 'fail' : t.advertised === false ? 'no' : 'unknown';
  const trust = t.verification === 'ca' ? 'certificate trusted' : t.verification === 'pin' ? 'certificate pinned' : t.verification === 'insecure' ? 'certificate NOT verified (--insecure)' : t.verification === false ? 'certificate not trusted' : '';
  const tlsDetail =
    t.works === null
      ? t.advertised === false
        ? 'not offered in FEAT'
        : 'not tried'
      : [t.mode === 'implicit' ? 'implicit TLS' : `AUTH TLS${t.advertised ? ' (in FEAT)' : t.advertised === false ? ' (not in FEAT)' : ''}`, t.protocol, t.works || !t.error ? trust : t.error]
          .filter(Boolean)
          .join(', ');
  rows.push(['AUTH TLS', tlsStatus, tlsDetail]);
  if (t.fingerprint) rows.push(['Certificate', 'sha256', t.fingerprint]);
  if (t.works) {
    rows.push(['TLS data', t.dataWorks ? 'ok' : t.dataWorks === false ? 'fail' : 'unknown', t.dataWorks === false ? (t.error ?? '') : `PROT P${t.sessionResumed === null ? '' : t.sessionResumed ? ', session resumed' : ', new session'}`]);
  }
  if (t.works !== null || t.advertised !== false) {
    rows.push(['TLS session reuse', t.dataSessionReuse === 'unknown' ? 'unknown' : t.dataSessionReuse, (t.reuseDetail ?? '').replace(/^unknown: /, '')]);
  }

  const f = r.features;
  rows.push(['REST STREAM', yes(f.restStream), 'from FEAT']);
  rows.push(['REST', f.rest.works === null ? 'unknown' : f.rest.works ? 'yes' : 'refused', f.rest.detail ?? 'not tried']);
  rows.push(['SIZE', ...capability(f.size)]);
  rows.push(['MDTM', ...capability(f.mdtm)]);
  rows.push(['MFMT', yes(f.mfmt), 'from FEAT']);
  rows.push(['MLST / MLSD', yes(f.mlst || f.mlsd), f.mlstFacts.length ? `from FEAT; facts ${f.mlstFacts.join(', ')}` : 'from FEAT']);
  rows.push(['UTF8', yes(f.utf8), 'from FEAT']);
  rows.push(['HASH', yes(f.hash !== null), f.hash ? `from FEAT; ${f.hash.join(', ') || 'no algorithm named'}` : 'from FEAT']);
  const clockStatus = r.clock.method === 'none' ? 'unknown' : (r.clock.mdtmMinusNowSeconds ?? 0) > 60 ? 'ahead' : 'ok';
  const method = r.clock.method === 'mdtm-vs-list' ? `MDTM of ${r.clock.file} vs its LIST time` : r.clock.method === 'mdtm-vs-now' ? `MDTM of ${r.clock.file} vs our clock` : 'none';
  rows.push(['Clock', clockStatus, `${r.clock.summary.replace(/^unknown: /, '')} (method: ${method})`]);

  const paint = (status: string) => {
    const padded = status.padEnd(statusWidth);
    if (status === 'ok' || status === 'yes' || status === 'not required') return c.green(padded);
    if (status === 'fail' || status === 'refused') return c.red(padded);
    if (status === 'unknown' || status === 'skipped' || status === 'no' || status === 'sha256') return c.dim(padded);
    return c.yellow(padded);
  };
  const labelWidth = Math.max(...head.map(([l]) => l.length), ...rows.map(([l]) => l.length)) + 2;
  const statusWidth = Math.max('Result'.length, ...rows.map(([, s]) => s.length)) + 2;
  const out: string[] = [];
  // Server text (greeting, replies, errors) may hold control characters: shown escaped, never sent to the terminal.
  for (const [label, value] of head) out.push(...wrap(printable(value), width - labelWidth).map((l, i) => (i ? ' '.repeat(labelWidth) : c.bold(label.padEnd(labelWidth))) + l));
  out.push('');
  out.push(c.bold('Check'.padEnd(labelWidth) + 'Result'.padEnd(statusWidth) + 'Detail'));
  for (const [label, status, detail] of rows) {
    const lines = wrap(printable(detail), width - labelWidth - statusWidth);
    lines.forEach((l, i) => out.push(i ? ' '.repeat(labelWidth + statusWidth) + l : label.padEnd(labelWidth) + paint(status) + l));
  }
  out.push('');
  const flags = printable(r.recommended.flags.map(shellQuote).join(' '));
  out.push(c.bold('Recommended flags: ') + (flags || 'none (the defaults suit this server)'));
  for (const note of r.recommended.notes) out.push(...wrap(printable(note), width - 4).map((l, i) => (i ? '    ' : '  - ') + l));
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

function dataStatus(check: DataCheck): string {
  if (check.skipped) return 'skipped';
  if (check.ok) return 'ok';
  return check.refused ? 'refused' : 'fail';
}

function dataDetail(check: DataCheck): string {
  if (check.skipped) return check.skipped;
  if (check.ok) return `LIST carried ${check.bytes} bytes`;
  return check.error ?? 'failed';
}

function yes(b: boolean): string {
  return b ? 'yes' : 'no';
}

function capability(cap: Capability): [string, string] {
  const feat = cap.advertised ? 'in FEAT' : 'not in FEAT';
  if (cap.works === null) return [yes(cap.advertised), `${feat}; ${cap.detail ?? 'not tried'}`];
  return [cap.works ? 'yes' : 'refused', `${feat}; ${cap.file}: ${cap.detail}`];
}

/** Splits at spaces to fit `width` columns (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const max = Math.max(20, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
