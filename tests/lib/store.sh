# store.sh - the store a test script's configs name: SQLite (the default)
# or, when tests/lib/pg_unit.sh runs the script (ctest's <name>_pg twin,
# label pg), a database in the throwaway PostgreSQL cluster it started.
# Sourced by check.sh and mailstack.sh, so every test script has it.
#
#   store_conf PATH        the lines under [store] for the store at PATH:
#                          "path = PATH" on SQLite; on PostgreSQL
#                          "url = postgresql://.../DB" and "password_file",
#                          DB a database of its own for PATH (made at the
#                          first use of PATH, empty, so "no store yet"
#                          still means "no schema yet")
#   store_sql PATH SQL     runs SQL on that store (sqlite3 waiting up to
#                          10 s for a lock, or psql as the store's role),
#                          one row a line, columns |-joined
#   store_json COL K,0,K   SQL for the text at that path of a JSON text
#                          column: json_extract(COL, '$.K[0].K') on
#                          SQLite, (COL::jsonb #>> '{K,0,K}') on PostgreSQL
#   store_is_pg            true when the configs name PostgreSQL
# The SQL a script runs itself is the script's business: write it so both
# backends read it the same (unixepoch(), || and count(*) exist on both),
# or branch on store_is_pg and say why.
#
# The cluster's variables come from pg_unit.sh's environment:
# RESPONDER_TEST_STORE=pg, PG_DIR, PG_PORT, PG_USER, PG_PASSFILE, PG_BIN.

store_is_pg() { [ "${RESPONDER_TEST_STORE:-}" = pg ]; }

if store_is_pg; then
	: "${PG_DIR:?RESPONDER_TEST_STORE=pg without PG_DIR (run through tests/lib/pg_unit.sh)}"
	. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
	# the responder reads password_file, not libpq's environment
	unset PGPASSWORD
fi

# The database for PATH: s_ and 16 hex digits of its hash, made once (a
# marker file under PG_DIR, so subshells agree).
_store_db() {
	local db
	db=s_$(printf '%s' "$1" | md5sum | cut -c1-16)
	mkdir -p "$PG_DIR/dbs"
	if [ ! -e "$PG_DIR/dbs/$db" ]; then
		pg_createdb "$db" >&2 || { echo "store.sh: createdb $db failed" >&2; return 1; }
		printf '%s\n' "$1" > "$PG_DIR/dbs/$db"
	fi
	printf '%s\n' "$db"
}

store_conf() {  # PATH
	local db
	if store_is_pg; then
		db=$(_store_db "$1") || return 1
		printf 'url = %s\npassword_file = %s\n' "$(pg_url "$db")" "$PG_PASSFILE"
	else
		printf 'path = %s\n' "$1"
	fi
}

store_sql() {  # PATH SQL
	local db
	if store_is_pg; then
		db=$(_store_db "$1") || return 1
		pg_psql "$db" "$2"
	else
		sqlite3 -cmd ".timeout 10000" "$1" "$2"
	fi
}

store_json() {  # COLUMN PATH (keys and indexes, comma-separated)
	if store_is_pg; then
		printf "(%s::jsonb #>> '{%s}')" "$1" "$2"
	else
		printf "json_extract(%s, '\$%s')" "$1" \
			"$(printf '%s' "$2" | sed -E 's/([0-9]+)(,|$)/[\1]\2/g; s/(^|,)([a-z_]+)/.\2/g; s/,//g')"
	fi
}
