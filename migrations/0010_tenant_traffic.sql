-- 0010: per-tenant request counters, one row per tenant, minute and replica, so the console's
-- overview shows every tenant's rate, success ratio and p99 across all replicas (Prometheus
-- carries per-tenant labels only for a bounded top-N; these rows have no such bound).
--
-- tenant_traffic   requests, server failures (5xx) and a latency histogram (counts per bucket
--                  of the bounds in src/observability/tenant-traffic.ts, the last one +Inf) of
--                  one tenant, in one minute, seen by one replica. Each replica adds its
--                  counts with an upsert every few seconds; rows older than the retention are
--                  deleted by the replicas in platform scope. Operational data, not audited.

create table tenant_traffic (
  tenant_id text not null,
  minute timestamptz not null,
  replica text not null,
  requests integer not null check (requests >= 0),
  failures integer not null check (failures >= 0),
  latency_buckets integer[] not null,
  primary key (tenant_id, minute, replica)
);
create index tenant_traffic_by_minute on tenant_traffic (minute);

grant select, insert, update, delete on tenant_traffic to iris_app;
alter table tenant_traffic enable row level security;
alter table tenant_traffic force row level security;
create policy tenant_isolation on tenant_traffic
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
