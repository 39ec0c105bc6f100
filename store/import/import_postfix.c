/*
 * import_postfix.c - delivery records from Postfix logs (see import.h).
 *
 * One pass, one line at a time.  Each queue ID seen gets a small state
 * (submission time, SASL user, sender, Message-ID, subject, account) in a
 * hash table with a least-recently-seen list; it is written to the store
 * when a delivery line needs it, at each batch commit, when the queue ID
 * is "removed" and when it is evicted (the table is capped), and dropped
 * at "removed" or eviction.  The store is the memory beyond the table: a
 * queue ID whose start was evicted, or logged in an earlier file, gets its
 * account back from the stored message.  Nothing is guessed: a message
 * with no known account is skipped and counted, a missing submission time
 * stays 0, a missing Message-ID stays NULL.
 *
 * Re-importing changes nothing: messages are upserts that only fill empty
 * fields and attempts are deduplicated by the store.
 *
 * SECURITY: the log holds text chosen by senders (subjects, Message-IDs,
 * addresses) and by remote servers (replies).  Lines are copied into a
 * fixed buffer (longer ones are cut), every field is bounded, recipient
 * addresses are checked with addr_valid before they are stored, and the
 * state is capped (max_open queue IDs, PF_CONV_MAX bytes of conversation
 * per smtp process), so neither memory nor the store can be flooded by
 * one message.
 */
#include "store/import/postfix_int.h"
#include "store/import/lines.h"
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PF_DEFAULT_MAX_OPEN 100000
#define PF_MAX_REPORTS 20 /* garbage lines reported per file */


/* The state of `qid`, created if new (evicting the least recently seen
 * when full).  NULL only on a store failure while evicting. */
struct pf_msg *
pf_msg_get(struct pf_import *imp, const struct pf_line_ctx *lc, const char *qid)
{
	struct pf_msg *m = pf_msg_find(imp, qid);
	size_t b;

	if (m != NULL) {
		pf_lru_unlink(imp, m);
		pf_lru_append(imp, m);
		return m;
	}
	while (imp->nmsgs >= imp->max_open && imp->lru_head != NULL) {
		if (pf_msg_flush(imp, lc, imp->lru_head, 0) == STORE_EDB)
			return NULL;
		pf_msg_drop(imp, lc, imp->lru_head);
	}
	m = xcalloc(1, sizeof(*m));
	str_copy(m->qid, qid, sizeof(m->qid));
	b = pf_qid_hash(qid) % imp->nbuckets;
	m->hnext = imp->buckets[b];
	imp->buckets[b] = m;
	pf_lru_append(imp, m);
	imp->nmsgs++;
	return m;
}


/* ---- writing ---------------------------------------------------------- */

void
pf_reject(const struct pf_line_ctx *lc, const char *why)
{
	char w[600];

	lc->stats->rejected++;
	str_copy(w, why, sizeof(w));
	str_sanitize_line(w);
	if (lc->report)
		lc->report(lc->ctx, lc->name, lc->lineno, w);
}

/* Finds the message's account: by the configured rule, else from the store
 * (its start was in an earlier file or was evicted).  NULL: unknown. */
static const char *
msg_account(struct pf_import *imp, struct pf_msg *m)
{
	const char *key = NULL, *acct;

	if (m->account != NULL)
		return m->account;
	if (imp->account_from == PF_ACCOUNT_FROM_SASL) {
		key = m->sasl;
		if (key != NULL && (acct = pf_map_lookup(imp, key)) == NULL && strchr(key, '@'))
			if ((acct = pf_map_lookup(imp, strchr(key, '@') + 1)) != NULL)
				goto found;
	} else if (m->from != NULL && m->from[0] != '\0') {
		key = addr_domain(m->from);
	}
	if (key != NULL && *key != '\0') {
		acct = pf_map_lookup(imp, key);
		if (acct == NULL && !imp->have_map)
			acct = key;
		if (acct != NULL)
			goto found;
	}
	if (!m->looked_up) {
		struct store_message_list l = { NULL, 0 };

		m->looked_up = 1;
		if (store_find_by_queue_id(imp->st, m->qid, 0, 0, &l) == STORE_OK && l.n > 0)
			m->account = xstrdup(l.v[0].account);
		store_message_list_free(&l);
	}
	return m->account;
found:
	m->account = xstrdup(acct);
	return m->account;
}

