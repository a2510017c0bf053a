import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts'],
    // Real ffmpeg encodes and a real fork of the worker run in these tests; a 2-core box is slow.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '../../reports/inference.json' },
  },
});
