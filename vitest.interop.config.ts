import { defineConfig } from 'vitest/config';

/**
 * `npm run test:interop`: the checks that need Debian's python3-h5py / python3-numpy and
 * Jupyter (jupyter-nbconvert, python3-ipykernel); `.ci/run` installs them first.
 */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'dist/interop-results.json' }]],
  },
});
