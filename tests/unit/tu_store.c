/*
 * tu_store.c - the store fixture of the unit tests (testutil.h): a store
 * in a fresh temp dir.  Apart from testutil.c so that a test of a module
 * without a store does not link the store.
 */
#include "tests/unit/testutil.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

int
tu_store_setup(void **state)
{
	struct tu_store *f = xcalloc(1, sizeof(*f));
	char err[512], path[1024];

	f->dir = tu_tempdir();
	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	f->st = store_open(path, err, sizeof(err));
	if (f->st == NULL)
		fail_msg("store_open: %s", err);
	*state = f;
	return 0;
}

int
tu_store_teardown(void **state)
{
	struct tu_store *f = *state;

	store_close(&f->st);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

void
tu_sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}
