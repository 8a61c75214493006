-- 0012: preflight gates of releases (src/rollout/preflight.ts). Platform tables, no tenant_id,
-- like 0011's. No foreign key to releases: the rows are written in the release's own
-- transaction, and a key would lock the releases table while this migration runs.
--
-- release_silence_reviews  a named person's review of one active Alertmanager silence that
--                          matches one of the release's rings; the silences gate passes only
--                          when every matching silence has one (made after its last change).
-- release_preflight        every gate result of every preflight run: the stage ('start' or
--                          'promote:<ring>'), the run (`run_seq`, one per run of a release), the
--                          gate, ok, and the detail that says why.

create table release_silence_reviews (
  release_id text not null,
  silence_id text not null check (length(silence_id) between 1 and 64),
  reviewer text not null check (length(btrim(reviewer)) between 1 and 200),
  note text not null default '',
  at timestamptz not null default now(),
  primary key (release_id, silence_id, at)
);

create table release_preflight (
  release_id text not null,
  run_seq integer not null,
  seq integer not null,
  stage text not null check (stage = 'start' or stage ~ '^promote:[a-z][a-z0-9-]{0,31}$'),
  gate text not null,
  ok boolean not null,
  detail text not null,
  at timestamptz not null,
  actor text not null,
  primary key (release_id, run_seq, seq)
);

grant select, insert on release_silence_reviews, release_preflight to iris_app;
