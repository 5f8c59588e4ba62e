import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard: built to web/dist and served by the service itself at `/` (src/serve/web).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/v2': 'http://127.0.0.1:8080' } },
});
