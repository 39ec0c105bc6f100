/*
 * tu_import.h - helpers of the log importer tests (test_import_postfix.c,
 * test_import_exim.c, test_postfix_follow.c): whole-file imports into the
 * store fixture and looking at what they stored.  Library testutil_import
 * (testutil_store and the importer).
 */
#ifndef TESTS_UNIT_TU_IMPORT_H
#define TESTS_UNIT_TU_IMPORT_H

#include <stdint.h>

#include "store/import/import.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

/* An RFC 3339 time as seconds since the epoch; fails the test if it is
 * not one. */
int64_t tu_utc(const char *rfc3339);
/* An import_report_fn that only counts: ctx is an int * (or NULL). */
void tu_silent(void *ctx, const char *file, long line, const char *why);
/* Imports `files` (NULL-terminated) with one importer of options `o` into
 * the fixture's store, counting into *stats and the reported lines into
 * *reports (may be NULL); fails the test unless every step succeeds. */
void tu_import_files(struct tu_store *f, const struct pf_options *o, const char *const *files,
		     struct import_stats *stats, int *reports);
/* Options of a format (PF_FORMAT_POSTFIX, PF_FORMAT_EXIM) with the
 * account from the SASL user and the format's fixture map
 * (tests/fixtures/{postfix,exim}/account.map). */
struct pf_options tu_map_options(int format);
/* The recipient `addr` of `m`; fails the test when it has none. */
const struct store_recipient *tu_rcpt(const struct store_message *m, const char *addr);
/* store_count() of `what`; fails the test on an error. */
int64_t tu_count(struct tu_store *f, const char *what);
/* Imports `files` again (tu_import_files) and checks that it added
 * nothing: no message or attempt counted as added, and the messages,
 * recipients and attempts tables as they were.  *stats: the second
 * import's counts, for the caller's own checks. */
void tu_reimport_adds_nothing(struct tu_store *f, const struct pf_options *o,
			      const char *const *files, struct import_stats *stats);

#endif
