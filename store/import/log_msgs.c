/*
 * log_msgs.c - the message state of the log importers (Postfix and Exim
 * formats, see import.h), and writing it to the store.
 *
 * Each queue ID seen gets a small state (submission time, SASL user,
 * sender, Message-ID, subject, account) in a hash table with a
 * least-recently-seen list (postfix_state.c); it is written to the store
 * when a delivery line needs it, at each batch commit, when the message
 * ends ("removed", "Completed") and when it is evicted (the table is
 * capped), and dropped at its end or eviction.  The store is the memory
 * beyond the table: a queue ID whose start was evicted, or logged in an
 * earlier file, gets its account back from the stored message.  Nothing
 * is guessed: a message with no known account is skipped and counted, a
 * missing submission time stays 0, a missing Message-ID stays NULL.
 *
 * Re-importing changes nothing: messages are upserts that only fill empty
 * fields and attempts are deduplicated by the store.
 *
 * The format's line handlers (import_postfix.c, import_exim.c) call in
 * here; the line loop (log_import.c) calls them and this.
 *
 * SECURITY: every string kept is bounded (pf_set_str) and the state is
 * capped (max_open queue IDs), so one log cannot flood memory.
 */
#include "store/import/postfix_int.h"
#include "store/store_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_DEFAULT_MAX_OPEN 100000


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
		if (pf_msg_flush(imp, lc, imp->lru_head, 0, NULL) == STORE_EDB)
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

/* The records go through a store batch (store.h, store_batch_*): on
 * PostgreSQL a batch of them is one COPY and one merge instead of a call
 * each, and their results come at the flush; on SQLite each is written
 * and answered at once.  What a line does after its message was written
 * depends on whether it was stored (its delivery lines are attempts, or
 * counted as without account) and the store is read to tell (a reused
 * queue ID, the account of a message whose start is not in the log).  So
 * those reads are the merge's (store_batch_message_opts: reuse_at, no
 * account), and an attempt whose message's result is still due goes
 * with `after`: the merge writes it only if the message was stored.
 * The rest waits for the results (pf_import_flush): a message changed
 * while its record waits, an invalid recipient of such a message, an
 * expiry or a freeze (they read the store), a commit.  Every result, and
 * every report of a line, is counted and reported in line order, with
 * the words of the writes one at a time. */

/* Records whose results may be due at once: the batch's limit, and as
 * many again for the ones whose results came while a later one of the
 * same message still waits (an attempt reads its message's). */
#define PF_RECS (2 * STORE_BATCH_MAX)

enum { REC_NOTE = 1, REC_MSG, REC_ATTEMPT };

struct pf_rec {
	long tag; /* 0: free */
	long lineno;
	int kind;
	struct pf_msg *m; /* REC_MSG: borrowed; NULL once dropped */
	long after;	  /* REC_ATTEMPT: its message's record, 0 none */
	int first;	  /* REC_ATTEMPT: that record was sent for this line */
	/* REC_MSG dropped while waiting (pf_msg_drop): its state then */
	unsigned dropped : 1, orphan : 1, written : 1, notice : 1;
	int result; /* REC_MSG: once reported */
	char *why;  /* REC_MSG: a refusal's reason (owned) */
};

static struct pf_rec *
rec_of(struct pf_import *imp, long tag)
{
	struct pf_rec *e = &imp->recs[tag % PF_RECS];

	return e->tag == tag ? e : NULL;
}

/* A new record at the line of `lc` (its tag in e->tag). */
static struct pf_rec *
rec_new(struct pf_import *imp, const struct pf_line_ctx *lc, int kind)
{
	long tag = ++imp->next_tag;
	struct pf_rec *e = &imp->recs[tag % PF_RECS];

	free(e->why);
	memset(e, 0, sizeof(*e));
	e->tag = tag;
	e->lineno = lc->lineno;
	e->kind = kind;
	return e;
}

static void
report_cur(struct pf_import *imp, long lineno, const char *why)
{
	char w[600];

	if (imp->cur.report == NULL || why == NULL)
		return;
	str_copy(w, why, sizeof(w));
	str_sanitize_line(w);
	imp->cur.report(imp->cur.ctx, imp->cur.name, lineno, w);
}

