-- 0013: shadow GraphRAG agreement of releases across replicas (src/rollout/shadow-samples.ts).
-- A platform table, no tenant_id, like 0011's release_outcomes: it holds numbers only (no
-- answer text, citation or tenant id), so a ring's figures never carry a tenant's data.
--
-- release_shadow   per release, ring, second and replica: shadow queries compared, how many
--                  failed, and a bounded sample of per-query agreements (citation overlap and
--                  answer similarity in 0..1, the candidate's latency minus the served one in
--                  ms). The end-of-bake analysis judges the plan's `shadow` thresholds on every
--                  replica's rows. Operational data, pruned after a day.

create table release_shadow (
  release_id text not null,
  ring text not null,
  second timestamptz not null,
  replica text not null,
  compared integer not null check (compared >= 0),
  errors integer not null check (errors >= 0 and errors <= compared),
  overlap real[] not null default '{}',
  similarity real[] not null default '{}',
  latency_delta_ms real[] not null default '{}',
  primary key (release_id, ring, second, replica)
);
create index release_shadow_by_second on release_shadow (second);

grant select, insert, update, delete on release_shadow to iris_app;
