// The rings and the tenants in each. For a role that may read releases: the rings in promotion
// order as the rollout places tenants (pin, field, selector, default), each with the live
// release holding it and its split. For any other role: the tenants it may see, by their ring
// field (the console's older view, which needs only tenant reads). NOTE: no ring swatches on
// this page: here a hue means a release colour, and a ring's hue could match the control's.
import type { Session } from '../../session';
import { useLoad } from '../../ui/load';
import { ErrorNotice, Link, Loading } from '../../ui/parts';
import { useRings } from '../../ui/rings';
import { Colour, SplitBar } from './colour-parts';
import { LIVE_PHASES, ringsWithTenants, type Release } from './release-api';

const SHOWN = 8;

/** Rings in promotion order with their tenants and, where a live release holds one, its split. */
export function RolloutRings(props: { releases: readonly Release[] | undefined }) {
  const rings = useLoad(ringsWithTenants, [], 10_000);
  const live = (props.releases ?? []).filter((r) => LIVE_PHASES.includes(r.phase));
  return (
    <div class="panel">
      <h2>Rings</h2>
      <p class="muted">In promotion order; a release reaches each ring after the one before it.</p>
      <ErrorNotice error={rings.error} retry={rings.reload} />
      {rings.data === undefined && rings.loading && <Loading what="rings" />}
      <div class="grid">
        {rings.data?.map((ring) => {
          const holder = live.find((r) => r.spec.plan.rings.some((p) => p.ring === ring.name));
          const weight = holder?.weights[ring.name] ?? 0;
          return (
            <div class="stat ring-card" key={ring.name}>
              <h3 class="label">
                {ring.order}. ring {ring.name}
              </h3>
              <div class="value">
                {ring.tenants.length} tenant{ring.tenants.length === 1 ? '' : 's'}
              </div>
              {holder === undefined ? (
                <p class="muted">No release holds this ring: every tenant is on the control.</p>
              ) : (
                <div>
                  <SplitBar ring={ring.name} weight={weight} candidate={holder.colour} control={holder.control} />
                  <p>
                    <Colour name={holder.colour} suffix={` at ${weight}%`} /> of{' '}
                    <Link to={`/releases/${encodeURIComponent(holder.id)}`}>{holder.id}</Link>
                  </p>
                </div>
              )}
              <ul class="ring-tenants">
                {ring.tenants.slice(0, SHOWN).map((t) => (
                  <li key={t.tenantId}>
                    <Link to={`/tenants/${encodeURIComponent(t.tenantId)}`}>{t.tenantId}</Link>{' '}
                    <span class="muted">({t.by})</span>
                  </li>
                ))}
                {ring.tenants.length > SHOWN && <li class="muted">and {ring.tenants.length - SHOWN} more</li>}
              </ul>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The tenants the session may see, grouped by their ring field. */
export function TenantRings(props: { session: Session }) {
  const tenants = useRings(props.session);
  if (tenants.rings === undefined) return null;
  return (
    <div class="panel">
      <h2>Rings</h2>
      <ErrorNotice error={tenants.error} retry={tenants.reload} />
      {tenants.data === undefined && tenants.loading && <Loading what="rings" />}
      <div class="grid">
        {tenants.rings.map(([ring, members]) => (
          <div class="stat" key={ring}>
            <h3 class="label">ring {ring}</h3>
            <div class="value">
              {members.length} tenant{members.length === 1 ? '' : 's'}
            </div>
            <ul class="ring-tenants">
              {members.slice(0, SHOWN).map((t) => (
                <li key={t.id}>
                  <Link to={`/tenants/${encodeURIComponent(t.id)}`}>{t.displayName}</Link>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </div>
  );
}
