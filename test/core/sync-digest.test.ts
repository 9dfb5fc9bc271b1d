import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOpenFile } from '../../src/core/jobs/sync/digest.js';
import { temporaryName } from '../../src/core/jobs/atomic.js';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tftp-digest-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const BUFFER = 256 * 1024;

describe('digestOpenFile', () => {
  it('is the SHA-256 of the whole file, whether it fits in one read or not', async () => {
    for (const size of [0, 1, 20_000, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER + 17]) {
      const body = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, body);
      const fd = openSync(path, 'r');
      try {
        expect(await digestOpenFile(fd), `${size} bytes`).toBe(createHash('sha256').update(body).digest('hex'));
      } finally {
        closeSync(fd);
      }
    }
  });
});

describe('temporaryName', () => {
  it('takes 8 hex digits of the SHA-256 of the path and the identity', () => {
    const hex = createHash('sha256').update('site/ünï.html\u00001234:1767225600000').digest('hex').slice(0, 8);
    expect(temporaryName('site/ünï.html', '1234:1767225600000')).toBe(`site/.ünï.html.tftp-${hex}.part`);
  });
});
