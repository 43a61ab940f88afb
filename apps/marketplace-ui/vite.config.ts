import { defineConfig } from 'vite';

// No @vitejs/plugin-react: Vite's built-in Oxc transform compiles TSX with React's automatic runtime.
// In `vite dev`, server routes go to a platform started with `npm start` (PORT 3000).
const platform = 'http://localhost:3000';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/health': platform, '/api': platform, '/dicomweb': platform } },
});
