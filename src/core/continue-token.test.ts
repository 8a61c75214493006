import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { IrisError } from './errors.js';

const refused = (token: string): boolean => {
  try {
    decodeContinue(token);
    return false;
  } catch (err) {
    return err instanceof IrisError && err.status === 400 && err.extensions.field === 'continue';
  }
};

test('a token round-trips its position', () => {
  for (const p of ['acme', 's42', 'docs/ü.md', 'a b']) assert.equal(decodeContinue(encodeContinue(p)), p);
});

test('tokens this API could not have issued are refused', () => {
  assert.ok(refused(encodeContinue('a\u0000b')), 'a position with NUL');
  assert.ok(refused('AA'), 'the token of a lone NUL');
  assert.ok(refused(''), 'empty');
  assert.ok(refused(`${encodeContinue('acme')}=`), 'padding');
  assert.ok(refused('////'), 'not base64url');
  assert.ok(refused(Buffer.from([0xff, 0xfe]).toString('base64url')), 'not UTF-8');
  assert.ok(refused(encodeContinue('line\nbreak')), 'control characters');
});
