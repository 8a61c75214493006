-- 0015: the change feed (src/tenants/change-feed.ts, issue 17).
--
-- A change of a tenant or an API key was announced with a NOTIFY inside the transaction that
-- made it. PostgreSQL serialises the commits of every transaction that has NOTIFYed (one lock,
-- held through the commit's WAL flush), which capped audited writes near 1,250/s on two cores.
-- Now the transaction inserts a row here instead, and every replica's directory polls the table
-- for what committed since its last look. A row is durable: a replica that dies between its
-- commit and anything after it leaves nothing unannounced.
--
-- change_feed.changes  one row per announced change (the JSON the directory applies), with the
--                      id of the transaction that wrote it. A poller reads every row whose
--                      transaction id is at least the horizon of its previous poll (the oldest
--                      transaction then still running), so a transaction that commits after a
--                      later one is never skipped. Rows older than the retention are deleted.
--
-- In a schema of its own: the rows are transient notices, not tenant data, so tenant archives
-- and tenant deletion (tables of the current schema) leave them alone. A tenant's transaction
-- may insert its own tenant's rows; only the platform scope reads and prunes them.

create schema change_feed;
grant usage on schema change_feed to iris_app;

create table change_feed.changes (
  seq       bigint generated always as identity primary key,
  xid       xid8 not null default pg_current_xact_id(),
  tenant_id text not null,
  change    jsonb not null,
  at        timestamptz not null default now()
);
create index changes_by_xid on change_feed.changes (xid);
-- Rows arrive in time order: a block-range index finds the old ones to prune for almost no
-- upkeep per insert.
create index changes_by_at on change_feed.changes using brin (at);

grant select, insert, delete on change_feed.changes to iris_app;
alter table change_feed.changes enable row level security;
alter table change_feed.changes force row level security;
create policy announce_own on change_feed.changes for insert
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy platform_reads on change_feed.changes for select
  using (current_setting('iris.scope', true) = 'platform');
create policy platform_prunes on change_feed.changes for delete
  using (current_setting('iris.scope', true) = 'platform');
