import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// In development the API runs separately (PORT 8000 by default); in production the server
// serves the built studio on the same origin, so no proxy is involved.
const apiTarget = process.env.REELCRAFT_API ?? 'http://127.0.0.1:8000';
const proxy = {
  '/api': { target: apiTarget, changeOrigin: false },
  '/socket.io': { target: apiTarget, ws: true },
  '/collab': { target: apiTarget, ws: true },
};

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy },
  preview: { proxy },
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '../../reports/studio.json' },
    projects: [
      // Pure logic: Node, Svelte compiled for the server.
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts'], exclude: ['src/**/*.dom.spec.ts'], environment: 'node' } },
      // Components and the collaboration session: a DOM (happy-dom) and Svelte's client build, so
      // runes are reactive and components mount; the sessions talk to a real y-websocket endpoint.
      { extends: true, resolve: { conditions: ['browser'] }, test: { name: 'dom', include: ['src/**/*.dom.spec.ts'], environment: 'happy-dom' } },
    ],
  },
});
