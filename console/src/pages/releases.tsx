// Releases over rings. The rollout context (colours, weights, analysis verdicts) has not landed
// yet, so this page shows what exists today: the rings and the tenants placed in each, and says
// plainly that no release is moving over them.
import { api, call } from '../api/client';
import { can, useSession } from '../session';
import { useLoad } from '../ui/load';
import { ErrorNotice, Link, Loading, PageHeader } from '../ui/parts';
import { ringColour } from '../ui/rings';

export function ReleasesPage() {
  const session = useSession();
  const platform = session.tenantId === 'platform';
  const tenants = useLoad(
    async () =>
      platform
        ? (await call(api.GET('/v1/tenants', { params: { query: { limit: 500 } } }))).items
        : [await call(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: session.tenantId } } }))],
    [platform],
  );
  const rings = new Map<string, { id: string; displayName: string }[]>();
  for (const t of tenants.data ?? []) rings.set(t.ring, [...(rings.get(t.ring) ?? []), t]);
  return (
    <section>
      <PageHeader title="Releases" />
      <div class="notice" role="status">
        No release is rolling out: Iris does not have versioned releases over rings yet (the rollout context). When it
        does, this page shows each ring's colour, the traffic weights over time and every analysis verdict, with start,
        pause, promote and rollback for the roles that may.
      </div>
      {!can(session, 'tenant.read') && !can(session, 'tenant.list') ? null : (
        <>
          <h2>Rings today</h2>
          <ErrorNotice error={tenants.error} retry={tenants.reload} />
          {tenants.data === undefined && tenants.loading && <Loading what="rings" />}
          <div class="grid">
            {[...rings.entries()]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([ring, members]) => (
                <div class="stat" key={ring}>
                  <div class="label">
                    <span class="swatch" data-colour={ringColour(ring)} aria-hidden="true" /> ring {ring}
                  </div>
                  <div class="value">{members.length} tenants</div>
                  <ul>
                    {members.slice(0, 8).map((t) => (
                      <li key={t.id}>
                        <Link to={`/tenants/${encodeURIComponent(t.id)}`}>{t.displayName}</Link>
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
          </div>
        </>
      )}
    </section>
  );
}
