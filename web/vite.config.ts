import { defineConfig } from 'vite';

// The server (medcore) serves dist/ with a strict CSP: no inline scripts or styles, so the
// module preload polyfill (an inline script in older setups) is off and CSS goes to files.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:18090', '/healthz': 'http://127.0.0.1:18090' },
  },
});
