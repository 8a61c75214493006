// The pure log verifier against what the platform log witnessed: a tenant log must still hold
// every witnessed prefix (so deleting it whole, or cutting it back to an older signed head,
// fails), witness records must carry the ledger's signature, and the platform log's witness
// events must each still have their record (and each record its event).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, type AuditEvent } from './audit-event.js';
import { canonicalJson } from './canonical-json.js';
import { generateSigningKey, signCheckpoint } from './checkpoint.js';
import { leafHash, rootFromLeaves } from './merkle.js';
import { verifyLog, type LogRow, type VerifyInput, type WitnessRow } from './verify-log.js';

const NAME = 'iris.test/ledger';
const KEYS = generateSigningKey();
const OTHER = generateSigningKey();
const CTX = {
  principal: { keyId: 'k1', role: 'platform-admin' as const, tenantId: 'platform' },
  requestId: 'req-1',
  traceId: undefined,
  sourceIp: undefined,
};
const NOW = new Date('2026-01-01T00:00:00Z');

function rowsOf(log: string, n: number, witness?: (i: number) => AuditEvent['witness']): LogRow[] {
  return Array.from({ length: n }, (_, i) => {
    const w = witness?.(i);
    const event = buildEvent(
      CTX,
      {
        log,
        action: w ? 'ledger.witness' : 'tenant.update',
        resource: { kind: 'Tenant', id: log },
        ...(w ? { witness: w } : {}),
      },
      i,
      NOW,
    ) as unknown as Record<string, unknown>;
    return { seq: i, event, leafHash: leafHash(Buffer.from(canonicalJson(event))).toString('hex') };
  });
}
const rootOf = (rows: readonly LogRow[], size: number): string =>
  rootFromLeaves(rows.slice(0, size).map((r) => Buffer.from(r.leafHash, 'hex'))).toString('hex');
const noteOf = (log: string, rows: readonly LogRow[], size: number, key = KEYS.privateKey): string =>
  signCheckpoint({ origin: `${NAME}/${log}`, size, root: Buffer.from(rootOf(rows, size), 'hex') }, NAME, key);
const headOf = (log: string, rows: readonly LogRow[]): VerifyInput['head'] =>
  rows.length === 0
    ? null
    : { size: rows.length, root: rootOf(rows, rows.length), checkpoint: noteOf(log, rows, rows.length) };
const witnessOf = (
  log: string,
  rows: readonly LogRow[],
  size: number,
  platformSeq: number,
  kind: WitnessRow['kind'] = 'witness',
): WitnessRow => ({
  log,
  size,
  root: rootOf(rows, size),
  checkpoint: noteOf(log, rows, size),
  platformSeq,
  kind,
});
const verify = (log: string, rows: readonly LogRow[], extra: Partial<VerifyInput> = {}) =>
  verifyLog({
    log,
    origin: `${NAME}/${log}`,
    keyName: NAME,
    publicKey: KEYS.publicKey,
    rows,
    head: headOf(log, rows),
    checkpoints: [],
    ...extra,
  });
const problems = (v: { problems: readonly { problem: string }[] }): string =>
  v.problems.map((p) => p.problem).join('\n');

const ACME = rowsOf('acme', 9);
const WITNESSES = [
  witnessOf('acme', ACME, 1, 3, 'create'),
  witnessOf('acme', ACME, 6, 10),
  witnessOf('acme', ACME, 9, 14),
];

test('a log holding every witnessed prefix verifies, counting the witnesses', () => {
  const v = verify('acme', ACME, { witnesses: WITNESSES });
  assert.equal(v.ok, true, problems(v));
  assert.equal(v.witnessesVerified, 3);
  assert.equal(v.witnessedSize, 9);
  assert.equal(verify('acme', ACME, { witnesses: [] }).witnessedSize, 0);
});

