-- 0008: the platform log witnesses every tenant log (issue 11, item 10).
--
-- A tenant log's own rows cannot show that they were deleted whole, or cut back to an older
-- signed head. So the platform log records each tenant log's creation (`ledger.create`, in the
-- transaction of the log's first event) and, from a background loop off the tenants' write
-- path, its size and root whenever it grew (`ledger.witness`). Both events carry
-- {log, size, root} in their hashed JSON.
--
-- audit_witnesses  one row per such platform event, under the witnessed log's tenant_id: the
--                  log's signed checkpoint at that size (so the tenant verifies it with the
--                  ledger's verifier key alone, in its own scope) and the platform event's seq.
--                  Verifying a tenant log checks it against these rows; verifying the platform
--                  log checks every witness event still has its row, so deleting a tenant's
--                  log together with its rows breaks the platform log's verification instead.
-- Append-only like the rest of the ledger: the application role may select and insert only.

create table audit_witnesses (
  tenant_id    text not null,
  size         bigint not null check (size > 0),
  root         text not null,
  checkpoint   text not null,
  platform_seq bigint not null,
  kind         text not null check (kind in ('create', 'witness')),
  witnessed_at timestamptz not null default now(),
  primary key (tenant_id, size)
);
-- The platform log's verification walks the rows in the order of its events.
create index audit_witnesses_by_platform_seq on audit_witnesses (platform_seq);

grant select, insert on audit_witnesses to iris_app;
revoke update, delete, truncate on audit_witnesses from iris_app, public;

alter table audit_witnesses enable row level security;
alter table audit_witnesses force row level security;

create policy tenant_isolation on audit_witnesses
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
