#!/usr/bin/env bash
# bench/commit: what announcing a change costs PostgreSQL's commits, side by side in one run.
# The statements of an audited label update (scope, row lock, ledger head lock, update, event
# insert, head update) over 16 tenants and 16 clients, with the change announced either by a
# pg_notify in the transaction (before migration 0015) or by a row in
# change_feed.changes (now): update.sql with announce-notify.sql or announce-feed.sql in place of
# its ANNOUNCE line. pgbench, prepared statements, interleaved rounds, medians.
# Usage: bench/commit/run.sh [postgres-url]   (BENCH_ROUNDS, BENCH_SECONDS)
set -euo pipefail
url=${1:-postgres://postgres@127.0.0.1:5432/postgres}
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-8}
here=$(cd "$(dirname "$0")" && pwd)
db=iris_commit_bench
export PGOPTIONS="-c client_min_messages=warning"
psql "$url" -qc "drop database if exists $db" -c "create database $db" >/dev/null
trap 'psql "$url" -qc "drop database if exists $db with (force)" >/dev/null; rm -rf "${work:-}"' EXIT
benchurl=${url%/*}/$db
psql "$benchurl" -q -f "$here/schema.sql" >/dev/null
work=$(mktemp -d)
for mode in notify feed; do
  sed -e "/^-- ANNOUNCE\$/r $here/announce-$mode.sql" -e '/^-- ANNOUNCE$/d' "$here/update.sql" > "$work/$mode.sql"
done
declare -A tps
for r in $(seq 1 "$rounds"); do
  for mode in notify feed; do
    t=$(pgbench -n -M prepared -c 16 -j 2 -T "$seconds" -f "$work/$mode.sql" "$benchurl" 2>&1 | awk '/^tps/ {print $3}')
    printf 'round %d %-6s %8.0f tx/s\n' "$r" "$mode" "$t"
    tps[$mode]="${tps[$mode]:-} $t"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
n=$(echo "${tps[notify]}" | median)
f=$(echo "${tps[feed]}" | median)
echo "medians over $rounds rounds of ${seconds}s: notify in the transaction ${n%.*} tx/s, change-feed row ${f%.*} tx/s"
awk -v n="$n" -v f="$f" 'BEGIN {printf "RESULT commit notify_tps=%.0f feed_tps=%.0f ratio=%.2f\n", n, f, f / n}'
