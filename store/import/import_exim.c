/*
 * import_exim.c - delivery records from Exim 4's mainlog: the per-line
 * part of the log importer for PF_FORMAT_EXIM (see import.h).
 *
 * Everything around a line is shared with the Postfix format
 * (postfix_state.c, log_msgs.c, log_import.c, postfix_follow.c): the table
 * of open message IDs with its cap, the account rule and map, batching,
 * idempotent writes, the follower and its saved state.  Exim logs a
 * message as:
 *   ID <= sender ... A=plain:user ... id=MSGID T="subject" for a b
 *   ID => a R=router T=transport H=mx [ip]:port ... C="250 ..."
 *   ID -> b ...                    (another recipient, same transaction)
 *   ID == c ... defer (-44) H=..: SMTP error from remote mail server ...
 *   ID ** d ... H=..: SMTP error from remote mail server after ...: 550 ...
 *   ID Completed
 * Exim does not log the SMTP conversation: every attempt's transcript is a
 * summary of what the line says, marked "summary".
 *
 * SECURITY: subjects, Message-IDs and addresses are the sender's, replies
 * the remote server's.  Fields are taken only where Exim puts them
 * (exim_parse.c), U= (an RFC 1413 answer on SMTP arrivals) only for local
 * submissions, every string is bounded and cleaned before it is kept, and
 * recipients are checked with addr_valid.
 */
#include "store/import/postfix_int.h"
#include "store/store_int.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The account key of an arrival: the authenticated id of A=
 * ("plain:acme" -> "acme"; "+smtp_mailauth" appends ":sender"), else for
 * a local submission (P=local...) the submitting user of U=. */
static void
arrival_user(const struct ex_arrival *a, char *out, size_t outlen)
{
	const char *id;

	out[0] = '\0';
	if (a->auth[0] != '\0' && (id = strchr(a->auth, ':')) != NULL) {
		str_copy(out, id + 1, outlen);
		out[strcspn(out, ":")] = '\0';
	} else if (a->user[0] != '\0' && strncmp(a->proto, "local", 5) == 0) {
		str_copy(out, a->user, outlen);
	}
}

static int
do_arrival(struct pf_import *imp, const struct pf_line_ctx *lc, const struct pf_line *pl)
{
	struct ex_arrival a;
	struct pf_msg *m;
	char user[300];

	if (ex_parse_arrival(pl->text, &a) < 0) {
		lc->stats->skipped++;
		return STORE_OK;
	}
	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if (m->first_at == 0)
		m->first_at = pl->at;
	if (a.bounce_of[0] != '\0' || a.sender[0] == '\0')
		m->notice = 1; /* Exim's own bounce or warning: no customer's mail */
	/* a notice's U= is Exim's own user, never a customer's */
	arrival_user(&a, user, sizeof(user));
	if (user[0] != '\0' && !m->notice)
		pf_set_str(&m->sasl, user);
	if (!m->have_from) {
		m->have_from = 1;
		pf_set_str(&m->from, a.sender);
	}
	if (a.mid[0] != '\0' && m->mid == NULL) {
		char mid[PF_MAX_FIELD + 3];

		snprintf(mid, sizeof(mid), "<%s>", a.mid);
		pf_set_str(&m->mid, mid);
	}
	if (a.subject_set && m->subject == NULL)
		m->subject = pf_decode_header(a.subject, 4 * PF_MAX_FIELD);
	if (a.rcpts != NULL) {
		const char *p = a.rcpts;

		while (*p != '\0') {
			size_t n;
			char addr[512], *norm;

			p += strspn(p, " ");
			n = strcspn(p, " ");
			if (n > 0 && n < sizeof(addr)) {
				memcpy(addr, p, n);
				addr[n] = '\0';
				if ((norm = addr_normalize(addr)) != NULL)
					pf_add_rcpt(m, norm);
				free(norm);
			}
			p += n;
		}
	}
	m->dirty = 1;
	return STORE_OK;
}

static const char *
attempt_status(const char *kind)
{
	if (strcmp(kind, "=>") == 0 || strcmp(kind, "->") == 0 || strcmp(kind, ">>") == 0)
		return "delivered";
	if (strcmp(kind, "==") == 0)
		return "deferred";
	if (strcmp(kind, "**") == 0)
		return "bounced";
	return NULL; /* "*>": delivery suppressed (-N) */
}

