#!/usr/bin/env bash
# pg_unit.sh TEST [ARGS...] - runs a store unit test against PostgreSQL:
# a throwaway cluster (pg.sh) on a free loopback port, RESPONDER_TEST_PG
# naming it (tu_store_target() makes a fresh database per store), then
# the cluster is stopped by pid and removed.  ctest runs every store unit
# test twice: plain (SQLite) and through this (label pg).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
pg_init || exit 1
trap pg_cleanup EXIT
pg_start || exit 1
export RESPONDER_TEST_PG="postgresql://$PG_USER@127.0.0.1:$PG_PORT/"
PGPASSWORD=$(cat "$PG_PASSFILE")
export PGPASSWORD
"$@"
