// Generated multi-tenant load, open loop (a request every 1/rate s whatever the answers do),
// bounded in time and in requests in flight, loopback only. Reads: tenant, job, job list,
// document list, GraphRAG query. Writes: job submissions (with an Idempotency-Key), tenant label
// patches, document ingests. Every accepted job and document is remembered for the checks after.
import { ADMIN_TOKEN } from './cluster.js';
import { perform, type Call, type Outcome } from './client.js';

export interface Tenant {
  readonly id: string;
  readonly token: string;
  /** Idempotency key -> job id of every job this tenant's submissions got a 202 for. */
  readonly jobs: Map<string, string>;
  /** Document ids whose submission was answered 2xx. */
  readonly documents: Set<string>;
  seq: number;
}

export interface LoadOptions {
  readonly rps: number;
  /** The least time the load runs; it goes on while `more()` says so (faults still running). */
  readonly durationMs: number;
  readonly more: () => boolean;
  readonly maxInFlight: number;
}

export interface LoadResult {
  readonly outcomes: readonly Outcome[];
  /** Requests not sent because maxInFlight were already out (the generator's own bound). */
  readonly skipped: number;
}

/** Creates `n` tenants, each with its own tenant-admin key, through the API as an operator would. */
export async function createTenants(api: string, n: number, runId: string): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  for (let i = 0; i < n; i++) {
    const id = `chaos-${runId}-${String(i).padStart(2, '0')}`;
    const { outcome, json } = await perform(api, {
      op: 'create tenant',
      tenant: id,
      write: true,
      method: 'POST',
      path: '/v1/tenants',
      token: ADMIN_TOKEN,
      body: { id, displayName: `Chaos tenant ${i}`, tier: 'standard', firstKey: { name: 'chaos client' } },
    });
    const token = (json as { firstKey?: { token?: string } } | undefined)?.firstKey?.token;
    if (outcome.verdict !== 'ok' || token === undefined)
      throw new Error(`creating tenant ${id}: ${outcome.status} ${outcome.detail}`);
    tenants.push({ id, token, jobs: new Map(), documents: new Set(), seq: 0 });
  }
  return tenants;
}

const QUESTIONS = ['Which service takes payments?', 'What does the ledger service do?', 'Who owns the gateway?'];

function documentText(t: Tenant, n: number): string {
  return `# Service note ${n} of ${t.id}\n\nThe Payments Gateway takes payments for ${t.id}. The Ledger Service records every payment the Payments Gateway accepts. Note ${n} was written by the Platform Team.\n`;
}

type Op = (t: Tenant) => Call;
const base = (t: Tenant): Pick<Call, 'tenant' | 'token'> => ({ tenant: t.id, token: t.token });
const lastJob = (t: Tenant): string | undefined => [...t.jobs.values()].at(-1);

// Weights out of 100: 70 reads, 30 writes.
const OPS: readonly { weight: number; op: Op }[] = [
  {
    weight: 26,
    op: (t) => ({ ...base(t), op: 'get tenant', write: false, method: 'GET', path: `/v1/tenants/${t.id}` }),
  },
  {
    weight: 16,
    op: (t) => {
      const job = lastJob(t);
      return job === undefined
        ? { ...base(t), op: 'list jobs', write: false, method: 'GET', path: `/v1/tenants/${t.id}/jobs?limit=10` }
        : { ...base(t), op: 'get job', write: false, method: 'GET', path: `/v1/tenants/${t.id}/jobs/${job}` };
    },
  },
  {
    weight: 10,
    op: (t) => ({
      ...base(t),
      op: 'list jobs',
      write: false,
      method: 'GET',
      path: `/v1/tenants/${t.id}/jobs?limit=10`,
    }),
  },
  {
    weight: 10,
    op: (t) => ({
      ...base(t),
      op: 'list documents',
      write: false,
      method: 'GET',
      path: `/v1/tenants/${t.id}/documents?limit=20`,
    }),
  },
  {
    weight: 8,
    op: (t) => ({
      ...base(t),
      op: 'query',
      write: false,
      method: 'POST',
      path: `/v1/tenants/${t.id}/query`,
      body: { question: QUESTIONS[t.seq % QUESTIONS.length] },
    }),
  },
  {
    weight: 14,
    op: (t) => {
      const key = `chaos-job-${t.id}-${t.seq++}`;
      return {
        ...base(t),
        op: 'submit job',
        write: true,
        method: 'POST',
        path: `/v1/tenants/${t.id}/jobs`,
        headers: { 'idempotency-key': key },
        body: { kind: 'sleep', payload: { ms: 300 + (t.seq % 7) * 200, steps: 4 } },
      };
    },
  },
  {
    weight: 11,
    op: (t) => ({
      ...base(t),
      op: 'patch tenant',
      write: true,
      method: 'PATCH',
      path: `/v1/tenants/${t.id}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: { labels: { 'chaos-seq': String(t.seq++ % 50) } },
    }),
  },
  {
    weight: 5,
    op: (t) => {
      const n = t.seq++;
      return {
        ...base(t),
        op: 'ingest document',
        write: true,
        method: 'POST',
        path: `/v1/tenants/${t.id}/documents`,
        body: {
          documentId: `note-${n}`,
          name: `note-${n}.md`,
          contentBase64: Buffer.from(documentText(t, n)).toString('base64'),
        },
      };
    },
  },
];
const TOTAL_WEIGHT = OPS.reduce((s, o) => s + o.weight, 0);

function pick(i: number): Op {
  // NOTE: a fixed low-discrepancy sequence rather than Math.random, so runs are comparable.
  let x = ((i * 0.6180339887) % 1) * TOTAL_WEIGHT;
  for (const o of OPS) {
    if (x < o.weight) return o.op;
    x -= o.weight;
  }
  return (OPS[0] as { op: Op }).op;
}

/** Remembers what a successful write created. */
function record(t: Tenant, call: Call, outcome: Outcome, json: unknown): void {
  if (outcome.verdict !== 'ok') return;
  if (call.op === 'submit job') {
    const key = call.headers?.['idempotency-key'];
    const jobId = (json as { jobId?: string } | undefined)?.jobId;
    if (key !== undefined && jobId !== undefined) t.jobs.set(key, jobId);
  } else if (call.op === 'ingest document') {
    const doc = json as { document?: { documentId?: string }; job?: { jobId?: string } | null } | undefined;
    if (doc?.document?.documentId !== undefined) t.documents.add(doc.document.documentId);
    if (doc?.job?.jobId !== undefined) t.jobs.set(`ingest:${doc.document?.documentId ?? ''}`, doc.job.jobId);
  }
}

/** Runs the load for `durationMs`; resolves when every request sent has been answered. */
export async function runLoad(api: string, tenants: readonly Tenant[], opts: LoadOptions): Promise<LoadResult> {
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  const started = performance.now();
  const interval = 1000 / opts.rps;
  for (let i = 0; performance.now() - started < opts.durationMs || opts.more(); i++) {
    // Open loop: request i goes out at started + i * interval, late ones at once.
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (pending.size >= opts.maxInFlight) {
      skipped++;
      continue;
    }
    const tenant = tenants[i % tenants.length] as Tenant;
    const call = pick(i)(tenant);
    const p = perform(api, call).then(({ outcome, json }) => {
      outcomes.push(outcome);
      record(tenant, call, outcome, json);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
  return { outcomes, skipped };
}
