-- 0001: control plane core: tenants, API keys, the audit ledger, and the application role.
--
-- Every tenant-owned table has tenant_id leading its primary key and forced row-level
-- security keyed on current_setting('iris.tenant_id'). Transactions of the application run
-- as iris_app (not the owner, no BYPASSRLS) via set_config('role', ...), on PGlite too.
-- The ledger's "tenant_id" is the log id: a tenant slug, or 'platform' for platform events.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'iris_app') then
    create role iris_app nologin nobypassrls;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

-- The owner must be able to switch to iris_app (a no-op for superusers).
do $$
begin
  execute format('grant iris_app to %I', current_user);
exception when others then null;
end $$;

grant usage on schema public to iris_app;

create table tenants (
  tenant_id        text primary key check (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
  display_name     text not null,
  tier             text not null,
  home_region      text not null,
  ring             text not null,
  status           text not null check (status in ('active', 'suspended', 'deleting')),
  quotas           jsonb not null,
  labels           jsonb not null default '{}'::jsonb,
  resource_version bigint not null default 1,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  deleted_at       timestamptz,
  purge_after      timestamptz
);

create table api_keys (
  tenant_id    text not null,
  key_id       text not null,
  name         text not null,
  role         text not null,
  secret_hash  text not null,
  created_by   text not null,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz,
  primary key (tenant_id, key_id)
);

-- One row per event of one log; seq is dense from 0. leaf_hash = RFC 6962 leaf hash (hex)
-- of the RFC 8785 canonical JSON of event.
create table audit_events (
  tenant_id   text not null,
  seq         bigint not null,
  event       jsonb not null,
  leaf_hash   text not null,
  recorded_at timestamptz not null default now(),
  primary key (tenant_id, seq)
);

-- The head of each log: size, the compact-range frontier (so appends are O(log n)), root,
-- and the latest signed checkpoint note.
create table audit_heads (
  tenant_id  text primary key,
  size       bigint not null,
  frontier   jsonb not null,
  root       text not null,
  checkpoint text not null,
  updated_at timestamptz not null default now()
);

-- Signed checkpoints kept for consistency checks and export off the database host.
create table audit_checkpoints (
  tenant_id  text not null,
  size       bigint not null,
  root       text not null,
  note       text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, size)
);

grant select, insert, update, delete on tenants, api_keys, audit_heads to iris_app;
grant select, insert on audit_events, audit_checkpoints to iris_app;
revoke update, delete, truncate on audit_events, audit_checkpoints from iris_app, public;

alter table tenants enable row level security;
alter table tenants force row level security;
alter table api_keys enable row level security;
alter table api_keys force row level security;
alter table audit_events enable row level security;
alter table audit_events force row level security;
alter table audit_heads enable row level security;
alter table audit_heads force row level security;
alter table audit_checkpoints enable row level security;
alter table audit_checkpoints force row level security;

create policy tenant_isolation on tenants
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on api_keys
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on audit_events
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on audit_heads
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on audit_checkpoints
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
