import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { parseNetrc } from '../../src/cli/netrc.js';

let server: FakeServer;
let home: string;
beforeAll(async () => {
  server = await startFakeServer();
  home = await mkdtemp(join(tmpdir(), 'tftp-home-'));
});
afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});
beforeEach(() => {
  server.commands.length = 0;
});

const login = () => server.commands.filter((c) => /^(USER|PASS) /.test(c));
const ls = (extra: string[], opts: Parameters<typeof tftp>[1] = {}) =>
  tftp(['ls', ...extra, '-P', String(server.port), '127.0.0.1'], { ...opts, env: { HOME: home, ...opts.env } });

async function netrc(text: string, mode = 0o600): Promise<string> {
  const path = join(home, '.netrc');
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

describe('where the password comes from', () => {
  it('prefers the URL, then --password, then --password-stdin, then TFTP_PASSWORD', async () => {
    await tftp(['ls', `ftp://bob:url%20pw@127.0.0.1:${server.port}/`], { env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS url pw']);
    server.commands.length = 0;
    const r = await ls(['-u', 'bob', '--password', 'flag', '--password-stdin'], { stdin: 'stdin\n', env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS flag']);
    expect(r.stderr).toMatch(/warning: a password given with --password can be seen by other users/);
    server.commands.length = 0;
    await ls(['-u', 'bob', '--password-stdin'], { stdin: 'from stdin\r\nnext line\n', env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS from stdin']);
    server.commands.length = 0;
    await ls(['-u', 'bob'], { env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS env']);
  });

  it('reads login and password from ~/.netrc for the machine, else the default entry', async () => {
    await netrc('machine other login x password y\nmachine 127.0.0.1\n  login carol password "s3 cret"\ndefault login anon password d\n');
    await ls([]);
    expect(login()).toEqual(['USER carol', 'PASS s3 cret']);
    server.commands.length = 0;
    await ls(['-u', 'dave']); // another user: the entry does not apply
    expect(login()).toEqual(['USER dave', 'PASS ']);
  });

  it('refuses a netrc that other users can read, with a warning', async () => {
    await netrc('machine 127.0.0.1 login carol password secret\n', 0o644);
    const r = await ls([]);
    expect(r.stderr).toMatch(/warning: .*\.netrc is readable by other users: ignored/);
    expect(login()).toEqual(['USER anonymous', 'PASS anonymous@']);
  });

  it('--netrc-file names another file', async () => {
    const path = join(home, 'creds');
    await writeFile(path, 'machine 127.0.0.1 login erin password pw\n', { mode: 0o600 });
    await ls(['--netrc-file', path]);
    expect(login()).toEqual(['USER erin', 'PASS pw']);
  });

  it('never shows the password in a trace or an error', async () => {
    const r = await ls(['-v', '-u', 'bob'], { env: { TFTP_PASSWORD: 'hunter2' } });
    expect(r.stderr).toContain('> PASS ****');
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('parseNetrc', () => {
  it.each([
    ['machine h login u password p', 'h', { login: 'u', password: 'p' }],
    ['machine h\n\tlogin u\n\tpassword p\n', 'h', { login: 'u', password: 'p' }],
    ['macdef init\ncd /\nls\n\nmachine h login u password p', 'h', { login: 'u', password: 'p' }],
    ['machine h login u account a password "p w"', 'h', { login: 'u', password: 'p w' }],
  ])('%j', (text, host, entry) => {
    expect(parseNetrc(text).machines.get(host)).toEqual(entry);
  });

  it('keeps the default entry apart', () => {
    expect(parseNetrc('default login anonymous password me@').fallback).toEqual({ login: 'anonymous', password: 'me@' });
  });
});
