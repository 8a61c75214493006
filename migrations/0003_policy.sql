-- 0003: policy bundles, their activation history, and the decision log.
--
-- policy_bundles      signed bundle documents as pushed, content-addressed (bundle_id is the
--                     sha256 of the signed manifest). tenant_id: the tenant of an overlay, or
--                     'platform' for platform bundles.
-- policy_activations  append-only history per owner: 'activate' pushes a bundle, 'rollback'
--                     pops back to the previous one; replaying it gives the active bundle.
-- policy_decisions    one row per logged decision (allows sampled, denies always), under the
--                     tenant of the principal that asked ('platform' for platform keys).
-- All three are append-only for the application role and have forced row-level security.

create table policy_bundles (
  tenant_id     text not null,
  bundle_id     text not null,
  name          text not null,
  scope         text not null check (scope in ('platform', 'tenant')),
  document      jsonb not null,
  signer_key_id text not null,
  size_bytes    integer not null,
  pushed_by     text not null,
  pushed_at     timestamptz not null default now(),
  primary key (tenant_id, bundle_id)
);

create table policy_activations (
  tenant_id  text not null,
  seq        bigint not null,
  op         text not null check (op in ('activate', 'rollback')),
  -- The bundle active after this entry; null: the built-in platform bundle / no overlay.
  bundle_id  text,
  actor      text not null,
  request_id text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, seq)
);

create table policy_decisions (
  tenant_id       text not null,
  decision_id     text not null,
  decided_at      timestamptz not null,
  request_id      text not null,
  trace_id        text,
  principal       text not null,
  role            text not null,
  action          text not null,
  resource        text not null,
  resource_tenant text not null,
  allowed         boolean not null,
  policies        jsonb not null,
  errors          jsonb not null,
  bundle          text not null,
  inputs          jsonb not null,
  primary key (tenant_id, decision_id)
);
create index policy_decisions_by_request on policy_decisions (tenant_id, request_id);
create index policy_decisions_by_time on policy_decisions (tenant_id, decided_at desc);

grant select, insert on policy_bundles, policy_activations, policy_decisions to iris_app;
revoke update, delete, truncate on policy_bundles, policy_activations, policy_decisions from iris_app, public;

alter table policy_bundles enable row level security;
alter table policy_bundles force row level security;
alter table policy_activations enable row level security;
alter table policy_activations force row level security;
alter table policy_decisions enable row level security;
alter table policy_decisions force row level security;

create policy tenant_isolation on policy_bundles
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on policy_activations
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on policy_decisions
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
