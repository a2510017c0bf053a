import { defineConfig } from 'vitest/config';

// Cross-app tests: they start the built server as a real process and drive it over HTTP and in Chromium.
export default defineConfig({
  test: {
    root: __dirname,
    include: ['**/*.spec.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '../reports/cross-app.json' },
  },
});
