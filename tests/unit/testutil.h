/*
 * testutil.h - what the unit tests share: temp dirs, files, conformance
 * data location.  Include after the cmocka prerequisites.
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

struct store;

/* A store in a fresh temp dir, as a cmocka setup/teardown pair: *state
 * becomes a struct tu_store (teardown closes it and removes the dir).
 * Defined in tu_store.c (library testutil_store). */
struct tu_store {
	char *dir;
	char *target; /* what st was opened from (tu_store_target) */
	struct store *st;
};
int tu_store_setup(void **state);
int tu_store_teardown(void **state);
/* Where a test's store lives: "<dir>/store.db", or, when the test runs
 * against PostgreSQL ($RESPONDER_TEST_PG, set by tests/lib/pg_unit.sh),
 * the URL of a fresh database of the throwaway cluster.  Caller frees. */
char *tu_store_target(const char *dir);
/* 1 when the store tests run against PostgreSQL. */
int tu_store_pg(void);
/* Runs `sql` on the store at `target` (a SQLite file, or a PostgreSQL URL
 * through psql) through its own connection (bypassing the store API, to
 * set up what the store must cope with); fails the test on any error.
 * In tu_store.c. */
void tu_sql_exec(const char *target, const char *sql);

/* A fresh directory under $TMPDIR, removed by tu_rmtree().  Caller frees. */
char *tu_tempdir(void);
void tu_rmtree(const char *dir);
/* Writes `data` to dir/name with `mode`; returns the malloc'd path. */
char *tu_write_file(const char *dir, const char *name, const char *data, int mode);
/* Reads a whole file (NUL-terminated) or NULL; *len_r may be NULL. */
char *tu_read_file(const char *path, size_t *len_r);
/* $RESPONDER_CONFORMANCE/sub if it exists, else NULL (caller frees). */
char *tu_conformance(const char *sub);
/* $RESPONDER_CONFORMANCE/sub (caller frees), or tu_skip_or_fail() saying
 * which folder is missing. */
char *tu_conformance_need(const char *sub);

/* A tool, server or data set the test needs is missing: prints one line
 * and exits 77 (ctest: skipped) on a developer's machine, or exits 1 under
 * CI=true, where scripts/deps should have provided it and a skip would
 * hide the broken step.  Call from main(), before any test has run, so a
 * pass is never reported as a skip. */
void tu_skip_or_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* $RESPONDER_FIXTURES/name (caller frees). */
char *tu_fixture(const char *name);

#endif
