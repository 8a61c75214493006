// The executor's state-change hook: a finished job is counted, a document follows its ingest
// job, and the state changes of jobs users started are audited in the same transaction.
import type { LedgerEntry, Ledger } from '../audit/index.js';
import type { RequestContext } from '../core/context.js';
import type { Queryable } from '../core/db.js';
import { newRequestId, PLATFORM } from '../core/ids.js';
import {
  isTerminal,
  type Job,
  type JobState,
  type JobStateChangeHook,
  type JobStateChangesHook,
  type StateChange,
} from '../jobs/index.js';
import { ingestJobChanged } from '../knowledge/index.js';
import type { Telemetry } from '../observability/index.js';
import type { Directory } from '../tenants/index.js';

export interface JobAuditDeps {
  readonly directory: Directory;
  readonly ledger: Ledger;
  readonly signals: Pick<Telemetry['signals'], 'jobFinished'>;
}

export interface JobAudit {
  /** Called inside the transaction of every state change. */
  readonly onStateChange: JobStateChangeHook;
  /** The same over several changes of one transaction: their events share one ledger head write. */
  readonly onStateChanges: JobStateChangesHook;
}

/** The hooks the queue and the workers call inside the transaction of state changes. */
export function makeJobAudit(deps: JobAuditDeps): JobAudit {
  /** Counts and document follow-up; the ledger entry when the change is to be audited. */
  async function observe(
    tx: Queryable,
    job: Job,
    from: JobState | null,
    to: JobState,
    change: StateChange,
  ): Promise<LedgerEntry | undefined> {
    if (isTerminal(to)) deps.signals.jobFinished(job.tenantId, to);
    // A document follows its ingest job when the job is cancelled, gives up or is retried.
    await ingestJobChanged(tx, job, from, to);
    // NOTE: only jobs a key started are audited; the system's own follow-ups are not.
    if (job.createdBy === null || !job.createdBy.startsWith('key:')) return undefined;
    const keyId = change.actor.startsWith('key:') ? change.actor.slice(4) : change.actor;
    const key = deps.directory.key(keyId);
    const ctx: RequestContext = {
      principal: {
        keyId,
        role: key?.role ?? 'platform-admin',
        tenantId: key?.tenantId ?? PLATFORM,
        ...(key?.agentName == null ? {} : { agent: { name: key.agentName, crew: key.agentCrew, run: null } }),
      },
      requestId: change.requestId ?? newRequestId(),
      traceId: job.traceContext?.traceparent?.split('-')[1],
      sourceIp: undefined,
    };
    return {
      ctx,
      record: {
        log: job.tenantId,
        action: `job.${change.reason}`,
        resource: { kind: 'Job', id: job.jobId },
        before: from === null ? null : { state: from },
        after: { state: to },
      },
    };
  }

  return {
    async onStateChange(tx, job, from, to, change) {
      const entry = await observe(tx, job, from, to, change);
      if (entry !== undefined) await deps.ledger.append(tx, entry.ctx, entry.record);
    },
    async onStateChanges(tx, changes) {
      const entries: LedgerEntry[] = [];
      for (const c of changes) {
        const entry = await observe(tx, c.job, c.from, c.to, c.change);
        if (entry !== undefined) entries.push(entry);
      }
      if (entries.length > 0) await deps.ledger.appendAll(tx, entries);
    },
  };
}
