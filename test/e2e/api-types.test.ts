/** The dashboard's typed client is generated from the server's OpenAPI document; this fails when it is stale. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { generateApiTypes } from '../../scripts/gen-web-api.js';
import { ROOT } from './harness.js';

it('web/src/api/schema.d.ts matches the OpenAPI document the service serves (run: npx tsx scripts/gen-web-api.ts)', async () => {
  const { types } = await generateApiTypes();
  expect(readFileSync(path.join(ROOT, 'web', 'src', 'api', 'schema.d.ts'), 'utf8') === types).toBe(true);
}, 60_000);