test('a log deleted whole fails against its creation record; without witnesses it would pass', () => {
  assert.equal(verify('acme', []).ok, true, 'the gap this closes: an empty log with no head looks like no log');
  const v = verify('acme', [], { witnesses: WITNESSES });
  assert.equal(v.ok, false);
  assert.deepEqual(
    v.problems.map((p) => p.problem),
    ['the platform log records the creation of this log (platform event 3) but the log is empty: it was deleted'],
  );
});

test('a log cut back to an older signed head fails against the larger witness', () => {
  const cut = ACME.slice(0, 8);
  assert.equal(verify('acme', cut).ok, true, 'its own rows and signed head agree');
  const v = verify('acme', cut, { witnesses: WITNESSES });
  assert.deepEqual(
    v.problems.map((p) => p.problem),
    ['the platform log witnessed 9 events (platform event 14) but the log has 8: events were deleted'],
  );
});

test('a log rewritten below a witness fails at the witnessed prefix', () => {
  const forged = [
    ...ACME.slice(0, 4),
    ...rowsOf('acme', 9)
      .slice(4)
      .map((r) => ({ ...r, event: { ...r.event, action: 'tenant.read' } })),
  ].map((r) => ({
    ...r,
    leafHash: leafHash(Buffer.from(canonicalJson(r.event))).toString('hex'),
  }));
  const v = verify('acme', forged, { witnesses: WITNESSES });
  assert.equal(v.ok, false);
  assert.match(
    problems(v),
    /the first 6 events differ from what the platform log witnessed \(platform event 10\): the log was rewritten/,
  );
  assert.match(problems(v), /the first 9 events differ/);
});

test('witness records without a valid signature, or of another log, are refused', () => {
  const unsigned = {
    ...witnessOf('acme', ACME, 12, 20),
    checkpoint: noteOf('acme', rowsOf('acme', 12), 12, OTHER.privateKey),
  };
  const claimsMore = { ...witnessOf('acme', ACME, 6, 21), size: 7 };
  const other = witnessOf('globex', rowsOf('globex', 2), 2, 22);
  const v = verify('acme', ACME, { witnesses: [unsigned, claimsMore, other] });
  assert.equal(v.witnessedSize, 0);
  assert.match(problems(v), /witness at size 12 \(platform event 20\) has a bad signature/);
  assert.match(problems(v), /witness at size 7 \(platform event 21\) differs from its signed checkpoint/);
  assert.match(problems(v), /witness at size 2 \(platform event 22\) belongs to log globex/);
});

test('the platform log: every witness event needs its record, and every record its event', () => {
  const witnessed = { 1: { log: 'acme', size: 1, root: 'aa' }, 3: { log: 'globex', size: 2, root: 'bb' } } as Record<
    number,
    AuditEvent['witness']
  >;
  const platform = rowsOf('platform', 5, (i) => witnessed[i]);
  const record = (log: string, size: number, root: string, platformSeq: number): WitnessRow => ({
    log,
    size,
    root,
    checkpoint: '',
    platformSeq,
    kind: 'witness',
  });
  const full = [record('acme', 1, 'aa', 1), record('globex', 2, 'bb', 3)];
  assert.equal(verify('platform', platform, { witnessIndex: full }).ok, true);
  const missing = verify('platform', platform, { witnessIndex: [full[0] as WitnessRow] });
  assert.deepEqual(missing.problems, [
    {
      seq: 3,
      problem:
        "witnesses log globex at size 2 but its witness record is missing: that log's audit records were deleted (verify it)",
    },
  ]);
  const wrong = verify('platform', platform, {
    witnessIndex: [
      full[0] as WitnessRow,
      record('globex', 2, 'cc', 3),
      record('acme', 5, 'dd', 4),
      record('acme', 6, 'ee', 9),
    ],
  });
  assert.match(
    problems(wrong),
    /witnesses log globex at size 2, but its witness record says log globex at size 2, or another root/,
  );
  assert.match(
    problems(wrong),
    /the witness record of log acme at size 5 names platform event 4, which does not witness it\n/,
  );
  assert.match(
    problems(wrong),
    /the witness record of log acme at size 6 names platform event 9, which does not witness it \(it is gone: the platform log was cut back\)/,
  );
});
