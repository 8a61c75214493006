// Releases over rings. The rollout context (colours, weights, analysis verdicts) has not landed
// yet, so this page shows what exists today: the rings and the tenants placed in each, and says
// plainly that no release is moving over them.
import { useSession } from '../session';
import { ErrorNotice, Link, Loading, PageHeader } from '../ui/parts';
import { ringColour, useRings } from '../ui/rings';

export function ReleasesPage() {
  const session = useSession();
  const tenants = useRings(session);
  return (
    <section>
      <PageHeader title="Releases" />
      <div class="notice" role="status">
        No release is rolling out: Iris does not have versioned releases over rings yet (the rollout context). When it
        does, this page shows each ring's colour, the traffic weights over time and every analysis verdict, with start,
        pause, promote and rollback for the roles that may.
      </div>
      {tenants.rings === undefined ? null : (
        <>
          <h2>Rings today</h2>
          <ErrorNotice error={tenants.error} retry={tenants.reload} />
          {tenants.data === undefined && tenants.loading && <Loading what="rings" />}
          <div class="grid">
            {tenants.rings.map(([ring, members]) => (
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
