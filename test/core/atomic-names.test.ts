import { describe, expect, it } from 'vitest';
import { isTemporaryName, temporaryName } from '../../src/core/jobs/atomic.js';
import { finalName } from '../support/sync-trees.js';

describe('temporary names of atomic uploads', () => {
  it.each(['index.html', 'with space.txt', '.hidden', 'x.tftp-sync.json', 'é.txt'])('%s: recognised, and maps back to its final name', (name) => {
    const temp = temporaryName(`www/css/${name}`, '5000:1700000000000');
    const base = temp.slice(temp.lastIndexOf('/') + 1);
    expect(isTemporaryName(base)).toBe(true);
    expect(isTemporaryName(base.replace(/\.part$/, '-a1b2c3.part'))).toBe(true);
    expect(finalName(temp)).toBe(`www/css/${name}`);
  });

  it.each(['index.html', '.tftp-sync.json', '.x.tftp-12345678.part.bak', 'x.tftp-12345678.part', '.x.tftp-1234567.part'])('%s is not one', (name) => {
    expect(isTemporaryName(name)).toBe(false);
  });
});
