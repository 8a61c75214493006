// What is checked once the load has stopped: every accepted job reaches a terminal state (else
// it is lost), no job's effect applied twice, every tenant's ledger verifies.
import { ADMIN_TOKEN } from './cluster.js';
import { perform } from './client.js';
import type { Tenant } from './load.js';
import { sleep } from './processes.js';

const TERMINAL = new Set(['succeeded', 'failed', 'poisoned', 'cancelled']);

export interface JobCheck {
  readonly accepted: number;
  readonly succeeded: number;
  /** Failed, poisoned or cancelled: finished, but not as asked. */
  readonly unsuccessful: readonly string[];
  /** Never reached a terminal state within the wait, or vanished (404). */
  readonly lost: readonly string[];
}

async function get(api: string, token: string, path: string): Promise<{ status: number; json: unknown }> {
  const { outcome, json } = await perform(api, { op: 'check', tenant: '', write: false, method: 'GET', path, token });
  return { status: outcome.status, json };
}

/** Polls every accepted job until it is terminal or `waitMs` has passed. */
export async function checkJobs(api: string, tenants: readonly Tenant[], waitMs: number): Promise<JobCheck> {
  const open = new Map<string, { tenant: Tenant; jobId: string }>();
  for (const t of tenants) for (const jobId of t.jobs.values()) open.set(`${t.id}/${jobId}`, { tenant: t, jobId });
  const accepted = open.size;
  let succeeded = 0;
  const unsuccessful: string[] = [];
  const gone: string[] = [];
  const deadline = Date.now() + waitMs;
  while (open.size > 0 && Date.now() < deadline) {
    for (const [name, { tenant, jobId }] of open) {
      const r = await get(api, tenant.token, `/v1/tenants/${tenant.id}/jobs/${jobId}`);
      const state = (r.json as { state?: string } | undefined)?.state;
      if (r.status === 404) {
        gone.push(name);
        open.delete(name);
      } else if (state !== undefined && TERMINAL.has(state)) {
        if (state === 'succeeded') succeeded++;
        else unsuccessful.push(`${name}: ${state}`);
        open.delete(name);
      }
    }
    if (open.size > 0) await sleep(500);
  }
  return { accepted, succeeded, unsuccessful, lost: [...gone, ...open.keys()] };
}

interface AuditEvent {
  readonly action: string;
  readonly resource?: { readonly kind?: string; readonly id?: string };
}

/** Every event of a log, oldest first. */
async function events(api: string, log: string): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for (let from = 0; ;) {
    const r = await get(api, ADMIN_TOKEN, `/v1/audit/logs/${log}/events?from=${from}&limit=1000`);
    if (r.status !== 200) throw new Error(`reading the ${log} ledger: ${r.status}`);
    const page = r.json as { items: AuditEvent[]; next?: number };
    out.push(...page.items);
    if (page.next === undefined) return out;
    from = page.next;
  }
}

/**
 * Effects applied twice: a job that succeeded more than once (its `job.succeed` is audited in
 * the transaction that settles it), and an Idempotency-Key that made more than one job.
 */
export async function checkDoubleEffects(api: string, tenants: readonly Tenant[]): Promise<string[]> {
  const doubles: string[] = [];
  for (const t of tenants) {
    const succeeded = new Map<string, number>();
    for (const e of await events(api, t.id))
      if (e.action === 'job.succeed' && e.resource?.id !== undefined)
        succeeded.set(e.resource.id, (succeeded.get(e.resource.id) ?? 0) + 1);
    for (const [jobId, n] of succeeded) if (n > 1) doubles.push(`${t.id}/${jobId}: succeeded ${n} times`);

    const byKey = new Map<string, number>();
    for (let cont: string | undefined; ;) {
      const r = await get(
        api,
        t.token,
        `/v1/tenants/${t.id}/jobs?limit=100${cont === undefined ? '' : `&continue=${encodeURIComponent(cont)}`}`,
      );
      if (r.status !== 200) throw new Error(`listing ${t.id}'s jobs: ${r.status}`);
      const page = r.json as { items: { idempotencyKey: string | null }[]; continue?: string };
      for (const j of page.items)
        if (j.idempotencyKey !== null) byKey.set(j.idempotencyKey, (byKey.get(j.idempotencyKey) ?? 0) + 1);
      if (page.continue === undefined) break;
      cont = page.continue;
    }
    for (const [key, n] of byKey) if (n > 1) doubles.push(`${t.id}: idempotency key ${key} made ${n} jobs`);
  }
  return doubles;
}

/** Each tenant's ledger recomputed and checked against its signed head and checkpoints. */
export async function checkLedgers(api: string, tenants: readonly Tenant[]): Promise<string[]> {
  const bad: string[] = [];
  for (const log of [...tenants.map((t) => t.id), 'platform']) {
    const r = await get(api, ADMIN_TOKEN, `/v1/audit/logs/${log}/verify`);
    const v = r.json as { ok?: boolean; problems?: unknown[] } | undefined;
    if (r.status !== 200 || v?.ok !== true) bad.push(`${log}: ${r.status} ${JSON.stringify(v?.problems ?? v)}`);
  }
  return bad;
}