/* Whose stats and reports the results go to: those of `lc`; the results
 * still due for others come first. */
static int
use_ctx(struct pf_import *imp, struct import_stats *stats, import_report_fn *report, void *ctx,
	const char *name)
{
	if (imp->cur.stats == stats && imp->cur.report == report && imp->cur.ctx == ctx &&
	    (imp->cur.name == NULL ? name == NULL :
				     name != NULL && strcmp(imp->cur.name, name) == 0))
		return STORE_OK;
	if (pf_import_flush(imp) < 0)
		return STORE_EDB;
	imp->cur.stats = stats;
	imp->cur.report = report;
	imp->cur.ctx = ctx;
	free(imp->cur.name);
	imp->cur.name = name != NULL ? xstrdup(name) : NULL;
	return STORE_OK;
}

int
pf_import_use(struct pf_import *imp, const struct pf_line_ctx *lc)
{
	return use_ctx(imp, lc->stats, lc->report, lc->ctx, lc->name);
}

/* A message record's outcome into the message's state (or what it was
 * when dropped, then counted as pf_msg_drop would have). */
static void
msg_done(struct pf_import *imp, struct pf_rec *e, int r, const char *why)
{
	struct pf_msg *m = e->m, dropped;

	if (m == NULL) {
		memset(&dropped, 0, sizeof(dropped));
		dropped.orphan = e->orphan;
		dropped.written = e->written;
		dropped.notice = e->notice;
		m = &dropped;
	} else if (m->inflight == e->tag) {
		m->inflight = 0;
	}
	e->result = r;
	switch (r) {
	case STORE_ADDED:
		imp->cur.stats->messages++;
		/* fall through */
	case STORE_OK:
		m->written = 1;
		break;
	case STORE_EINVAL:
		m->orphan = 1;
		imp->cur.stats->rejected++;
		report_cur(imp, e->lineno, why);
		e->why = why != NULL ? xstrdup(why) : NULL;
		break;
	case STORE_BATCH_REUSED: {
		char w[300];

		m->reused = 1;
		snprintf(w, sizeof(w), "%s: %s; this message is skipped", why,
			 imp->format == PF_FORMAT_EXIM ?
			     "a reused message ID (two hosts with the same "
			     "localhost_number writing one log?)" :
			     "a reused short queue ID (set enable_long_queue_ids "
			     "= yes)");
		imp->cur.stats->rejected++;
		report_cur(imp, e->lineno, w);
		break;
	}
	case STORE_BATCH_NOACCOUNT:
		m->orphan = 1;
		m->looked_up = 1;
		break;
	default:
		break;
	}
	if (e->dropped && m->orphan && !m->written && !m->notice)
		imp->cur.stats->unowned++;
}

/* store_batch_done_fn: a record's result, in the records' order. */
static void
rec_done(void *arg, long tag, int kind, int r, const char *why)
{
	struct pf_import *imp = arg;
	struct pf_rec *e = rec_of(imp, tag), *msg;

	(void)kind;
	if (e == NULL)
		panic("log importer: no record %ld", tag);
	switch (e->kind) {
	case REC_NOTE:
		report_cur(imp, e->lineno, why);
		break;
	case REC_MSG:
		msg_done(imp, e, r, why);
		return; /* kept: a later attempt may read its result */
	case REC_ATTEMPT:
		if (r == STORE_ADDED) {
			imp->cur.stats->attempts++;
		} else if (r == STORE_OK) {
			imp->cur.stats->unchanged++;
		} else if (r == STORE_EINVAL) {
			imp->cur.stats->rejected++;
			report_cur(imp, e->lineno, why);
		} else if (r == STORE_BATCH_SKIPPED) {
			/* as the line would have gone with its message's refusal
			 * known: written again and refused again, for a line
			 * after the one it was sent for */
			msg = rec_of(imp, e->after);
			if (!e->first && msg != NULL && msg->kind == REC_MSG &&
			    msg->result == STORE_EINVAL) {
				imp->cur.stats->rejected++;
				report_cur(imp, e->lineno, msg->why);
			}
			imp->cur.stats->skipped++; /* no account: counted when dropped */
		}
		break;
	}
	e->tag = 0;
	free(e->why);
	e->why = NULL;
}

