import { afterEach, describe, expect, it } from 'vitest';
import { FtpClient } from '../../src/core/client.js';
import { FtpError } from '../../src/protocol/errors.js';
import type { CommandContext, FakeServer } from '../support/fake-server.js';
import { dirLine, fileLine, startPersona, type Persona } from '../support/listing-servers.js';

// FtpClient.list() moves into the folder it lists and must leave the session
// where it found it, whatever the caller did with the session before.

let server: FakeServer | undefined;
let client: FtpClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
  server = client = undefined;
});

const HOME = 'home/alice';
const TREE = {
  folders: {
    [HOME]: [dirLine('pub')],
    [`${HOME}/pub`]: [dirLine('dir with space'), fileLine('f.txt', 1)],
    [`${HOME}/pub/dir with space`]: [fileLine('inner.txt', 5)],
    [`${HOME}/other`]: [fileLine('o.txt', 1)],
  },
};

async function connect(persona: Persona = {}): Promise<{ c: FtpClient; s: FakeServer }> {
  server = await startPersona(TREE, { splitsArguments: true, home: HOME, ...persona });
  client = new FtpClient({ timeoutMs: 2000 });
  await client.connect('127.0.0.1', server.port);
  await client.login();
  return { c: client, s: server };
}

describe('FtpClient.list and the session folder', () => {
  it('comes back to the folder the caller moved to, not the one it learned first', async () => {
    const { c } = await connect();
    expect((await c.list('pub')).entries.map((e) => e.name)).toEqual(['dir with space', 'f.txt']);
    expect(await c.pwd()).toBe('/home/alice');
    await c.cwd('pub');
    expect((await c.list('dir with space')).entries.map((e) => e.name)).toEqual(['inner.txt']);
    expect(await c.pwd()).toBe('/home/alice/pub');
  });

  it('a CWD sent by hand is noticed too', async () => {
    const { c } = await connect();
    await c.list('pub');
    await c.sendcmd('CWD other');
    expect((await c.list('../pub')).entries.map((e) => e.name)).toEqual(['dir with space', 'f.txt']);
    expect(await c.pwd()).toBe('/home/alice/other');
  });

  it('learns the folder once for many listings', async () => {
    const { c, s } = await connect();
    await c.list('pub');
    await c.list('pub/dir with space');
    await c.list('other');
    expect(s.verbs().filter((v) => v === 'PWD')).toHaveLength(1);
  });

  it('a server that will not go back ends the session with a protocol error', async () => {
    let cwds = 0;
    const { c } = await connect();
    const cwd = server!.handlers.CWD as (ctx: CommandContext) => unknown;
    // The first CWD (checking the way back) and the one into the folder work; the way back then fails.
    server!.handlers.CWD = (ctx: CommandContext) => (++cwds <= 2 ? cwd(ctx) : ctx.session.reply(550, 'No way back'));
    const err = await c.list('pub').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect((err as FtpError).kind).toBe('protocol');
    expect((err as FtpError).message).toBe('the server would not go back to /home/alice after the listing: 550 No way back');
    expect(c.connected).toBe(false);
  });

  it('a refused CWD leaves the folder known: the next listing asks no second PWD', async () => {
    const { c, s } = await connect();
    await c.list('pub');
    await expect(c.cwd('nosuch')).rejects.toMatchObject({ kind: 'permanent', code: 550 });
    expect((await c.list('other')).entries.map((e) => e.name)).toEqual(['o.txt']);
    expect(s.verbs().filter((v) => v === 'PWD')).toHaveLength(1);
    expect(await c.pwd()).toBe('/home/alice');
  });

  it('stat where PWD cannot be gone back to: the listings tell, with no CWD and no SIZE', async () => {
    const { c, s } = await connect({ pwd: '257 "C:\\ftp" is the current directory' });
    expect(await c.stat('pub')).toEqual({ type: 'dir', size: 4096, permissions: 'rwxr-xr-x', modified: new Date('2026-01-01T00:00:00Z') });
    expect(await c.stat('pub/f.txt')).toEqual({ type: 'file', size: 1, permissions: 'rw-r--r--', modified: new Date('2026-01-01T00:00:00Z') });
    expect(await c.stat('pub/nothing')).toBeUndefined();
    expect(s.commands.filter((l) => /^(CWD|SIZE)/.test(l))).toEqual(['CWD C:\\ftp']);
  });
});
