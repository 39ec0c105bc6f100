/*
 * fuzz_import_jsonl.c - libFuzzer target for the JSON Lines importer
 * (store/import/import_jsonl.c, whose input "may come from anywhere"):
 * arbitrary bytes as the file, imported into a fresh in-memory store.
 * Whatever the input, the import must return IMPORT_OK (bad lines are
 * reported and skipped, never fatal) and count every line it read, and
 * importing the same bytes again must reach a point where it adds nothing.
 * Not at once: a line may name what a later line defines (an attempt
 * before its message, a message before its account), which the first
 * import rejects and the next one accepts.  That chain is at most three
 * deep (account, message, attempt), so the fourth import adds nothing.
 *
 * The bytes reach import_jsonl() through a memfd, by its /proc/self/fd
 * path: the importer takes a path and the disk stays out of the loop.
 *
 * One in-memory store serves every input: opening a fresh one per input
 * (schema, migrations, every statement prepared again) cost far more than
 * the imports and held the target to a few executions a second.  Before
 * each input the rows of every table that a fresh store has empty are
 * deleted (foreign keys off meanwhile; the delete trigger of messages
 * keeps the full-text index in step; no table is AUTOINCREMENT, so row
 * ids start again at 1), and the row count of every table is checked
 * against the fresh store's: each input starts from the state of a new
 * store, or the target aborts.
 *
 * A load into an empty store drops five indexes and builds them again at
 * its end, but only for a file of a megabyte or more
 * (import_defer_min_bytes): inputs here are smaller, and the drop and
 * rebuild, the same for every input and twice per input when nothing was
 * imported, were two thirds of the time.  Every eighth input by length
 * (size % 8 == 0) is loaded with the deferral anyway, so that path is
 * still fuzzed with every kind of content, and an input always takes the
 * same one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/import/import.h"
#include "store/store.h"
#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];
static struct store *st;
/* Written once from the fresh store's tables, fixed text afterwards (as
 * store_stmt() requires of what it caches). */
static char reset_sql[8192], count_sql[8192];
#define MAX_TABLES 64
static int64_t fresh_rows[MAX_TABLES];
static int ntables;

/* Appends a, b and c to sql[8192]; aborts when they do not fit. */
static void
add(char *sql, const char *a, const char *b, const char *c)
{
	size_t n = strlen(sql);
	int k = snprintf(sql + n, sizeof(reset_sql) - n, "%s%s%s", a, b, c);

	if (k < 0 || (size_t)k >= sizeof(reset_sql) - n)
		abort();
}

/* Steps count_sql: one row per table, its row count, into rows[]. */
static void
count_rows(int64_t *rows)
{
	struct store_stmt *q = store_stmt(st, count_sql);
	int r, i = 0;

	if (q == NULL)
		abort();
	while ((r = store_step(q)) == STORE_ROW && i < ntables)
		rows[i++] = store_col_int64(q, 0);
	store_reset(q);
	if (r != STORE_DONE || i != ntables)
		abort();
}

/* Opens the store once and writes the reset and the count from its
 * tables (the full-text index's virtual and shadow tables are the
 * trigger's; tables holding rows when fresh, schema_version, are kept). */
static void
open_store(void)
{
	static const char list[] = "SELECT name FROM pragma_table_list "
				   "WHERE schema = 'main' AND type = 'table' ORDER BY name";
	struct store_stmt *q;
	char err[512] = "";
	int r, seq = 0;

	st = store_open(":memory:", err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	q = store_stmt(st, list);
	if (q == NULL)
		abort();
	while ((r = store_step(q)) == STORE_ROW) {
		const char *name = store_col_text(q, 0);

		if (name == NULL || strchr(name, '"') != NULL || ntables == MAX_TABLES)
			abort();
		if (strcmp(name, "sqlite_sequence") == 0) {
			seq = 1;
			continue;
		}
		if (strncmp(name, "sqlite_", 7) == 0)
			continue;
		add(count_sql, ntables ? " UNION ALL " : "", "SELECT count(*) FROM \"", name);
		add(count_sql, "\"", "", "");
		/* the delete, in case the count says it was empty when fresh */
		add(reset_sql, "DELETE FROM \"", name, "\";");
		ntables++;
	}
	store_reset(q);
	if (r != STORE_DONE || ntables == 0)
		abort();
	count_rows(fresh_rows);
	/* keep only the deletes of tables empty when fresh */
	reset_sql[0] = '\0';
	add(reset_sql, "PRAGMA foreign_keys=OFF;", seq ? "DELETE FROM sqlite_sequence;" : "", "");
	q = store_stmt(st, list);
	for (int i = 0; (r = store_step(q)) == STORE_ROW;) {
		const char *name = store_col_text(q, 0);

		if (strncmp(name, "sqlite_", 7) == 0)
			continue;
		if (fresh_rows[i++] == 0)
			add(reset_sql, "DELETE FROM \"", name, "\";");
	}
	store_reset(q);
	add(reset_sql, "PRAGMA foreign_keys=ON;", "", "");
}

/* Back to the fresh store's rows, checked. */
static void
reset_store(void)
{
	int64_t rows[MAX_TABLES];

	if (store_exec(st, reset_sql) < 0) {
		fprintf(stderr, "reset: %s\n", store_errmsg(st));
		abort();
	}
	count_rows(rows);
	for (int i = 0; i < ntables; i++)
		if (rows[i] != fresh_rows[i])
			abort();
}

static void
report(void *ctx, const char *file, long line, const char *why)
{
	(void)ctx;
	(void)file;
	if (line < 1 || why == NULL || *why == '\0')
		abort();
}

static void
import(struct import_stats *s)
{
	char err[512] = "";

	memset(s, 0, sizeof(*s));
	if (import_jsonl(st, path, s, report, NULL, err, sizeof(err)) != IMPORT_OK) {
		fprintf(stderr, "import_jsonl: %s\n", err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats first, again;

	if (fd < 0) {
		fd = memfd_create("fuzz_import_jsonl", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	import_defer_min_bytes = size % 8 == 0 ? 0 : IMPORT_DEFER_MIN_BYTES;
	if (st == NULL)
		open_store();
	else
		reset_store();
	import(&first);
	if (first.rejected < 0 || first.rejected > first.lines)
		abort();
	for (int pass = 2;; pass++) {
		import(&again);
		if (again.lines != first.lines)
			abort();
		if (!again.accounts && !again.addresses && !again.messages && !again.attempts)
			break;
		if (pass == 4)
			abort();
	}
	return 0;
}
