-- 0006: faster knowledge queries (no new tables; row-level security is unchanged).
--
-- kg_chunks.search     the chunk's 'simple' tsvector, computed once at insert instead of on every
--                      query: candidate search ranks matches with ts_rank, and BM25 statistics
--                      count matches per term, both over thousands of chunks of a large tenant.
-- kg_chunks_search     its GIN index (replaces the expression index of 0004, which only the
--                      match could use, never the ranking).
alter table kg_chunks add column search tsvector generated always as (to_tsvector('simple', text)) stored;
create index kg_chunks_search on kg_chunks using gin (search);
drop index kg_chunks_fts;
