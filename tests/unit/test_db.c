/*
 * test_db.c - store/db.c's statement cache (over the SQLite driver): keyed by the SQL text's
 * address, growing past its first size, and one reset that leaves no
 * statement stepping (so a WAL checkpoint is not blocked).
 */
#include "tests/unit/testutil.h"
#include "store/store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char SQL_ONE[] = "SELECT 1";
/* The same text at another address: the cache keys by address, so this is
 * another statement (harmless: it is only prepared twice). */
static const char SQL_ONE_AGAIN[] = "SELECT 1";

static void
test_same_pointer_same_statement(void **state)
{
	struct tu_store *f = *state;
	struct store_stmt *a, *b, *c;
	size_t n0 = f->st->nstmts;

	a = store_stmt(f->st, SQL_ONE);
	assert_non_null(a);
	b = store_stmt(f->st, SQL_ONE);
	assert_ptr_equal(a, b);
	assert_int_equal(f->st->nstmts, n0 + 1);
	c = store_stmt(f->st, SQL_ONE_AGAIN);
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	assert_int_equal(f->st->nstmts, n0 + 2);
}

static void
test_statement_comes_back_reset(void **state)
{
	struct tu_store *f = *state;
	static const char sql[] = "SELECT ?1";
	struct store_stmt *s = store_stmt(f->st, sql);

	assert_non_null(s);
	store_bind_int64(s, 1, 42);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 42);
	assert_true(s->st->drv->busy(s));
	/* Left on its row; asked for again, it is reset, bindings cleared. */
	s = store_stmt(f->st, sql);
	assert_false(s->st->drv->busy(s));
	assert_int_equal(store_step(s), STORE_ROW);
	assert_true(store_col_null(s, 0));
	store_reset(s);
}

static void
test_bad_sql_is_an_error(void **state)
{
	struct tu_store *f = *state;
	size_t n0 = f->st->nstmts;

	assert_null(store_stmt(f->st, "SELECT FROM nowhere WHERE"));
	assert_non_null(strstr(store_errmsg(f->st), "preparing a statement"));
	assert_int_equal(f->st->nstmts, n0); /* nothing cached */
	/* SQL with no statement in it prepares to nothing: refused, twice */
	assert_null(store_stmt(f->st, " -- nothing "));
	assert_null(store_stmt(f->st, " -- nothing "));
	assert_int_equal(f->st->nstmts, n0);
}

/* Far more texts than the first table size: it grows, and every one is
 * still found where it was. */
#define MANY 1000
static char many[MANY][32];

static void
test_cache_grows(void **state)
{
	struct tu_store *f = *state;
	static struct store_stmt *first[MANY];
	size_t n0 = f->st->nstmts;

	for (int i = 0; i < MANY; i++) {
		snprintf(many[i], sizeof(many[i]), "SELECT %d", i);
		first[i] = store_stmt(f->st, many[i]);
		assert_non_null(first[i]);
	}
	assert_int_equal(f->st->nstmts, n0 + MANY);
	assert_true(f->st->stmts_cap >= 128);
	assert_true(f->st->nstmts * 4 <= f->st->stmts_cap * 3);
	for (int i = 0; i < MANY; i++) {
		struct store_stmt *s = store_stmt(f->st, many[i]);

		assert_ptr_equal(s, first[i]);
		assert_int_equal(store_step(s), STORE_ROW);
		assert_int_equal(store_col_int(s, 0), i);
		store_reset(s);
	}
	assert_int_equal(f->st->nstmts, n0 + MANY);
}

static int
checkpoint_truncate(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int busy;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE IF NOT EXISTS scratch(x);"
				      "INSERT INTO scratch VALUES (1)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	busy = sqlite3_column_int(s, 0); /* 1: blocked by a reader */
	sqlite3_finalize(s);
	sqlite3_close(db);
	return busy;
}

static void
test_reset_all_leaves_none_busy(void **state)
{
	struct tu_store *f = *state;
	static const char q1[] = "SELECT name FROM sqlite_master";
	static const char q2[] = "SELECT 2 UNION ALL SELECT 3";
	struct store_stmt *a = store_stmt(f->st, q1), *b = store_stmt(f->st, q2);
	char path[1024];

	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	assert_int_equal(store_step(a), STORE_ROW);
	assert_int_equal(store_step(b), STORE_ROW);
	assert_true(a->st->drv->busy(a) && b->st->drv->busy(b));
	/* The reader left on its row holds a snapshot: the checkpoint is
	 * blocked (this is what the reset is for). */
	assert_int_equal(checkpoint_truncate(path), 1);

	assert_int_equal(store_reset_statements(f->st), 2);
	for (size_t i = 0; i < f->st->stmts_cap; i++)
		if (f->st->stmts[i].stmt != NULL)
			assert_false(f->st->drv->busy(f->st->stmts[i].stmt));
	assert_int_equal(store_reset_statements(f->st), 0);
	assert_int_equal(checkpoint_truncate(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_pointer_same_statement, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_statement_comes_back_reset, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_bad_sql_is_an_error, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_cache_grows, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_reset_all_leaves_none_busy, tu_store_setup,
						tu_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
