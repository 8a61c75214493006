-- 0002: the async work executor: a tenant-fair, crash-safe job queue.
--
-- jobs          one row per job; tenant_id leads the primary key and every unique index.
-- job_tenants   per-tenant ready-work table: the exact count of queued jobs (admission caps,
--               and which tenants a claim considers) and the rotation position (served_seq) that
--               fair claiming walks, least recently served tenant first. Running jobs are not
--               counted here, so settling an attempt takes no lock on this hot row; concurrency
--               caps count them through jobs_running when a worker uses caps.
-- Counts are kept by statement-level triggers with transition tables, so every statement
-- that moves jobs between states adjusts them exactly once, in the same transaction, and
-- locks counter rows in tenant_id order (no deadlocks between concurrent claimers).
-- Both tables have forced row-level security; workers claim across tenants in platform scope.

create sequence jobs_seq;        -- FIFO order within a tenant and priority; list cursor
create sequence job_rotation;    -- round number of fair claims (served_seq = round * 4096 + position)

create table jobs (
  tenant_id        text not null,
  job_id           text not null,
  seq              bigint not null default nextval('jobs_seq'),
  kind             text not null,
  payload          jsonb not null,
  priority         smallint not null default 0 check (priority between -100 and 100),
  state            text not null default 'queued'
                   check (state in ('queued', 'running', 'succeeded', 'failed', 'poisoned', 'cancelled')),
  run_at           timestamptz not null default now(),
  attempts         integer not null default 0 check (attempts >= 0),
  max_attempts     integer not null check (max_attempts between 1 and 100),
  lease_owner      text,
  lease_expires_at timestamptz,
  -- Idempotency: the same (tenant_id, dedup_key) returns the same job until dedup_expires_at;
  -- after that the key is cleared (lazily, by the next enqueue with that key) and may be reused.
  dedup_key        text,
  dedup_expires_at timestamptz,
  progress_percent smallint check (progress_percent between 0 and 100),
  progress_message text,
  result           jsonb,
  last_error       jsonb,
  trace_context    jsonb,         -- {"traceparent": "...", "tracestate": "..."} (W3C)
  request_id       text,
  created_by       text,
  redrives         integer not null default 0,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  started_at       timestamptz,   -- start of the latest attempt
  finished_at      timestamptz,
  primary key (tenant_id, job_id),
  check ((state = 'running') = (lease_owner is not null))
);

-- Fair claiming: per tenant, highest priority first, then run_at, then FIFO.
create index jobs_ready on jobs (tenant_id, priority desc, run_at, seq) where state = 'queued';
-- Whether a tenant has a job ready now (run_at passed), probed per tenant by fair claims so
-- tenants whose jobs all wait for a later run_at take no share of a batch.
create index jobs_runnable on jobs (tenant_id, run_at) where state = 'queued';
-- Running jobs: the sweep for expired leases, and per-tenant running counts for concurrency caps.
create index jobs_running on jobs (tenant_id, lease_expires_at) where state = 'running';
create unique index jobs_dedup on jobs (tenant_id, dedup_key);
-- Listing, newest first (seq is monotonic with creation).
create index jobs_by_seq on jobs (tenant_id, seq);
create index jobs_poisoned on jobs (tenant_id, seq) where state = 'poisoned';

create table job_tenants (
  tenant_id  text primary key,
  -- NOTE: no `>= 0` check: the trigger's upsert carries negative deltas in its proposed row.
  queued     integer not null default 0,
  served_seq bigint not null default 0
);
create index job_tenants_ready on job_tenants (served_seq, tenant_id) where queued > 0;

-- Keeps job_tenants exact and wakes workers (NOTIFY iris_jobs) when a tenant's queue goes from
-- empty to holding ready work. NOTE: only then: a NOTIFY serialises commits (PostgreSQL takes a
-- global lock to queue notifications), and a worker with free slots is already claiming from a
-- tenant whose queue was not empty; polling covers jobs that become ready later (run_at).
create function jobs_tally() returns trigger language plpgsql as $$
declare
  woke boolean := false;
begin
  if tg_op = 'INSERT' then
    with d as (
      select tenant_id, count(*)::int as dq, bool_or(run_at <= now()) as ready
      from new_rows where state = 'queued' group by tenant_id
    ), up as (
      insert into job_tenants as t (tenant_id, queued)
        select tenant_id, dq from d order by tenant_id
      on conflict (tenant_id) do update set queued = t.queued + excluded.queued
      returning t.tenant_id, t.queued
    )
    select exists (select 1 from up join d using (tenant_id) where d.ready and up.queued - d.dq <= 0) into woke;
  elsif tg_op = 'UPDATE' then
    with d as (
      select tenant_id, sum(dq)::int as dq, bool_or(ready) as ready from (
        select tenant_id, 1 as dq, run_at <= now() as ready from new_rows where state = 'queued'
        union all
        select tenant_id, -1, false from old_rows where state = 'queued'
      ) x group by tenant_id having sum(dq) <> 0
    ), up as (
      insert into job_tenants as t (tenant_id, queued)
        select tenant_id, dq from d order by tenant_id
      on conflict (tenant_id) do update set queued = t.queued + excluded.queued
      returning t.tenant_id, t.queued
    )
    select exists (select 1 from up join d using (tenant_id) where d.ready and d.dq > 0 and up.queued - d.dq <= 0) into woke;
  else
    insert into job_tenants as t (tenant_id, queued)
      select tenant_id, -count(*) from old_rows where state = 'queued' group by tenant_id order by tenant_id
    on conflict (tenant_id) do update set queued = t.queued + excluded.queued;
  end if;
  if woke then
    perform pg_notify('iris_jobs', '');
  end if;
  return null;
end $$;

create trigger jobs_tally_insert after insert on jobs
  referencing new table as new_rows for each statement execute function jobs_tally();
create trigger jobs_tally_update after update on jobs
  referencing old table as old_rows new table as new_rows for each statement execute function jobs_tally();
create trigger jobs_tally_delete after delete on jobs
  referencing old table as old_rows for each statement execute function jobs_tally();

grant select, insert, update, delete on jobs, job_tenants to iris_app;
grant usage on sequence jobs_seq, job_rotation to iris_app;

alter table jobs enable row level security;
alter table jobs force row level security;
alter table job_tenants enable row level security;
alter table job_tenants force row level security;

create policy tenant_isolation on jobs
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on job_tenants
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
