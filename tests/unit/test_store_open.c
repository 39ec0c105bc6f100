/*
 * test_store_open.c - store_open_flags says why an open failed as a value
 * (the CLI picks its exit status from it, never from the message text),
 * and the message is the one store_open writes.
 */
#include "tests/unit/testutil.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static void
test_open_reasons(void **state)
{
	char *dir = tu_tempdir(), path[1024], err[512], err2[512], missing[1100];
	struct store *st;
	int reason = 12345;

	(void)state;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/store.db", dir);

	/* Success leaves the reason alone. */
	st = store_open_flags(path, 0, &reason, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(reason, 12345);
	store_close(&st);

	/* A newer schema: STORE_ENEWER, read-write or read-only, with the
	 * same message as store_open. */
	tu_sql_exec(path, "UPDATE schema_version SET version = 99");
	assert_null(store_open_flags(path, 0, &reason, err, sizeof(err)));
	assert_int_equal(reason, STORE_ENEWER);
	assert_null(store_open(path, err2, sizeof(err2)));
	assert_string_equal(err, err2);
	assert_non_null(strstr(err, "newer than this responder's"));
	reason = 0;
	assert_null(store_open_flags(path, STORE_OPEN_READONLY, &reason, err, sizeof(err)));
	assert_int_equal(reason, STORE_ENEWER);
	assert_null(store_open_readonly(path, err2, sizeof(err2)));
	assert_string_equal(err, err2);

	/* An older schema, read-only: it needs upgrading. */
	tu_sql_exec(path, "UPDATE schema_version SET version = 1");
	assert_null(store_open_flags(path, STORE_OPEN_READONLY, &reason, err, sizeof(err)));
	assert_int_equal(reason, STORE_EINVAL);
	assert_non_null(strstr(err, "needs upgrading"));

	/* Cannot be opened at all. */
	assert_null(store_open_flags(missing, 0, &reason, err, sizeof(err)));
	assert_int_equal(reason, STORE_EDB);
	assert_non_null(strstr(err, "cannot open store"));
	assert_null(store_open_flags(missing, STORE_OPEN_READONLY, NULL, err, sizeof(err)));

	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
