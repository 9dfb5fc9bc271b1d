import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { spawnTftp, tftp } from '../support/cli.js';

// curl's names for tftp's options, and curl's bare-URL command line.
let server: RunningFtpSrv;
let tls: RunningFtpSrv;
let local: string;
const body = randomBytes(300_000);

beforeAll(async () => {
  server = await startFtpSrv();
  tls = await startFtpSrv({ tls: 'explicit' });
  await writeFile(join(server.root, 'f.bin'), body);
  await writeFile(join(tls.root, 'f.bin'), body);
  await mkdir(join(server.root, 'in'));
});
afterAll(async () => {
  await server.close();
  await tls.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-curl-'));
  return () => rm(local, { recursive: true, force: true });
});

const host = () => ['-P', String(server.port), '127.0.0.1'];

describe('get -o, --output', () => {
  it.each([['-o'], ['--output']])('%s FILE is the local file, with a URL or a host', async (flag) => {
    const a = await tftp(['get', '-q', flag, join(local, 'a.bin'), `${server.url}/f.bin`]);
    expect(a.code).toBe(0);
    expect((await readFile(join(local, 'a.bin'))).equals(body)).toBe(true);
    const b = await tftp(['get', '-q', ...host(), 'f.bin', flag, join(local, 'b.bin')]);
    expect(b.code).toBe(0);
    expect((await readFile(join(local, 'b.bin'))).equals(body)).toBe(true);
  });

  it('-o - writes to stdout', async () => {
    const r = await tftp(['get', '-q', '-o', '-', `${server.url}/f.bin`]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(body)).toBe(true);
  });

  it('-o and a local argument together is exit 2 in one line', async () => {
    const r = await tftp(['get', '-o', join(local, 'a'), `${server.url}/f.bin`, join(local, 'b')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: -o names the local file: give it either with -o or as an argument\n');
  });
});

describe('get -O, --remote-name', () => {
  it('names the local file after the remote one', async () => {
    const r = await spawnTftp(['get', '-q', '-O', `${server.url}/f.bin`], { cwd: local }).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
  });

  it('is refused with -o or a local name', async () => {
    for (const extra of [['-o', join(local, 'x')], [join(local, 'x')]]) {
      const r = await tftp(['get', '--remote-name', `${server.url}/f.bin`, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('tftp: -O keeps the remote name: it cannot be combined with -o or a local name\n');
    }
  });
});

describe('put -T, --upload-file', () => {
  it('-T FILE uploads it; a URL ending in / keeps its name', async () => {
    const src = join(local, 'report.bin');
    await writeFile(src, body);
    const r = await tftp(['put', '-q', '-T', src, `${server.url}/in/`]);
    expect(r.code).toBe(0);
    expect((await readFile(join(server.root, 'in', 'report.bin'))).equals(body)).toBe(true);
  });

  it('--upload-file FILE with a host takes the remote name as the next argument', async () => {
    const src = join(local, 'x.bin');
    await writeFile(src, body);
    const r = await tftp(['put', '-q', '--upload-file', src, ...host(), 'in/renamed.bin']);
    expect(r.code).toBe(0);
    expect((await readFile(join(server.root, 'in', 'renamed.bin'))).equals(body)).toBe(true);
  });

  it('too many arguments with -T, and no local file at all, are exit 2 in one line', async () => {
    const many = await tftp(['put', '-T', join(local, 'x'), ...host(), 'a', 'b']);
    expect(many.code).toBe(2);
    expect(many.stderr).toBe('tftp: too many arguments: with -T, give the host (or URL) and at most the remote name\n');
    const none = await tftp(['put', ...host()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('tftp: missing the local file to put (or -T FILE)\n');
  });
});

describe('-C (curl\'s --continue-at)', () => {
  it('-C - resumes from the .part, as -c does', async () => {
    await writeFile(join(local, 'f.bin.part'), body.subarray(0, 100_000));
    const r = await tftp(['get', '-v', '-C', '-', `${server.url}/f.bin`, join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^> REST 100000$/m);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
  });

  it('-C <offset> is --rest <offset>', async () => {
    await writeFile(join(local, 'f.bin'), body.subarray(0, 123));
    const r = await tftp(['get', '-v', '--continue-at', '123', `${server.url}/f.bin`, join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^> REST 123$/m);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
  });

  it('with -c or --rest too, or a bad offset, is exit 2', async () => {
    for (const args of [['-C', '-', '-c'], ['-C', '5', '--rest', '5']]) {
      const r = await tftp(['get', ...args, `${server.url}/f.bin`, join(local, 'x')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('tftp: -C is -c (with -) or --rest (with an offset): give only one of them\n');
    }
    const bad = await tftp(['get', '-C', 'x', `${server.url}/f.bin`, join(local, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a byte offset or -/);
  });
});

describe('-k, --cacert, -s', () => {
  it('-k is --insecure: accepted with its warning', async () => {
    const r = await tftp(['get', '-q', '--tls', '-k', '-P', String(tls.port), '127.0.0.1', 'f.bin', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^tftp: warning: --insecure/);
    expect(r.stdout.equals(body)).toBe(true);
  });

  it('--cacert is --ca-file: the test CA is trusted, without it exit 9', async () => {
    const ok = await tftp(['get', '-q', '--tls', '--cacert', TEST_CA, '-P', String(tls.port), '127.0.0.1', 'f.bin', '-']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.equals(body)).toBe(true);
    const without = await tftp(['get', '-q', '--tls', '-P', String(tls.port), '127.0.0.1', 'f.bin', '-']);
    expect(without.code).toBe(9);
    const both = await tftp(['ls', '--tls', '--cacert', TEST_CA, '--ca-file', join(local, 'other.pem'), '-P', String(tls.port), '127.0.0.1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('tftp: --cacert is another name for --ca-file: give one of them\n');
  });

  it.each([['-s'], ['--silent']])('%s is -q: no summary line', async (flag) => {
    const loud = await tftp(['get', '--no-progress', `${server.url}/f.bin`, join(local, 'loud.bin')]);
    expect(loud.stderr).toMatch(/^downloaded f\.bin/);
    const r = await tftp(['get', flag, `${server.url}/f.bin`, join(local, 'quiet.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect((await readFile(join(local, 'quiet.bin'))).equals(body)).toBe(true);
  });
});

describe('a bare URL, as curl takes it', () => {
  it('downloads it into the current folder', async () => {
    const r = await spawnTftp(['-s', `${server.url}/f.bin`], { cwd: local }).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
  });

  it('takes options with values before it (-o FILE URL)', async () => {
    const r = await tftp(['-o', join(local, 'o.bin'), '--retries', '2', '-q', `${server.url}/f.bin`]);
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'o.bin'))).equals(body)).toBe(true);
  });

  it('lists a URL ending in /, and one with no path', async () => {
    for (const url of [`${server.url}/`, server.url]) {
      const r = await tftp([url]);
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toMatch(/ f\.bin\n/);
      expect(r.stdout.toString()).toMatch(/ in\n/);
    }
  });

  it('uploads with -T FILE URL', async () => {
    const src = join(local, 'bare.bin');
    await writeFile(src, body);
    const r = await tftp(['-T', src, '-s', `${server.url}/in/`]);
    expect(r.code).toBe(0);
    expect((await readFile(join(server.root, 'in', 'bare.bin'))).equals(body)).toBe(true);
  });

  it('leaves --help, no command and an unknown command as they were', async () => {
    const help = await tftp(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/A URL with no command is downloaded/);
    const nothing = await tftp([]);
    expect(nothing.code).toBe(2);
    const unknown = await tftp(['fetch', `${server.url}/f.bin`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'fetch'/);
    expect(existsSync(join(local, 'f.bin'))).toBe(false);
    // A URL after a command is that command's.
    const ls = await tftp(['ls', `${server.url}/`]);
    expect(ls.code).toBe(0);
  });
});
