import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFilter, type FilterRule } from '../../src/core/jobs/sync/filter.js';

// sync's filters: gitignore's documented cases, through the `ignore` package,
// in the order the rules were given.

async function excluded(rules: FilterRule[], paths: [string, boolean][]): Promise<string[]> {
  const f = await createFilter(rules);
  return paths.filter(([p, dir]) => f.excludes(p, dir)).map(([p]) => p);
}

describe('sync filters (gitignore syntax)', () => {
  it('without rules nothing is left out', async () => {
    expect(await excluded([], [['a', false], ['.tftp-sync.json', false], ['x/y', true]])).toEqual([]);
  });

  it('a pattern without a slash matches at any depth; a leading / anchors it at the top', async () => {
    const paths: [string, boolean][] = [['secret.txt', false], ['docs/secret.txt', false], ['a.log', false], ['deep/er/b.log', false]];
    expect(await excluded([{ exclude: '*.log' }, { exclude: '/secret.txt' }], paths)).toEqual(['secret.txt', 'a.log', 'deep/er/b.log']);
  });

  it('a trailing / matches folders only', async () => {
    expect(await excluded([{ exclude: 'build/' }], [['build', true], ['build', false], ['src/build', true]])).toEqual(['build', 'src/build']);
  });

  it('** matches any number of folders', async () => {
    const paths: [string, boolean][] = [['a/tmp/x', false], ['tmp/x', false], ['a/b/c/tmp/x', false], ['a/tmpx', false]];
    expect(await excluded([{ exclude: '**/tmp/x' }], paths)).toEqual(['a/tmp/x', 'tmp/x', 'a/b/c/tmp/x']);
    expect(await excluded([{ exclude: 'a/**/x' }], [['a/x', false], ['a/b/c/x', false], ['b/a/x', false]])).toEqual(['a/x', 'a/b/c/x']);
  });

  it('--include (or ! in a file) takes back what an earlier rule excluded: the last match wins', async () => {
    const paths: [string, boolean][] = [['a.log', false], ['keep.log', false]];
    expect(await excluded([{ exclude: '*.log' }, { include: 'keep.log' }], paths)).toEqual(['a.log']);
    // In the other order the exclude comes last and wins.
    expect(await excluded([{ include: 'keep.log' }, { exclude: '*.log' }], paths)).toEqual(['a.log', 'keep.log']);
  });

  it('--exclude-from reads a gitignore file (comments, blank lines, negation) in place among the other rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tftp-filter-'));
    const file = join(dir, 'rules');
    writeFileSync(file, '# comment\n\n*.tmp\n!important.tmp\n/cache/\n');
    const paths: [string, boolean][] = [['x.tmp', false], ['important.tmp', false], ['cache', true], ['sub/cache', true], ['y.bak', false]];
    expect(await excluded([{ excludeFrom: file }, { exclude: '*.bak' }], paths)).toEqual(['x.tmp', 'cache', 'y.bak']);
    await expect(createFilter([{ excludeFrom: join(dir, 'missing') }])).rejects.toMatchObject({ kind: 'local', message: expect.stringContaining('ENOENT') });
  });

  it('a pattern starting with # or ! on the command line is taken literally', async () => {
    expect(await excluded([{ exclude: '#notes' }], [['#notes', false], ['notes', false]])).toEqual(['#notes']);
    expect(await excluded([{ exclude: '!bang' }], [['!bang', false], ['bang', false]])).toEqual(['!bang']);
  });

  it('an empty pattern is a usage error', async () => {
    await expect(createFilter([{ exclude: ' ' }])).rejects.toMatchObject({ kind: 'argument' });
  });

  it('the matcher is loaded only when a sync has rules: the library entry does not load it (spawned, on dist/)', () => {
    const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(dist)});
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/ignore/'));
      await import(${JSON.stringify(join(dist, 'index.js'))});
      const { createFilter } = await import(${JSON.stringify(join(dist, 'core/jobs/sync/filter.js'))});
      const atStart = loaded();
      await createFilter([]);
      const noRules = loaded();
      await createFilter([{ exclude: '*.log' }]);
      console.log(JSON.stringify([atStart, noRules, loaded()]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([false, false, true]);
  });
});
