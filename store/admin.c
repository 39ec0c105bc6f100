/*
 * admin.c - the admin's queries over the request log and the outbox: the
 * list, one request in full, the figures (see admin.h for the contract;
 * the writes are in admin_ops.c).
 *
 * Filters that may be absent are written as "(?N IS NULL OR col = ?N)" so
 * each query is one cached statement whatever the combination.  The JSON
 * columns are read with SQLite's JSON functions, guarded by json_valid(),
 * so a malformed row is skipped by a count instead of failing it.
 *
 * SECURITY: the text columns hold what complaints and remote servers said;
 * this module hands them on unchanged and the commands sanitise or escape
 * them for the terminal, JSON or HTML.  Every value is a bound parameter.
 */
#include "store/admin.h"
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

/* A request's reply state, from its outbox rows. */
#define REPLY_STATE                                                                     \
	"coalesce((SELECT CASE"                                                         \
	"   WHEN max(CASE WHEN o.state = 'sent' THEN 1 ELSE 0 END) = 1 THEN 'sent'"     \
	"   WHEN max(CASE WHEN o.state = 'queued' THEN 1 ELSE 0 END) = 1 THEN 'queued'" \
	"   WHEN max(CASE WHEN o.state = 'failed' THEN 1 ELSE 0 END) = 1 THEN 'failed'" \
	" END FROM outbox o WHERE o.request_id = r.id), 'none')"

/* The columns of struct admin_request, in this order, for list and get. */
#define REQ_COLUMNS                                                             \
	"r.id, r.received_at, r.decided_at, coalesce(r.requeue_of, 0),"         \
	" r.complaint_message_id, r.source, r.requester, r.account, r.outcome," \
	" r.why, r.subject, r.matched_queue_id, m.subject,"                     \
	" " REPLY_STATE ","                                                     \
	" coalesce(r.thread_id, r.id), coalesce(r.follow_up_of, 0),"            \
	" r.language, r.reply_message_id, r.node"
#define REQ_FROM " FROM requests r LEFT JOIN messages m ON m.queue_id = r.matched_queue_id"

static void
read_request(struct store_stmt *s, struct admin_request *r)
{
	const char *state;

	memset(r, 0, sizeof(*r));
	r->id = store_col_int64(s, 0);
	r->received_at = store_col_int64(s, 1);
	r->decided_at = store_col_int64(s, 2);
	r->requeue_of = store_col_int64(s, 3);
	r->complaint_message_id = store_col_dup(s, 4);
	r->source = store_col_dup(s, 5);
	r->requester = store_col_dup(s, 6);
	r->account = store_col_dup(s, 7);
	r->outcome = store_col_dup(s, 8);
	r->why = store_col_dup(s, 9);
	r->subject = store_col_dup(s, 10);
	r->matched_queue_id = store_col_dup(s, 11);
	r->matched_subject = store_col_dup(s, 12);
	state = store_col_text(s, 13);
	str_copy(r->reply_state, state ? (const char *)state : "none", sizeof(r->reply_state));
	r->thread_id = store_col_int64(s, 14);
	r->follow_up_of = store_col_int64(s, 15);
	r->language = store_col_dup(s, 16);
	r->reply_message_id = store_col_dup(s, 17);
	r->node = store_col_dup(s, 18);
}

/* "%text%" lower-cased, with LIKE's % _ and \ escaped by \, for a
 * "contains" filter (portable: SQLite and PostgreSQL); NULL for NULL or
 * "".  Caller frees. */
static char *
like_pattern(const char *text)
{
	char *p, *w;

	if (text == NULL || *text == '\0')
		return NULL;
	p = xmalloc(strlen(text) * 2 + 3);
	w = p;
	*w++ = '%';
	for (; *text; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*w++ = '\\';
		*w++ = *text;
	}
	*w++ = '%';
	*w = '\0';
	return str_lower(p);
}

