import { defineConfig } from 'vite';

// No @vitejs/plugin-react: Vite's built-in Oxc transform compiles TSX with React's automatic runtime.
// In `vite dev`, server routes go to a platform started with `npm start` (PORT 3000).
const platform = 'http://localhost:3000';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      // Mantine marks its modules "use client" for React Server Components; meaningless in this client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/health': platform, '/api': platform, '/dicomweb': platform } },
});
