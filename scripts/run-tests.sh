#!/usr/bin/env bash
# `make test`'s suite: the SQLite pass and the PostgreSQL pass side by side (one per core), each
# printed whole when both have ended. Every test runs at least once: the PostgreSQL pass leaves out
# only what cannot depend on the database (markers `once` and `browser`: pure rules, templates,
# browser journeys, form fuzzing), which the SQLite pass runs; a few slow once-only tests that bring
# their own servers (marker `pg_pass`: the README deployment walk, nginx) run in the PostgreSQL pass
# instead, so the two passes end together. Extra arguments go to both passes.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
logs=$(mktemp -d "${TMPDIR:-/tmp}/tracker-tests-XXXXXX")
trap 'kill 0 2>/dev/null; rm -rf "$logs"' INT TERM
started=$(date +%s)
common=(-q -p no:cacheprovider --durations=15 "$@")

"$PY" -m pytest "${common[@]}" --db sqlite -m "not pg_pass" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
"$PY" -m pytest "${common[@]}" --db postgresql -m "pg_pass or (not once and not browser)" >"$logs/postgresql.log" 2>&1 &
postgres_pid=$!

wait "$sqlite_pid"; sqlite_status=$?
wait "$postgres_pid"; postgres_status=$?

echo "=============================== SQLite pass ================================"
cat "$logs/sqlite.log"
echo "============================= PostgreSQL pass =============================="
cat "$logs/postgresql.log"
rm -rf "$logs"
echo "suite: SQLite exit $sqlite_status, PostgreSQL exit $postgres_status, $(( $(date +%s) - started )) s wall"
[ "$sqlite_status" -eq 0 ] && [ "$postgres_status" -eq 0 ]
