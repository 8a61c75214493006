-- An audited label update's statements (bench/commit/run.sh); run.sh puts the announcement
-- of the change where the ANNOUNCE line is.
\set t random(1, 16)
begin;
select set_config('iris.tenant_id', 't' || :t, true), set_config('iris.scope', 'tenant', true);
select * from tenants where tenant_id = 't' || :t for update;
select size, frontier from audit_heads where tenant_id = 't' || :t for update;
update tenants set labels = jsonb_build_object('bench', random()::text), rv = rv + 1 where tenant_id = 't' || :t;
-- ANNOUNCE
insert into audit_events (tenant_id, seq, event, leaf_hash) select 't' || :t, size, '{"action":"tenant.update","actor":"key_abc","before":{"labels":{}},"after":{"labels":{"bench":"1"}}}', 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789' from audit_heads where tenant_id = 't' || :t;
update audit_heads set size = size + 1, frontier = '["abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"]', root = 'abcdef', checkpoint = 'note' where tenant_id = 't' || :t;
commit;
