// One job: state, attempts, progress, timing, its last error, trace and request ids, payload and
// result; polled every 2 s until it reaches a state it never leaves on its own.
import { useEffect } from 'preact/hooks';
import { api, call } from '../../api/client';
import { CopyButton, ErrorNotice, Link, Loading, PageHeader, When } from '../../ui/parts';
import { useLoad } from '../../ui/load';
import { JobActions } from './job-actions';
import { StateBadge, type Job } from './job-types';

const SETTLING: readonly Job['state'][] = ['queued', 'running'];

export function JobDetail(props: { tenantId: string; jobId: string }) {
  const { tenantId, jobId } = props;
  const job = useLoad(
    () => call(api.GET('/v1/tenants/{tenantId}/jobs/{jobId}', { params: { path: { tenantId, jobId } } })),
    [tenantId, jobId],
  );
  const live = job.data !== undefined && SETTLING.includes(job.data.state);
  useLoadEvery(live, job.reload);
  const j = job.data;
  return (
    <section>
      <PageHeader title={`Job ${jobId}`}>
        <Link to={`/jobs/${encodeURIComponent(tenantId)}`}>Back to the queue of {tenantId}</Link>
      </PageHeader>
      <ErrorNotice error={job.error} retry={job.reload} />
      {job.loading && j === undefined && <Loading what="the job" />}
      {j && (
        <>
          <div class="panel">
            <p class="job-state">
              <StateBadge state={j.state} /> {j.kind}
              {live && <span class="muted"> · updating every 2 s</span>}
            </p>
            <JobActions job={j} onDone={job.reload} />
            <dl class="facts">
              <dt>Attempts</dt>
              <dd>
                {j.attempts} of {j.maxAttempts}
                {j.redrives > 0 && ` (redriven ${j.redrives} time${j.redrives === 1 ? '' : 's'})`}
              </dd>
              <dt>Progress</dt>
              <dd>
                {j.progress.percent === null ? '—' : `${j.progress.percent}%`}
                {j.progress.message && ` · ${j.progress.message}`}
              </dd>
              <dt>Priority</dt>
              <dd>{j.priority}</dd>
              <dt>Created</dt>
              <dd>
                <When at={j.createdAt} /> by <span class="mono">{j.createdBy ?? '—'}</span>
              </dd>
              <dt>Run at</dt>
              <dd>
                <When at={j.runAt} />
              </dd>
              <dt>Started</dt>
              <dd>
                <When at={j.startedAt} />
              </dd>
              <dt>Finished</dt>
              <dd>
                <When at={j.finishedAt} />
              </dd>
              <dt>Trace id</dt>
              <dd>
                {j.traceId ? (
                  <>
                    <span class="mono">{j.traceId}</span> <CopyButton text={j.traceId} label="Copy trace id" />
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Request id</dt>
              <dd>
                {j.requestId ? (
                  <Link to={`/policy/${encodeURIComponent(tenantId)}?request=${encodeURIComponent(j.requestId)}`}>
                    <span class="mono">{j.requestId}</span>
                  </Link>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Idempotency key</dt>
              <dd class="mono">{j.idempotencyKey ?? '—'}</dd>
            </dl>
          </div>
          <h2>Last error</h2>
          {j.lastError === null ? (
            <p class="muted">No attempt has failed.</p>
          ) : (
            <div class="notice error">
              <strong>{j.lastError.code}</strong> on attempt {j.lastError.attempt} at <When at={j.lastError.at} />:{' '}
              {j.lastError.message} {j.lastError.retryable ? '(retryable)' : '(not retryable)'}
            </div>
          )}
          <div class="split">
            <div>
              <h2>Payload</h2>
              <pre>{JSON.stringify(j.payload ?? null, null, 2)}</pre>
            </div>
            <div>
              <h2>Result</h2>
              <pre>{JSON.stringify(j.result ?? null, null, 2)}</pre>
            </div>
          </div>
        </>
      )}
    </section>
  );
}

/** Calls `reload` every 2 s while `on`. */
function useLoadEvery(on: boolean, reload: () => void): void {
  useEffect(() => {
    if (!on) return;
    const id = setInterval(reload, 2000);
    return () => clearInterval(id);
  }, [on, reload]);
}
