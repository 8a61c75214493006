-- 0004: the knowledge graph (GraphRAG) of each tenant.
--
-- kg_documents         one row per ingested document (the caller's id, name, format, digest).
-- kg_chunks            the document's text in chunks with offsets; what answers cite.
-- kg_entities          resolved entities, keyed by `type:normalised name`; name_key is the graph node.
-- kg_relations         typed relations between name keys, keyed by `source|type|target`.
-- kg_entity_mentions   provenance: which chunk (and span) each entity was read from.
-- kg_relation_mentions provenance of relations.
-- kg_communities       Louvain communities per level (0 = finest) with extractive reports.
-- kg_community_members which entities (name keys) a community holds.
-- Entities and relations exist while at least one mention does: deleting a document deletes
-- its chunks, the mentions cascade, and orphaned entities and relations are removed with them.
-- Every table leads its keys with tenant_id and forces row-level security.

create table kg_documents (
  tenant_id      text not null,
  document_id    text not null,
  name           text not null,
  format         text not null,
  content_sha256 text not null,
  text_length    integer not null,
  added_at       timestamptz not null default now(),
  primary key (tenant_id, document_id)
);

create table kg_chunks (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  start_offset integer not null,
  end_offset   integer not null,
  text         text not null,
  primary key (tenant_id, document_id, chunk_index),
  foreign key (tenant_id, document_id) references kg_documents (tenant_id, document_id) on delete cascade
);
create index kg_chunks_fts on kg_chunks using gin (to_tsvector('simple', text));

create table kg_entities (
  tenant_id   text not null,
  entity_id   text not null,
  name_key    text not null,
  name        text not null,
  type        text not null,
  description text,
  aliases     jsonb not null default '[]',
  primary key (tenant_id, entity_id)
);
create index kg_entities_name on kg_entities (tenant_id, name_key);

create table kg_relations (
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
create index kg_relations_source on kg_relations (tenant_id, source_key);
create index kg_relations_target on kg_relations (tenant_id, target_key);

create table kg_entity_mentions (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  entity_id    text not null,
  start_offset integer not null,
  end_offset   integer not null,
  method       text not null,
  primary key (tenant_id, document_id, chunk_index, entity_id, start_offset),
  foreign key (tenant_id, document_id, chunk_index) references kg_chunks (tenant_id, document_id, chunk_index) on delete cascade
);
create index kg_entity_mentions_entity on kg_entity_mentions (tenant_id, entity_id);

create table kg_relation_mentions (
  tenant_id    text not null,
  document_id  text not null,
  chunk_index  integer not null,
  relation_id  text not null,
  start_offset integer not null,
  end_offset   integer not null,
  method       text not null,
  primary key (tenant_id, document_id, chunk_index, relation_id, start_offset),
  foreign key (tenant_id, document_id, chunk_index) references kg_chunks (tenant_id, document_id, chunk_index) on delete cascade
);
create index kg_relation_mentions_relation on kg_relation_mentions (tenant_id, relation_id);

create table kg_communities (
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

create table kg_community_members (
  tenant_id    text not null,
  community_id text not null,
  name_key     text not null,
  primary key (tenant_id, community_id, name_key),
  foreign key (tenant_id, community_id) references kg_communities (tenant_id, community_id) on delete cascade
);
create index kg_community_members_node on kg_community_members (tenant_id, name_key);

grant select, insert, update, delete on kg_documents, kg_chunks, kg_entities, kg_relations, kg_entity_mentions,
  kg_relation_mentions, kg_communities, kg_community_members to iris_app;

alter table kg_documents enable row level security;
alter table kg_documents force row level security;
alter table kg_chunks enable row level security;
alter table kg_chunks force row level security;
alter table kg_entities enable row level security;
alter table kg_entities force row level security;
alter table kg_relations enable row level security;
alter table kg_relations force row level security;
alter table kg_entity_mentions enable row level security;
alter table kg_entity_mentions force row level security;
alter table kg_relation_mentions enable row level security;
alter table kg_relation_mentions force row level security;
alter table kg_communities enable row level security;
alter table kg_communities force row level security;
alter table kg_community_members enable row level security;
alter table kg_community_members force row level security;

create policy tenant_isolation on kg_documents
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_chunks
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_entities
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_relations
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_entity_mentions
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_relation_mentions
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_communities
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
create policy tenant_isolation on kg_community_members
  using (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform')
  with check (tenant_id = current_setting('iris.tenant_id', true) or current_setting('iris.scope', true) = 'platform');
