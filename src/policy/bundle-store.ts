// SQL of the policy context: bundles, activation history and the decision log. One named
// query per function; the caller's transaction decides the row-level-security scope.
import type { Queryable } from '../core/db.js';
import type { SignedBundle } from './bundle-format.js';
import { iso } from '../core/clock.js';

export interface BundleRow {
  readonly tenantId: string;
  readonly bundleId: string;
  readonly name: string;
  readonly scope: 'platform' | 'tenant';
  readonly document: SignedBundle;
  readonly signerKeyId: string;
  readonly sizeBytes: number;
  readonly pushedBy: string;
  readonly pushedAt: string;
}

export interface ActivationRow {
  readonly tenantId: string;
  readonly seq: number;
  readonly op: 'activate' | 'rollback';
  readonly bundleId: string | null;
  readonly actor: string;
  readonly requestId: string | null;
  readonly createdAt: string;
}

function toBundle(r: Record<string, unknown>): BundleRow {
  return {
    tenantId: r.tenant_id as string,
    bundleId: r.bundle_id as string,
    name: r.name as string,
    scope: r.scope as 'platform' | 'tenant',
    document: (typeof r.document === 'string' ? JSON.parse(r.document) : r.document) as SignedBundle,
    signerKeyId: r.signer_key_id as string,
    sizeBytes: Number(r.size_bytes),
    pushedBy: r.pushed_by as string,
    pushedAt: iso(r.pushed_at as Date),
  };
}

function toActivation(r: Record<string, unknown>): ActivationRow {
  return {
    tenantId: r.tenant_id as string,
    seq: Number(r.seq),
    op: r.op as 'activate' | 'rollback',
    bundleId: (r.bundle_id as string | null) ?? null,
    actor: r.actor as string,
    requestId: (r.request_id as string | null) ?? null,
    createdAt: iso(r.created_at as Date),
  };
}

/** Stores a pushed bundle; false when that content was pushed before (content address). */
export async function insertBundle(tx: Queryable, row: Omit<BundleRow, 'pushedAt'>): Promise<boolean> {
  const r = await tx.query(
    `insert into policy_bundles (tenant_id, bundle_id, name, scope, document, signer_key_id, size_bytes, pushed_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (tenant_id, bundle_id) do nothing`,
    [
      row.tenantId,
      row.bundleId,
      row.name,
      row.scope,
      JSON.stringify(row.document),
      row.signerKeyId,
      row.sizeBytes,
      row.pushedBy,
    ],
  );
  return r.rowCount > 0;
}

export async function selectBundle(tx: Queryable, tenantId: string, bundleId: string): Promise<BundleRow | undefined> {
  const { rows } = await tx.query('select * from policy_bundles where tenant_id = $1 and bundle_id = $2', [
    tenantId,
    bundleId,
  ]);
  return rows[0] ? toBundle(rows[0]) : undefined;
}

/** Bundle ids of `tenantId` starting with `prefix` (short ids in commands). */
export async function selectBundleIdsByPrefix(tx: Queryable, tenantId: string, prefix: string): Promise<string[]> {
  const { rows } = await tx.query<{ bundle_id: string }>(
    "select bundle_id from policy_bundles where tenant_id = $1 and bundle_id like $2 || '%' order by bundle_id limit 2",
    [tenantId, prefix],
  );
  return rows.map((r) => r.bundle_id);
}

export async function selectBundles(tx: Queryable, tenantId: string): Promise<Omit<BundleRow, 'document'>[]> {
  const { rows } = await tx.query(
    `select tenant_id, bundle_id, name, scope, 'null'::jsonb as document, signer_key_id, size_bytes, pushed_by, pushed_at
     from policy_bundles where tenant_id = $1 order by pushed_at desc, bundle_id`,
    [tenantId],
  );
  return rows.map((r) => toBundle(r));
}

/** Activation history of one owner (or of every owner when undefined), oldest first. */
export async function selectActivations(tx: Queryable, tenantId?: string): Promise<ActivationRow[]> {
  const { rows } =
    tenantId === undefined
      ? await tx.query('select * from policy_activations order by tenant_id, seq')
      : await tx.query('select * from policy_activations where tenant_id = $1 order by seq', [tenantId]);
  return rows.map(toActivation);
}

