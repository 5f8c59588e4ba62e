import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from '../src/errors-catalog.js';

writeFileSync(new URL('../docs/ERRORS.md', import.meta.url), renderErrorDocs());
console.log('wrote docs/ERRORS.md');
