// The extraction pool under hostile load: a task that exhausts its thread's heap or its time
// budget fails alone with a ParseBudgetError naming the limit, its thread is replaced, and the
// same pool serves the next document (and the documents running beside it); a caller's abort
// stops a task with the caller's reason. In process (threads: 0), the parse budget still refuses
// bombs, and both the extraction and the parse-only (LLM) paths go through the same limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownTypesOf, makeExtractionPool, parseBudget, type ExtractionPool } from '../../src/knowledge/index.js';
import { billionLaughs, zipBombDocx } from '../support/hostile-documents.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const NORMAL = text('| Name | Type | Owner |\n|-|-|-|\n| Cart Service | service | Checkout Squad |\n');
/** Parses into a 100,000-row table: far more than 32 MiB of heap, and more than 300 ms of work. */
const HEAVY = text(
  `name,type,owner\n${Array.from({ length: 100_000 }, (_, i) => `Service ${i},service,Team ${i % 100}`).join('\n')}\n`,
);

async function servesNormally(pool: ExtractionPool): Promise<void> {
  const x = await pool.extract('services.md', NORMAL);
  assert.deepEqual(
    x.entities.map((e) => `${e.type}:${e.name}`),
    ['service:Cart Service', 'team:Checkout Squad'],
  );
}

test('a task that runs its thread out of heap fails alone with the memory budget named; the pool goes on', async () => {
  const pool = makeExtractionPool({ threads: 1, budget: parseBudget({ memoryMb: 32 }) });
  try {
    await assert.rejects(pool.extract('heavy.csv', HEAVY), {
      code: 'document_over_budget',
      limit: 'memoryMb',
      message: /heavy\.csv needed more than the 32 MiB heap of an extraction thread/,
    });
    await servesNormally(pool);
  } finally {
    await pool.close();
  }
});

test('a task over its time budget is stopped with the time budget named, and only that task', async () => {
  const pool = makeExtractionPool({ threads: 2, budget: parseBudget({ timeMs: 300 }) });
  try {
    const [heavy, normal] = await Promise.allSettled([
      pool.extract('heavy.csv', HEAVY),
      pool.extract('services.md', NORMAL),
    ]);
    assert.equal(heavy.status, 'rejected');
    const reason = heavy.reason as Error & { limit?: string };
    assert.match(reason.message, /heavy\.csv took longer than the 300 ms extraction budget; its thread was stopped/);
    assert.equal(reason.limit, 'timeMs');
    assert.equal(normal.status, 'fulfilled');
    await servesNormally(pool);
  } finally {
    await pool.close();
  }
});

test("a caller's abort (a cancelled job) stops the task with the caller's reason", async () => {
  const pool = makeExtractionPool({ threads: 1 });
  try {
    const cancelled = new AbortController();
    const task = pool.extract('heavy.csv', HEAVY, {}, cancelled.signal);
    setTimeout(() => cancelled.abort(new Error('job cancelled')), 50);
    await assert.rejects(task, { message: 'job cancelled' });
    await servesNormally(pool);
  } finally {
    await pool.close();
  }
});

for (const threads of [0, 1]) {
  test(`bombs are refused with reasons by extract and by parse (the LLM path), ${threads === 0 ? 'in process' : 'on a thread'}`, async () => {
    const pool = makeExtractionPool({ threads });
    try {
      for (const run of [
        (n: string, b: Uint8Array) => pool.extract(n, b),
        (n: string, b: Uint8Array) => pool.parse(n, b),
      ]) {
        await assert.rejects(run('bomb.docx', zipBombDocx(413)), {
          code: 'document_over_budget',
          limit: 'expandedBytes',
        });
        await assert.rejects(run('laughs.yaml', text(billionLaughs())), {
          code: 'document_over_budget',
          limit: 'aliases',
        });
      }
      assert.equal((await pool.parse('services.md', NORMAL)).tables.length, 1);
      await servesNormally(pool);
    } finally {
      await pool.close();
    }
  });
}

test("the tenant's known types cross to an extraction thread (a Map, by structured clone)", async () => {
  const pool = makeExtractionPool({ threads: 1 });
  try {
    const knownTypes = knownTypesOf([{ name: 'WH-North', type: 'warehouse', methods: ['table'] }]);
    const x = await pool.extract('c.tsv', text('source\trelation\ttarget\nZephyr\tdelivers_to\tWH-North\n'), {
      knownTypes,
    });
    assert.deepEqual(
      x.entities.map((e) => `${e.type}:${e.name}`),
      ['warehouse:WH-North'],
    );
    assert.deepEqual(x.openEnds, ['Zephyr']);
  } finally {
    await pool.close();
  }
});
