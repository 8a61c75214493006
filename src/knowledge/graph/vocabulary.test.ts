// Unit tests of the shared vocabulary: tokens, the terms they count as, and tsquery operands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { termOf, termsOf, tokenize, tsqueryOperand } from './vocabulary.js';

test('tokens are lower-cased words without stopwords', () => {
  assert.deepEqual(tokenize('What does the Payments-Gateway call?'), ['payments', 'gateway', 'call']);
});

test('English words count as their stems; numbers, codes and other scripts as they are', () => {
  assert.deepEqual(termsOf('Which datastore does Billing write to?'), ['datastor', 'bill', 'write']);
  assert.deepEqual(termsOf('| billing | writes_to | billing-db |'), ['bill', 'write', 'bill', 'db']);
  assert.deepEqual(
    ['INC-1234', 'v2', 'straße', 'gateways'].map((w) => termOf(tokenize(w).at(-1)!)),
    ['1234', 'v2', 'straße', 'gatewai'],
  );
});

test("a stem's tsquery operand is a prefix of every word with that stem", () => {
  const words = [
    'write',
    'writes',
    'writing',
    'gateway',
    'gateways',
    'policy',
    'policies',
    'using',
    'used',
    'happened',
    'owners',
    'run',
    'running',
    'db',
  ];
  for (const w of words) {
    const op = tsqueryOperand(termOf(w));
    assert.ok(op.endsWith(':*') && w.startsWith(op.slice(0, -2)), `${w}: ${op}`);
  }
  assert.equal(
    tsqueryOperand('1234'),
    '(1234 | -1234)',
    'numbers match exactly, with either sign (INC-1234 is parsed as -1234)',
  );
});
