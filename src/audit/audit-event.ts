// The shape of one audit event (modelled on Kubernetes audit events) and its digests.
import { createHash, randomUUID } from 'node:crypto';
import type { RequestContext } from '../core/context.js';
import { canonicalJson } from './canonical-json.js';

export interface AuditEvent {
  readonly apiVersion: 'audit.iris.dev/v1';
  readonly kind: 'Event';
  /** The log this event belongs to (tenant slug or 'platform') and its position in it. */
  readonly log: string;
  readonly seq: number;
  readonly id: string;
  readonly time: string;
  readonly action: string;
  readonly actor: { readonly keyId: string; readonly role: string; readonly tenantId: string };
  readonly resource: { readonly kind: string; readonly id: string; readonly resourceVersion?: string };
  readonly requestId: string;
  readonly traceId: string | null;
  readonly sourceIp: string | null;
  readonly decision: { readonly allowed: true; readonly by: string };
  /** sha256 of the canonical JSON of the object before and after the change (null: none). */
  readonly before: string | null;
  readonly after: string | null;
  /**
   * Platform-log events about a tenant log (`ledger.create`, `ledger.witness`): that log's size
   * and root (hex) as the platform saw them. Absent on every other event, so their canonical
   * JSON, and with it every leaf hash written before this field existed, is unchanged.
   */
  readonly witness?: LogWitness;
}

/** A tenant log's size and root as recorded in the platform log. */
export interface LogWitness {
  readonly log: string;
  readonly size: number;
  readonly root: string;
}

/** What an operation says about its change; the ledger fills in log, seq, id and time. */
export interface AuditRecord {
  readonly log: string;
  readonly action: string;
  readonly resource: AuditEvent['resource'];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly witness?: LogWitness;
}

/** sha256 (hex) of an object's canonical JSON, or null for "no object". */
export function digest(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

/** Builds the event for `record` made by `ctx` at `seq` of its log. */
export function buildEvent(ctx: RequestContext, record: AuditRecord, seq: number, now: Date): AuditEvent {
  return {
    apiVersion: 'audit.iris.dev/v1',
    kind: 'Event',
    log: record.log,
    seq,
    id: randomUUID(),
    time: now.toISOString(),
    action: record.action,
    actor: { keyId: ctx.principal.keyId, role: ctx.principal.role, tenantId: ctx.principal.tenantId },
    resource: record.resource,
    requestId: ctx.requestId,
    traceId: ctx.traceId ?? null,
    sourceIp: ctx.sourceIp ?? null,
    decision: { allowed: true, by: 'roles' },
    before: digest(record.before),
    after: digest(record.after),
    ...(record.witness === undefined
      ? {}
      : { witness: { log: record.witness.log, size: record.witness.size, root: record.witness.root } }),
  };
}
