import { defineConfig } from 'vitest/config';

/**
 * `npm test`: everything that needs only `npm install`. Checks against Debian's Python
 * (h5py, NumPy) and real Jupyter live in test/interop (vitest.interop.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/interop/**', '**/node_modules/**'],
    globalSetup: ['test/global_setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'dist/test-results.json' }]],
  },
});
