// The executor's state-change hook: a finished job is counted, a document follows its ingest
// job, and the state changes of jobs users started are audited in the same transaction.
import type { Ledger } from '../audit/index.js';
import type { RequestContext } from '../core/context.js';
import { newRequestId, PLATFORM } from '../core/ids.js';
import { isTerminal, type JobStateChangeHook } from '../jobs/index.js';
import { ingestJobChanged } from '../knowledge/index.js';
import type { Telemetry } from '../observability/index.js';
import type { Directory } from '../tenants/index.js';

export interface JobAuditDeps {
  readonly directory: Directory;
  readonly ledger: Ledger;
  readonly signals: Pick<Telemetry['signals'], 'jobFinished'>;
}

/** The hook the queue and the workers call inside the transaction of every state change. */
export function makeJobAudit(deps: JobAuditDeps): JobStateChangeHook {
  return async (tx, job, from, to, change) => {
    if (isTerminal(to)) deps.signals.jobFinished(job.tenantId, to);
    // A document follows its ingest job when the job is cancelled, gives up or is retried.
    await ingestJobChanged(tx, job, from, to);
    // NOTE: only jobs a key started are audited; the system's own follow-ups are not.
    if (job.createdBy === null || !job.createdBy.startsWith('key:')) return;
    const keyId = change.actor.startsWith('key:') ? change.actor.slice(4) : change.actor;
    const key = deps.directory.key(keyId);
    const ctx: RequestContext = {
      principal: { keyId, role: key?.role ?? 'platform-admin', tenantId: key?.tenantId ?? PLATFORM },
      requestId: change.requestId ?? newRequestId(),
      traceId: job.traceContext?.traceparent?.split('-')[1],
      sourceIp: undefined,
    };
    await deps.ledger.append(tx, ctx, {
      log: job.tenantId,
      action: `job.${change.reason}`,
      resource: { kind: 'Job', id: job.jobId },
      before: from === null ? null : { state: from },
      after: { state: to },
    });
  };
}
