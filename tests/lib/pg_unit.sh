#!/usr/bin/env bash
# pg_unit.sh TEST [ARGS...] - runs a test against PostgreSQL: a throwaway
# cluster (pg.sh) on a free loopback port, then the cluster is stopped by
# pid and removed.
#   A store unit test: RESPONDER_TEST_PG names the cluster
#   (tu_store_target() makes a fresh database per store).  ctest runs every
#   store unit test twice: plain (SQLite) and through this (label pg).
#   A shell test (`pg_unit.sh bash tests/cli/cli_x.sh`): RESPONDER_TEST_STORE=pg
#   and the cluster's PG_* variables make store.sh's store_conf write
#   `url =` + `password_file =` instead of `path =`.  ctest runs every
#   script marked "# backends: sqlite pg" twice (tests/CMakeLists.txt).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
pg_init || exit 1
trap pg_cleanup EXIT
pg_start || exit 1
export RESPONDER_TEST_PG="postgresql://$PG_USER@127.0.0.1:$PG_PORT/"
PGPASSWORD=$(cat "$PG_PASSFILE")
export PGPASSWORD
export RESPONDER_TEST_STORE=pg PG_DIR PG_PORT PG_USER PG_PASSFILE PG_BIN
"$@"
