// Property test of the reply parser: any valid reply under up to two mutations (other
// serialisations, fences, prose, comments, quoting, casing, key names, wrappers, escaping,
// Unicode, truncation) parses to the same records, or is reported as unusable with the reason;
// never silently empty. Deterministic seed; at least 99% of mutated replies must parse exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLlmReply } from './llm-reply-parser.js';
import { judgeReply } from './reply-check.js';
import { mutateReply, seeded, SERIALISATIONS, TEXT_MUTATIONS, type ReplyRecords } from './reply-mutations.js';

const SAMPLES: readonly ReplyRecords[] = [
  {
    entities: [
      { name: 'Orla Quinn', type: 'PERSON' },
      { name: 'Tidewater Freight', type: 'ORGANIZATION' },
      { name: 'Harbour Road Depot', type: 'facility' },
      { name: 'Zoë Brandt-Müller', type: 'person' },
    ],
    relations: [
      { source: 'Orla Quinn', type: 'works_for', target: 'Tidewater Freight' },
      { source: 'Tidewater Freight', type: 'operates', target: 'Harbour Road Depot' },
      { source: 'Zoë Brandt-Müller', type: 'reports_to', target: 'Orla Quinn' },
    ],
  },
  {
    entities: [
      { name: 'Ledger API', type: 'api' },
      { name: 'Billing, Payments & Tax', type: 'team' },
    ],
    relations: [{ source: 'Ledger API', type: 'owned_by', target: 'Billing, Payments & Tax' }],
  },
];

test('every serialisation alone parses to the same records', () => {
  for (const sample of SAMPLES)
    for (const [name, write] of Object.entries(SERIALISATIONS)) {
      const verdict = judgeReply(sample, parseLlmReply(write(sample)), false);
      assert.equal(verdict, 'same', `${name}: ${write(sample).slice(0, 200)}`);
    }
});

test('every text mutation alone on JSON parses to the same records (truncation: a flagged subset)', () => {
  for (const sample of SAMPLES)
    for (const [name, m] of Object.entries(TEXT_MUTATIONS)) {
      const text = m.apply(SERIALISATIONS.json(sample));
      const verdict = judgeReply(sample, parseLlmReply(text), name === 'truncation');
      assert.ok(verdict === 'same' || (name === 'truncation' && verdict !== 'wrong'), `${name}: ${verdict}`);
    }
});

test('up to two composed mutations: >= 99% same records, the rest reported, none silently empty', () => {
  const random = seeded(18);
  let same = 0;
  let total = 0;
  const failures: string[] = [];
  for (let i = 0; i < 600; i++) {
    const sample = SAMPLES[i % SAMPLES.length] as ReplyRecords;
    const m = mutateReply(sample, random);
    const cut = m.mutations.includes('truncation');
    const verdict = judgeReply(sample, parseLlmReply(m.text), cut);
    assert.notEqual(verdict, 'silently_empty', m.kinds.join('+'));
    if (cut) {
      assert.notEqual(verdict, 'wrong', `${m.kinds.join('+')}: ${m.text}`);
      continue;
    }
    total++;
    if (verdict === 'same') same++;
    else failures.push(m.kinds.join('+'));
  }
  assert.ok(same / total >= 0.99, `${same}/${total}; failed: ${failures.join(', ')}`);
});
