// Client-kept checkpoints: a log that extends a kept checkpoint passes with the consistency proof
// the server gives; a log cut back, deleted, or cut back and grown again with other events fails,
// whatever proof the server offers; notes under another key or log are refused; the document
// keeps the newest notes per log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, signCheckpoint } from './checkpoint.js';
import {
  checkKeptCheckpoint,
  emptyKept,
  keepNote,
  keptFor,
  MAX_KEPT_PER_LOG,
  parseKeptCheckpoints,
  type KeptCheckInput,
} from './kept-checkpoints.js';
import { consistencyProof, leafHash, rootFromLeaves } from './merkle.js';

const NAME = 'iris.test/ledger';
const ORIGIN = `${NAME}/acme`;
const KEYS = generateSigningKey();
const OTHER = generateSigningKey();

const leaves = (tag: string, n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`${tag}-${i}`)));
const LOG = leaves('event', 40);
const note = (log: readonly Buffer[], size: number, origin = ORIGIN, key = KEYS.privateKey): string =>
  signCheckpoint({ origin, size, root: rootFromLeaves(log.slice(0, size)) }, NAME, key);
/** The honest server's prover over `log`. */
const proverOf =
  (log: readonly Buffer[]) =>
  async (first: number, second: number): Promise<string[]> =>
    consistencyProof(log, first, second).map((b) => b.toString('hex'));

const check = (over: Partial<KeptCheckInput> & Pick<KeptCheckInput, 'kept' | 'head'>) =>
  checkKeptCheckpoint({ origin: ORIGIN, keyName: NAME, publicKey: KEYS.publicKey, prove: proverOf(LOG), ...over });

test('a log that grew from a kept checkpoint passes, with a proof for every pair of sizes', async () => {
  for (const n of [1, 2, 7, 8, 9, 40]) {
    for (let m = 0; m <= n; m++) {
      const r = await check({ kept: note(LOG, m), head: note(LOG, n) });
      assert.equal(r.problem, null, `${m} -> ${n}: ${r.problem?.problem}`);
      assert.equal(r.size, m);
    }
  }
});

test('a log cut back below a kept checkpoint fails, and so does a deleted one', async () => {
  const cut = await check({ kept: note(LOG, 9), head: note(LOG, 8) });
  assert.match(cut.problem?.problem ?? '', /kept at size 9 but the log has 8 events now: events were deleted/);
  const gone = await check({ kept: note(LOG, 3), head: null });
  assert.match(gone.problem?.problem ?? '', /kept at size 3 but the log has no events now: the log was deleted/);
  assert.equal(
    (await check({ kept: note(LOG, 0), head: null })).problem,
    null,
    'an empty checkpoint is kept by an empty log',
  );
});

test('a log cut back and grown again with other events fails, whatever proof the server sends', async () => {
  // The first 5 events are the same; from the 6th on the log was rewritten.
  const rewritten = [...LOG.slice(0, 5), ...leaves('forged', 20)];
  for (const [m, n] of [
    [6, 6],
    [6, 7],
    [8, 25],
    [7, 16],
  ] as const) {
    const kept = note(LOG, m);
    const head = note(rewritten, n);
    // The rewritten log's own proof, the honest log's proof, and no proof at all: none passes.
    for (const prove of [proverOf(rewritten), proverOf(LOG), async () => []]) {
      const r = await check({ kept, head, prove });
      assert.match(r.problem?.problem ?? '', /rewritten/, `${m} -> ${n}`);
    }
  }
  // A prefix the rewrite did not touch still passes.
  assert.equal(
    (await check({ kept: note(LOG, 5), head: note(rewritten, 25), prove: proverOf(rewritten) })).problem,
    null,
  );
});

test('an altered proof fails: every hash flipped, one dropped, one added', async () => {
  const kept = note(LOG, 13);
  const head = note(LOG, 37);
  const proof = await proverOf(LOG)(13, 37);
  const flip = (h: string): string => (h[0] === '0' ? '1' : '0') + h.slice(1);
  const variants = [
    ...proof.map((_, k) => proof.map((h, at) => (at === k ? flip(h) : h))),
    proof.slice(1),
    [...proof, proof[0] ?? ''],
    proof.map((h) => h.slice(2)),
  ];
  for (const v of variants) {
    const r = await check({ kept, head, prove: async () => v });
    assert.match(r.problem?.problem ?? '', /not an extension of the checkpoint kept at size 13/);
  }
});

test('notes under another key or of another log are refused; a failing prover is a problem', async () => {
  const foreign = await check({ kept: note(LOG, 4, ORIGIN, OTHER.privateKey), head: note(LOG, 9) });
  assert.match(foreign.problem?.problem ?? '', /does not verify with this key/);
  const otherLog = await check({ kept: note(LOG, 4, `${NAME}/globex`), head: note(LOG, 9) });
  assert.match(otherLog.problem?.problem ?? '', /belongs to iris\.test\/ledger\/globex/);
  const forgedHead = await check({ kept: note(LOG, 4), head: note(LOG, 9, ORIGIN, OTHER.privateKey) });
  assert.match(forgedHead.problem?.problem ?? '', /signed head does not verify/);
  const down = await check({
    kept: note(LOG, 4),
    head: note(LOG, 9),
    prove: async () => Promise.reject(new Error('503 from the server')),
  });
  assert.match(down.problem?.problem ?? '', /no consistency proof from size 4 to 9: 503 from the server/);
});

test('the document keeps each note once, the newest by size, and refuses what is not one', () => {
  let kept = emptyKept();
  for (let n = 1; n <= MAX_KEPT_PER_LOG + 5; n++) kept = keepNote(kept, ORIGIN, note(LOG, n));
  kept = keepNote(kept, ORIGIN, note(LOG, MAX_KEPT_PER_LOG + 5));
  kept = keepNote(kept, `${NAME}/globex`, note(LOG, 2, `${NAME}/globex`));
  const acme = keptFor(kept, ORIGIN);
  assert.equal(acme.length, MAX_KEPT_PER_LOG);
  assert.equal(acme[0], note(LOG, 6));
  assert.equal(acme.at(-1), note(LOG, MAX_KEPT_PER_LOG + 5));
  assert.deepEqual(parseKeptCheckpoints(JSON.stringify(kept)), kept);
  assert.equal(keptFor(kept, `${NAME}/nobody`).length, 0);
  for (const bad of [
    '[]',
    '{"version":2,"logs":{}}',
    '{"version":1,"logs":[]}',
    '{"version":1,"logs":{"a":[1]}}',
    'not json',
  ]) {
    assert.throws(() => parseKeptCheckpoints(bad), Error, bad);
  }
});
