/*
 * tu_store.c - the store fixture of the unit tests (testutil.h): a store
 * in a fresh temp dir, or in a fresh database of the throwaway PostgreSQL
 * cluster that tests/lib/pg_unit.sh starts ($RESPONDER_TEST_PG: the URL
 * without a database name; PGPASSWORD: its password).  Apart from
 * testutil.c so that a test of a module without a store does not link the
 * store.
 */
#include "tests/unit/testutil.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_BIN "/usr/lib/postgresql/15/bin"

int
tu_store_pg(void)
{
	const char *base = getenv("RESPONDER_TEST_PG");

	return base != NULL && *base != '\0';
}

/* Runs argv, fails the test unless it exits 0. */
static void
run_tool(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char *v[16];
		size_t i;

		for (i = 0; argv[i] != NULL && i < 15; i++)
			v[i] = xstrdup(argv[i]);
		v[i] = NULL;
		execv(v[0], v);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s failed", argv[0]);
}

char *
tu_store_target(const char *dir)
{
	static unsigned n;
	const char *base = getenv("RESPONDER_TEST_PG");
	char name[64], *url;
	size_t len;

	if (!tu_store_pg()) {
		len = strlen(dir) + 16;
		url = xmalloc(len);
		snprintf(url, len, "%s/store.db", dir);
		return url;
	}
	/* base is postgresql://user@127.0.0.1:PORT/ */
	snprintf(name, sizeof(name), "t%ld_%u", (long)getpid(), ++n);
	len = strlen(base) + strlen(name) + 1;
	url = xmalloc(len);
	snprintf(url, len, "%s%s", base, name);
	{
		char maint[600];
		const char *argv[] = { PG_BIN "/createdb", "--maintenance-db", maint, name, NULL };

		snprintf(maint, sizeof(maint), "%spostgres", base);
		run_tool(argv);
	}
	return url;
}

int
tu_store_setup(void **state)
{
	struct tu_store *f = xcalloc(1, sizeof(*f));
	char err[512];

	f->dir = tu_tempdir();
	f->target = tu_store_target(f->dir);
	f->st = store_open(f->target, err, sizeof(err));
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
	free(f->target);
	free(f);
	return 0;
}

void
tu_sql_exec(const char *target, const char *sql)
{
	sqlite3 *db;

	if (store_target_is_pg(target)) {
		const char *argv[] = { PG_BIN "/psql", "-X",   "-q", "-v", "ON_ERROR_STOP=1",
				       "-d",	       target, "-c", sql,  NULL };

		run_tool(argv);
		return;
	}
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}
