// Searching tenants by id or display name (the console's tenant list, `iris tenants list --search`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  for (const [id, displayName] of [
    ['acme', 'Acme Corp'],
    ['globex', 'Globex 100% Corp'],
    ['initech', 'Initech_Ltd'],
  ])
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName } })).statusCode, 201);
});
after(async () => t?.dispose());

const ids = async (query: string): Promise<string[]> => {
  const res = await t.call('GET', `/v1/tenants?${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ items: { id: string }[] }>().items.map((x) => x.id);
};

test('search matches the id or the display name, in any case', async () => {
  assert.deepEqual(await ids('search=CORP'), ['acme', 'globex']);
  assert.deepEqual(await ids('search=nitec'), ['initech']);
  assert.deepEqual(await ids('search=nobody'), []);
});

test("search text is literal: LIKE's wildcards match only themselves", async () => {
  assert.deepEqual(await ids(`search=${encodeURIComponent('%')}`), ['globex']);
  assert.deepEqual(await ids('search=_'), ['initech']);
});

test('search pages with continue tokens like the plain list', async () => {
  const first = (await t.call('GET', '/v1/tenants?search=corp&limit=1')).json<{
    items: { id: string }[];
    continue?: string;
  }>();
  assert.deepEqual(
    first.items.map((x) => x.id),
    ['acme'],
  );
  assert.ok(first.continue);
  const second = await ids(`search=corp&limit=1&continue=${encodeURIComponent(first.continue)}`);
  assert.deepEqual(second, ['globex']);
});
