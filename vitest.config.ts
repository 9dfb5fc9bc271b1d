import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Separate processes: servers and process-level listeners stay per file.
    pool: 'forks',
  },
});
