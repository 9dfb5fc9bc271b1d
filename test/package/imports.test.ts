import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layers of src/ (docs/architecture.md): protocol <- core <- cli, and no
// import cycle anywhere, counting `import type` and dynamic import() alike.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier a file names: import, import type, export … from, import(). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The specifiers a file loads as it loads: import and export … from, not import(). */
function staticSpecifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm].flatMap((p) => [...text.matchAll(p)].map((m) => m[1]!));
}

/** Packages the library may load only when asked, through import(): iconv-lite, for names not in UTF-8. */
const LAZY_PACKAGES = new Set(['iconv-lite', 'socks']);

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const name = relative(SRC, file);
    const local = specifiers(file)
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
    edges.set(name, local);
  }
  return edges;
}

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('the layers of src/', () => {
  const edges = graph();

  it('reads the imports it checks (import type and import() too)', () => {
    expect(edges.get('core/client.ts')).toContain('core/connection/session.ts');
    expect(edges.get('core/connection/session.ts')).toContain('core/connection/tls.ts'); // a type import and an import()
    expect(edges.get('cli/program.ts')?.length).toBeGreaterThan(0);
  });

  it('has no import cycle anywhere in src/', () => {
    expect(cycles(edges).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('no source file is over 300 lines', () => {
    const long = sourceFiles(SRC)
      .map((file) => [relative(SRC, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 300);
    expect(long).toEqual([]);
  });

  it('the library entry loads neither commander, chalk nor cli-progress, by any path', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const s of specifiers(join(SRC, file))) {
        if (s.startsWith('.')) walk(relative(SRC, resolve(dirname(join(SRC, file)), s.replace(/\.js$/, '.ts'))));
        else packages.add(s);
      }
    };
    walk('index.ts');
    expect([...packages].filter((p) => !p.startsWith('node:') && !LAZY_PACKAGES.has(p))).toEqual([]);
    expect([...seen].flatMap((f) => staticSpecifiers(join(SRC, f)).filter((p) => LAZY_PACKAGES.has(p)).map((p) => `${f}: ${p}`))).toEqual([]);
    expect([...seen].filter((f) => f.startsWith('cli/'))).toEqual([]);
  });

  it('src/protocol imports nothing outside itself, not even node:', () => {
    const outside = [...sourceFiles(join(SRC, 'protocol'))].flatMap((file) =>
      specifiers(file)
        .filter((s) => !s.startsWith('.') || !resolve(dirname(file), s).startsWith(join(SRC, 'protocol')))
        .map((s) => `${relative(SRC, file)}: ${s}`),
    );
    expect(outside).toEqual([]);
  });

  it('src/core never imports src/cli', () => {
    const up = [...edges].flatMap(([file, deps]) => (file.startsWith('core/') ? deps.filter((d) => d.startsWith('cli/')).map((d) => `${file} -> ${d}`) : []));
    expect(up).toEqual([]);
  });
});
