// Which paths a sync leaves out: --exclude, --include and --exclude-from, in
// gitignore's syntax, matched by the `ignore` package (the matcher eslint and
// many others use). It is loaded only when a sync has rules to match.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { FtpError, LocalError } from '../../../protocol/errors.js';

/** One rule, in the order given: the last rule that matches a path decides. */
export type FilterRule = { exclude: string } | { include: string } | { excludeFrom: string };

export interface SyncFilter {
  /** True when `path` (relative, '/'-separated) is left out; `dir` for a folder (a pattern ending in / matches only folders). */
  excludes(path: string, dir: boolean): boolean;
  /** The gitignore lines the rules came to, in order. */
  readonly lines: readonly string[];
}

interface Matcher {
  add(patterns: string | readonly string[]): Matcher;
  ignores(path: string): boolean;
}

/**
 * Loaded on first use, through require: the library entry reaches no package
 * but node's until a sync has rules to match (test/package/imports.test.ts),
 * and require loads this CommonJS package in a third of the time import() takes.
 */
function loadMatcher(): () => Matcher {
  return createRequire(import.meta.url)('ignore') as () => Matcher;
}

/** An --exclude or --include value as one gitignore pattern: a leading # or ! is taken literally. */
function literalStart(pattern: string): string {
  return /^[#!]/.test(pattern) ? `\\${pattern}` : pattern;
}

/** gitignore lines for the rules: an exclude as it is, an include negated, a file's lines in place. */
export async function ruleLines(rules: readonly FilterRule[]): Promise<string[]> {
  const lines: string[] = [];
  for (const rule of rules) {
    if ('exclude' in rule) lines.push(checked(rule.exclude, '--exclude'));
    else if ('include' in rule) lines.push(`!${checked(rule.include, '--include')}`);
    else {
      let text: string;
      try {
        text = await readFile(rule.excludeFrom, 'utf8');
      } catch (err) {
        throw new LocalError(`cannot read --exclude-from ${rule.excludeFrom}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      lines.push(...text.split(/\r?\n/));
    }
  }
  return lines;
}

function checked(pattern: string, option: string): string {
  if (pattern.trim() === '') throw new FtpError('argument', `${option} needs a pattern`);
  return literalStart(pattern);
}

/** The filter of a sync; without rules nothing is left out (and the matcher is not loaded). */
export async function createFilter(rules: readonly FilterRule[] = []): Promise<SyncFilter> {
  const lines = await ruleLines(rules);
  if (!lines.some((l) => l.trim() !== '' && !l.startsWith('#'))) return { excludes: () => false, lines };
  const matcher = loadMatcher()().add(lines);
  return { excludes: (path, dir) => matcher.ignores(dir ? `${path}/` : path), lines };
}
