import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type DataFault, type FakeServer, type Handler } from '../support/fake-server.js';
import { tftp, type CliResult } from '../support/cli.js';

// An upload the server cuts short or refuses: the right exit code, one line,
// and a byte count that does not claim more than was handed to the network.
// Some cases wait out the client's 3 s grace for a last reply, so every test
// has its own server and they run concurrently.

let local: string;
let src: string;
const data = randomBytes(4 * 1024 * 1024);
beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-upload-'));
  src = join(local, 'up.bin');
  await writeFile(src, data);
});
afterAll(() => rm(local, { recursive: true, force: true }));

interface Upload extends CliResult {
  ms: number;
  server: FakeServer;
}

/** Uploads the file to a fresh fake server with `fault` on STOR; the server is closed before returning. */
async function put(fault: DataFault | undefined, mode = '--passive', handlers: Record<string, Handler> = {}): Promise<Upload> {
  const server = await startFakeServer({ dataFaults: fault ? { STOR: fault } : {}, handlers });
  try {
    const t = performance.now();
    const r = await tftp(['put', mode, '127.0.0.1', '-P', String(server.port), '--timeout', '1', src, 'up.bin']);
    return { ...r, ms: performance.now() - t, server };
  } finally {
    await server.close();
  }
}

/** The count in "(N bytes sent)": at least what the server got, at most the file. */
function expectHonestCount(r: Upload): void {
  const m = /\((\d+) bytes sent\)/.exec(r.stderr);
  expect(m, `no byte count in ${JSON.stringify(r.stderr)}`).not.toBeNull();
  const sent = Number(m![1]);
  expect(sent).toBeGreaterThanOrEqual(r.server.uploads[0]!.data.length);
  expect(sent).toBeLessThanOrEqual(data.length);
}

function expectOneLine(r: CliResult, code: number, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.code).toBe(code);
}

describe.concurrent.each(['--passive', '--active'])('the server closes the data connection early (%s)', (mode) => {
  it.each<[string, DataFault, number]>([
    ['and says nothing', { type: 'truncate', bytes: 100_000, reply: null }, 5000],
    ['and still says 226', { type: 'truncate', bytes: 100_000 }, 1000],
    ['with a reset, and says nothing', { type: 'reset', bytes: 100_000, reply: null }, 5000],
  ])('%s: exit 6, with an honest count of bytes sent', async (_name, fault, maxMs) => {
    const r = await put(fault, mode);
    expectOneLine(r, 6, /^tftp: data connection failed: .* \(\d+ bytes sent\)$/);
    expect(r.ms).toBeLessThan(maxMs);
    expect(r.server.uploads[0]!.data.equals(data.subarray(0, 100_000))).toBe(true);
    expectHonestCount(r);
  });

  // A regression test: this once failed.
  it.each<[string, DataFault]>([
    ['and says 426', { type: 'truncate', bytes: 100_000, reply: '426 Connection closed; transfer aborted.' }],
    ['and says 451', { type: 'truncate', bytes: 100_000, reply: '451 Local error in processing.' }],
    ['with a reset, and says 426', { type: 'reset', bytes: 100_000, reply: '426 Connection reset.' }],
  ])('%s: exit 6, with an honest count of bytes sent', async (_name, fault) => {
    const r = await put(fault, mode);
    expectOneLine(r, 6, /^tftp: 4[25][16] .*\d+ bytes sent/);
    expectHonestCount(r);
  });
});

describe.concurrent('the server refuses the upload', () => {
  it('552 to STOR: exit 5, nothing stored', async () => {
    const r = await put(undefined, '--passive', { STOR: '552 Quota exceeded' });
    expectOneLine(r, 5, /^tftp: 552 Quota exceeded$/);
    expect(r.server.uploads).toEqual([]);
  });

  it('552 after part of the file: exit 5', async () => {
    const r = await put({ type: 'truncate', bytes: 100_000, reply: '552 Exceeded storage allocation' });
    expectOneLine(r, 5, /^tftp: 552 Exceeded storage allocation/);
  });

  it('553 (file name not allowed): exit 5', async () => {
    const r = await put(undefined, '--passive', { STOR: '553 File name not allowed' });
    expectOneLine(r, 5, /^tftp: 553 File name not allowed$/);
  });

  it('452 (insufficient storage, try later): exit 6', async () => {
    const r = await put(undefined, '--passive', { STOR: '452 Insufficient storage space' });
    expectOneLine(r, 6, /^tftp: 452 Insufficient storage space$/);
  });
});

it('the local file is never changed by any of it', async () => {
  expect((await readFile(src)).equals(data)).toBe(true);
});
