-- 0007: retention of the decision log (no new tables; row-level security is unchanged).
--
-- policy_decisions stays append-only for iris_app (0003): the application role still has no
-- DELETE on it. The one way it loses rows is iris_prune_policy_decisions, which runs as the
-- owner (security definer) and removes only rows decided before a cutoff that is at least a
-- day in the past, at most 50,000 per call, so a compromised application can age out old
-- records but never erase what was decided today. Callers run it in platform scope (the
-- tenant policy of 0003 lets the owner see every row only there) and record each pruning in
-- the platform audit log in the same transaction.
-- policy_decisions_by_age   the cutoff scan (the 0003 indexes lead with tenant_id).

create index policy_decisions_by_age on policy_decisions (decided_at);

create function iris_prune_policy_decisions(cutoff timestamptz, max_rows integer) returns integer
language plpgsql security definer set search_path = pg_catalog, public as $$
declare
  pruned integer;
begin
  if cutoff is null or cutoff > now() - interval '1 day' then
    raise exception 'policy decisions of the last day are kept (cutoff %)', cutoff using errcode = '22023';
  end if;
  delete from policy_decisions where ctid = any(array(
    select ctid from policy_decisions where decided_at < cutoff
    order by decided_at limit greatest(1, least(coalesce(max_rows, 1), 50000))));
  get diagnostics pruned = row_count;
  return pruned;
end
$$;

revoke all on function iris_prune_policy_decisions(timestamptz, integer) from public;
grant execute on function iris_prune_policy_decisions(timestamptz, integer) to iris_app;
