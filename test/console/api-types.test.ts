// The console is typed from the server's own OpenAPI document: the committed
// console/src/api/schema.d.ts must be what `npm run console:api` renders now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_TYPES_PATH, renderApiTypes } from '../../scripts/console-api-types.js';

test("the console's API types match the server's OpenAPI document", async () => {
  const committed = readFileSync(API_TYPES_PATH, 'utf8');
  const current = await renderApiTypes();
  assert.ok(
    committed === current,
    'console/src/api/schema.d.ts is out of date with the API: run `npm run console:api` and commit it.',
  );
  assert.match(current, /"\/v1\/console\/session"/);
});
