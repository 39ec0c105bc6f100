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
	long lines;	/* lines read, blank ones included */
	long accounts;	/* accounts added */
	long addresses; /* account addresses added */
	long messages;	/* messages added or completed */
	long attempts;	/* attempts added */
	long unchanged; /* good lines that were already stored */
	long rejected;	/* bad lines (reported) */
	long skipped;	/* lines the format does not use (postfix) */
	long garbage;	/* lines that are not syslog lines at all (postfix) */
	long unowned;	/* messages skipped: no account known (postfix) */
	/* Optional, borrowed: the caller's meter (common/progress.h), given
	 * the file's raw byte offset as it is read.  NULL: none. */
	struct progress *progress;
};

/* Lines between two progress updates (an update is a clock read). */
#define IMPORT_PROGRESS_LINES 4096

typedef void import_report_fn(void *ctx, const char *file, long line, const char *why);

enum {
	IMPORT_OK = 0,
	IMPORT_ENOFILE = -1, /* input cannot be opened or read (exit 66) */
	IMPORT_EDB = -2,     /* store failure (exit 70) */
};

#define IMPORT_BATCH_LINES 5000

/* A load into an empty store leaves its secondary indexes to the
 * end (store_defer_indexes) only when the file holds at least this many
 * bytes (stdin: always): under it the drop, the kv rows and the rebuild
 * cost more than the indexes kept row by row (docs/performance.md).
 * Tests and the fuzz target may lower it; the importer only reads it. */
#define IMPORT_DEFER_MIN_BYTES ((long long)1 << 20)
extern long long import_defer_min_bytes;
/* 1 when a load of `path` into an empty store should build its secondary
 * indexes at the end (store_defer_indexes): stdin (size unknown), or a
 * file of at least import_defer_min_bytes (on disk: a .gz holds more).
 * The JSONL importer and `import --format postfix|exim` ask it. */
int import_worth_deferring(const char *path);

/* Imports one JSON Lines file in the DESIGN.md contract ("-" = stdin).
 * Adds to *stats.  On IMPORT_ENOFILE / IMPORT_EDB, err holds the reason. */
int import_jsonl(struct store *st, const char *path, struct import_stats *stats,
		 import_report_fn *report, void *ctx, char *err, size_t errlen);

/* ---- Postfix logs (import_postfix.c, postfix_follow.c) ------------------
 *
 * Streams Postfix log lines (traditional "Nov 20 09:14:02" or RFC 3339
 * stamps, any syslog_name prefix, plain or .gz), correlates them by queue
 * ID and writes messages and attempts:
 *   smtpd client=/sasl_username, pickup  -> submitted_at, account
 *   cleanup message-id=, "info: header Subject: ..."  -> Message-ID, subject
 *   qmgr from=, status=expired, removed  -> sender; expiry; end of state
 *   smtp/lmtp/local/virtual/error to=... status=...  -> one attempt each
 * Accounts: PF_ACCOUNT_FROM_SASL maps the SASL username through the map
 * file ("key account" lines; key = user name or domain of a user@domain
 * name), PF_ACCOUNT_FROM_SENDER_DOMAIN maps the envelope sender's domain.
 * Without a map file the key itself is the account name; with one, an
 * unmapped key means "no account" and the message is skipped (counted in
 * `unowned`), as is one whose start is not in the log and not in the store.
 * State per open queue ID is bounded (max_open, least recently seen first
 * out) and dropped at "removed".
 */
enum { PF_ACCOUNT_FROM_SASL = 0, PF_ACCOUNT_FROM_SENDER_DOMAIN = 1 };

/* The log format.  PF_FORMAT_EXIM reads Exim 4's mainlog through the same
 * importer and follower (docs/exim-import.md):
 *   <= arrival: sender, A= authenticated id (U= for local submissions)
 *      as the "SASL user", id= Message-ID, T= subject, "for" recipients;
 *      R= (a bounce of another message) is the relay's own notice
 *   => -> >> delivered, ** bounced, == deferred: one attempt each, the
 *      reply from C="..." or the SMTP error text, the MX from H=
 *   Completed -> end of state */
enum { PF_FORMAT_POSTFIX = 0, PF_FORMAT_EXIM = 1 };

struct pf_options {
	int format;		 /* PF_FORMAT_* */
	int account_from;	 /* PF_ACCOUNT_FROM_* */
	const char *account_map; /* file, or NULL/"" for none */
	size_t max_open;	 /* open queue IDs kept; 0 = 100000 */
};

struct pf_import;

/* NULL with err set when the map file cannot be read.  Free with
 * pf_import_free. */
struct pf_import *pf_import_new(struct store *st, const struct pf_options *o, char *err,
				size_t errlen);
/* Imports one file ("-" = stdin, .gz read through zlib).  State carries
 * over between files (pass rotated files oldest first).  Adds to *stats;
 * returns IMPORT_OK, IMPORT_ENOFILE or IMPORT_EDB with err set. */
int pf_import_file(struct pf_import *imp, const char *path, struct import_stats *stats,
		   import_report_fn *report, void *ctx, char *err, size_t errlen);
/* Writes what is known of every open message (call after the last file).
 * IMPORT_OK or IMPORT_EDB. */
int pf_import_finish(struct pf_import *imp, struct import_stats *stats, char *err, size_t errlen);
void pf_import_free(struct pf_import **imp);

/* ---- following a growing log -------------------------------------------
 *
 * A follower reads `path` as it grows, survives rotation (rename + new
 * file: the old file is read to its end first; copytruncate: read again
 * from the start) and keeps its position, the first line's hash and the
 * in-flight queue IDs in import_positions, committed together with the
 * records, so a restart neither skips nor duplicates lines.  If the file
 * was rotated while nobody followed it, "<path>.1" is read from the stored
 * offset first when it is the file last followed.
 *
 * Daemon use: open once, call pf_follow_step() from the main loop (it
 * returns after at most max_lines lines, or at the end of the data),
 * pf_follow_close() at exit.  It opens and commits its own transactions:
 * do not call it inside one.  Not thread-safe; one follower per path. */
struct pf_follow;

/* NULL with err set on a bad map file or a store failure.  A missing file
 * is not an error: it is waited for. */
struct pf_follow *pf_follow_open(struct store *st, const char *path, const struct pf_options *o,
				 char *err, size_t errlen);
/* Reads what is there.  Returns the number of lines read (0: nothing new),
 * or IMPORT_ENOFILE / IMPORT_EDB with err set.  The follower stays usable
 * after either: after IMPORT_EDB the step's records were rolled back and
 * the next step starts again from the last committed position. */
long pf_follow_step(struct pf_follow *f, long max_lines, struct import_stats *stats,
		    import_report_fn *report, void *ctx, char *err, size_t errlen);
/* Byte offset in the current file (for tests and status lines). */
uint64_t pf_follow_offset(const struct pf_follow *f);
/* Commits and frees; *f becomes NULL. */
void pf_follow_close(struct pf_follow **f);

#endif
