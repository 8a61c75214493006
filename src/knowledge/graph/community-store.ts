// SQL for communities: replace the communities that touch a set of nodes with newly computed
// ones (an update recomputes only the connected components a document changed).
import type { Queryable } from '../../core/db.js';
import type { Community } from './communities.js';
import type { CommunityReport } from './community-reports.js';

/** Deletes the communities `ids` (members cascade); returns how many. */
export async function deleteCommunities(tx: Queryable, tenantId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await tx.query(
    'delete from kg_communities where tenant_id = $1 and community_id = any($2::text[])',
    [tenantId, ids],
  );
  return rowCount;
}

/** Sets the parent of kept communities whose parent changed. */
export async function updateCommunityParents(
  tx: Queryable,
  tenantId: string,
  parents: readonly { id: string; parentId: string | undefined }[],
): Promise<void> {
  if (parents.length === 0) return;
  await tx.query(
    `update kg_communities c set parent_id = p.parent from unnest($2::text[], $3::text[]) as p(id, parent)
     where c.tenant_id = $1 and c.community_id = p.id`,
    [tenantId, parents.map((p) => p.id), parents.map((p) => p.parentId ?? null)],
  );
}

/** Inserts communities with their reports and members. */
export async function insertCommunities(
  tx: Queryable,
  tenantId: string,
  communities: readonly (Community & CommunityReport)[],
): Promise<void> {
  if (communities.length === 0) return;
  await tx.query(
    `insert into kg_communities (tenant_id, community_id, level, parent_id, title, report, rank, entity_count)
     select $1, c.id, c.l, c.p, c.t, c.r, c.k, c.n from unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::int[]) as c(id, l, p, t, r, k, n)
     on conflict (tenant_id, community_id) do update set title = excluded.title, report = excluded.report, rank = excluded.rank, parent_id = excluded.parent_id`,
    [
      tenantId,
      communities.map((c) => c.id),
      communities.map((c) => c.level),
      communities.map((c) => c.parentId ?? null),
      communities.map((c) => c.title),
      communities.map((c) => c.report),
      communities.map((c) => c.rank),
      communities.map((c) => c.members.length),
    ],
  );
  const pairs = communities.flatMap((c) => c.members.map((m) => [c.id, m] as const));
  await tx.query(
    `insert into kg_community_members (tenant_id, community_id, name_key) select $1, m.c, m.k from unnest($2::text[], $3::text[]) as m(c, k)
     on conflict do nothing`,
    [tenantId, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}
