// Tenants: search by id or name and page through them (continue tokens, as the API pages).
import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { navigate } from '../router';
import { useSession } from '../session';
import { useLoad } from '../ui/load';
import { ErrorNotice, Link, Loading, PageHeader } from '../ui/parts';
import { ringColour } from '../ui/rings';

const PAGE = 25;

export function Tenants() {
  const session = useSession();
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState<string | undefined>();
  // The continue tokens of the pages before this one (to go back), and this page's.
  const [trail, setTrail] = useState<(string | undefined)[]>([undefined]);
  const token = trail[trail.length - 1];
  const page = useLoad(
    () =>
      call(
        api.GET('/v1/tenants', {
          params: { query: { limit: PAGE, continue: token, ...(applied ? { search: applied } : {}) } },
        }),
      ),
    [token, applied],
  );
  const own = session.tenantId !== 'platform';
  useEffect(() => {
    // A tenant key sees its own tenant only: go straight to it.
    if (own) navigate(`/tenants/${encodeURIComponent(session.tenantId)}`);
  }, [own, session.tenantId]);
  return (
    <section>
      <PageHeader title="Tenants" />
      <form
        class="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(search.trim() === '' ? undefined : search.trim());
          setTrail([undefined]);
        }}
      >
        <label for="tenant-search">Search</label>
        <input
          id="tenant-search"
          type="search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
          placeholder="id or name"
          maxLength={100}
        />
        <button type="submit" class="secondary">
          Search
        </button>
      </form>
      <ErrorNotice error={page.error} retry={page.reload} />
      {page.data === undefined && page.loading && <Loading what="tenants" />}
      {page.data && page.data.items.length === 0 && (
        <p>{applied ? `No tenant's id or name contains “${applied}”.` : 'No tenants yet.'}</p>
      )}
      {page.data && page.data.items.length > 0 && (
        <table>
          <caption class="sr-only">Tenants</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Tier</th>
              <th scope="col">Home region</th>
              <th scope="col">Ring</th>
              <th scope="col">Status</th>
              <th scope="col">Labels</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/tenants/${encodeURIComponent(t.id)}`}>{t.id}</Link>
                </td>
                <td>{t.displayName}</td>
                <td>{t.tier}</td>
                <td>{t.homeRegion}</td>
                <td>
                  <span class="swatch" data-colour={ringColour(t.ring)} aria-hidden="true" /> {t.ring}
                </td>
                <td>
                  <span class={`badge ${t.status === 'active' ? 'ok' : 'bad'}`}>{t.status}</span>
                </td>
                <td class="mono">
                  {Object.entries(t.labels)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          class="secondary"
          disabled={trail.length <= 1}
          onClick={() => setTrail(trail.slice(0, -1))}
        >
          Previous
        </button>
        <span class="muted">Page {trail.length}</span>
        <button
          type="button"
          class="secondary"
          disabled={page.data?.continue === undefined}
          onClick={() => setTrail([...trail, page.data?.continue])}
        >
          Next
        </button>
      </nav>
    </section>
  );
}
