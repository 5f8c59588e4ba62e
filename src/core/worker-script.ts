/**
 * What `new Worker(…)` should start for a worker module: the built `.js` beside the caller, or —
 * running from TypeScript sources (tsx, vitest) — a one-line bootstrap that registers tsx in the new
 * thread and imports the `.ts` module (on Node 20 a worker does not inherit `--import tsx`).
 *
 *   const { script, eval: isEval } = workerScript(new URL('./my-worker.js', import.meta.url));
 *   new Worker(script, { eval: isEval });
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function workerScript(js: URL): { script: string | URL; eval: boolean } {
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const ts = js.href.replace(/\.js$/, '.ts');
  // the ESM build of tsx's API (`require.resolve` finds the CommonJS one, which cannot register here)
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = pathToFileURL(api).href;
  return {
    script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`,
    eval: true,
  };
}