int
admin_requests(struct store *st, const struct admin_filter *f, struct admin_request_list *out)
{
	struct store_stmt *s;
	char *requester = NULL, *why, *search;
	size_t cap = 0;
	int rc;

	out->v = NULL;
	out->n = 0;
	s = store_stmt(st, "SELECT " REQ_COLUMNS REQ_FROM " WHERE r.received_at >= ?1"
			   " AND (?2 IS NULL OR r.outcome = ?2)"
			   " AND (?3 IS NULL OR lower(r.requester) = ?3)"
			   " AND (?4 IS NULL OR r.account = ?4)"
			   " AND (?6 = 0 OR coalesce(r.thread_id, r.id) = ?6)"
			   " AND (?7 = 0 OR r.received_at < ?7)"
			   " AND (?8 IS NULL OR lower(r.why) LIKE ?8 ESCAPE '\\')"
			   " AND (?9 IS NULL OR " REPLY_STATE " = ?9)"
			   " AND (?10 IS NULL OR lower(coalesce(r.subject, '') || ' ' ||"
			   "   coalesce(r.complaint_message_id, '') || ' ' ||"
			   "   coalesce(r.matched_queue_id, '') || ' ' || coalesce(r.requester, '')"
			   "   || ' ' || coalesce(r.extracted, '')) LIKE ?10 ESCAPE '\\')"
			   " ORDER BY r.received_at DESC, r.id DESC LIMIT ?5 OFFSET ?11");
	if (s == NULL)
		return STORE_EDB;
	if (f->requester != NULL)
		requester = str_lower(xstrdup(f->requester));
	why = like_pattern(f->why);
	search = like_pattern(f->search);
	store_bind_int64(s, 1, f->since);
	store_bind_text(s, 2, f->outcome);
	store_bind_text(s, 3, requester);
	store_bind_text(s, 4, f->account);
	store_bind_int64(s, 5, f->limit ? (int64_t)f->limit : 100);
	store_bind_int64(s, 6, f->thread_id);
	store_bind_int64(s, 7, f->until);
	store_bind_text(s, 8, why);
	store_bind_text(s, 9, f->reply_state && *f->reply_state ? f->reply_state : NULL);
	store_bind_text(s, 10, search);
	store_bind_int64(s, 11, (int64_t)f->offset);
	while ((rc = store_step(s)) == STORE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xreallocarray(out->v, cap, sizeof(*out->v));
		}
		read_request(s, &out->v[out->n++]);
	}
	free(requester);
	free(why);
	free(search);
	store_reset(s);
	if (rc != STORE_DONE) {
		admin_request_list_free(out);
		return store_fail_db(st, "listing requests");
	}
	return STORE_OK;
}

void
admin_request_free(struct admin_request *r)
{
	free(r->complaint_message_id);
	free(r->source);
	free(r->requester);
	free(r->account);
	free(r->outcome);
	free(r->why);
	free(r->subject);
	free(r->matched_queue_id);
	free(r->matched_subject);
	free(r->language);
	free(r->reply_message_id);
	free(r->node);
	free(r->extracted);
	free(r->matches);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

void
admin_request_list_free(struct admin_request_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		admin_request_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
admin_outbox_list_free(struct admin_outbox_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct admin_outbox *o = &l->v[i];
		free(o->state);
		free(o->envelope_from);
		free(o->rcpt);
		free(o->last_error);
		free(o->smtp_reply);
		free(o->message);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
load_outbox(struct store *st, int64_t id, struct admin_outbox_list *ob)
{
	struct store_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT id, created_at, next_try_at,"
			   " coalesce(sent_at, 0), state, envelope_from, rcpt, last_error,"
			   " smtp_reply, tries, m.message FROM outbox"
			   " LEFT JOIN outbox_messages m ON m.outbox_id = outbox.id"
			   " WHERE request_id = ?1 ORDER BY id");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct admin_outbox *o;
		const void *blob = store_col_blob(s, 10);
		size_t len = (size_t)store_col_bytes(s, 10);

		ob->v = xreallocarray(ob->v, ob->n + 1, sizeof(*ob->v));
		o = &ob->v[ob->n++];
		o->id = store_col_int64(s, 0);
		o->created_at = store_col_int64(s, 1);
		o->next_try_at = store_col_int64(s, 2);
		o->sent_at = store_col_int64(s, 3);
		o->state = store_col_dup(s, 4);
		o->envelope_from = store_col_dup(s, 5);
		o->rcpt = store_col_dup(s, 6);
		o->last_error = store_col_dup(s, 7);
		o->smtp_reply = store_col_dup(s, 8);
		o->tries = store_col_int(s, 9);
		o->message = xmalloc(len + 1);
		if (len)
			memcpy(o->message, blob, len);
		o->message[len] = '\0';
		o->message_len = len;
	}
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "reading the outbox");
}

int
admin_request_get(struct store *st, int64_t id, struct admin_request *r,
		  struct admin_outbox_list *ob)
{
	struct store_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	if (ob != NULL) {
		ob->v = NULL;
		ob->n = 0;
	}
	s = store_stmt(st, "SELECT " REQ_COLUMNS ", r.extracted,"
			   " r.matches, r.detail" REQ_FROM " WHERE r.id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_DONE) {
		store_reset(s);
		return store_fail(st, STORE_ENOTFOUND, "no request with id %lld", (long long)id);
	}
	if (rc != STORE_ROW)
		return store_fail_db(st, "reading a request");
	read_request(s, r);
	r->extracted = store_col_dup(s, 19);
	r->matches = store_col_dup(s, 20);
	r->detail = store_col_dup(s, 21);
	store_reset(s);
	if (ob != NULL && (rc = load_outbox(st, id, ob)) < 0) {
		admin_request_free(r);
		admin_outbox_list_free(ob);
		return rc;
	}
	return STORE_OK;
}

