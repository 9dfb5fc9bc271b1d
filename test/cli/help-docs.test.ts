import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tftp } from '../support/cli.js';

// docs/cli.md is the reference: it must name every option --help lists, and
// every command's help carries a few examples.
const reference = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

describe.each([['get'], ['put'], ['ls'], ['doctor'], ['rm'], ['mkdir'], ['rmdir'], ['mv'], ['chmod'], ['stat'], ['quote'], ['sync']])('tftp %s --help', (command) => {
  it('lists options that docs/cli.md documents, with 2-4 examples', async () => {
    const r = await tftp([command, '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.toString();
    const flags = [...new Set([...help.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!))];
    expect(flags.length).toBeGreaterThan(3);
    const missing = flags.filter((f) => !reference.includes(`\`${f}`) && !reference.includes(`${f} `) && !reference.includes(`${f}=`) && !reference.includes(`${f},`));
    expect(missing, `flags of ${command} not in docs/cli.md`).toEqual([]);
    const examples = help.split(/\nExamples:\n/)[1]?.split('\n\n')[0]?.split('\n').filter((l) => l.trim().startsWith('tftp') || l.includes('| tftp')) ?? [];
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.length).toBeLessThanOrEqual(4);
  });
});

describe('exit codes', () => {
  it('--help and docs/cli.md give the same table', async () => {
    const help = (await tftp(['--help'])).stdout.toString();
    for (const [, code, text] of help.matchAll(/^ {2}(\d+)\s+(.+)$/gm)) {
      expect(reference, `exit code ${code}`).toMatch(new RegExp(`\\b${code}\\b`));
      expect(text!.length).toBeGreaterThan(3);
    }
  });
});
