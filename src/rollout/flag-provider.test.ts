// The flag provider through the real OpenFeature server SDK (each test on its own domain, the
// global singleton cleared after), and the explanation `iris flags explain` prints.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ErrorCode, OpenFeature, StandardResolutionReasons, type Client } from '@openfeature/server-sdk';
import {
  explainFlags,
  FLAG_PROVIDER_NAME,
  makeFlagProvider,
  renderFlagExplanation,
  snapshotFlagSource,
  targetOf,
  type FlagSnapshot,
  type FlagSource,
} from './flag-provider.js';
import { bucketOf } from './sticky-hash.js';

after(async () => {
  await OpenFeature.clearProviders();
});

let domains = 0;
/** A client on a fresh domain whose provider is ready. */
async function clientOver(source: FlagSource): Promise<Client> {
  const domain = `flags-test-${++domains}`;
  await OpenFeature.setProviderAndWait(domain, makeFlagProvider(source));
  return OpenFeature.getClient(domain);
}

const snapshot: FlagSnapshot = {
  control: {
    colour: 'blue',
    releaseId: 'rel-blue',
    flags: { 'graphrag.rerank': false, 'answers.max': 5, legacy: 'on' },
  },
  candidates: {
    canary: {
      releaseId: 'rel-green',
      colour: 'green',
      weight: 100,
      flags: { 'graphrag.rerank': true, 'answers.max': 8 },
    },
    early: { releaseId: 'rel-red', colour: 'red', weight: 50, flags: { 'graphrag.rerank': true } },
  },
};
const rings: Record<string, string> = { acme: 'canary', globex: 'general' };
const source = snapshotFlagSource(
  () => snapshot,
  (t) => rings[t] ?? (t.startsWith('early-') ? 'early' : undefined),
);

test('a tenant on the candidate gets its flags: value, colour as variant, TARGETING_MATCH, metadata', async () => {
  const client = await clientOver(source);
  assert.equal(await client.getBooleanValue('graphrag.rerank', false, { targetingKey: 'acme' }), true);
  const details = await client.getBooleanDetails('graphrag.rerank', false, { tenantId: 'acme' });
  assert.equal(details.value, true);
  assert.equal(details.variant, 'green');
  assert.equal(details.reason, StandardResolutionReasons.TARGETING_MATCH);
  assert.equal(details.errorCode, undefined);
  assert.deepEqual({ ...details.flagMetadata }, { releaseId: 'rel-green', ring: 'canary', colour: 'green' });
  assert.equal(await client.getNumberValue('answers.max', 1, { targetingKey: 'acme' }), 8);
});

test('a ring without a candidate is served by the control: STATIC, no release id', async () => {
  const client = await clientOver(source);
  const details = await client.getBooleanDetails('graphrag.rerank', true, { targetingKey: 'globex' });
  assert.equal(details.value, false);
  assert.equal(details.variant, 'blue');
  assert.equal(details.reason, StandardResolutionReasons.STATIC);
  assert.deepEqual({ ...details.flagMetadata }, { releaseId: '', ring: 'general', colour: 'blue' });
  assert.equal(await client.getStringValue('legacy', 'off', { targetingKey: 'globex' }), 'on');
});

test('at 50 % the sticky bucket decides, per tenant', async () => {
  const client = await clientOver(source);
  const tenants = Array.from({ length: 40 }, (_, i) => `early-${i}`);
  const inside = tenants.find((t) => bucketOf('rel-red', t) < 5000);
  const outside = tenants.find((t) => bucketOf('rel-red', t) >= 5000);
  assert.ok(inside !== undefined && outside !== undefined);
  const a = await client.getBooleanDetails('graphrag.rerank', false, { targetingKey: inside });
  const b = await client.getBooleanDetails('graphrag.rerank', true, { targetingKey: outside });
  assert.deepEqual([a.value, a.variant, a.reason], [true, 'red', 'TARGETING_MATCH']);
  assert.deepEqual([b.value, b.variant, b.reason], [false, 'blue', 'STATIC']);
});

