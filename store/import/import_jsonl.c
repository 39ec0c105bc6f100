/*
 * import_jsonl.c - delivery records in JSON Lines (DESIGN.md contract).
 *
 *   {"type":"account","account":"acme","addresses":["billing@acme.example","@acme.example"],
 *    "language":"de"}                   (language optional: the replies' language)
 *   {"type":"message","account":"acme","queue_id":"...","message_id":"<...>",
 *    "from":"...","subject":"...","submitted_at":"RFC 3339","recipients":["..."]}
 *   {"type":"attempt","queue_id":"...","recipient":"...","at":"RFC 3339",
 *    "status":"delivered|deferred|bounced","mx_host":"...","mx_ip":"...",
 *    "smtp_code":250,"enhanced_status":"2.0.0","response":"...","transcript":"..."}
 *
 * Unknown keys are ignored (the contract may be extended); an unknown
 * "type" is a bad line.  A line is one store write, and the store checks a
 * record whole before it writes any of it (store.h), so a bad line leaves
 * nothing behind without a savepoint per line (which on PostgreSQL cost
 * two more round trips a line); lines are committed in batches.
 *
 * A line of plain fields is read without a tree (jsonl_fields.h); any
 * other line, and every syntax error, goes through jansson, so the checks
 * below see the same fields either way.
 *
 * SECURITY: the file may come from anywhere.  The direct reader takes
 * printable ASCII and escapes only; jansson validates UTF-8 and nesting;
 * every string is checked for type and length before use; lines over the
 * reader's cap are skipped unread.
 */
#include "store/import/import.h"
#include "store/import/jsonl_fields.h"
#include "store/import/lines.h"
#include "store/requests.h"
#include "store/store_int.h"
#include "common/progress.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_RECIPIENTS JF_MAX_ELEMENTS
#define MAX_FIELD 1024			   /* ids, addresses, hosts */
#define MAX_TEXT ((size_t)8 * 1024 * 1024) /* subjects, replies, transcripts */

struct line_ctx {
	char why[512];
	struct store_batch *batch; /* borrowed: messages and attempts go here */
	long lineno;
};

/* The outcome of a line whose record went into the batch: counted and
 * reported when its result comes back (record_done). */
#define LINE_SENT 1000

static int bad(struct line_ctx *lc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct line_ctx *lc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lc->why, sizeof(lc->why), fmt, ap);
	va_end(ap);
	str_sanitize_line(lc->why);
	return STORE_EINVAL;
}

/* A string field: required or optional (NULL allowed), capped. */
static int
get_str(struct line_ctx *lc, const struct jf_reader *o, const char *key, int required, size_t max,
	const char **v_r)
{
	struct jf_field v;

	*v_r = NULL;
	if (!jf_get(o, key, &v) || v.type == JF_NULL) {
		if (required)
			return bad(lc, "missing \"%s\"", key);
		return STORE_OK;
	}
	if (v.type != JF_STRING)
		return bad(lc, "\"%s\" must be a string", key);
	if (v.len > max)
		return bad(lc, "\"%s\" is longer than %zu bytes", key, max);
	if (strlen(v.str) != v.len)
		return bad(lc, "\"%s\" contains a NUL character", key);
	if (required && v.len == 0)
		return bad(lc, "\"%s\" is empty", key);
	*v_r = v.str;
	return STORE_OK;
}

static int
get_time(struct line_ctx *lc, const struct jf_reader *o, const char *key, int required,
	 int64_t *t_r)
{
	const char *s;
	int r;

	*t_r = 0;
	if ((r = get_str(lc, o, key, required, 64, &s)) < 0 || s == NULL)
		return r;
	if (time_parse_rfc3339(s, t_r) < 0)
		return bad(lc, "\"%s\" is not an RFC 3339 time: \"%s\"", key, s);
	return STORE_OK;
}

static int
get_str_array(struct line_ctx *lc, const struct jf_reader *o, const char *key, const char ***v_r,
	      size_t *n_r)
{
	struct jf_field a;
	const char *e;
	size_t len;

	*v_r = NULL;
	*n_r = 0;
	if (!jf_get(o, key, &a) || a.type == JF_NULL)
		return bad(lc, "missing \"%s\"", key);
	if (a.type != JF_ARRAY)
		return bad(lc, "\"%s\" must be an array of strings", key);
	if (a.n > MAX_RECIPIENTS)
		return bad(lc, "\"%s\" has more than %d entries", key, MAX_RECIPIENTS);
	*v_r = xcalloc(a.n + 1, sizeof(char *));
	for (size_t i = 0; i < a.n; i++) {
		if (!jf_element(o, &a, i, &e, &len) || len > MAX_FIELD) {
			free(*v_r);
			*v_r = NULL;
			return bad(lc, "\"%s\"[%zu] must be a string", key, i);
		}
		(*v_r)[(*n_r)++] = e;
	}
	return STORE_OK;
}

/* A language code as the responder names them: two lower-case letters
 * ("de").  Whether the responder has templates for it is its own
 * business (it falls back to its default language). */
