// The decision log (denies always, allows as sampled), newest first, and explain: every
// decision taken for one request id, with the policies that determined it and its inputs.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { query } from '../../router';
import { ErrorNotice, Loading, When } from '../../ui/parts';
import { useLoad } from '../../ui/load';
import { decisionsOf, explain, PLATFORM, type Decision, type Explanation } from './policy-api';

export function Decisions(props: { owner: string }) {
  const { owner } = props;
  const [decision, setDecision] = useState<'' | 'allow' | 'deny'>('');
  const [tenant, setTenant] = useState('');
  const [requestId, setRequestId] = useState(query().get('request') ?? '');
  const log = useLoad(
    () =>
      decisionsOf(owner, {
        limit: 50,
        ...(decision === '' ? {} : { decision }),
        ...(tenant.trim() === '' ? {} : { tenant: tenant.trim() }),
      }),
    [owner, decision, tenant],
  );
  return (
    <>
      <h2>Explain a request</h2>
      <Explain owner={owner} requestId={requestId} onRequestId={setRequestId} />
      <h2>Decision log</h2>
      <div class="row">
        <label for="d-decision">Decision</label>
        <select
          id="d-decision"
          value={decision}
          onChange={(e) => setDecision(e.currentTarget.value as '' | 'allow' | 'deny')}
        >
          <option value="">any</option>
          <option value="deny">deny</option>
          <option value="allow">allow</option>
        </select>
        {owner === PLATFORM && (
          <>
            <label for="d-tenant">Keys of tenant</label>
            <input
              id="d-tenant"
              placeholder="any tenant"
              value={tenant}
              onChange={(e) => setTenant(e.currentTarget.value)}
            />
          </>
        )}
        <button type="button" class="secondary" onClick={log.reload}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={log.error} retry={log.reload} />
      {log.loading && log.data === undefined && <Loading what="decisions" />}
      {log.data && log.data.length === 0 && (
        <p class="muted">No decisions logged (allows are logged only as sampled).</p>
      )}
      {log.data && log.data.length > 0 && (
        <table>
          <caption class="sr-only">Decision log</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Decision</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Principal</th>
              <th scope="col">Policies</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {log.data.map((d) => (
              <tr key={d.decisionId}>
                <td class="nowrap">
                  <When at={d.decidedAt} />
                </td>
                <td>
                  <Verdict d={d} />
                </td>
                <td class="mono">{d.action}</td>
                <td class="mono nowrap">{d.resource}</td>
                <td>
                  {d.role} <span class="mono">{d.principal}</span>
                </td>
                <td class="mono wrap">{d.policies.join(', ') || '—'}</td>
                <td>
                  <button
                    type="button"
                    class="link"
                    onClick={() => setRequestId(d.requestId)}
                    aria-label={`Explain request ${d.requestId}`}
                  >
                    <span class="mono">{d.requestId}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Verdict(props: { d: Decision }) {
  return <span class={`badge ${props.d.allowed ? 'ok' : 'bad'}`}>{props.d.allowed ? 'allow' : 'deny'}</span>;
}

function Explain(props: { owner: string; requestId: string; onRequestId: (id: string) => void }) {
  const [draft, setDraft] = useState(props.requestId);
  const [result, setResult] = useState<Explanation | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const run = (id: string) => {
    setError(undefined);
    setResult(undefined);
    if (id.trim() === '') return;
    explain(id.trim(), props.owner).then(setResult, (err: unknown) =>
      setError(err instanceof ApiError ? err : new ApiError(0, String(err))),
    );
  };
  useEffect(() => {
    setDraft(props.requestId);
    run(props.requestId);
  }, [props.requestId, props.owner]);
  return (
    <div class="panel">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          props.onRequestId(draft.trim());
          run(draft);
        }}
      >
        <label for="explain-id">Request id</label>
        <input
          id="explain-id"
          class="grow mono"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          placeholder="req_… or X-Request-Id"
        />
        <button type="submit" class="secondary" disabled={draft.trim() === ''}>
          Explain
        </button>
      </form>
      <ErrorNotice error={error} />
      {result && (
        <div role="status" class="explain">
          {result.items.length === 0 ? (
            <p class="notice">
              No decisions are logged for request <span class="mono">{result.requestId}</span> of {props.owner} (allows
              are logged only as sampled; decisions are kept for the retention period).
            </p>
          ) : (
            result.items.map((d) => (
              <article key={d.decisionId} class="decision">
                <h3>
                  <Verdict d={d} /> <span class="mono">{d.action}</span> on <span class="mono">{d.resource}</span>
                </h3>
                <p class="muted">
                  <When at={d.decidedAt} /> · {d.role} <span class="mono">{d.principal}</span> · bundle{' '}
                  <span class="mono wrap">{d.bundle}</span>
                  {d.traceId && (
                    <>
                      {' '}
                      · trace <span class="mono">{d.traceId}</span>
                    </>
                  )}
                </p>
                <p>
                  Determined by: <span class="mono">{d.policies.join(', ') || 'no policy (default deny)'}</span>
                  {d.errors.length > 0 && <span class="badge bad">errors: {d.errors.join('; ')}</span>}
                </p>
                <details>
                  <summary>Inputs</summary>
                  <pre>{JSON.stringify(d.inputs, null, 2)}</pre>
                </details>
              </article>
            ))
          )}
        </div>
      )}
    </div>
  );
}
