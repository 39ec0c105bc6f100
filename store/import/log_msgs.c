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
	struct store_stmt *s;
	int rc;

	if (m->checked || m->written || m->first_at == 0)
		return STORE_OK;
	m->checked = 1;
	s = store_stmt(imp->st, "SELECT submitted_at FROM messages WHERE queue_id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, m->qid);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		int64_t t = store_col_int64(s, 0);

		store_reset(s);
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
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(imp->st, "checking a queue ID");
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

/* ---- attempts --------------------------------------------------------- */

char *
pf_attempt_rcpt(const struct pf_line_ctx *lc, const char *qid, const char *addr)
{
	char *rcpt = addr_normalize(addr);

	if (rcpt == NULL || !addr_valid(rcpt)) {
		char why[700];

		snprintf(why, sizeof(why), "%s: recipient <%.500s> is not a valid address", qid,
			 addr);
		pf_reject(lc, why);
		free(rcpt);
		return NULL;
	}
	return rcpt;
}

int
pf_put_attempt(struct pf_import *imp, const struct pf_line_ctx *lc,
	       const struct store_attempt_in *a)
{
	int r = store_put_attempt(imp->st, a);

	if (r == STORE_ADDED)
		lc->stats->attempts++;
	else if (r == STORE_OK)
		lc->stats->unchanged++;
	else if (r == STORE_EINVAL)
		pf_reject(lc, store_errmsg(imp->st));
	return r == STORE_EDB ? r : STORE_OK;
}

/* ---- batches ------------------------------------------------------------ */

int
pf_import_begin(struct pf_import *imp)
{
	if (imp->st->in_tx)
		return STORE_OK;
	imp->in_batch = 0;
	return store_begin(imp->st);
}

int
pf_import_commit_batch(struct pf_import *imp)
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
