#!/usr/bin/env node
// `npm run build`, after tsc: the command line in one CommonJS file,
// dist/tftp.cjs, which bin/tftp.js loads through V8's code cache
// (src/cli/runtime.ts). Node then reads one file instead of resolving and
// linking 25 (--version) to 85 (a download) modules of dist/ and
// node_modules/: most of what tftp added to node's start-up
// (docs/performance.md). dist/index.js, the library entry, stays tsc's output.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'tftp.cjs');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const shim = join(root, 'dist', '.import-meta-url.js');

/**
 * commander requires node:child_process as it loads, for executable
 * subcommands, which tftp has none of; with it come net, dgram and streams
 * that --version and --help never need. Required where commander spawns.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(eager)) throw new Error(`${args.path}: no "${eager}" to make lazy (commander changed: update scripts/bundle-cli.js)`);
      return { contents: text.replace(eager, "const childProcess = { get spawn() { return require('node:child_process').spawn; } };"), loader: 'js' };
    });
  },
};

// What import.meta.url means in a CommonJS file (sync's filter requires its package relative to it).
writeFileSync(shim, "export const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
try {
  const result = await build({
    absWorkingDir: root,
    stdin: {
      contents: "export { run } from './src/cli/main.ts';\nexport { abortOnSignals } from './src/cli/signals.ts';\n",
      resolveDir: root,
      sourcefile: 'tftp-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    outfile,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Loaded only when a run needs them, as in the unbundled code: names in
    // another encoding, a SOCKS proxy, sync's rules.
    external: ['iconv-lite', 'socks', 'ignore'],
    // import() becomes a require() inside the function that needs it: lazy as before, and no ES module loader.
    supported: { 'dynamic-import': false },
    // The version is read from package.json at build time, not at every start.
    define: { __TFTP_VERSION__: JSON.stringify(version), 'import.meta.url': '__importMetaUrl' },
    inject: [shim],
    plugins: [lazyChildProcess],
    legalComments: 'none',
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  // The first line names the bundle's code cache (src/cli/runtime.ts): another build, another cache.
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 32);
  writeFileSync(outfile, `// tftp-cli bundle ${digest}\n${code}`);
} finally {
  rmSync(shim, { force: true });
}