static int
language_code_ok(const char *l)
{
	return l && strlen(l) == 2 && l[0] >= 'a' && l[0] <= 'z' && l[1] >= 'a' && l[1] <= 'z';
}

static int
do_account(struct store *st, struct line_ctx *lc, const struct jf_reader *o,
	   struct import_stats *stats)
{
	const char *name, **addrs, *lang;
	size_t n;
	int r, new_account = 0, new_addresses = 0;

	if ((r = get_str(lc, o, "account", 1, MAX_FIELD, &name)) < 0 ||
	    (r = get_str(lc, o, "language", 0, 16, &lang)) < 0)
		return r;
	if (lang && *lang && !language_code_ok(lang))
		return bad(lc, "\"language\" must be a two-letter code such as \"de\", not \"%s\"",
			   lang);
	if ((r = get_str_array(lc, o, "addresses", &addrs, &n)) < 0)
		return r;
	r = store_put_account(st, name, addrs, n, &new_account, &new_addresses);
	free(addrs);
	if (r != STORE_EDB && lang && store_set_account_language(st, name, *lang ? lang : NULL) < 0)
		return STORE_EDB;
	if (r == STORE_EINVAL) /* the account and the addresses that were fine are kept */
		bad(lc, "%s", store_errmsg(st));
	if (r != STORE_EDB) {
		stats->accounts += new_account;
		stats->addresses += new_addresses;
	}
	return r;
}

static int
do_message(struct line_ctx *lc, const struct jf_reader *o)
{
	struct store_message_in m;
	const char **rcpts;
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = get_str(lc, o, "account", 1, MAX_FIELD, &m.account)) < 0 ||
	    (r = get_str(lc, o, "queue_id", 1, MAX_FIELD, &m.queue_id)) < 0 ||
	    (r = get_str(lc, o, "message_id", 0, MAX_FIELD, &m.message_id)) < 0 ||
	    (r = get_str(lc, o, "from", 0, MAX_FIELD, &m.from)) < 0 ||
	    (r = get_str(lc, o, "subject", 0, MAX_TEXT, &m.subject)) < 0 ||
	    (r = get_time(lc, o, "submitted_at", 0, &m.submitted_at)) < 0)
		return r;
	if ((r = get_str_array(lc, o, "recipients", &rcpts, &m.n_recipients)) < 0)
		return r;
	m.recipients = rcpts;
	r = store_batch_message(lc->batch, lc->lineno, &m);
	free(rcpts);
	return r < 0 ? r : LINE_SENT;
}

static int
do_attempt(struct line_ctx *lc, const struct jf_reader *o)
{
	struct store_attempt_in a;
	struct jf_field code;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = get_str(lc, o, "queue_id", 1, MAX_FIELD, &a.queue_id)) < 0 ||
	    (r = get_str(lc, o, "recipient", 1, MAX_FIELD, &a.recipient)) < 0 ||
	    (r = get_time(lc, o, "at", 1, &a.at)) < 0 ||
	    (r = get_str(lc, o, "status", 1, 32, &a.status)) < 0 ||
	    (r = get_str(lc, o, "mx_host", 0, MAX_FIELD, &a.mx_host)) < 0 ||
	    (r = get_str(lc, o, "mx_ip", 0, MAX_FIELD, &a.mx_ip)) < 0 ||
	    (r = get_str(lc, o, "enhanced_status", 0, 16, &a.enhanced_status)) < 0 ||
	    (r = get_str(lc, o, "response", 0, MAX_TEXT, &a.response)) < 0 ||
	    (r = get_str(lc, o, "transcript", 0, MAX_TEXT, &a.transcript)) < 0 ||
	    (r = get_str(lc, o, "transcript_kind", 0, 16, &a.transcript_kind)) < 0)
		return r;
	if (jf_get(o, "smtp_code", &code) && code.type != JF_NULL) {
		if (code.type != JF_INTEGER || code.num < 200 || code.num > 599)
			return bad(lc, "\"smtp_code\" must be an integer from 200 to 599");
		a.smtp_code = (int)code.num;
	}
	if (a.enhanced_status && *a.enhanced_status && !enhanced_status_valid(a.enhanced_status))
		return bad(lc, "\"enhanced_status\" \"%s\" is not of the form 5.1.1",
			   a.enhanced_status);
	if (!addr_valid(a.recipient))
		return bad(lc, "invalid recipient address '%s'", a.recipient);
	r = store_batch_attempt(lc->batch, lc->lineno, &a);
	return r < 0 ? r : LINE_SENT;
}

/* The line's fields in `o`: read directly, or by jansson when the
 * reader leaves it (jsonl_fields.h), which words every syntax error. */
static int
read_line(struct line_ctx *lc, struct jf_reader *o, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *tree;

	if (jf_read(o, line, len))
		return STORE_OK;
	tree = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (tree == NULL)
		return bad(lc, "invalid JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(tree)) {
		json_decref(tree);
		return bad(lc, "not a JSON object");
	}
	jf_take_tree(o, tree);
	return STORE_OK;
}

