import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrisError } from '../core/errors.js';
import { assertSafeInput, findUnsafeInput, MAX_INPUT_DEPTH } from './input-guard.js';

test('strings PostgreSQL cannot store are found, with their JSON pointer', () => {
  assert.deepEqual(findUnsafeInput({ a: ['ok', 'b\u0000'] }), { field: '/a/1', reason: 'contains a NUL character' });
  assert.deepEqual(findUnsafeInput({ name: 'x\ud800' }), {
    field: '/name',
    reason: 'contains a lone UTF-16 surrogate (not valid Unicode)',
  });
  assert.deepEqual(findUnsafeInput({ name: '\udc00' })?.field, '/name');
  assert.deepEqual(findUnsafeInput({ 'a/b': { 'k\u0000': 1 } })?.field, '/a~1b/k\u0000');
  assert.equal(findUnsafeInput('\u0000')?.field, '/');
});

test('well-formed text, surrogate pairs and ordinary numbers pass', () => {
  assert.equal(
    findUnsafeInput({ s: 'ü 😀 \u202e', n: [1, -2.5, 0, Number.MAX_SAFE_INTEGER], t: true, z: null }),
    undefined,
  );
  assert.equal(findUnsafeInput(Buffer.from([0, 0xff])), undefined, "raw uploads are the parsers' business");
});

test('nesting past the limit is refused without recursing into it', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.match(findUnsafeInput({ deep })?.reason ?? '', /nested deeper than 64/);
  let ok: unknown = 0;
  for (let i = 0; i < MAX_INPUT_DEPTH - 1; i++) ok = { a: ok };
  assert.equal(findUnsafeInput(ok), undefined);
});

test('numbers that cannot be kept exactly are refused', () => {
  assert.equal(findUnsafeInput({ limit: Infinity })?.reason, 'is not a finite number');
  assert.equal(findUnsafeInput({ limit: Number.NaN })?.reason, 'is not a finite number');
  assert.match(findUnsafeInput({ from: 1e308 })?.reason ?? '', /beyond/);
  assert.match(findUnsafeInput({ from: 2 ** 53 })?.reason ?? '', /beyond/);
});

test('assertSafeInput answers 400 naming the part and the field', () => {
  assert.throws(
    () => assertSafeInput({ params: { tenantId: 'acme' }, querystring: { match: 'a\u0000' }, body: undefined }),
    (err: unknown) =>
      err instanceof IrisError &&
      err.status === 400 &&
      err.message === 'querystring field /match contains a NUL character.' &&
      err.extensions.in === 'querystring',
  );
});
