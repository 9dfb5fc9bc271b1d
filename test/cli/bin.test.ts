import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { spawnTftp } from '../support/cli.js';

// These run bin/tftp.js as a user would: `npm test` builds dist/ first.
let server: RunningFtpSrv;
let local: string;
const data = randomBytes(2 * 1024 * 1024 + 5);

beforeAll(async () => {
  server = await startFtpSrv();
  await writeFile(join(server.root, 'file.bin'), data);
  local = await mkdtemp(join(tmpdir(), 'tftp-bin-'));
});
afterAll(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

describe('bin/tftp.js', () => {
  it('downloads a URL into the current folder', async () => {
    const r = await spawnTftp(['get', `${server.url}/file.bin`], { cwd: local }).done;
    expect(r.stderr).toMatch(/^downloaded file\.bin: 2\.00 MiB in [\d.]+ s/);
    expect(r.stderr).not.toMatch(/\r|\x1b/); // not a terminal: no bar, no colour
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'file.bin'))).equals(data)).toBe(true);
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = await spawnTftp(['--version']).done;
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim()).toBe(pkg.version);
  });

  it('reports a bad command on one line with exit 2', async () => {
    const r = await spawnTftp(['fetch', 'x']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'fetch'/);
  });
});