int
pf_import_flush(struct pf_import *imp)
{
	return store_batch_flush(imp->batch);
}

void
pf_import_drop_waiting(struct pf_import *imp)
{
	store_batch_free(&imp->batch);
	imp->batch = store_batch_new(imp->st, rec_done, imp);
	for (struct pf_msg *m = imp->lru_head; m != NULL; m = m->lnext)
		m->inflight = 0;
}

int
pf_import_note(struct pf_import *imp, const char *name, long lineno, struct import_stats *stats,
	       import_report_fn *report, void *ctx, const char *why)
{
	const struct pf_line_ctx lc = { stats, report, ctx, name, lineno };
	struct pf_rec *e;

	if (report == NULL)
		return STORE_OK;
	if (pf_import_use(imp, &lc) < 0)
		return STORE_EDB;
	e = rec_new(imp, &lc, REC_NOTE);
	return store_batch_refuse(imp->batch, e->tag, why);
}

int
pf_reject(struct pf_import *imp, const struct pf_line_ctx *lc, const char *why)
{
	lc->stats->rejected++;
	return pf_import_note(imp, lc->name, lc->lineno, lc->stats, lc->report, lc->ctx, why);
}

/* The message's account by the configured rule, or the one found
 * before; NULL: leave it to the store (the stored message's). */
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
	return NULL;
found:
	m->account = xstrdup(acct);
	return m->account;
}

int
pf_msg_flush(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int need,
	     int *first_r)
{
	struct store_message_in in;
	struct store_batch_opts o;
	struct pf_rec *e;
	const char *rcpt[PF_MAX_RCPTS];
	char rbuf[PF_MAX_FIELD + 1];

	if (first_r != NULL)
		*first_r = 0;
	if (m->inflight != 0) {
		if (!m->dirty)
			return STORE_OK; /* what depends on it goes after it */
		/* changed while its record waits (rare): that result first */
		if (pf_import_flush(imp) < 0)
			return STORE_EDB;
	}
	if (!m->dirty && (m->written || !need))
		return m->written ? STORE_OK : STORE_ENOTFOUND;
	m->dirty = 0;
	if (m->reused)
		return STORE_ENOTFOUND;
	/* Short queue IDs repeat after a while.  A message whose submission
	 * we saw, stored under the same queue ID with another submission
	 * time, is a different message: it is refused (reported) rather than
	 * merged; the merge checks it (reuse_at) once per message. */
	memset(&o, 0, sizeof(o));
	if (!m->checked && !m->written && m->first_at != 0) {
		m->checked = 1;
		o.reuse_at = m->first_at;
	}
	memset(&in, 0, sizeof(in));
	/* No account by the rule: the stored message's (its start was in an
	 * earlier file or was evicted), unless the store had none before. */
	in.account = msg_account(imp, m);
	if (in.account == NULL && m->looked_up && o.reuse_at == 0) {
		m->orphan = 1;
		return STORE_ENOTFOUND;
	}
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
	if (pf_import_use(imp, lc) < 0)
		return STORE_EDB;
	e = rec_new(imp, lc, REC_MSG);
	e->m = m;
	m->inflight = e->tag;
	if (first_r != NULL)
		*first_r = 1;
	/* on SQLite the result has come (rec_done) when this returns */
	if (store_batch_message_opts(imp->batch, e->tag, &in, &o) < 0)
		return STORE_EDB;
	return m->inflight != 0 || m->written ? STORE_OK : STORE_ENOTFOUND;
}

int
pf_msg_settle(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m)
{
	/* every record still waiting, not only m's: the read that follows
	 * must see the attempts of the lines before */
	if (pf_msg_flush(imp, lc, m, 1, NULL) == STORE_EDB || pf_import_flush(imp) < 0)
		return STORE_EDB;
	return m->written ? STORE_OK : STORE_ENOTFOUND;
}

/* 1 if `addr` is a recipient pf_attempt_rcpt() takes. */
static int
rcpt_takes(const char *addr)
{
	char *rcpt = addr_normalize(addr);
	int ok = rcpt != NULL && addr_valid(rcpt);

	free(rcpt);
	return ok;
}

