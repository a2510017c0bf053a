import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({
      pages: 'build',
      assets: 'build',
      // Not 'index.html': that would overwrite the prerendered index. The server answers every
      // unknown non-API path with build/200.html, and the client router takes it from there.
      fallback: '200.html',
      precompress: false,
      strict: true,
    }),
    // The studio is always served from the server's root; absolute asset paths keep the
    // fallback page working on nested routes such as /tasks/<id>.
    paths: { relative: false },
  },
};

export default config;
