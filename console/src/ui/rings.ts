// Rings as the console shows them: a stable colour per ring name (the swatch next to it, from a
// fixed palette styled in CSS), and the tenants the session may see, grouped by ring.
import { api, call } from '../api/client';
import type { paths } from '../api/schema';
import { can, type Session } from '../session';
import { useLoad, type Loaded } from './load';

type Tenant = paths['/v1/tenants/{tenantId}']['get']['responses']['200']['content']['application/json'];

export const RING_COLOURS = ['blue', 'green', 'amber', 'violet', 'teal', 'rose', 'slate'] as const;

export function ringColour(ring: string): string {
  let h = 0;
  for (let i = 0; i < ring.length; i++) h = (h * 31 + ring.charCodeAt(i)) >>> 0;
  return RING_COLOURS[h % RING_COLOURS.length] as string;
}

/**
 * The tenants the session may see (every one for a platform key that may list them, else its
 * own), grouped by ring and sorted by ring name; `rings` is undefined when the role may read none.
 */
export function useRings(session: Session): Loaded<Tenant[]> & { rings: [string, Tenant[]][] | undefined } {
  const platform = session.tenantId === 'platform';
  const tenants = useLoad(
    async () =>
      platform && can(session, 'tenant.list')
        ? (await call(api.GET('/v1/tenants', { params: { query: { limit: 500 } } }))).items
        : [await call(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: session.tenantId } } }))],
    [platform, session.tenantId],
  );
  if (!can(session, platform ? 'tenant.list' : 'tenant.read')) return { ...tenants, rings: undefined };
  const byRing = new Map<string, Tenant[]>();
  for (const t of tenants.data ?? []) byRing.set(t.ring, [...(byRing.get(t.ring) ?? []), t]);
  return { ...tenants, rings: [...byRing.entries()].sort(([a], [b]) => a.localeCompare(b)) };
}