static int
import_line(struct store *st, struct jf_reader *o, const char *line, size_t len,
	    struct line_ctx *lc, struct import_stats *stats)
{
	struct jf_field type;
	const char *t;
	int r;

	if ((r = read_line(lc, o, line, len)) < 0)
		return r;
	t = jf_get(o, "type", &type) && type.type == JF_STRING ? type.str : NULL;
	if (t == NULL)
		r = bad(lc, "missing \"type\" (account, message or attempt)");
	else if (strcmp(t, "account") == 0) {
		/* store_put_account is not batched: what waits goes first */
		r = store_batch_flush(lc->batch);
		if (r == STORE_OK)
			r = do_account(st, lc, o, stats);
	} else if (strcmp(t, "message") == 0)
		r = do_message(lc, o);
	else if (strcmp(t, "attempt") == 0)
		r = do_attempt(lc, o);
	else
		r = bad(lc, "unknown \"type\" \"%.40s\" (account, message or attempt)", t);
	return r;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

struct jsonl_import {
	struct import_stats *stats;
	import_report_fn *report;
	void *ctx;
	const char *name;
};

/* store_batch_done_fn: a message or attempt line's result, or (kind 0)
 * a line refused here (store_batch_refuse). */
static void
record_done(void *arg, long lineno, int kind, int r, const char *why)
{
	struct jsonl_import *ji = arg;

	if (r == STORE_ADDED && kind == STORE_BATCH_MESSAGE)
		ji->stats->messages++;
	else if (r == STORE_ADDED)
		ji->stats->attempts++;
	else if (r == STORE_OK)
		ji->stats->unchanged++;
	else if (r == STORE_EINVAL) {
		ji->stats->rejected++;
		ji->report(ji->ctx, ji->name, lineno, why);
	}
}

long long import_defer_min_bytes = IMPORT_DEFER_MIN_BYTES;

int
import_worth_deferring(const char *path)
{
	struct stat sb;

	if (strcmp(path, "-") == 0 || import_defer_min_bytes <= 0)
		return 1;
	return stat(path, &sb) != 0 || (long long)sb.st_size >= import_defer_min_bytes;
}

int
import_jsonl(struct store *st, const char *path, struct import_stats *stats,
	     import_report_fn *report, void *ctx, char *err, size_t errlen)
{
	struct lines *lr;
	struct line_ctx lc;
	struct jf_reader rd;
	const char *line, *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	struct jsonl_import ji = { stats, report, ctx, name };
	size_t len;
	long in_batch = 0;
	int r, result = IMPORT_OK, deferred = 0;

	lr = lines_open(path, MAX_TEXT * 2, err, errlen);
	if (lr == NULL)
		return IMPORT_ENOFILE;
	memset(&rd, 0, sizeof(rd));
	/* Lines are reported in their order: a line refused here waits in
	 * the batch for the results of the lines before it
	 * (store_batch_refuse). */
	lc.batch = store_batch_new(st, record_done, &ji);
	store_set_cache_mb(st, 64);
	/* a large load into an empty store: the secondary indexes are built
	 * at the end */
	if ((import_worth_deferring(path) && (deferred = store_defer_indexes(st)) < 0) ||
	    store_batch_begin(lc.batch) < 0)
		goto db;
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
		if (++stats->lines % IMPORT_PROGRESS_LINES == 0)
			progress_update(stats->progress, lines_raw_offset(lr));
		if (r == LINES_ETOOLONG) {
			if (store_batch_refuse(lc.batch, lines_number(lr),
					       "line longer than the 16 MiB limit") < 0)
				goto db;
			continue;
		}
		if (blank(line, len))
			continue;
		lc.why[0] = '\0';
		lc.lineno = lines_number(lr);
		r = import_line(st, &rd, line, len, &lc, stats);
		if (r == STORE_EDB)
			goto db;
		if (r == STORE_EINVAL) {
			/* reported (record_done) after the lines before it,
			 * without sending them now: on PostgreSQL a merge per
			 * bad line cost 12 ms */
			if (store_batch_refuse(lc.batch, lc.lineno, lc.why) < 0)
				goto db;
		} else if (r == STORE_OK) {
			stats->unchanged++;
		}
		if (++in_batch >= IMPORT_BATCH_LINES) {
			if (store_batch_commit(lc.batch) < 0 || store_batch_begin(lc.batch) < 0)
				goto db;
			in_batch = 0;
		}
	}
	if (store_batch_commit(lc.batch) < 0)
		goto db;
	if (deferred > 0 && store_build_indexes(st) < 0) {
		deferred = 0;
		goto db;
	}
	if (store_finish_load(st) < 0)
		goto db;
	store_batch_free(&lc.batch);
	jf_free(&rd);
	lines_close(&lr);
	return result;
db:
	snprintf(err, errlen, "%s:%ld: store: %s", name, lines_number(lr), store_errmsg(st));
	store_batch_free(&lc.batch);
	jf_free(&rd);
	store_rollback(st);
	/* what was committed gets its indexes now, or at the next open */
	if (deferred > 0)
		(void)store_build_indexes(st);
	lines_close(&lr);
	return IMPORT_EDB;
}
