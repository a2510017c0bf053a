import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(__filename);

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
  // One copy of Yjs in a test process, as in the built server (all CommonJS): the inference
  // library is CommonJS and loads yjs.cjs through the shared library's CommonJS build, so every
  // import of yjs that Vite resolves goes to that file too, and the ESM packages that import it
  // (the shared library's ESM build, the stock y-websocket client and y-protocols the tests use)
  // go through Vite so that the alias reaches them. Two copies break Yjs's constructor checks.
  resolve: { alias: { yjs: require.resolve('yjs') } },
  test: {
    server: { deps: { inline: ['@reelcraft/shared', 'y-websocket', 'y-protocols'] } },
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // API tests boot servers and render videos: one file at a time on a 2-core machine.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '../../reports/server.json' },
  },
});
