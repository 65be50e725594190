import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into web/dist at install (the root package's `prepare`), served by Tollgate at /.
// Asset names carry a content hash, so the server can cache them for a year.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
