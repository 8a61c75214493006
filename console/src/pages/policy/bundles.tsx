// An owner's bundles, which one is active and serving, the activation history, and the
// differences between two bundles (the diff API: policies added, removed and changed).
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { ErrorNotice, Loading, When } from '../../ui/parts';
import { useLoad } from '../../ui/load';
import { bundlesOf, diffOf, PLATFORM, type BundleDiff, type BundleList } from './policy-api';

const short = (id: string | null): string => (id === null ? 'none' : id.startsWith('sha256:') ? id.slice(7, 19) : id);

export function Bundles(props: { owner: string }) {
  const { owner } = props;
  const list = useLoad(() => bundlesOf(owner), [owner]);
  return (
    <>
      <h2>Bundles</h2>
      <ErrorNotice error={list.error} retry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="bundles" />}
      {list.data && <BundleTables list={list.data} />}
      {list.data && <DiffView owner={owner} list={list.data} />}
    </>
  );
}

function BundleTables(props: { list: BundleList }) {
  const { list } = props;
  return (
    <>
      <p>
        Active: <strong class="mono">{short(list.active)}</strong>
        {list.owner !== PLATFORM && list.active === null && ' (no overlay: the platform bundle alone decides)'} ·
        serving on this replica: <span class="mono">{short(list.serving)}</span>
        {list.active !== list.serving && <span class="badge warn">differs from the active bundle</span>}
      </p>
      {list.items.length === 0 ? (
        <p class="muted">No bundle has been pushed{list.owner === PLATFORM ? ': the built-in bundle serves' : ''}.</p>
      ) : (
        <table>
          <caption class="sr-only">Bundles pushed</caption>
          <thead>
            <tr>
              <th scope="col">Bundle</th>
              <th scope="col">Name</th>
              <th scope="col">Signer</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">Pushed</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((b) => (
              <tr key={b.id}>
                <td class="mono" title={b.id}>
                  {b.shortId}
                </td>
                <td>{b.name}</td>
                <td class="mono">{b.signer}</td>
                <td class="num">{b.sizeBytes.toLocaleString()} B</td>
                <td>
                  <When at={b.pushedAt} /> by <span class="mono">{b.pushedBy}</span>
                </td>
                <td>{b.active ? <span class="badge ok">active</span> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Activation history</h3>
      {list.history.length === 0 ? (
        <p class="muted">Nothing activated yet.</p>
      ) : (
        <table>
          <caption class="sr-only">Activation history</caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">Operation</th>
              <th scope="col">Bundle</th>
              <th scope="col">By</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {[...list.history].reverse().map((h) => (
              <tr key={h.seq}>
                <td class="num">{h.seq}</td>
                <td>
                  <When at={h.createdAt} />
                </td>
                <td>{h.op}</td>
                <td class="mono">{short(h.bundleId)}</td>
                <td class="mono">{h.actor}</td>
                <td class="mono">{h.requestId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function DiffView(props: { owner: string; list: BundleList }) {
  const { owner, list } = props;
  const choices = [
    ...(owner === PLATFORM ? [{ value: 'builtin', label: 'builtin (the built-in bundle)' }] : []),
  ].concat(
    list.items.map((b) => ({ value: b.shortId, label: `${b.shortId} ${b.name}${b.active ? ' (active)' : ''}` })),
  );
  const [from, setFrom] = useState('');
  const [to, setTo] = useState(choices.at(0)?.value ?? '');
  const [diff, setDiff] = useState<BundleDiff | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  if (choices.length === 0) return null;
  return (
    <>
      <h3>Differences between two bundles</h3>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setError(undefined);
          diffOf(owner, from === '' ? undefined : from, to).then(setDiff, (err: unknown) => {
            setDiff(undefined);
            setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
          });
        }}
      >
        <label for="diff-from">From</label>
        <select id="diff-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
          <option value="">the active bundle</option>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <label for="diff-to">To</label>
        <select id="diff-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Show differences
        </button>
      </form>
      <ErrorNotice error={error} />
      {diff && (
        <div class="diff" role="status">
          <p>
            From <span class="mono">{short(diff.from)}</span> to <span class="mono">{short(diff.to)}</span>:{' '}
            {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed, {diff.unchanged}{' '}
            unchanged.
          </p>
          {diff.added.length > 0 && (
            <p>
              Added:{' '}
              {diff.added.map((id) => (
                <span key={id} class="badge ok mono">
                  + {id}
                </span>
              ))}
            </p>
          )}
          {diff.removed.length > 0 && (
            <p>
              Removed:{' '}
              {diff.removed.map((id) => (
                <span key={id} class="badge bad mono">
                  − {id}
                </span>
              ))}
            </p>
          )}
          {diff.changed.map((c) => (
            <div key={c.id} class="split">
              <div>
                <h4>{c.id}: before</h4>
                <pre>{c.from}</pre>
              </div>
              <div>
                <h4>{c.id}: after</h4>
                <pre>{c.to}</pre>
              </div>
            </div>
          ))}
        </div>
      )}
    </>
  );
}
