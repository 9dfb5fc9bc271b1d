#!/usr/bin/env node
// The installed command: wires the real process to the CLI and sets the exit code.
import { run } from '../dist/cli/main.js';
import { tuneRuntime } from '../dist/cli/runtime.js';
import { abortOnSignals } from '../dist/cli/signals.js';

tuneRuntime();

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
