#!/usr/bin/env node
// The installed command: wires the real process to the CLI and sets the exit code.
import { run } from '../dist/cli/main.js';
import { tuneRuntime } from '../dist/cli/runtime.js';

tuneRuntime();

const controller = new AbortController();
process.on('SIGINT', () => {
  // First Ctrl-C aborts the transfer cleanly; a second one leaves at once.
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});
process.stdout.on('error', (err) => {
  // A closed pipe (`tftp get … - | head`) is not our failure.
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
