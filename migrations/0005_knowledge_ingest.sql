-- 0005: ingest as jobs, graph versions and recent questions.
--
-- kg_sources      the bytes a caller submitted for a document, kept until ingest (a job) has read
--                 them, with the document's ingest status; re-ingest and graph builds read it.
-- kg_graph_state  one row per tenant: the graph version (bumped by every change to the graph;
--                 part of every answer-cache key) and when communities were last built.
-- kg_query_log    recent questions per tenant, normalised, with how often they were asked:
--                 what the cache-warming job replays after a graph build.
-- Every table leads its keys with tenant_id and forces row-level security.

create table kg_sources (
  tenant_id      text not null,
  document_id    text not null,
  name           text not null,
  content        bytea not null,
  content_sha256 text not null,
  size_bytes     integer not null,
  status         text not null check (status in ('pending', 'ingesting', 'ready', 'failed')),
  error          text,
  job_id         text,
  submitted_by   text,
  submitted_at   timestamptz not null default now(),
  ingested_at    timestamptz,
  primary key (tenant_id, document_id)
);

create table kg_graph_state (
  tenant_id text not null,
  version   bigint not null default 0,
  built_at  timestamptz,
  primary key (tenant_id)
);

create table kg_query_log (
  tenant_id     text not null,
  question      text not null,
  mode          text not null,
  asked         bigint not null default 1,
  last_asked_at timestamptz not null default now(),
  primary key (tenant_id, question, mode)
);
create index kg_query_log_recent on kg_query_log (tenant_id, last_asked_at desc);

grant select, insert, update, delete on kg_sources, kg_graph_state, kg_query_log to iris_app;

alter table kg_sources enable row level security;
alter table kg_sources force row level security;
alter table kg_graph_state enable row level security;
alter table kg_graph_state force row level security;
alter table kg_query_log enable row level security;
alter table kg_query_log force row level security;

create policy tenant_isolation on kg_sources
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_graph_state
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_query_log
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
