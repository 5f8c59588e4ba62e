import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { errorCatalog } from './core/index.js';
import { renderErrorDocs } from './errors-catalog.js';

it('docs/ERRORS.md lists every error code (regenerate with npm run docs:errors)', () => {
  const doc = readFileSync(new URL('../docs/ERRORS.md', import.meta.url), 'utf8');
  const missing = errorCatalog()
    .map(([code]) => code)
    .filter((code) => !doc.includes(`\`${code}\``));
  expect(missing).toEqual([]);
  expect(doc).toBe(renderErrorDocs());
});