/* One line of a summary: formatted, cleaned to a single line. */
static void __attribute__((format(printf, 2, 3))) sum_line(struct buf *b, const char *fmt, ...)
{
	char line[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	str_sanitize_line(line);
	buf_puts(b, line);
	buf_putc(b, '\n');
}

/* What the line says, as the attempt's transcript. */
static char *
summary(const struct ex_delivery *d, const char *rcpt, int64_t at)
{
	const char *what = strcmp(d->kind, "==") == 0 ? "deferred delivery to" :
			   strcmp(d->kind, "**") == 0 ? "failed delivery to" :
							"delivery to";
	struct buf b;
	char ts[32];

	buf_init(&b, 8192);
	buf_puts(&b, "Summary from the Exim log (Exim does not log the SMTP conversation):\n");
	if (d->mx_ip[0] != '\0')
		sum_line(&b, "%s %s <%s> via %s [%s]%s%s", time_format_rfc3339(at, ts), what, rcpt,
			 d->mx_host, d->mx_ip, d->port[0] ? ":" : "", d->port);
	else
		sum_line(&b, "%s %s <%s>", time_format_rfc3339(at, ts), what, rcpt);
	if (d->router[0] != '\0' || d->transport[0] != '\0')
		sum_line(&b, "router %s, transport %s", d->router[0] ? d->router : "-",
			 d->transport[0] ? d->transport : "-");
	if (d->tls[0] != '\0')
		sum_line(&b, "TLS %s%s%s%s%s", d->tls, d->cv[0] ? ", certificate verified: " : "",
			 d->cv, d->dn[0] ? ", peer " : "", d->dn);
	if (d->chunking)
		buf_puts(&b, "message sent with CHUNKING (BDAT)\n");
	if (d->confirm[0] != '\0')
		sum_line(&b, "server's confirmation: %s", d->confirm);
	if (d->error[0] != '\0')
		sum_line(&b, "%s", d->error);
	if (d->qt[0] != '\0')
		sum_line(&b, "time in queue %s", d->qt);
	if (d->dt[0] != '\0')
		sum_line(&b, "delivery time %s", d->dt);
	return buf_steal(&b, NULL);
}

/* "retry time not reached ...": Exim did not try this time. */
static int
no_attempt(const struct ex_delivery *d)
{
	return strstr(d->error, "retry time not reached") != NULL;
}

static int
do_delivery(struct pf_import *imp, const struct pf_line_ctx *lc, const struct pf_line *pl,
	    const struct ex_delivery *d)
{
	struct store_attempt_in a;
	struct pf_msg *m;
	char reply[1100], dsn[16], *rcpt, *transcript;
	int r, first, edb = 0;

	memset(&a, 0, sizeof(a));
	if ((a.status = attempt_status(d->kind)) == NULL || no_attempt(d)) {
		lc->stats->skipped++;
		return STORE_OK;
	}
	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if ((r = pf_msg_flush(imp, lc, m, 1, &first)) == STORE_EDB)
		return r;
	/* the address the sender gave, when routing changed it */
	rcpt = d->orig[0] ? addr_normalize(d->orig) : NULL;
	if (rcpt != NULL && !addr_valid(rcpt)) {
		free(rcpt);
		rcpt = NULL;
	}
	if (rcpt == NULL && pf_msg_await_for_rcpt(imp, lc, m, d->addr, first) < 0)
		return STORE_EDB;
	if (!m->written && m->inflight == 0) {
		free(rcpt);
		lc->stats->skipped++; /* no account: counted when dropped */
		return STORE_OK;
	}
	if (rcpt == NULL && (rcpt = pf_attempt_rcpt(imp, lc, pl->qid, d->addr, &edb)) == NULL)
		return edb ? STORE_EDB : STORE_OK;
	if (d->confirm[0] != '\0') {
		str_copy(reply, d->confirm, sizeof(reply));
		str_sanitize_line(reply);
	} else {
		ex_reply_text(d->error, reply, sizeof(reply));
	}
	ex_enhanced_status(reply, dsn, sizeof(dsn));
	transcript = summary(d, rcpt, pl->at);
	a.queue_id = m->qid;
	a.recipient = rcpt;
	a.at = pl->at;
	a.mx_host = d->mx_host[0] ? d->mx_host : NULL;
	a.mx_ip = d->mx_ip[0] ? d->mx_ip : NULL;
	a.smtp_code = pf_reply_code(reply);
	a.enhanced_status = dsn[0] ? dsn : NULL;
	a.response = reply[0] ? reply : NULL;
	a.transcript = transcript;
	a.transcript_kind = "summary";
	r = pf_put_attempt(imp, lc, m, first, &a);
	free(transcript);
	free(rcpt);
	return r;
}

/* ---- frozen messages ---------------------------------------------------- */

/* Exim logs no attempt when it freezes a message, but a line:
 *   "Frozen"                           a delivery asked for it (the MX is
 *                                      this host): the reason is the
 *                                      recipient's deferral just before
 *   "Frozen (delivery error message)"  a bounce that could not be sent
 *   "Frozen by the system filter: ..."
 *   "frozen by root"                   exim -Mf, or an ACL at arrival
 *   "Message is frozen"                every queue run that skips it
 *   "Unfrozen by errmsg timer", "Unfrozen by forced delivery",
 *   "unfrozen by root"                 (exim -Mt)
 * A recipient not yet delivered or failed gets a deferred attempt without
 * MX or code whose reply says so ("frozen by Exim: <why>"), so that a
 * reply tells the customer the message is held on the relay. */
#define FROZEN_PREFIX "frozen by Exim: "
#define UNFROZEN_PREFIX "no longer frozen: "

enum freeze { FREEZE_NONE, FREEZE_FROZEN, FREEZE_STILL, FREEZE_THAWED };

/* What kind of freeze line `t` is; *why_r points at the reason in it
 * (after "Frozen", or the whole text of an unfreeze line). */
static enum freeze
freeze_kind(const char *t, const char **why_r)
{
	*why_r = t;
	if (strcmp(t, "Message is frozen") == 0)
		return FREEZE_STILL;
	if (strncmp(t, "Unfrozen by ", 12) == 0 || strncmp(t, "unfrozen by ", 12) == 0)
		return FREEZE_THAWED;
	if ((strncmp(t, "Frozen", 6) == 0 && (t[6] == '\0' || t[6] == ' ')) ||
	    strncmp(t, "frozen by ", 10) == 0) {
		*why_r = t + 6;
		return FREEZE_FROZEN;
	}
	return FREEZE_NONE;
}

static int
is_freeze_record(const struct store_attempt *a)
{
	return a->response != NULL && (strncmp(a->response, FROZEN_PREFIX, 16) == 0 ||
				       strncmp(a->response, UNFROZEN_PREFIX, 18) == 0);
}

/* The recipient's latest attempt at or before `at`; a freeze record at
 * `at` itself is this line's own, written by an earlier import, and left
 * out so that a re-import decides as the first import did. */
static const struct store_attempt *
attempt_before(const struct store_recipient *r, int64_t at)
{
	const struct store_attempt *last = NULL;

	for (size_t i = 0; i < r->n_attempts; i++) {
		const struct store_attempt *a = &r->attempts[i];

		if (a->at > at || (a->at == at && is_freeze_record(a)))
			continue;
		last = a;
	}
	return last;
}

#define STILL_REPLY FROZEN_PREFIX "the reason is not in the imported log"

/* A "Frozen" line's record of `r` in the second `at`, which a queue run's
 * "Message is frozen" in the same second must not repeat
 * (attempt_before() leaves it out, taking it for the line's own).  The
 * line's own record, from an earlier import, says STILL_REPLY. */
static int
frozen_at(const struct store_recipient *r, int64_t at)
{
	for (size_t i = 0; i < r->n_attempts; i++) {
		const char *resp = r->attempts[i].response;

		if (r->attempts[i].at == at && resp != NULL &&
		    strncmp(resp, FROZEN_PREFIX, 16) == 0 && strcmp(resp, STILL_REPLY) != 0)
			return 1;
	}
	return 0;
}

/* The reply a freeze line gives recipient `r` into out[outlen], or "" when
 * it changes nothing for it. */
static void
freeze_reply(enum freeze k, const char *why, const struct store_recipient *r, int64_t at, char *out,
	     size_t outlen)
{
	const struct store_attempt *prev = attempt_before(r, at);
	char reason[1100];
	size_t n;

	out[0] = '\0';
	if (prev != NULL && strcmp(prev->status, "deferred") != 0)
		return; /* delivered or failed before the freeze */
	switch (k) {
	case FREEZE_FROZEN:
		why += strspn(why, " ");
		str_copy(reason, why, sizeof(reason));
		n = strlen(reason);
		if (reason[0] == '(' && n > 1 && reason[n - 1] == ')') {
			memmove(reason, reason + 1, n - 2);
			reason[n - 2] = '\0';
		}
		if (reason[0] == '\0' && prev != NULL && prev->response != NULL &&
		    !is_freeze_record(prev))
			str_copy(reason, prev->response, sizeof(reason));
		if (reason[0] == '\0')
			str_copy(reason, "no reason given in the log", sizeof(reason));
		snprintf(out, outlen, FROZEN_PREFIX "%s", reason);
		break;
	case FREEZE_STILL:
		/* the Frozen line was before this log (or its recipients
		 * were not known then): record the freeze once */
		if (!frozen_at(r, at) && (prev == NULL || prev->response == NULL ||
					  strncmp(prev->response, FROZEN_PREFIX, 16) != 0))
			snprintf(out, outlen, STILL_REPLY);
		break;
	case FREEZE_THAWED:
		if (prev != NULL && prev->response != NULL &&
		    strncmp(prev->response, FROZEN_PREFIX, 16) == 0)
			snprintf(out, outlen, UNFROZEN_PREFIX "%s; Exim will try again", why);
		break;
	case FREEZE_NONE:
		break;
	}
	str_sanitize_line(out);
}

static char *
freeze_summary(const char *line, const char *rcpt, int64_t at)
{
	struct buf b;
	char ts[32];

	buf_init(&b, 512);
	buf_puts(&b, "Summary from the Exim log (Exim does not log the SMTP conversation):\n");
	sum_line(&b, "%s message to <%s>: %s", time_format_rfc3339(at, ts), rcpt, line);
	buf_puts(&b, "Exim made no delivery attempt for this line\n");
	return buf_steal(&b, NULL);
}

static int
do_freeze(struct pf_import *imp, const struct pf_line_ctx *lc, const struct pf_line *pl,
	  enum freeze k, const char *why)
{
	struct store_message_list l = { NULL, 0 };
	struct pf_msg *m;
	int r, wrote = 0;

	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if ((r = pf_msg_settle(imp, lc, m)) == STORE_EDB)
		return r;
	if (!m->written) {
		lc->stats->skipped++; /* no account: counted when dropped */
		return STORE_OK;
	}
	if ((r = store_find_by_queue_id(imp->st, m->qid, 0, STORE_WITH_ATTEMPTS, &l)) != STORE_OK) {
		if (r == STORE_EDB)
			return r;
		lc->stats->skipped++;
		return STORE_OK;
	}
	for (size_t i = 0; l.n > 0 && i < l.v[0].n_rcpts; i++) {
		const struct store_recipient *rc = &l.v[0].rcpts[i];
		struct store_attempt_in a;
		char reply[1200], *transcript;

		freeze_reply(k, why, rc, pl->at, reply, sizeof(reply));
		if (reply[0] == '\0')
			continue;
		memset(&a, 0, sizeof(a));
		transcript = freeze_summary(pl->text, rc->address, pl->at);
		a.queue_id = m->qid;
		a.recipient = rc->address;
		a.at = pl->at;
		a.status = "deferred";
		a.response = reply;
		a.transcript = transcript;
		a.transcript_kind = "summary";
		r = pf_put_attempt(imp, lc, m, 0, &a);
		free(transcript);
		if (r == STORE_EDB) {
			store_message_list_free(&l);
			return r;
		}
		wrote = 1;
	}
	store_message_list_free(&l);
	if (!wrote)
		lc->stats->skipped++;
	return STORE_OK;
}

int
ex_import_parsed(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_line *pl)
{
	enum freeze fk;
	const char *why;
	const char *t = pl->text;
	struct ex_delivery d;
	struct pf_msg *m;

	if (pl->qid == NULL) {
		/* daemon and queue-run notes, SMTP connections, rejections */
		lc->stats->skipped++;
		return STORE_OK;
	}
	if (strncmp(t, "<= ", 3) == 0)
		return do_arrival(imp, lc, pl);
	if (ex_parse_delivery(t, &d) == 0)
		return do_delivery(imp, lc, pl, &d);
	if (strncmp(t, "Completed", 9) == 0 && (t[9] == '\0' || t[9] == ' ')) {
		if ((m = pf_msg_find(imp, pl->qid)) != NULL) {
			if (pf_msg_flush(imp, lc, m, 0, NULL) == STORE_EDB)
				return STORE_EDB;
			pf_msg_drop(imp, lc, m);
		}
		return STORE_OK;
	}
	if ((fk = freeze_kind(t, &why)) != FREEZE_NONE)
		return do_freeze(imp, lc, pl, fk, why);
	/* warnings, "Spool file ... is locked", routing notes, ... */
	lc->stats->skipped++;
	return STORE_OK;
}
