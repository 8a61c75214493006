-- 0014: graph versions: a second ("candidate") knowledge graph per tenant, built with another
-- extraction version beside the primary one (src/knowledge/graph-versions.ts).
--
-- kg_next                   a schema holding copies of the eight graph tables of 0004 (with
--                           kg_chunks.search and its index of 0006) and of kg_graph_state (0005):
--                           same columns, keys, foreign keys (inside kg_next), indexes, grants and
--                           policies. A transaction that sets search_path to 'kg_next, public'
--                           reads and writes the candidate graph with the graph store's unchanged
--                           SQL (its table names are unqualified).
-- kg_next.kg_graph_slots    one row per tenant that has a candidate: its extraction version, the
--                           release that asked for it, build status and progress, and the
--                           dual-read probe the rollout recorded. In kg_next, so tenant archives
--                           (tables of current_schema() only) never carry a candidate.
-- kg_graph_state.extraction_version  the primary graph's extraction version (a constant
--                           default: no table rewrite).
-- Every table leads its keys with tenant_id and forces row-level security.

create schema kg_next;
grant usage on schema kg_next to iris_app;

create table kg_next.kg_documents (
  tenant_id      text not null,
  document_id    text not null,
  name           text not null,
  format         text not null,
  content_sha256 text not null,
  text_length    integer not null,
  added_at       timestamptz not null default now(),
  primary key (tenant_id, document_id)
);

create table kg_next.kg_chunks (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  start_offset integer not null,
  end_offset   integer not null,
  text         text not null,
  search       tsvector generated always as (to_tsvector('simple', text)) stored,
  primary key (tenant_id, document_id, chunk_index),
  foreign key (tenant_id, document_id) references kg_next.kg_documents (tenant_id, document_id) on delete cascade
);
create index kg_chunks_search on kg_next.kg_chunks using gin (search);

create table kg_next.kg_entities (
  tenant_id   text not null,
  entity_id   text not null,
  name_key    text not null,
  name        text not null,
  type        text not null,
  description text,
  aliases     jsonb not null default '[]',
  primary key (tenant_id, entity_id)
);
create index kg_entities_name on kg_next.kg_entities (tenant_id, name_key);

create table kg_next.kg_relations (
  tenant_id   text not null,
  relation_id text not null,
  source_key  text not null,
  target_key  text not null,
  source_name text not null,
  target_name text not null,
  type        text not null,
  weight      double precision not null default 1,
  description text,
  primary key (tenant_id, relation_id)
);
create index kg_relations_source on kg_next.kg_relations (tenant_id, source_key);
create index kg_relations_target on kg_next.kg_relations (tenant_id, target_key);

create table kg_next.kg_entity_mentions (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  entity_id    text not null,
  start_offset integer not null,
  end_offset   integer not null,
  method       text not null,
  primary key (tenant_id, document_id, chunk_index, entity_id, start_offset),
  foreign key (tenant_id, document_id, chunk_index) references kg_next.kg_chunks (tenant_id, document_id, chunk_index) on delete cascade
);
create index kg_entity_mentions_entity on kg_next.kg_entity_mentions (tenant_id, entity_id);

create table kg_next.kg_relation_mentions (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  relation_id  text not null,
  start_offset integer not null,
  end_offset   integer not null,
  method       text not null,
  primary key (tenant_id, document_id, chunk_index, relation_id, start_offset),
  foreign key (tenant_id, document_id, chunk_index) references kg_next.kg_chunks (tenant_id, document_id, chunk_index) on delete cascade
);
create index kg_relation_mentions_relation on kg_next.kg_relation_mentions (tenant_id, relation_id);

create table kg_next.kg_communities (
  tenant_id    text not null,
  community_id text not null,
  level        integer not null,
  parent_id    text,
  title        text not null,
  report       text not null,
  rank         double precision not null,
  entity_count integer not null,
  primary key (tenant_id, community_id)
);

create table kg_next.kg_community_members (
  tenant_id    text not null,
  community_id text not null,
  name_key     text not null,
  primary key (tenant_id, community_id, name_key),
  foreign key (tenant_id, community_id) references kg_next.kg_communities (tenant_id, community_id) on delete cascade
);
create index kg_community_members_node on kg_next.kg_community_members (tenant_id, name_key);

create table kg_next.kg_graph_state (
  tenant_id text not null,
  version   bigint not null default 0,
  built_at  timestamptz,
  primary key (tenant_id)
);

create table kg_next.kg_graph_slots (
  tenant_id          text not null,
  extraction_version text not null,
  release_id         text,
  status             text not null check (status in ('building', 'ready', 'failed')),
  documents_total    integer not null default 0,
  documents_done     integer not null default 0,
  error              text,
  probe              jsonb,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  primary key (tenant_id)
);

alter table kg_graph_state add column extraction_version text not null default 'v1';

grant select, insert, update, delete on kg_next.kg_documents, kg_next.kg_chunks, kg_next.kg_entities, kg_next.kg_relations,
  kg_next.kg_entity_mentions, kg_next.kg_relation_mentions, kg_next.kg_communities, kg_next.kg_community_members,
  kg_next.kg_graph_state, kg_next.kg_graph_slots to iris_app;

alter table kg_next.kg_documents enable row level security;
alter table kg_next.kg_documents force row level security;
alter table kg_next.kg_chunks enable row level security;
alter table kg_next.kg_chunks force row level security;
alter table kg_next.kg_entities enable row level security;
alter table kg_next.kg_entities force row level security;
alter table kg_next.kg_relations enable row level security;
alter table kg_next.kg_relations force row level security;
alter table kg_next.kg_entity_mentions enable row level security;
alter table kg_next.kg_entity_mentions force row level security;
alter table kg_next.kg_relation_mentions enable row level security;
alter table kg_next.kg_relation_mentions force row level security;
alter table kg_next.kg_communities enable row level security;
alter table kg_next.kg_communities force row level security;
alter table kg_next.kg_community_members enable row level security;
alter table kg_next.kg_community_members force row level security;
alter table kg_next.kg_graph_state enable row level security;
alter table kg_next.kg_graph_state force row level security;
alter table kg_next.kg_graph_slots enable row level security;
alter table kg_next.kg_graph_slots force row level security;

create policy tenant_isolation on kg_next.kg_documents
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_chunks
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_entities
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_relations
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_entity_mentions
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_relation_mentions
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_communities
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_community_members
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_graph_state
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_next.kg_graph_slots
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
