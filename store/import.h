/*
 * import.h - loading delivery records into the store.
 *
 * Importers stream their input (memory does not grow with file size), write
 * in batched transactions, are idempotent (the same input twice changes
 * nothing), and report each bad line through `report` as file:line: why
 * while keeping every good line.
 */
#ifndef STORE_IMPORT_H
#define STORE_IMPORT_H

#include "store/store.h"

struct import_stats {
	long lines;		/* lines read, blank ones included */
	long accounts;		/* accounts added */
	long addresses;		/* account addresses added */
	long messages;		/* messages added or completed */
	long attempts;		/* attempts added */
	long unchanged;		/* good lines that were already stored */
	long rejected;		/* bad lines (reported) */
	long skipped;		/* lines the format does not use (postfix) */
};

typedef void import_report_fn(void *ctx, const char *file, long line, const char *why);

enum {
	IMPORT_OK = 0,
	IMPORT_ENOFILE = -1,	/* input cannot be opened or read (exit 66) */
	IMPORT_EDB = -2,	/* store failure (exit 70) */
};

#define IMPORT_BATCH_LINES 5000

/* Imports one JSON Lines file in the DESIGN.md contract ("-" = stdin).
 * Adds to *stats.  On IMPORT_ENOFILE / IMPORT_EDB, err holds the reason. */
int import_jsonl(struct store *st, const char *path, struct import_stats *stats,
		 import_report_fn *report, void *ctx, char *err, size_t errlen);

#endif
