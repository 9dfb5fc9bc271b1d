import { describe, expect, it } from 'vitest';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext, Handler } from '../support/fake-server.js';
import { useSessions } from '../support/sessions.js';
import { commitTemporary } from '../../src/core/jobs/atomic.js';
import { uploadFile } from '../../src/core/jobs/upload.js';

// rename(…, { together: true }) and the atomic upload's commit: RNFR and RNTO in one write,
// seen from the fake server's side (the RNTO had arrived when the RNFR was handled).

const s = useSessions('tftp-rename-together-');

/** A server that renames, and notes for each RNFR whether the RNTO after it had arrived already. */
function renamer() {
  const early: boolean[] = [];
  let from: string | undefined;
  const handlers: Record<string, Handler> = {
    RNFR: ({ server, arg }: CommandContext) => {
      const i = server.commands.lastIndexOf(`RNFR ${arg}`);
      early.push(server.commands.slice(i + 1).some((l) => l.startsWith('RNTO ')));
      if (!server.files.has(arg)) {
        from = undefined;
        return '550 No such file';
      }
      from = arg;
      return '350 Ready for RNTO';
    },
    RNTO: ({ server, arg }: CommandContext) => {
      if (from === undefined) return '503 RNFR required first';
      if (arg === 'forbidden') return '553 Not allowed';
      server.files.set(arg, server.files.get(from)!);
      server.files.delete(from);
      from = undefined;
      return '250 Renamed';
    },
  };
  return { early, handlers };
}

describe('rename with RNTO sent together with RNFR', () => {
  it('moves the file; a refused RNFR is its own error and the 503 after it is not taken for the next reply', async () => {
    const r = renamer();
    const c = await s.fakeWith({ files: { 'a.bin': 'abc' }, handlers: r.handlers });
    await c.rename('a.bin', 'b.bin', { together: true });
    expect([...s.fake!.files.keys()]).toEqual(['b.bin']);
    expect(await c.rename('nothing', 'c.bin', { together: true }).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', code: 550 });
    expect(await c.rename('b.bin', 'forbidden', { together: true }).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', code: 553 });
    // Each reply went to its own command.
    expect(await c.pwd()).toBe('/');
    expect(await c.size('b.bin')).toBe(3);
    expect(r.early).toEqual([true, true, true]);
    await expect(c.rename('b.bin', 'x\r\nDELE b.bin', { together: true })).rejects.toMatchObject({ kind: 'argument' });
    expect(s.fake!.files.has('b.bin')).toBe(true);
  });

  it('without `together`, RNTO waits for the 350, and a refused RNFR sends none', async () => {
    const r = renamer();
    const c = await s.fakeWith({ files: { 'a.bin': 'abc' }, handlers: r.handlers });
    await c.rename('a.bin', 'b.bin');
    await expect(c.rename('nothing', 'c.bin')).rejects.toMatchObject({ code: 550 });
    expect(r.early).toEqual([false, false]);
    expect(s.fake!.commands.filter((l) => l.startsWith('RNTO '))).toEqual(['RNTO b.bin']);
  });

  it('an atomic upload commits its temporary file with RNFR and RNTO in one write', async () => {
    const r = renamer();
    const c = await s.fakeWith({ handlers: r.handlers });
    const local = join(s.local, 'page.html');
    writeFileSync(local, 'hello, world');
    const fd = openSync(local, 'r');
    try {
      const noProgress = { start() {}, add() {}, finish() {} };
      await uploadFile(c, { local, remotePath: 'page.html', fd, localSize: 12 }, { atomic: true, resumeTemporary: true, newFolder: true }, 0, noProgress, {});
    } finally {
      closeSync(fd);
    }
    expect(s.fake!.files.get('page.html')?.toString()).toBe('hello, world');
    expect([...s.fake!.files.keys()]).toEqual(['page.html']);
    expect(r.early).toEqual([true]);
    // A refusal still removes the temporary file and leaves the final name alone.
    s.fake!.files.set('.t.part', Buffer.from('x'));
    await expect(commitTemporary(c, '.t.part', 'forbidden')).rejects.toMatchObject({ kind: 'permanent', code: 553 });
  });
});
