/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { uplotLazyIntl } from './src/build/uplot-lazy-intl';

export default defineConfig(({ mode }) => ({
  plugins: [svelte(), uplotLazyIntl()],
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  // Served through the plugins in `vite dev` too (a pre-bundled dependency
  // skips them), so uplotLazyIntl applies there as in the build.
  optimizeDeps: { exclude: ['uplot'] },
  build: { outDir: 'dist', target: 'safari15', emptyOutDir: true },
  // Svelte's browser build in tests (jsdom), not its server build.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
  },
}));
