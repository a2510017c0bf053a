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
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    reporters: ['default', 'json'],
    outputFile: { json: '../../reports/studio.json' },
  },
});
