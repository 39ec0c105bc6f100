/*
 * log_import.c - the line loop of the log importers (see import.h): one
 * line at a time from a file (plain, .gz or stdin) or from the follower,
 * split by the format's parser (postfix_parse.c, exim_parse.c), handed to
 * the format's line handler (import_postfix.c, import_exim.c) and
 * committed in batches (log_msgs.c).
 *
 * SECURITY: lines are copied into a fixed buffer (longer ones are cut);
 * lines that are not log lines at all are counted, and reported only up
 * to PF_MAX_REPORTS per file so that a binary file cannot flood stderr.
 */
#include "store/import/postfix_int.h"
#include "store/import/lines.h"
#include "store/store_int.h"
#include "common/progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PF_MAX_REPORTS 20 /* garbage lines reported per file */

int
pf_import_line(struct pf_import *imp, const char *line, size_t len, const char *name, long lineno,
	       struct import_stats *stats, import_report_fn *report, void *ctx)
{
	const struct pf_line_ctx lc = { stats, report, ctx, name, lineno };
	struct pf_line pl;
	int r;

	/* before anything of the line is decided (pf_import_use) */
	if (pf_import_use(imp, &lc) < 0)
		return STORE_EDB;
	stats->lines++;
	if (len > PF_MAX_LINE)
		len = PF_MAX_LINE;
	memcpy(imp->line, line, len);
	imp->line[len] = '\0';
	if (imp->format == PF_FORMAT_EXIM)
		r = ex_parse_line(imp->line, &imp->year, &pl);
	else
		r = pf_parse_syslog(imp->line, &imp->year, &pl);
	if (r == PF_PARSE_GARBAGE) {
		stats->garbage++;
		if (report && len > 0 && imp->garbage_reported++ < PF_MAX_REPORTS)
			return pf_import_note(imp, name, lineno, stats, report, ctx,
					      imp->format == PF_FORMAT_EXIM ?
						  "not an Exim log line, skipped" :
						  "not a syslog line, skipped");
		return STORE_OK;
	}
	if (r == PF_PARSE_OTHER) {
		stats->skipped++;
		return STORE_OK;
	}
	if ((r = pf_import_begin(imp)) < 0)
		return r;
	if (imp->format == PF_FORMAT_EXIM)
		r = ex_import_parsed(imp, &lc, &pl);
	else
		r = pf_import_parsed(imp, &lc, &pl);
	if (r == STORE_EDB)
		return r;
	/* Batches commit what is written; messages still being assembled
	 * wait for their delivery, "removed" or the end of the input, so a
	 * message is usually written once, whole. */
	if (++imp->in_batch >= IMPORT_BATCH_LINES) {
		if (pf_import_commit_batch(imp) < 0 || pf_import_begin(imp) < 0)
			return STORE_EDB;
	}
	return STORE_OK;
}

int
pf_import_file(struct pf_import *imp, const char *path, struct import_stats *stats,
	       import_report_fn *report, void *ctx, char *err, size_t errlen)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	/* lineno: the last line handed to the importer, which a rejection
	 * found while committing at the end is reported at */
	struct pf_line_ctx lc = { stats, report, ctx, name, 0 };
	struct lines *lr;
	struct stat sb;
	const char *line;
	size_t len;
	int r, result = IMPORT_OK, deferred = 0;

	lr = lines_open(path, PF_MAX_LINE * 4, err, errlen);
	if (lr == NULL)
		return IMPORT_ENOFILE;
	/* A large file into an empty store builds the secondary indexes at
	 * its end, as the JSONL importer does (none of them is read here:
	 * messages are found by queue ID, recipients by message and
	 * address, both UNIQUE and kept).  The page cache stays at its
	 * default: 64 MiB (the JSONL importer's) made no difference
	 * measurable on 1 M lines. */
	imp->bulk = 1;
	if (!imp->st->in_tx && import_worth_deferring(path) &&
	    (deferred = store_defer_indexes(imp->st)) < 0)
		goto db;
	/* Stamps without a year are no later than the file's last change. */
	pf_import_set_ref(imp, strcmp(path, "-") != 0 && stat(path, &sb) == 0 ?
				   (int64_t)sb.st_mtime :
				   (int64_t)time(NULL));
	for (;;) {
		r = lines_next(lr, &line, &len);
		if (r == LINES_EOF)
			break;
		if (r == LINES_EREAD) {
			snprintf(err, errlen, "%s:%ld: %s", name, lines_number(lr) + 1,
				 lines_error(lr));
			result = IMPORT_ENOFILE;
			break;
		}
		if (r == LINES_ETOOLONG) {
			stats->lines++;
			stats->garbage++;
			if (pf_import_note(imp, name, lines_number(lr), stats, report, ctx,
					   "line too long, skipped") < 0)
				goto db;
			continue;
		}
		lc.lineno = lines_number(lr);
		if (lc.lineno % IMPORT_PROGRESS_LINES == 0)
			progress_update(stats->progress, lines_raw_offset(lr));
		if (pf_import_line(imp, line, len, name, lc.lineno, stats, report, ctx) ==
		    STORE_EDB)
			goto db;
	}
	if (imp->st->in_tx && pf_import_commit(imp, &lc) < 0)
		goto db;
	if (deferred > 0 && store_build_indexes(imp->st) < 0) {
		deferred = 0;
		goto db;
	}
	lines_close(&lr);
	return result;
db:
	snprintf(err, errlen, "%s:%ld: store: %s", name, lines_number(lr), store_errmsg(imp->st));
	store_rollback(imp->st);
	pf_import_drop_waiting(imp);
	/* what was committed gets its indexes now, or at the next open */
	if (deferred > 0)
		(void)store_build_indexes(imp->st);
	lines_close(&lr);
	return IMPORT_EDB;
}

int
pf_import_finish(struct pf_import *imp, struct import_stats *stats, char *err, size_t errlen)
{
	/* after the last file: counted, not reported */
	const struct pf_line_ctx lc = { stats, NULL, NULL, NULL, 0 };

	if (pf_import_begin(imp) < 0 || pf_import_commit(imp, &lc) < 0) {
		snprintf(err, errlen, "store: %s", store_errmsg(imp->st));
		store_rollback(imp->st);
		pf_import_drop_waiting(imp);
		return IMPORT_EDB;
	}
	while (imp->lru_head != NULL)
		pf_msg_drop(imp, &lc, imp->lru_head);
	if (store_finish_load(imp->st) < 0) {
		snprintf(err, errlen, "store: %s", store_errmsg(imp->st));
		return IMPORT_EDB;
	}
	return IMPORT_OK;
}
