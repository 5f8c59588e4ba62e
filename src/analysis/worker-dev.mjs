// Running from TypeScript sources (tsx, vitest): registers tsx in this worker thread and re-exports
// the `.ts` worker (on Node 20 a worker does not inherit the loader hooks of `--import tsx`). The
// built package uses worker.js directly.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// the ESM build of tsx's API (`require.resolve` finds the CommonJS one, which cannot register here)
const api = createRequire(import.meta.url)
  .resolve('tsx/esm/api')
  .replace(/\.cjs$/, '.mjs');
const tsx = await import(pathToFileURL(api).href);
tsx.register();
const worker = await import(new URL('./worker.ts', import.meta.url).href);
export default worker.default;