test('errors come back as the default with their code, never as a throw', async () => {
  const client = await clientOver(source);
  const missing = await client.getBooleanDetails('no.such-flag', true, { targetingKey: 'acme' });
  assert.deepEqual([missing.value, missing.errorCode, missing.reason], [true, ErrorCode.FLAG_NOT_FOUND, 'ERROR']);
  const wrongType = await client.getStringDetails('graphrag.rerank', 'x', { targetingKey: 'acme' });
  assert.deepEqual([wrongType.value, wrongType.errorCode], ['x', ErrorCode.TYPE_MISMATCH]);
  const asObject = await client.getObjectDetails('answers.max', { n: 1 }, { targetingKey: 'acme' });
  assert.deepEqual([asObject.value, asObject.errorCode], [{ n: 1 }, ErrorCode.TYPE_MISMATCH]);
  const noTenant = await client.getBooleanDetails('graphrag.rerank', true, { ring: 'canary' });
  assert.deepEqual([noTenant.value, noTenant.errorCode], [true, ErrorCode.TARGETING_KEY_MISSING]);
  const unknown = await client.getNumberDetails('answers.max', 3, { targetingKey: 'nobody' });
  assert.deepEqual([unknown.value, unknown.errorCode], [3, ErrorCode.INVALID_CONTEXT]);
  // A candidate's flag set is complete: a flag only the control sets is not found on the candidate.
  const dropped = await client.getStringDetails('legacy', 'off', { targetingKey: 'acme' });
  assert.deepEqual([dropped.value, dropped.errorCode], ['off', ErrorCode.FLAG_NOT_FOUND]);
});

test('a throwing source is a GENERAL error whose message does not carry the source message', async () => {
  const client = await clientOver({
    flagsFor() {
      throw new Error('row of tenant other-tenant');
    },
  });
  const d = await client.getBooleanDetails('graphrag.rerank', true, { targetingKey: 'acme' });
  assert.deepEqual([d.value, d.errorCode], [true, ErrorCode.GENERAL]);
  assert.ok(!String(d.errorMessage).includes('other-tenant'), String(d.errorMessage));
});

test('the provider resolves directly too, and declares itself a server provider', async () => {
  const provider = makeFlagProvider(source);
  assert.equal(provider.runsOn, 'server');
  assert.equal(provider.metadata.name, FLAG_PROVIDER_NAME);
  const logger = { error() {}, warn() {}, info() {}, debug() {} };
  const r = await provider.resolveNumberEvaluation('answers.max', 0, { targetingKey: 'globex' }, logger);
  assert.deepEqual(r, {
    value: 5,
    variant: 'blue',
    reason: 'STATIC',
    flagMetadata: { releaseId: '', ring: 'general', colour: 'blue' },
  });
});

test('targetOf prefers tenantId, then targetingKey; hints only when strings', () => {
  assert.deepEqual(targetOf({ targetingKey: 'u-1', tenantId: 'acme', ring: 'canary', colour: 7 }), {
    tenantId: 'acme',
    ring: 'canary',
  });
  assert.deepEqual(targetOf({ targetingKey: 'acme', tenantId: '' }), { tenantId: 'acme' });
  assert.equal(targetOf({}), null);
});

test('a colour hint is followed when it names the control or the ring candidate, else ignored', () => {
  const onCandidate = explainFlags({ tenantId: 'acme', ring: 'canary', snapshot, colour: 'blue' });
  assert.equal(onCandidate.colour, 'blue');
  assert.equal(onCandidate.hint, 'followed');
  const bogus = explainFlags({ tenantId: 'acme', ring: 'canary', snapshot, colour: 'red' });
  assert.equal(bogus.colour, 'green');
  assert.equal(bogus.hint, 'ignored');
  // Through the provider's source: the known ring wins over a stale ring hint.
  const flags = source.flagsFor({ tenantId: 'globex', ring: 'canary' });
  assert.equal(flags?.colour, 'blue');
  assert.equal(flags?.ring, 'general');
});

test('explainFlags lists every flag with its origin and the control value beside it', () => {
  const e = explainFlags({ tenantId: 'acme', ring: 'canary', snapshot });
  assert.deepEqual(e.origin, {
    kind: 'candidate',
    releaseId: 'rel-green',
    colour: 'green',
    ring: 'canary',
    weight: 100,
  });
  assert.equal(e.route?.threshold, 10_000);
  assert.deepEqual(
    e.flags.map((f) => [f.name, f.value, f.controlValue]),
    [
      ['answers.max', 8, 5],
      ['graphrag.rerank', true, false],
      ['legacy', null, 'on'],
    ],
  );
  const text = renderFlagExplanation(e);
  assert.match(text, /candidate release rel-green at colour green in ring canary/);
  assert.match(text, /legacy = \(not set\); control has "on"/);

  const control = explainFlags({ tenantId: 'globex', ring: 'general', snapshot });
  assert.deepEqual(control.origin, { kind: 'control', colour: 'blue', releaseId: 'rel-blue' });
  assert.equal(control.route, null);
  assert.ok(control.flags.every((f) => f.controlValue === undefined));
  assert.match(
    renderFlagExplanation(control),
    /the control \(colour blue, release rel-blue\); no candidate in the ring/,
  );
});
