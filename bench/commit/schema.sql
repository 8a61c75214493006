-- The tables an audited label update touches (migrations 0001 and 0015), reduced to the columns
-- its statements use, for bench/commit/run.sh.
create table tenants (tenant_id text primary key, labels jsonb not null default '{}', rv bigint not null default 1);
create table audit_heads (tenant_id text primary key, size bigint not null, frontier jsonb not null, root text not null, checkpoint text not null);
create table audit_events (tenant_id text not null, seq bigint not null, event jsonb not null, leaf_hash text not null, at timestamptz default now(), primary key (tenant_id, seq));
create schema change_feed;
create table change_feed.changes (seq bigint generated always as identity primary key, xid xid8 not null default pg_current_xact_id(), tenant_id text not null, change jsonb not null, at timestamptz not null default now());
create index on change_feed.changes (xid);
create index on change_feed.changes using brin (at);
insert into tenants (tenant_id) select 't' || i from generate_series(1, 16) i;
insert into audit_heads select 't' || i, 0, '[]', 'r', 'c' from generate_series(1, 16) i;
