import { describe, expect, it } from 'vitest';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { describeNetworkError, isFileSystemError, isNetworkError } from '../../src/core/errno.js';

// One classifier of Node's errno errors, fed real ones.

async function failure(run: () => Promise<unknown>): Promise<NodeJS.ErrnoException> {
  return run().then(
    () => {
      throw new Error('expected a failure');
    },
    (err: NodeJS.ErrnoException) => err,
  );
}

describe('errno classification', () => {
  it('a refused connection is a network error, described in a few words', async () => {
    const err = await failure(
      () =>
        new Promise((resolve, reject) => {
          const socket = connect(1, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        }),
    );
    expect(err.code).toBe('ECONNREFUSED');
    expect(isNetworkError(err)).toBe(true);
    expect(isFileSystemError(err)).toBe(false);
    expect(describeNetworkError(err)).toBe('connection refused');
  });

  it('a missing file and a folder opened for writing are file-system errors', async () => {
    for (const run of [() => open('/nonexistent/dir/file'), () => open('/', 'w')]) {
      const err = await failure(run);
      expect(isFileSystemError(err), err.code).toBe(true);
      expect(isNetworkError(err)).toBe(false);
    }
  });

  it('anything without an errno code is neither', () => {
    for (const err of [new Error('plain'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }, undefined, null, 'EPIPE']) {
      expect(isFileSystemError(err)).toBe(false);
      expect(isNetworkError(err)).toBe(false);
    }
    expect(isNetworkError({ code: 'EPIPE' })).toBe(true);
    expect(describeNetworkError(Object.assign(new Error('odd failure'), { code: 'EWHATEVER' }))).toBe('odd failure');
  });
});
