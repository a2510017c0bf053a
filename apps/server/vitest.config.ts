import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC keeps the decorator metadata that Nest's dependency injection and TypeORM need;
// esbuild (Vitest's default) drops it.
export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'es6' },
    }),
  ],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // API tests boot servers and render videos: one file at a time on a 2-core machine.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '../../reports/server.json' },
  },
});
