/*
 * import_postfix.c - the Postfix format of the log importer (see
 * import.h): what each Postfix line means for a message (smtpd, pickup,
 * cleanup, qmgr, the delivery agents, bounce).  The message state, its
 * writing and the line loop are shared with the Exim format (log_msgs.c,
 * log_import.c).
 *
 * SECURITY: the log holds text chosen by senders (subjects, Message-IDs,
 * addresses) and by remote servers (replies).  Every field is bounded,
 * recipient addresses are checked with addr_valid before they are stored,
 * and conversations are capped per smtp process (PF_CONV_MAX), so neither
 * memory nor the store can be flooded by one message.
 */
#include "store/import/postfix_int.h"
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

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
	int full, r, first, edb = 0;

	if (pf_parse_delivery(pl->text, &d) < 0 || (a.status = attempt_status(d.status)) == NULL) {
		lc->stats->skipped++;
		return STORE_OK;
	}
	if ((m = pf_msg_get(imp, lc, pl->qid)) == NULL)
		return STORE_EDB;
	if ((r = pf_msg_flush(imp, lc, m, 1, &first)) == STORE_EDB)
		return r;
	if (pf_msg_await_for_rcpt(imp, lc, m, d.to, first) < 0)
		return STORE_EDB;
	if (!m->written && m->inflight == 0) {
		lc->stats->skipped++; /* no account: counted when dropped */
		/* keep the per-pid conversation in step all the same */
		free(pf_convs_transcript(imp->convs, pl->pid, &d, pl->at, &full));
		return STORE_OK;
	}
	if ((rcpt = pf_attempt_rcpt(imp, lc, pl->qid, d.to, &edb)) == NULL) {
		free(pf_convs_transcript(imp->convs, pl->pid, &d, pl->at, &full));
		return edb ? STORE_EDB : STORE_OK;
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
	r = pf_put_attempt(imp, lc, m, first, &a);
	free(transcript);
	free(rcpt);
	return r;
}

/* qmgr "from=<s>, status=expired, returned to sender": every recipient
 * still deferred is bounced now, with the last reply it got. */
static int
do_expired(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int64_t at)
{
	struct store_message_list l = { NULL, 0 };
	int r;

	if ((r = pf_msg_settle(imp, lc, m)) == STORE_EDB)
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

int
pf_import_parsed(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_line *pl)
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
			if (pf_msg_flush(imp, lc, m, 0, NULL) == STORE_EDB)
				return STORE_EDB;
			pf_msg_drop(imp, lc, m);
			return STORE_OK;
		}
		if (strncmp(t, "from=<", 6) == 0) {
			pf_field(t, "from", val, sizeof(val));
			/* a null sender that came in through neither smtpd nor
			 * pickup: a bounce, delay or success notice Postfix made
			 * itself; the bounce daemon's line naming it may come
			 * after its delivery and its "removed" */
			if (val[0] == '\0' && m->first_at == 0 && m->sasl == NULL)
				m->notice = 1;
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
