import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { transfercmd } from '../../src/core/transfer/transfercmd.js';
import { startFakeServer } from '../support/fake-server.js';
import { startFtpSrv } from '../support/ftpsrv.js';
import { useSessions } from '../support/sessions.js';

// Active mode: the connection the server opens to us reads into the
// caller's buffers (onread), as a passive one does, instead of a fresh
// buffer per chunk through 'data' events.

const s = useSessions('tftp-active-data-');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Starts `RETR name` in active mode with a counting onread; resolves with what it read once the data has ended. */
async function retrieveWithOnread(port: number, name: string) {
  const c = await s.connect(port, { passive: false });
  const buffer = Buffer.alloc(64 * 1024);
  const chunks: Buffer[] = [];
  let dataEvents = 0;
  const start = await transfercmd(c.session, `RETR ${name}`, undefined, {
    buffer,
    callback: (n) => {
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      return true;
    },
  });
  const socket: Socket = start.socket;
  socket.on('data', () => dataEvents++);
  if (!socket.closed) await new Promise((r) => socket.once('close', r));
  const final = await c.session.read();
  return { usesOnread: start.usesOnread, got: Buffer.concat(chunks), dataEvents, final: final.code, ended: socket.readableEnded };
}

describe('active mode reads into the caller\'s buffers', () => {
  it('ftp-srv (EPRT): the accepted connection says usesOnread, every byte comes through onread, none through \'data\'', async () => {
    s.srv = await startFtpSrv();
    const body = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(s.srv.root, 'big.bin'), body);
    const r = await retrieveWithOnread(s.srv.port, 'big.bin');
    expect(s.trace.some((l) => l.startsWith('> EPRT'))).toBe(true);
    expect(r.usesOnread).toBe(true);
    expect(r.dataEvents).toBe(0);
    expect(r.got.length).toBe(body.length);
    expect(sha(r.got)).toBe(sha(body));
    expect(r.ended).toBe(true);
    expect(r.final).toBe(226);
  });

  it('a file fetched in active mode lands whole, twice on one session (PORT after a refused EPRT)', async () => {
    const body = randomBytes(2 * 1024 * 1024 + 5);
    s.fake = await startFakeServer({ files: { 'f.bin': body }, handlers: { EPRT: '500 EPRT not understood' } });
    const c = await s.connect(s.fake.port, { passive: false });
    for (let i = 0; i < 2; i++) expect(sha(await s.fetch(c, 'f.bin'))).toBe(sha(body));
    expect(s.fake.verbs().filter((v) => v === 'PORT')).toHaveLength(2);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });
});
