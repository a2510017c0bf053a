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
    // Kit writes the hash of its own inline bootstrap script into a <meta> policy on every page it
    // emits; the server sends the same policy as a header (adding frame-ancestors, which a <meta>
    // cannot carry). No 'unsafe-inline' for scripts; inline styles stay allowed (Svelte sets
    // style attributes for transitions and progress bars).
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'blob:', 'data:'],
        'media-src': ['self', 'blob:'],
        'font-src': ['self', 'data:'],
        'connect-src': ['self'],
        'worker-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
      },
    },
  },
};

export default config;