int
pf_msg_await_for_rcpt(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m,
		      const char *addr, int first)
{
	if (m->inflight == 0 || rcpt_takes(addr))
		return STORE_OK;
	if (pf_import_flush(imp) < 0)
		return STORE_EDB;
	if (first || m->written)
		return STORE_OK;
	return pf_msg_settle(imp, lc, m) == STORE_EDB ? STORE_EDB : STORE_OK;
}

void
pf_msg_drop(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m)
{
	struct pf_rec *e = m->inflight != 0 ? rec_of(imp, m->inflight) : NULL;

	if (e != NULL) {
		/* counted when its result comes */
		e->m = NULL;
		e->dropped = 1;
		e->orphan = m->orphan;
		e->written = m->written;
		e->notice = m->notice;
	} else if (m->orphan && !m->written && !m->notice) {
		lc->stats->unowned++;
	}
	pf_msg_free(imp, m);
}

static int
flush_all(struct pf_import *imp, const struct pf_line_ctx *lc)
{
	for (struct pf_msg *m = imp->lru_head; m != NULL; m = m->lnext)
		if (m->dirty && pf_msg_flush(imp, lc, m, 0, NULL) == STORE_EDB)
			return STORE_EDB;
	return STORE_OK;
}

/* ---- attempts --------------------------------------------------------- */

char *
pf_attempt_rcpt(struct pf_import *imp, const struct pf_line_ctx *lc, const char *qid,
		const char *addr, int *edb_r)
{
	char *rcpt = addr_normalize(addr);

	if (rcpt == NULL || !addr_valid(rcpt)) {
		char why[700];

		snprintf(why, sizeof(why), "%s: recipient <%.500s> is not a valid address", qid,
			 addr);
		if (pf_reject(imp, lc, why) < 0)
			*edb_r = 1;
		free(rcpt);
		return NULL;
	}
	return rcpt;
}

int
pf_put_attempt(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int first,
	       const struct store_attempt_in *a)
{
	struct store_batch_opts o;
	struct pf_rec *e;

	if (pf_import_use(imp, lc) < 0)
		return STORE_EDB;
	memset(&o, 0, sizeof(o));
	e = rec_new(imp, lc, REC_ATTEMPT);
	if (m != NULL && m->inflight != 0) {
		o.after = e->after = m->inflight;
		e->first = first;
	}
	return store_batch_attempt_opts(imp->batch, e->tag, a, &o) < 0 ? STORE_EDB : STORE_OK;
}

/* ---- batches ------------------------------------------------------------ */

/* A file's batches are bulk transactions: the subject index of the
 * messages each adds is written once at its commit, not message by
 * message (store_begin_bulk; 2.2x the lines per second on 1 M lines,
 * docs/performance.md).  A follower's are not: its batches are small,
 * and a bulk transaction drops and creates a trigger, a schema change
 * that makes every other connection to the store prepare its statements
 * again. */
int
pf_import_begin(struct pf_import *imp)
{
	if (imp->st->in_tx)
		return STORE_OK;
	imp->in_batch = 0;
	return imp->bulk ? store_begin_bulk(imp->st) : store_begin(imp->st);
}

int
pf_import_commit_batch(struct pf_import *imp)
{
	imp->in_batch = 0;
	if (pf_import_flush(imp) < 0)
		return STORE_EDB;
	/* store_commit resets every cached statement first: one left on a row
	 * would keep a read snapshot open, and then no checkpoint could reset
	 * the WAL, which would grow without bound over a long import. */
	return store_commit(imp->st);
}

int
pf_import_commit(struct pf_import *imp, const struct pf_line_ctx *lc)
{
	if (pf_import_use(imp, lc) < 0 || flush_all(imp, lc) == STORE_EDB)
		return STORE_EDB;
	return pf_import_commit_batch(imp);
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
	imp->batch = store_batch_new(st, rec_done, imp);
	imp->recs = xcalloc(PF_RECS, sizeof(*imp->recs));
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
	/* what was not flushed is dropped, never reported */
	store_batch_free(&imp->batch);
	while (imp->lru_head != NULL)
		pf_msg_free(imp, imp->lru_head);
	for (size_t i = 0; imp->recs != NULL && i < PF_RECS; i++)
		free(imp->recs[i].why);
	free(imp->recs);
	free(imp->cur.name);
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