/* Short queue IDs repeat after a while.  A message whose submission we
 * saw, stored under the same queue ID with another submission time, is a
 * different message: it is refused (reported) rather than merged. */
static int
check_reuse(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m)
{
	sqlite3_stmt *s;
	int rc;

	if (m->checked || m->written || m->first_at == 0)
		return STORE_OK;
	m->checked = 1;
	s = store_stmt(imp->st, "SELECT submitted_at FROM messages WHERE queue_id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, m->qid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(s, 0);

		sqlite3_reset(s);
		if (t != 0 && t != m->first_at) {
			char why[300];

			m->reused = 1;
			snprintf(why, sizeof(why),
				 "queue ID %s is already stored for a message "
				 "submitted %lld s earlier: %s; this message is skipped",
				 m->qid, (long long)(m->first_at - t),
				 imp->format == PF_FORMAT_EXIM ?
				     "a reused message ID (two hosts with the same "
				     "localhost_number writing one log?)" :
				     "a reused short queue ID (set enable_long_queue_ids "
				     "= yes)");
			pf_reject(lc, why);
		}
		return STORE_OK;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : store_fail_db(imp->st, "checking a queue ID");
}

int
pf_msg_flush(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int need)
{
	struct store_message_in in;
	const char *acct, *rcpt[PF_MAX_RCPTS];
	char rbuf[PF_MAX_FIELD + 1];
	int r;

	if (!m->dirty && (m->written || !need))
		return m->written ? STORE_OK : STORE_ENOTFOUND;
	if ((r = check_reuse(imp, lc, m)) != STORE_OK || m->reused) {
		m->dirty = 0;
		return r == STORE_EDB ? r : STORE_ENOTFOUND;
	}
	if ((acct = msg_account(imp, m)) == NULL) {
		m->orphan = 1;
		m->dirty = 0;
		return STORE_ENOTFOUND;
	}
	memset(&in, 0, sizeof(in));
	in.account = acct;
	in.queue_id = m->qid;
	in.message_id = m->mid;
	in.from = m->have_from && m->from != NULL && m->from[0] != '\0' ? m->from : NULL;
	in.subject = m->subject;
	in.submitted_at = m->first_at;
	if (m->rcpts != NULL) { /* checked by pf_add_rcpt */
		str_copy(rbuf, m->rcpts, sizeof(rbuf));
		for (char *t = strtok(rbuf, " "); t && in.n_recipients < PF_MAX_RCPTS;
		     t = strtok(NULL, " "))
			rcpt[in.n_recipients++] = t;
		in.recipients = rcpt;
	}
	r = store_put_message(imp->st, &in);
	if (r == STORE_EDB)
		return r;
	m->dirty = 0;
	if (r == STORE_EINVAL) {
		m->orphan = 1;
		pf_reject(lc, store_errmsg(imp->st));
		return STORE_ENOTFOUND;
	}
	if (r == STORE_ADDED)
		lc->stats->messages++;
	m->written = 1;
	return STORE_OK;
}

void
pf_msg_drop(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m)
{
	if (m->orphan && !m->written && !m->notice)
		lc->stats->unowned++;
	pf_msg_free(imp, m);
}

static int
flush_all(struct pf_import *imp, const struct pf_line_ctx *lc)
{
	for (struct pf_msg *m = imp->lru_head; m != NULL; m = m->lnext)
		if (m->dirty && pf_msg_flush(imp, lc, m, 0) == STORE_EDB)
			return STORE_EDB;
	return STORE_OK;
}

static const char *
attempt_status(const char *s)
{
	if (strcmp(s, "sent") == 0)
		return "delivered";
	if (strcmp(s, "deferred") == 0)
		return "deferred";
	if (strcmp(s, "bounced") == 0 || strcmp(s, "expired") == 0)
		return "bounced";
	return NULL; /* deliverable/undeliverable probes, ... */
}

static int
do_delivery(struct pf_import *imp, const struct pf_line_ctx *lc, const struct pf_line *pl)
{
	struct pf_delivery d;
	struct store_attempt_in a;
	struct pf_msg *m;
	char reply[2048], *rcpt, *transcript;
	int full, r;

	if (pf_parse_delivery(pl->text, &d) < 0 || (a.status = attempt_status(d.status)) == NULL) {
		lc->stats->skipped++;
		return STORE_OK;
	}
	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if ((r = pf_msg_flush(imp, lc, m, 1)) == STORE_EDB)
		return r;
	if (!m->written) {
		lc->stats->skipped++; /* no account: counted when dropped */
		/* keep the per-pid conversation in step all the same */
		free(pf_convs_transcript(imp->convs, pl->pid, &d, pl->at, &full));
		return STORE_OK;
	}
	rcpt = addr_normalize(d.to);
	if (rcpt == NULL || !addr_valid(rcpt)) {
		char why[700];

		snprintf(why, sizeof(why), "%s: recipient <%.500s> is not a valid address", pl->qid,
			 d.to);
		pf_reject(lc, why);
		free(rcpt);
		free(pf_convs_transcript(imp->convs, pl->pid, &d, pl->at, &full));
		return STORE_OK;
	}
	pf_reply_text(d.detail, d.detail_len, reply, sizeof(reply));
	transcript = pf_convs_transcript(imp->convs, pl->pid, &d, pl->at, &full);
	a.queue_id = m->qid;
	a.recipient = rcpt;
	a.at = pl->at;
	a.mx_host = d.mx_host[0] ? d.mx_host : NULL;
	a.mx_ip = d.mx_ip[0] ? d.mx_ip : NULL;
	a.smtp_code = pf_reply_code(reply);
	a.enhanced_status = enhanced_status_valid(d.dsn) ? d.dsn : NULL;
	a.response = reply[0] ? reply : NULL;
	a.transcript = transcript;
	a.transcript_kind = full ? "full" : "summary";
	r = store_put_attempt(imp->st, &a);
	free(transcript);
	free(rcpt);
	if (r == STORE_ADDED)
		lc->stats->attempts++;
	else if (r == STORE_OK)
		lc->stats->unchanged++;
	else if (r == STORE_EINVAL)
		pf_reject(lc, store_errmsg(imp->st));
	return r == STORE_EDB ? r : STORE_OK;
}

/* qmgr "from=<s>, status=expired, returned to sender": every recipient
 * still deferred is bounced now, with the last reply it got. */
static int
do_expired(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int64_t at)
{
	struct store_message_list l = { NULL, 0 };
	int r;

	if ((r = pf_msg_flush(imp, lc, m, 1)) == STORE_EDB)
		return r;
	if (!m->written)
		return STORE_OK;
	if ((r = store_find_by_queue_id(imp->st, m->qid, 0, STORE_WITH_ATTEMPTS, &l)) < 0)
		return r == STORE_EDB ? r : STORE_OK;
	for (size_t i = 0; i < l.n; i++)
		for (size_t j = 0; j < l.v[i].n_rcpts; j++) {
			struct store_recipient *rc = &l.v[i].rcpts[j];
			struct store_attempt *last =
			    rc->n_attempts ? &rc->attempts[rc->n_attempts - 1] : NULL;
			struct store_attempt_in a;
			char resp[2100];

			if (strcmp(rc->status, "deferred") != 0 || last == NULL)
				continue;
			memset(&a, 0, sizeof(a));
			snprintf(resp, sizeof(resp),
				 "expired in the queue, returned to sender; "
				 "last reply: %s",
				 last->response ? last->response : "(none)");
			a.queue_id = m->qid;
			a.recipient = rc->address;
			a.at = at;
			a.status = "bounced";
			a.mx_host = last->mx_host;
			a.mx_ip = last->mx_ip;
			a.smtp_code = last->smtp_code;
			a.enhanced_status = last->enhanced_status;
			a.response = resp;
			a.transcript =
			    "Summary from the Postfix log: the message stayed in the queue "
			    "longer than maximal_queue_lifetime and was returned to the "
			    "sender (status=expired).\n";
			a.transcript_kind = "summary";
			r = store_put_attempt(imp->st, &a);
			if (r == STORE_ADDED)
				lc->stats->attempts++;
			if (r == STORE_EDB)
				goto out;
		}
	r = STORE_OK;
out:
	store_message_list_free(&l);
	return r;
}

static const char *
header_subject(const char *text)
{
	/* cleanup: "info: header Subject: TEXT from host[ip]; from=<..> ..."
	 * (also warning:/hold:/... for the other header_checks actions) */
	const char *p = strstr(text, ": header Subject: ");

	if (p == NULL || p - text > 16)
		return NULL;
	return p + 18;
}

static int
do_cleanup(struct pf_msg *m, const char *text)
{
	char val[PF_MAX_FIELD + 1];
	const char *s;

	if (strncmp(text, "message-id=", 11) == 0) {
		pf_field(text, "message-id", val, sizeof(val));
		if (val[0] != '\0' && m->mid == NULL) {
			char *mid = xmalloc(strlen(val) + 3);

			snprintf(mid, strlen(val) + 3, "<%s>", val);
			pf_set_str(&m->mid, mid);
			free(mid);
			m->dirty = 1;
		}
		return 1;
	}
	if ((s = header_subject(text)) != NULL) {
		/* the subject ends at the last " from " before "; from=<" */
		const char *end = strstr(s, "; from=<"), *f = NULL, *q;
		char *raw, *dec;

		if (end == NULL)
			end = s + strlen(s);
		for (q = s; (q = strstr(q, " from ")) != NULL && q < end; q++)
			f = q;
		if (f != NULL)
			end = f;
		raw = xstrndup(s, (size_t)(end - s));
		dec = pf_decode_header(raw, 4 * PF_MAX_FIELD);
		if (m->subject == NULL) {
			m->subject = dec;
			m->dirty = 1;
		} else {
			free(dec);
		}
		free(raw);
		return 1;
	}
	return 0;
}

/* The delivery agents: their "to=<...>" lines are attempts. */
static const char *const delivery_services[] = {
	"smtp", "lmtp", "local", "virtual", "error", "retry", "pipe", "discard",
};

static int
is_delivery_service(const char *sv)
{
	for (size_t i = 0; i < sizeof(delivery_services) / sizeof(delivery_services[0]); i++)
		if (strcmp(sv, delivery_services[i]) == 0)
			return 1;
	return 0;
}

static int
import_parsed(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_line *pl)
{
	const char *sv = pl->service, *t = pl->text;
	char val[PF_MAX_FIELD + 1];
	struct pf_msg *m;

	if (pl->qid == NULL) {
		if ((strcmp(sv, "smtp") == 0 || strcmp(sv, "lmtp") == 0) && pl->pid > 0 &&
		    pf_convs_line(imp->convs, pl->pid, pl->at, t))
			return STORE_OK;
		lc->stats->skipped++;
		return STORE_OK;
	}
	if (is_delivery_service(sv)) {
		if (strncmp(t, "to=<", 4) == 0)
			return do_delivery(imp, lc, pl);
		lc->stats->skipped++;
		return STORE_OK;
	}
	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if (strcmp(sv, "smtpd") == 0 && strncmp(t, "client=", 7) == 0) {
		if (m->first_at == 0)
			m->first_at = pl->at;
		if (pf_field(t, "sasl_username", val, sizeof(val)) && m->sasl == NULL)
			pf_set_str(&m->sasl, val);
		m->dirty = 1;
		return STORE_OK;
	}
	if (strcmp(sv, "pickup") == 0 && strstr(t, "from=<") != NULL) {
		if (m->first_at == 0)
			m->first_at = pl->at;
		m->dirty = 1;
		return STORE_OK;
	}
	if (strcmp(sv, "cleanup") == 0 && do_cleanup(m, t))
		return STORE_OK;
	if (strcmp(sv, "qmgr") == 0) {
		if (strcmp(t, "removed") == 0) {
			if (pf_msg_flush(imp, lc, m, 0) == STORE_EDB)
				return STORE_EDB;
			pf_msg_drop(imp, lc, m);
			return STORE_OK;
		}
		if (strncmp(t, "from=<", 6) == 0) {
			pf_field(t, "from", val, sizeof(val));
			if (!m->have_from) {
				m->have_from = 1;
				pf_set_str(&m->from, val);
				m->dirty = 1;
			}
			if (strstr(t, ", status=expired") != NULL)
				return do_expired(imp, lc, m, pl->at);
			return STORE_OK;
		}
	}
	if (strcmp(sv, "bounce") == 0 && (t = strstr(t, " notification: ")) != NULL) {
		/* "sender non-delivery notification: NEWQID": the notice is the
		 * relay's own mail, not a customer's without an account */
		struct pf_msg *n;

		t += 15;
		if (pf_is_queue_id(t, strlen(t)) && (n = pf_msg_get(imp, lc, t)) != NULL)
			n->notice = 1;
		return STORE_OK;
	}
	lc->stats->skipped++; /* warnings, ... */
	return STORE_OK;
}

/* ---- the line loop ------------------------------------------------------ */

int
pf_import_begin(struct pf_import *imp)
{
	if (imp->st->in_tx)
		return STORE_OK;
	imp->in_batch = 0;
	return store_begin(imp->st);
}

static int
commit(struct pf_import *imp)
{
	imp->in_batch = 0;
	/* store_commit resets every cached statement first: one left on a row
	 * would keep a read snapshot open, and then no checkpoint could reset
	 * the WAL, which would grow without bound over a long import. */
	return store_commit(imp->st);
}

int
pf_import_commit(struct pf_import *imp, const struct pf_line_ctx *lc)
{
	if (flush_all(imp, lc) == STORE_EDB)
		return STORE_EDB;
	return commit(imp);
}

int
pf_import_line(struct pf_import *imp, const char *line, size_t len, const char *name, long lineno,
	       struct import_stats *stats, import_report_fn *report, void *ctx)
{
	const struct pf_line_ctx lc = { stats, report, ctx, name, lineno };
	struct pf_line pl;
	int r;

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
			report(ctx, name, lineno,
			       imp->format == PF_FORMAT_EXIM ? "not an Exim log line, skipped" :
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
		r = import_parsed(imp, &lc, &pl);
	if (r == STORE_EDB)
		return r;
	/* Batches commit what is written; messages still being assembled
	 * wait for their delivery, "removed" or the end of the input, so a
	 * message is usually written once, whole. */
	if (++imp->in_batch >= IMPORT_BATCH_LINES) {
		if (commit(imp) < 0 || store_begin(imp->st) < 0)
			return STORE_EDB;
	}
	return STORE_OK;
}

void
pf_import_set_ref(struct pf_import *imp, int64_t ref)
{
	memset(&imp->year, 0, sizeof(imp->year));
	imp->year.ref = ref;
	imp->garbage_reported = 0;
}

struct store *
pf_import_store(struct pf_import *imp)
{
	return imp->st;
}

struct pf_import *
pf_import_new(struct store *st, const struct pf_options *o, char *err, size_t errlen)
{
	struct pf_import *imp = xcalloc(1, sizeof(*imp));

	imp->st = st;
	imp->format = o->format;
	imp->account_from = o->account_from;
	imp->max_open = o->max_open ? o->max_open : PF_DEFAULT_MAX_OPEN;
	imp->nbuckets = 1;
	while (imp->nbuckets < imp->max_open && imp->nbuckets < ((size_t)1 << 20))
		imp->nbuckets <<= 1;
	imp->buckets = xcalloc(imp->nbuckets, sizeof(*imp->buckets));
	imp->convs = pf_convs_new(1024);
	if (o->account_map != NULL && *o->account_map != '\0' &&
	    pf_map_load(imp, o->account_map, err, errlen) < 0) {
		pf_import_free(&imp);
		return NULL;
	}
	return imp;
}

void
pf_import_free(struct pf_import **ip)
{
	struct pf_import *imp = *ip;

	if (imp == NULL)
		return;
	while (imp->lru_head != NULL)
		pf_msg_free(imp, imp->lru_head);
	free(imp->buckets);
	for (size_t i = 0; i < imp->nmap; i++) {
		free(imp->map[i].key);
		free(imp->map[i].account);
	}
	free(imp->map);
	pf_convs_free(&imp->convs);
	free(imp);
	*ip = NULL;
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
	int r, result = IMPORT_OK;

	lr = lines_open(path, PF_MAX_LINE * 4, err, errlen);
	if (lr == NULL)
		return IMPORT_ENOFILE;
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
			if (report)
				report(ctx, name, lines_number(lr), "line too long, skipped");
			continue;
		}
		lc.lineno = lines_number(lr);
		if (pf_import_line(imp, line, len, name, lc.lineno, stats, report, ctx) ==
		    STORE_EDB)
			goto db;
	}
	if (imp->st->in_tx && pf_import_commit(imp, &lc) < 0)
		goto db;
	lines_close(&lr);
	return result;
db:
	snprintf(err, errlen, "%s:%ld: store: %s", name, lines_number(lr), store_errmsg(imp->st));
	store_rollback(imp->st);
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
		return IMPORT_EDB;
	}
	while (imp->lru_head != NULL)
		pf_msg_drop(imp, &lc, imp->lru_head);
	return IMPORT_OK;
}
