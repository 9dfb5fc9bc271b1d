// tftp against GNU inetutils ftpd, a BSD-derived server (unpacked by install.sh:
// the package conflicts with vsftpd), run per connection by the suite's own
// inetd loop: anonymous and the local user tftpuser, plain FTP only (no TLS, no
// MLSD: listings are parsed `ls -lgA` lines).
//
// The tests with a "Found here:" comment are regression tests of tftp bugs
// this server showed first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { PASSWORD, USER } from './helpers/env.js';
import { expectSameBytes, type InstanceContext } from './helpers/instance.js';
import { startInetutilsFtpd } from './helpers/inetutils-ftpd.js';
import { putExtrasTests } from './helpers/put-extras-cases.js';
import { inetutilsSyncCases } from './helpers/sync-cases.js';
import { listPlain } from './helpers/raw-ftps.js';
import { serverSuite } from './helpers/suite.js';
import { show } from './helpers/tftp.js';

const HOST = '127.0.0.1';

function bsdTests(t: InstanceContext): void {
  const inTree = randomBytes(30_000);
  const spacedFile = randomBytes(1234);
  beforeAll(() => {
    const root = t.server().root;
    mkdirSync(join(root, 'with empty', 'empty dir'), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, 'with empty', 'f.bin'), inTree, { mode: 0o644 });
    writeFileSync(join(root, 'a file with spaces.bin'), spacedFile, { mode: 0o644 });
  });

  // Why tftp lists a folder from inside it (CWD, then LIST without an
  // argument): ftpd passes LIST's argument to its ls split at spaces, and
  // answers 226 for a listing of errors.
  it("the server itself splits a LIST argument at spaces (the suite's raw client)", async () => {
    const r = await listPlain({ port: t.server().port, user: USER, password: PASSWORD, path: 'dir with space' });
    expect(r.final?.code, JSON.stringify(r)).toBe(226);
    expect(r.listing).toMatch(/^dir: No such file or directory\r?$/m);
    expect(r.listing).not.toContain('file one.bin');
  });

  it('get of a file whose name has spaces: byte-identical (RETR takes the whole name)', async () => {
    const dest = t.local('spaced.bin');
    const r = await t.run(['get', ...t.conn(), HOST, 'a file with spaces.bin', dest]);
    expect(r.code, show(r)).toBe(0);
    expectSameBytes(readFileSync(dest), spacedFile, 'download');
  });

  // Found here: the listing of the empty folder comes second on the session, so
  // its EPSV and LIST go out together; ftpd connects, sends nothing, closes the
  // data connection and answers 150 and 226 before tftp starts reading it, and
  // tftp waited for the close that had already happened, for ever.
  it('get -r of a folder with an empty sub-folder ends: exit 0, byte-identical', async () => {
    const dest = t.local('with-empty');
    const r = await t.run(['get', '-r', '-j', '1', ...t.conn(), HOST, 'with empty', dest], undefined, 8_000);
    expect(r.code, show(r)).toBe(0);
    expectSameBytes(readFileSync(join(dest, 'f.bin')), inTree, 'f.bin');
    expect(statSync(join(dest, 'empty dir')).isDirectory()).toBe(true);
  }, 20_000);

  // Found here: CWD refuses a file, and tftp sent `LIST a file with spaces.bin`,
  // which ftpd splits: stdout got "a: No such file or directory" and the like,
  // with exit 0. A path that is not a folder is now found in its parent's listing.
  it('ls of a file whose name has spaces: its own LIST line', async () => {
    const r = await t.run(['ls', ...t.conn(), HOST, 'a file with spaces.bin']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/^-\S+ .* 1234 .* a file with spaces\.bin$/m);
    expect(r.stdout.toString()).not.toContain('No such file');
  });

  // Found here: for a path CWD refuses, `LIST no-such-thing` gets a 226 with
  // ftpd's "no-such-thing: No such file or directory" as the listing: tftp
  // printed it on stdout and exited 0 (every other server of the suite: exit 5).
  it('ls of a missing path: exit 5, nothing on stdout', async () => {
    const r = await t.run(['ls', ...t.conn(), HOST, 'no-such-thing']);
    expect(r.code, show(r)).toBe(5);
    expect(r.stdout.toString()).toBe('');
  });

  // Found here: the same listing made get -r exit 8 ("listing line not
  // understood"), a protocol error, where the folder is simply missing.
  it('get -r of a missing folder: exit 5, nothing written', async () => {
    const dest = t.local('missing-tree');
    const r = await t.run(['get', '-r', ...t.conn(), HOST, 'no-such-folder', dest]);
    expect(r.code, show(r)).toBe(5);
    expect(existsSync(dest)).toBe(false);
  });
}

serverSuite(
  'inetutils-ftpd',
  [{ tls: false, anonymous: true, start: (o) => startInetutilsFtpd(o), extraTests: (t) => (bsdTests(t), putExtrasTests(t), inetutilsSyncCases(t)) }],
  {
    // REST+STOR writes from the offset (STOR after REST does not truncate).
    resumeUpload: true,
    requiresSessionReuse: false,
  },
);
