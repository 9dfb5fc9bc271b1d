#!/usr/bin/env node
// The installed command: wires the real process to the CLI and sets the exit code.
// dist/tftp.cjs is the whole command line in one file (scripts/bundle-cli.js).
import { fileURLToPath } from 'node:url';
import { loadBundle, tuneRuntime } from '../dist/cli/runtime.js';

tuneRuntime();
const { run, abortOnSignals } = loadBundle(fileURLToPath(new URL('../dist/tftp.cjs', import.meta.url)), process.env);

// SIGINT, SIGTERM and SIGHUP abort the transfer cleanly; a second one leaves at once.
const signal = abortOnSignals(process);
process.stdout.on('error', (err) => {
  // A closed pipe (`tftp get … - | head`) is not our failure.
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
// A terminal that went away (SIGHUP) cannot take our last line: the exit code still tells.
process.stderr.on('error', () => {});

process.exitCode = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal,
});
