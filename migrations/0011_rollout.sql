-- 0011: rainbow releases (src/rollout/). Platform tables: rings and releases belong to the
-- platform, not to a tenant, so they carry no tenant_id and are reference tables for a
-- distributed (Citus) layout. Release state lives here, not in a replica's memory: any replica
-- resumes a rollout after every replica restarted.
--
-- rollout_rings      ordered tenant groups (the order is the promotion order); a tenant is
--                    placed by pin, then its `ring` field, then the first matching selector,
--                    else the last ring (src/rollout/ring-membership.ts).
-- rollout_control    one row: the stable colour and the configuration it serves (null spec:
--                    the built-in defaults). A promotion replaces it.
-- releases           one row per release: its document, its colour, its state machine's phase
--                    and position, the candidate's weight per ring, and the next due times of
--                    its bake and guard (any replica's driver acts on a due row it can lock).
-- release_events     every transition and verdict with the numbers that decided it (history);
--                    the same transitions are appended to the platform ledger.
-- release_outcomes   per-colour outcome counters: requests, server errors and a latency
--                    histogram per release, ring, colour, second and replica, plus a bounded
--                    sample of single requests (latency, error) for the end-of-bake
--                    Mann-Whitney judgement. Replicas add to them every second; the driver
--                    sums every replica's rows. Operational data, pruned after a day.

create table rollout_rings (
  name text primary key check (name ~ '^[a-z][a-z0-9-]{0,31}$'),
  ord integer not null unique,
  selector jsonb not null default '{}',
  pins text[] not null default '{}',
  resource_version bigint not null default 1,
  updated_at timestamptz not null default now()
);
insert into rollout_rings (name, ord) values ('internal', 0), ('canary', 1), ('early', 2), ('general', 3);

create table rollout_control (
  singleton boolean primary key default true check (singleton),
  colour text not null,
  release_id text,
  spec jsonb,
  updated_at timestamptz not null default now()
);

create table releases (
  release_id text primary key,
  name text not null,
  version text not null,
  colour text not null,
  spec jsonb not null,
  spec_digest text not null,
  control_colour text,
  phase text not null,
  position jsonb,
  weights jsonb not null default '{}',
  reason text,
  bake_until timestamptz,
  guard_at timestamptz,
  last_guard jsonb,
  last_analysis jsonb,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resource_version bigint not null default 1,
  unique (name, version)
);
create index releases_live on releases (phase) where phase in ('progressing', 'analysing', 'paused');

create table release_events (
  release_id text not null references releases (release_id),
  seq integer not null,
  at timestamptz not null default now(),
  event text not null,
  from_phase text not null,
  to_phase text not null,
  actor text not null,
  reason text,
  detail jsonb not null default '{}',
  primary key (release_id, seq)
);

create table release_outcomes (
  release_id text not null,
  ring text not null,
  colour text not null,
  second timestamptz not null,
  replica text not null,
  requests integer not null check (requests >= 0),
  errors integer not null check (errors >= 0),
  latency_buckets integer[] not null,
  sample_ms real[] not null default '{}',
  sample_error boolean[] not null default '{}',
  primary key (release_id, ring, colour, second, replica)
);
create index release_outcomes_by_second on release_outcomes (second);

grant select, insert, update on rollout_rings, rollout_control, releases, release_events to iris_app;
grant select, insert, update, delete on release_outcomes to iris_app;
