import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer, type FakeServerOptions } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { connect } from '../../src/index.js';

// The fake server keeps command bytes as latin1 characters (one a byte): a
// name "on the server" is the string of its bytes in the server's encoding.
const onServer = (name: string, encoding: string) => iconv.encode(name, encoding).toString('latin1');
const sentBytes = (line: string) => Buffer.from(line, 'latin1');

let server: FakeServer;
let local: string;
const start = async (opts: FakeServerOptions) => (server = await startFakeServer({ commandEncoding: 'latin1', ...opts }));
const host = () => ['127.0.0.1', '-P', String(server.port)];

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-enc-'));
});
afterEach(async () => {
  await server?.close();
  await rm(local, { recursive: true, force: true });
});

const NAMES: [string, string][] = [
  ['latin1', 'café crème.txt'],
  ['cp1251', 'отчёт за год.txt'],
  ['shift_jis', '日本語のファイル.txt'],
];

describe.each(NAMES)('--encoding %s', (encoding, name) => {
  it('ls shows the names right, as LIST lines and as JSON', async () => {
    await start({ files: { [onServer(name, encoding)]: 'hello', 'plain.txt': 'x' } });
    const r = await tftp(['ls', '--encoding', encoding, ...host()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(new RegExp(` ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    const j = await tftp(['ls', '--json', '--encoding', encoding, ...host()]);
    expect(j.code).toBe(0);
    expect((JSON.parse(j.stdout.toString()) as { name: string }[]).map((e) => e.name)).toEqual([name, 'plain.txt']);
  });

  it('get sends the name in that encoding in RETR and writes the local file under its UTF-8 name', async () => {
    const body = Buffer.from(`the bytes of ${name}`);
    await start({ files: { [onServer(name, encoding)]: body } });
    const r = await tftp(['get', '-q', '--encoding', encoding, ...host(), name, local + '/']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const retr = server.commands.find((c) => c.startsWith('RETR '))!;
    expect(sentBytes(retr).equals(Buffer.concat([Buffer.from('RETR '), iconv.encode(name, encoding)]))).toBe(true);
    expect((await readFile(join(local, name))).equals(body)).toBe(true);
  });

  it('put of a local UTF-8 name sends it encoded in STOR', async () => {
    const body = Buffer.from('uploaded bytes');
    await writeFile(join(local, name), body);
    await start({});
    const r = await tftp(['put', '-q', '--encoding', encoding, ...host(), join(local, name)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.uploads).toHaveLength(1);
    expect(sentBytes(server.uploads[0]!.name).equals(iconv.encode(name, encoding))).toBe(true);
    expect(server.uploads[0]!.data.equals(body)).toBe(true);
  });

  it('get -r of a folder of such names writes each under its UTF-8 name', async () => {
    await start({ files: { [onServer(name, encoding)]: 'one', [onServer(`2 ${name}`, encoding)]: 'two' } });
    const r = await tftp(['get', '-q', '-r', '-j', '2', '--encoding', encoding, ...host(), '/', join(local, 'tree')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(join(local, 'tree', name), 'utf8')).toBe('one');
    expect(await readFile(join(local, 'tree', `2 ${name}`), 'utf8')).toBe('two');
  });

  it('does not send OPTS UTF8 ON', async () => {
    await start({ files: { 'a.txt': 'a' } });
    const r = await tftp(['get', '-q', '--encoding', encoding, ...host(), 'a.txt', join(local, 'a.txt')]);
    expect(r.code).toBe(0);
    expect(server.commands).not.toContain('OPTS UTF8 ON');
  });
});

describe('names without --encoding', () => {
  it('reports names that are not UTF-8 once, with a hint to use --encoding', async () => {
    await start({ files: { [onServer('café.txt', 'latin1')]: 'a', [onServer('crème.txt', 'latin1')]: 'b', [onServer('naïve.txt', 'latin1')]: 'c' } });
    const r = await tftp(['ls', ...host()]);
    expect(r.code).toBe(0);
    const hints = r.stderr.split('\n').filter((l) => l.includes('--encoding'));
    expect(hints).toEqual(['tftp: warning: the server sent names that are not valid UTF-8 (shown as \uFFFD): if they look wrong, give their encoding, e.g. --encoding latin1, cp1251 or shift_jis']);
    expect(r.stdout.toString()).toContain('caf\uFFFD.txt');
  });

  it('gives the hint once a run, even over the connections of a tree', async () => {
    await start({ files: { [onServer('café.txt', 'latin1')]: 'a', [onServer('crème.txt', 'latin1')]: 'b' } });
    // Each connection sees the 150 reply naming its file in latin1.
    const r = await tftp(['get', '-q', '-r', '-j', '2', ...host(), '/', join(local, 'tree')]);
    expect(r.stderr.split('\n').filter((l) => l.includes('not valid UTF-8'))).toHaveLength(1);
  });

  it('gives no hint for UTF-8 names, and says OPTS UTF8 ON before the first non-ASCII name when FEAT lists UTF8', async () => {
    await start({ commandEncoding: 'utf8', files: { 'café.txt': 'a' } });
    const r = await tftp(['get', '-q', ...host(), 'café.txt', join(local, 'café.txt')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const firstName = server.commands.findIndex((c) => c.includes('café'));
    expect(server.commands.slice(0, firstName).filter((c) => !c.startsWith('TYPE'))).toEqual(['USER anonymous', 'PASS anonymous@', 'FEAT', 'OPTS UTF8 ON']);
    expect(server.commands).toContain('RETR café.txt');
    expect(await readFile(join(local, 'café.txt'), 'utf8')).toBe('a');
  });

  it('sends no OPTS UTF8 ON to a server whose FEAT does not list UTF8', async () => {
    await start({ commandEncoding: 'utf8', files: { 'é.txt': 'a' }, handlers: { FEAT: '211-Features:\r\n SIZE\r\n211 End' } });
    const r = await tftp(['get', '-q', ...host(), 'é.txt', join(local, 'é.txt')]);
    expect(r.code).toBe(0);
    expect(server.verbs()).toContain('FEAT');
    expect(server.verbs()).not.toContain('OPTS');
  });
});

describe('bad --encoding', () => {
  it.each([[['ls']], [['get', 'f.txt']], [['put', '/dev/null', 'f.txt']], [['doctor']]])('an unknown encoding is exit 2 in one line, before connecting (%j)', async (command) => {
    await start({});
    const [verb, ...rest] = command;
    const r = await tftp([verb!, '--encoding', 'klingon', ...host(), ...rest]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: unknown encoding "klingon" (try latin1, cp1251, cp1252, shift_jis, gbk, euc-kr …)\n');
    expect(server.connections).toEqual([]);
  });

  it('an encoding that does not write ASCII as ASCII (UTF-16) is refused', async () => {
    await start({});
    const r = await tftp(['ls', '--encoding', 'utf16le', ...host()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tftp: encoding "utf16le" does not write ASCII as ASCII/);
  });

  it('a name the encoding cannot write is exit 2 and sends nothing of it (never a "?")', async () => {
    await start({ files: { '?????.txt': 'wrong file' } });
    const r = await tftp(['get', '--encoding', 'latin1', ...host(), 'файлы.txt', join(local, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tftp: "SIZE файлы\.txt" cannot be sent: it has characters that latin1 cannot write\n$/);
    expect(server.commands.some((c) => c.includes('?'))).toBe(false);
    expect(existsSync(join(local, 'x'))).toBe(false);
  });
});

describe('the library encoding option', () => {
  it('lists and downloads cp1251 names', async () => {
    const name = 'данные.csv';
    await start({ files: { [onServer(name, 'cp1251')]: '1,2,3' } });
    const ftp = await connect(`ftp://127.0.0.1:${server.port}/`, { encoding: 'cp1251' });
    try {
      expect((await ftp.list('/')).map((e) => e.name)).toEqual([name]);
      await mkdir(join(local, 'lib'));
      await ftp.download(name, join(local, 'lib', name));
      expect(await readFile(join(local, 'lib', name), 'utf8')).toBe('1,2,3');
    } finally {
      await ftp.close();
    }
  });
});
