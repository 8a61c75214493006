// A tenant's queue, live: jobs per state, the newest jobs (filtered by state and kind on the
// server), and the poisoned jobs waiting for a redrive. Polled every 2 s while "Live" is on:
// the API has no stream of queue changes.
import { useState } from 'preact/hooks';
import { api, call } from '../../api/client';
import { ErrorNotice, Link, Loading, PageHeader, When } from '../../ui/parts';
import { useLoad } from '../../ui/load';
import { JobActions } from './job-actions';
import { JOB_STATES, StateBadge, type Job, type JobState } from './job-types';

const POLL_MS = 2000;
/** States are counted up to a page of this many; beyond it the count says "100+". */
const COUNT_CAP = 100;

export function JobQueue(props: { tenantId: string }) {
  const { tenantId } = props;
  const [live, setLive] = useState(true);
  const [state, setState] = useState<JobState | ''>('');
  const [kind, setKind] = useState('');
  const every = live ? POLL_MS : undefined;
  const path = { tenantId };

  const counts = useLoad(
    () =>
      Promise.all(
        JOB_STATES.map(async (s) => {
          const page = await call(
            api.GET('/v1/tenants/{tenantId}/jobs', { params: { path, query: { state: s, limit: COUNT_CAP } } }),
          );
          return { state: s, count: page.items.length, more: page.continue !== undefined };
        }),
      ),
    [tenantId],
    every,
  );
  const jobs = useLoad(
    () =>
      call(
        api.GET('/v1/tenants/{tenantId}/jobs', {
          params: {
            path,
            query: {
              limit: 50,
              ...(state === '' ? {} : { state }),
              ...(kind.trim() === '' ? {} : { kind: kind.trim() }),
            },
          },
        }),
      ),
    [tenantId, state, kind],
    every,
  );
  const poisoned = useLoad(
    () => call(api.GET('/v1/tenants/{tenantId}/jobs-poisoned', { params: { path, query: { limit: 50 } } })),
    [tenantId],
    every,
  );
  const reloadAll = () => {
    counts.reload();
    jobs.reload();
    poisoned.reload();
  };

  return (
    <section>
      <PageHeader title={`Jobs: ${tenantId}`}>
        <label class="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live (every 2 s)
        </label>
        <button type="button" class="secondary" onClick={reloadAll}>
          Refresh
        </button>
      </PageHeader>
      <h2 id="counts-title">Jobs by state</h2>
      <ErrorNotice error={counts.error} retry={counts.reload} />
      <div class="grid job-counts" aria-labelledby="counts-title">
        {(counts.data ?? JOB_STATES.map((s) => ({ state: s, count: undefined, more: false }))).map((c) => (
          <div class="stat" key={c.state}>
            <div class="label">{c.state}</div>
            <div class="value">{c.count === undefined ? '…' : `${c.count}${c.more ? '+' : ''}`}</div>
          </div>
        ))}
      </div>

      <h2>Poisoned jobs</h2>
      <ErrorNotice error={poisoned.error} retry={poisoned.reload} />
      {poisoned.data && poisoned.data.items.length === 0 && <p class="muted">No poisoned jobs.</p>}
      {poisoned.data && poisoned.data.items.length > 0 && (
        <JobTable jobs={poisoned.data.items} caption="Poisoned jobs" onChange={reloadAll} />
      )}

      <h2>Jobs, newest first</h2>
      <div class="filters row">
        <label for="job-state">State</label>
        <select id="job-state" value={state} onChange={(e) => setState(e.currentTarget.value as JobState | '')}>
          <option value="">any</option>
          {JOB_STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label for="job-kind">Kind</label>
        <input id="job-kind" value={kind} placeholder="e.g. noop" onChange={(e) => setKind(e.currentTarget.value)} />
      </div>
      <ErrorNotice error={jobs.error} retry={jobs.reload} />
      {jobs.loading && jobs.data === undefined && <Loading what="jobs" />}
      {jobs.data && jobs.data.items.length === 0 && (
        <p class="muted">No jobs{state || kind ? ' match these filters' : ''}.</p>
      )}
      {jobs.data && jobs.data.items.length > 0 && (
        <JobTable jobs={jobs.data.items} caption="Jobs" onChange={reloadAll} />
      )}
      {jobs.data?.continue !== undefined && (
        <p class="muted">Showing the newest 50; the CLI pages further (iris jobs list).</p>
      )}
    </section>
  );
}

function JobTable(props: { jobs: readonly Job[]; caption: string; onChange: () => void }) {
  return (
    <table>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col" class="num">
            Attempts
          </th>
          <th scope="col">Updated</th>
          <th scope="col">Last error</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.jobs.map((j) => (
          <tr key={j.jobId}>
            <td>
              <Link to={`/jobs/${encodeURIComponent(j.tenantId)}/${encodeURIComponent(j.jobId)}`}>
                <span class="mono">{j.jobId}</span>
              </Link>
            </td>
            <td>{j.kind}</td>
            <td>
              <StateBadge state={j.state} />
              {j.progress.percent !== null && j.state === 'running' && (
                <span class="muted"> {j.progress.percent}%</span>
              )}
            </td>
            <td class="num">
              {j.attempts}/{j.maxAttempts}
            </td>
            <td>
              <When at={j.updatedAt} />
            </td>
            <td class="wrap">{j.lastError ? `${j.lastError.code}: ${j.lastError.message}` : ''}</td>
            <td>
              <JobActions job={j} onDone={props.onChange} compact />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
