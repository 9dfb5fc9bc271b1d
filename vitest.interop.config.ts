import { defineConfig } from 'vitest/config';

// `npm run test:interop`: the CLI (bin/tftp.js, built first) against real FTP
// servers (vsftpd, pure-ftpd, proftpd, pyftpdlib, inetutils ftpd) that
// test/interop/install.sh installs.
// The files are named *.interop.ts so that `npm test` (test/**/*.test.ts) never
// picks them up.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.interop.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One process per server family; each starts and stops its own daemons.
    pool: 'forks',
    maxWorkers: 3,
    // A failure against a real server is reported as it is, never retried.
    retry: 0,
  },
});
