import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell loads ui/dist; `npm run dev` serves the same UI on :5173 for `tauri dev`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // tokens.test.ts reads the design tokens as text (?raw), which needs CSS handling on for that file.
    css: { include: [/tokens\.css/] },
  },
});
