// Unit tests of name and type normalisation, display cleanup and acronyms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acronymOf, cleanName, isAbbreviation, normaliseName, normaliseType } from './names.js';

test('names agree across case, whitespace, punctuation, a leading article and possessives', () => {
  const forms = ['The Payments-API', 'payments api', "  PAYMENTS   API's ", 'payments_api', 'Payments.API'];
  assert.deepEqual(new Set(forms.map(normaliseName)), new Set(['payments api']));
  assert.equal(normaliseName('Kai Müller'), 'kai müller');
  assert.notEqual(normaliseName('Acme'), normaliseName('Acme Corp'));
});

test('types and relation types become snake_case', () => {
  assert.equal(normaliseType('dependsOn'), 'depends_on');
  assert.equal(normaliseType('Depends On'), 'depends_on');
  assert.equal(normaliseType('DEPENDS-ON'), 'depends_on');
  assert.equal(normaliseType('ORGANIZATION'), 'organization');
  assert.equal(normaliseType('providesApis'), 'provides_apis');
});

test('display names lose wrapping quotes and stray punctuation but keep inner punctuation', () => {
  assert.equal(cleanName('  "Checkout  Service". '), 'Checkout Service');
  assert.equal(cleanName("Tom O'Neill"), "Tom O'Neill");
  assert.equal(cleanName('(Fleet Ops)'), 'Fleet Ops');
});

test('acronyms are the initials of multi-word names, skipping small words', () => {
  assert.equal(acronymOf('Customer Relationship Management'), 'CRM');
  assert.equal(acronymOf('Department of Transport'), 'DT');
  assert.equal(acronymOf('Payments'), undefined);
  assert.equal(isAbbreviation('PGW'), true);
  assert.equal(isAbbreviation('APIs'), true);
  assert.equal(isAbbreviation('Payments'), false);
});