/* ---- figures ------------------------------------------------------------ */

/* Runs `s` (bound) and collects (name, count) rows. */
static int
collect_counts(struct store *st, struct store_stmt *s, struct admin_count **v_r, size_t *n_r)
{
	int rc;

	while ((rc = store_step(s)) == STORE_ROW) {
		char *name = store_col_dup(s, 0);

		*v_r = xreallocarray(*v_r, *n_r + 1, sizeof(**v_r));
		(*v_r)[*n_r].name = name ? name : xstrdup("(none)");
		(*v_r)[*n_r].n = store_col_int64(s, 1);
		(*n_r)++;
	}
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "counting");
}

/* One int64 from a statement bound with `since` as ?1. */
static int
scalar(struct store *st, const char *sql, int64_t since, int64_t *v_r)
{
	struct store_stmt *s = store_stmt(st, sql);
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, since);
	rc = store_step(s);
	*v_r = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
	store_reset(s);
	return rc == STORE_ROW ? STORE_OK : store_fail_db(st, "counting");
}

/* Outbox rows joined with their requests, in two forms: with a --since
 * window, CROSS JOIN keeps requests (by its time index) as the outer loop,
 * since the planner cannot see how selective a bound ?1 is and would scan
 * the whole outbox; for all time, scanning the outbox is the cheaper way
 * (measured on 200k requests: about 3x faster each way). */
#define OUTBOX_SINCE                                                  \
	" FROM requests r CROSS JOIN outbox o ON o.request_id = r.id" \
	" WHERE r.received_at >= ?1"
#define OUTBOX_ALL                                              \
	" FROM outbox o JOIN requests r ON r.id = o.request_id" \
	" WHERE r.received_at >= ?1"
/* PostgreSQL has no CROSS JOIN ... ON, and plans by the bound value. */
#define OUTBOX_SINCE_PG                                         \
	" FROM requests r JOIN outbox o ON o.request_id = r.id" \
	" WHERE r.received_at >= ?1"
#define SENT " AND o.state = 'sent' AND o.sent_at IS NOT NULL"
/* Seconds from complaint to reply, never negative. */
#define REPLY_SECS                                                           \
	"CASE WHEN o.sent_at > r.received_at THEN o.sent_at - r.received_at" \
	" ELSE 0 END"
#define ORDER_D " ORDER BY d LIMIT ?3 OFFSET ?2"

static int
median_reply(struct store *st, int64_t since, int64_t *median_r)
{
	struct store_stmt *s;
	int64_t n, v[2];
	int k = 0, rc;

	*median_r = -1;
	rc = since ?
		 (store_is_pg(st) ? scalar(st, "SELECT count(*)" OUTBOX_SINCE_PG SENT, since, &n) :
				    scalar(st, "SELECT count(*)" OUTBOX_SINCE SENT, since, &n)) :
		 scalar(st, "SELECT count(*)" OUTBOX_ALL SENT, since, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return STORE_OK;
	s = since ? store_stmt_for(st, "SELECT " REPLY_SECS " AS d" OUTBOX_SINCE SENT ORDER_D,
				   "SELECT " REPLY_SECS " AS d" OUTBOX_SINCE_PG SENT ORDER_D) :
		    store_stmt(st, "SELECT " REPLY_SECS " AS d" OUTBOX_ALL SENT ORDER_D);
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, since);
	store_bind_int64(s, 2, (n - 1) / 2);
	store_bind_int64(s, 3, n % 2 ? 1 : 2);
	while (k < 2 && (rc = store_step(s)) == STORE_ROW)
		v[k++] = store_col_int64(s, 0);
	store_reset(s);
	if (k == 0)
		return store_fail_db(st, "computing the median");
	*median_r = k == 2 ? (v[0] + v[1]) / 2 : v[0];
	return STORE_OK;
}

static int
day_counts(struct store *st, int64_t since, struct admin_stats *out)
{
	struct store_stmt *s;
	int rc;

	s = store_stmt_for(
	    st,
	    "SELECT date(received_at, 'unixepoch'), outcome,"
	    " count(*) FROM requests WHERE received_at >= ?1 GROUP BY 1, 2 ORDER BY 1, 2",
	    "SELECT to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), outcome,"
	    " count(*) FROM requests WHERE received_at >= ?1 GROUP BY 1, 2 ORDER BY 1, 2");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, since);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct admin_day_count *d;
		const char *day = store_col_text(s, 0);

		out->days = xreallocarray(out->days, out->n_days + 1, sizeof(*out->days));
		d = &out->days[out->n_days++];
		str_copy(d->day, day ? (const char *)day : "?", sizeof(d->day));
		d->outcome = store_col_dup(s, 1);
		d->n = store_col_int64(s, 2);
	}
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "counting per day");
}

