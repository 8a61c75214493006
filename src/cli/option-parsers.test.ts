// Option value parsers of the CLI, and the tenant vocabulary it copies from the model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import {
  QuotasSchema,
  TENANT_STATUSES as MODEL_STATUSES,
  TIERS as MODEL_TIERS,
  UpdateTenantSchema,
} from '../tenants/index.js';
import {
  collectLabel,
  collectLabelChange,
  collectQuota,
  entityTag,
  parseDuration,
  wholeNumber,
} from './option-parsers.js';
import { QUOTA_NAMES, SETTABLE_STATUSES, TENANT_STATUSES, TIERS } from './tenant-vocabulary.js';

test('the CLI vocabulary matches the tenant model', () => {
  assert.deepEqual([...TIERS], [...MODEL_TIERS]);
  assert.deepEqual([...TENANT_STATUSES], [...MODEL_STATUSES]);
  assert.deepEqual([...QUOTA_NAMES].sort(), Object.keys(QuotasSchema.properties).sort());
  const settable = (UpdateTenantSchema.properties.status.anyOf as { const: string }[]).map((s) => s.const);
  assert.deepEqual([...SETTABLE_STATUSES], settable);
});

test('labels accumulate; a trailing - removes one in an update', () => {
  assert.deepEqual(collectLabel('b=2', collectLabel('a=1=x')), { a: '1=x', b: '2' });
  assert.deepEqual(collectLabelChange('gone-', collectLabelChange('team=core')), { team: 'core', gone: null });
  assert.throws(() => collectLabel('novalue'), InvalidArgumentError);
  assert.throws(() => collectLabel('=v'), InvalidArgumentError);
});

test('quotas take camelCase or kebab-case names and whole numbers only', () => {
  assert.deepEqual(collectQuota('burst=1_000', collectQuota('requests-per-second=50')), {
    requestsPerSecond: 50,
    burst: 1000,
  });
  assert.deepEqual(collectQuota('llm_tokens_per_day=7'), { llmTokensPerDay: 7 });
  assert.throws(() => collectQuota('bogus=1'), /unknown quota 'bogus'/);
  for (const bad of ['burst=', 'burst=1.5', 'burst=-1', 'burst=ten'])
    assert.throws(() => collectQuota(bad), InvalidArgumentError, bad);
});

test('durations: seconds or a unit', () => {
  assert.equal(parseDuration('90'), 90);
  assert.equal(parseDuration('45m'), 2700);
  assert.equal(parseDuration('12h'), 43_200);
  assert.equal(parseDuration('30d'), 2_592_000);
  assert.equal(parseDuration('2w'), 1_209_600);
  for (const bad of ['', '1.5d', '3 months', '-1d', 'd'])
    assert.throws(() => parseDuration(bad), InvalidArgumentError, bad);
});

test('whole numbers and entity tags', () => {
  assert.equal(wholeNumber(0)('0'), 0);
  assert.throws(() => wholeNumber(1)('0'), InvalidArgumentError);
  assert.throws(() => wholeNumber(0)('2x'), InvalidArgumentError);
  assert.equal(entityTag('7'), '"7"');
  assert.equal(entityTag('"7"'), '"7"');
  assert.equal(entityTag('W/"7"'), 'W/"7"');
  assert.equal(entityTag('*'), '*');
});