export async function insertActivation(
  tx: Queryable,
  row: Omit<ActivationRow, 'seq' | 'createdAt'>,
): Promise<ActivationRow> {
  const { rows } = await tx.query(
    `insert into policy_activations (tenant_id, seq, op, bundle_id, actor, request_id)
     values ($1, coalesce((select max(seq) + 1 from policy_activations where tenant_id = $1), 1), $2, $3, $4, $5)
     returning *`,
    [row.tenantId, row.op, row.bundleId, row.actor, row.requestId],
  );
  return toActivation(rows[0] as Record<string, unknown>);
}

/** Replays a history: 'activate' pushes, 'rollback' pops. The stack's top is the active bundle. */
export function activeStack(history: readonly ActivationRow[]): string[] {
  const stack: string[] = [];
  for (const h of history) {
    if (h.op === 'activate' && h.bundleId !== null) stack.push(h.bundleId);
    else stack.pop();
  }
  return stack;
}

/** One logged decision. */
export interface DecisionRecord {
  readonly tenantId: string;
  readonly decisionId: string;
  readonly decidedAt: string;
  readonly requestId: string;
  readonly traceId: string | null;
  readonly principal: string;
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceTenant: string;
  readonly allowed: boolean;
  readonly policies: readonly string[];
  readonly errors: readonly string[];
  readonly bundle: string;
  readonly inputs: unknown;
}

/** Inserts a batch of decisions in one statement. */
export async function insertDecisions(tx: Queryable, records: readonly DecisionRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.query(
    `insert into policy_decisions (tenant_id, decision_id, decided_at, request_id, trace_id, principal, role, action, resource, resource_tenant, allowed, policies, errors, bundle, inputs)
     select x.tenant_id, x.decision_id, x.decided_at, x.request_id, x.trace_id, x.principal, x.role, x.action, x.resource, x.resource_tenant, x.allowed, x.policies, x.errors, x.bundle, x.inputs
     from jsonb_to_recordset($1::jsonb) as x(tenant_id text, decision_id text, decided_at timestamptz, request_id text, trace_id text, principal text, role text, action text,
       resource text, resource_tenant text, allowed boolean, policies jsonb, errors jsonb, bundle text, inputs jsonb)
     on conflict do nothing`,
    [
      JSON.stringify(
        records.map((r) => ({
          tenant_id: r.tenantId,
          decision_id: r.decisionId,
          decided_at: r.decidedAt,
          request_id: r.requestId,
          trace_id: r.traceId,
          principal: r.principal,
          role: r.role,
          action: r.action,
          resource: r.resource,
          resource_tenant: r.resourceTenant,
          allowed: r.allowed,
          policies: r.policies,
          errors: r.errors,
          bundle: r.bundle,
          inputs: r.inputs,
        })),
      ),
    ],
  );
}

function toDecision(r: Record<string, unknown>): DecisionRecord {
  const j = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    tenantId: r.tenant_id as string,
    decisionId: r.decision_id as string,
    decidedAt: iso(r.decided_at as Date),
    requestId: r.request_id as string,
    traceId: (r.trace_id as string | null) ?? null,
    principal: r.principal as string,
    role: r.role as string,
    action: r.action as string,
    resource: r.resource as string,
    resourceTenant: r.resource_tenant as string,
    allowed: r.allowed as boolean,
    policies: j(r.policies) as string[],
    errors: j(r.errors) as string[],
    bundle: r.bundle as string,
    inputs: j(r.inputs),
  };
}

export interface DecisionFilter {
  /** Only this tenant's (the principal's tenant); undefined: every row the scope shows. */
  readonly tenantId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly allowed?: boolean | undefined;
  readonly limit: number;
}

export async function selectDecisions(tx: Queryable, f: DecisionFilter): Promise<DecisionRecord[]> {
  const { rows } = await tx.query(
    `select * from policy_decisions
     where ($1::text is null or tenant_id = $1) and ($2::text is null or request_id = $2) and ($3::boolean is null or allowed = $3)
     order by decided_at desc, decision_id limit $4`,
    [f.tenantId ?? null, f.requestId ?? null, f.allowed ?? null, f.limit],
  );
  return rows.map(toDecision);
}

/**
 * Deletes up to `maxRows` decisions made before `cutoff` through the owner's
 * iris_prune_policy_decisions (the application role cannot delete them itself), oldest first.
 * The function refuses cutoffs within the last day.
 */
export async function pruneDecisions(tx: Queryable, cutoff: Date, maxRows: number): Promise<number> {
  const { rows } = await tx.query<{ pruned: number }>('select iris_prune_policy_decisions($1, $2) as pruned', [
    cutoff,
    maxRows,
  ]);
  return Number(rows[0]?.pruned ?? 0);
}