int
admin_stats(struct store *st, int64_t since, struct admin_stats *out)
{
	struct store_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	out->since = since;
	out->median_reply_secs = -1;
	if ((rc = scalar(st,
			 "SELECT count(*) FROM requests"
			 " WHERE received_at >= ?1",
			 since, &out->requests)) < 0)
		goto fail;
	s = store_stmt(st, "SELECT outcome, count(*) FROM requests"
			   " WHERE received_at >= ?1 GROUP BY outcome ORDER BY 2 DESC, 1");
	if (s == NULL)
		goto fail_db;
	store_bind_int64(s, 1, since);
	if ((rc = collect_counts(st, s, &out->outcomes, &out->n_outcomes)) < 0)
		goto fail;
	s = since ? store_stmt_for(st, "SELECT o.state, count(*)" OUTBOX_SINCE " GROUP BY o.state",
				   "SELECT o.state, count(*)" OUTBOX_SINCE_PG " GROUP BY o.state") :
		    store_stmt(st, "SELECT o.state, count(*)" OUTBOX_ALL " GROUP BY o.state");
	if (s == NULL)
		goto fail_db;
	store_bind_int64(s, 1, since);
	while ((rc = store_step(s)) == STORE_ROW) {
		const char *state = store_col_text(s, 0);
		int64_t n = store_col_int64(s, 1);

		if (state && strcmp(state, "sent") == 0)
			out->replies_sent = n;
		else if (state && strcmp(state, "failed") == 0)
			out->replies_failed = n;
		else if (state && strcmp(state, "queued") == 0)
			out->replies_queued = n;
	}
	store_reset(s);
	if (rc != STORE_DONE)
		goto fail_db;
	if ((rc = median_reply(st, since, &out->median_reply_secs)) < 0 ||
	    (rc = day_counts(st, since, out)) < 0)
		goto fail;
	return STORE_OK;
fail_db:
	rc = store_fail_db(st, "computing stats");
fail:
	admin_stats_free(out);
	return rc;
}

int
admin_found_attempts(struct store *st, int64_t since, admin_attempt_fn fn, void *arg)
{
	struct store_stmt *s;
	int rc;

	/* The latest attempt of every recipient of each found request's
	 * matched message. */
	s = store_stmt(
	    st, "SELECT a.status, coalesce(a.smtp_code, 0),"
		" a.enhanced_status, a.response, a.mx_host FROM requests r"
		" JOIN messages m ON m.queue_id = r.matched_queue_id"
		" JOIN recipients rc ON rc.message_id = m.id"
		" JOIN attempts a ON a.id = (SELECT id FROM attempts WHERE recipient_id = rc.id"
		"   ORDER BY at DESC, id DESC LIMIT 1)"
		" WHERE r.received_at >= ?1 AND r.outcome = 'found'");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, since);
	while ((rc = store_step(s)) == STORE_ROW)
		fn(arg, store_col_text(s, 0), store_col_int(s, 1), store_col_text(s, 2),
		   store_col_text(s, 3), store_col_text(s, 4));
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "reading attempts");
}

void
admin_stats_add_count(struct admin_stats *s, const char *name, int64_t n)
{
	size_t i;

	for (i = 0; i < s->n_reasons; i++)
		if (strcmp(s->reasons[i].name, name) == 0)
			break;
	if (i == s->n_reasons) {
		s->reasons = xreallocarray(s->reasons, s->n_reasons + 1, sizeof(*s->reasons));
		s->reasons[s->n_reasons].name = xstrdup(name);
		s->reasons[s->n_reasons++].n = 0;
	}
	s->reasons[i].n += n;
	/* keep most frequent first (then by name): one insertion step */
	while (i > 0 && (s->reasons[i - 1].n < s->reasons[i].n ||
			 (s->reasons[i - 1].n == s->reasons[i].n &&
			  strcmp(s->reasons[i - 1].name, s->reasons[i].name) > 0))) {
		struct admin_count t = s->reasons[i - 1];
		s->reasons[i - 1] = s->reasons[i];
		s->reasons[i] = t;
		i--;
	}
}

void
admin_stats_free(struct admin_stats *s)
{
	for (size_t i = 0; i < s->n_outcomes; i++)
		free(s->outcomes[i].name);
	for (size_t i = 0; i < s->n_reasons; i++)
		free(s->reasons[i].name);
	for (size_t i = 0; i < s->n_days; i++)
		free(s->days[i].outcome);
	free(s->outcomes);
	free(s->reasons);
	free(s->days);
	memset(s, 0, sizeof(*s));
}
