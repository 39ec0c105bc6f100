/*
 * tu_import.c - helpers of the log importer tests (tu_import.h).
 */
#include "tests/unit/tu_import.h"
#include "common/timeutil.h"

#include <stdlib.h>
#include <string.h>

int64_t
tu_utc(const char *rfc3339)
{
	int64_t t = 0;

	assert_int_equal(time_parse_rfc3339(rfc3339, &t), 0);
	return t;
}

void
tu_silent(void *ctx, const char *file, long line, const char *why)
{
	int *n = ctx;

	(void)file;
	(void)line;
	(void)why;
	if (n)
		(*n)++;
}

void
tu_import_files(struct tu_store *f, const struct pf_options *o, const char *const *files,
		struct import_stats *stats, int *reports)
{
	char err[512];
	struct pf_import *imp = pf_import_new(f->st, o, err, sizeof(err));

	assert_non_null(imp);
	for (; *files; files++)
		assert_int_equal(
		    pf_import_file(imp, *files, stats, tu_silent, reports, err, sizeof(err)),
		    IMPORT_OK);
	assert_int_equal(pf_import_finish(imp, stats, err, sizeof(err)), IMPORT_OK);
	pf_import_free(&imp);
}

struct pf_options
tu_map_options(int format)
{
	static char *maps[2];
	int exim = format == PF_FORMAT_EXIM;
	struct pf_options o;

	if (maps[exim] == NULL)
		maps[exim] = tu_fixture(exim ? "exim/account.map" : "postfix/account.map");
	memset(&o, 0, sizeof(o));
	o.format = format;
	o.account_from = PF_ACCOUNT_FROM_SASL;
	o.account_map = maps[exim];
	return o;
}

const struct store_recipient *
tu_rcpt(const struct store_message *m, const char *addr)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		if (strcmp(m->rcpts[i].address, addr) == 0)
			return &m->rcpts[i];
	fail_msg("recipient %s not found", addr);
	abort(); /* not reached: fail_msg does not return */
}

int64_t
tu_count(struct tu_store *f, const char *what)
{
	int64_t n = -1;

	assert_int_equal(store_count(f->st, what, &n), STORE_OK);
	return n;
}

void
tu_reimport_adds_nothing(struct tu_store *f, const struct pf_options *o, const char *const *files,
			 struct import_stats *stats)
{
	int64_t m = tu_count(f, "messages"), r = tu_count(f, "recipients");
	int64_t a = tu_count(f, "attempts");

	memset(stats, 0, sizeof(*stats));
	tu_import_files(f, o, files, stats, NULL);
	assert_int_equal(stats->messages, 0);
	assert_int_equal(stats->attempts, 0);
	assert_int_equal(tu_count(f, "messages"), m);
	assert_int_equal(tu_count(f, "recipients"), r);
	assert_int_equal(tu_count(f, "attempts"), a);
}
