/*
 * compose_model.c - turns a reply_input into the data model the templates
 * see (documented field by field in templates/README.md), and builds the
 * transcript attachments.
 *
 * Each recipient's latest attempt is classified with reason.h; the words
 * that explain a reason live in the reason_<name> partials, the one-line
 * summary (reason_text) in compose_words.c, per language.
 *
 * SECURITY: every string of the input except settings may come from a
 * complaint or a remote server.  Strings go into the model only through
 * mime_clean() (valid UTF-8, no controls; single-line fields without any
 * CR/LF), so templates can print them anywhere; HTML escaping is the
 * renderer's.  The transcript attachment carries the stored transcript
 * byte for byte (it is base64-encoded on the way out); its short header is
 * cleaned like everything else.  An unauthorized reply's model holds
 * nothing about any message, whatever the input carries.
 */
#include "responder/reply/compose_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"
#include "responder/reply/mime_out.h"
#include "responder/reason/reason.h"


/* Every name the model below can hold (templates/README.md), so that a
 * template naming anything else is refused at load time.  Keep in step
 * with the json_object_set_new() calls of this file. */
/* clang-format off */
static const char *const model_names[] = {
	/* root */
	"outcome", "is_found", "is_ambiguous", "is_not_found", "is_unauthorized",
	"requester", "requester_name", "complaint_subject", "reply_subject", "support",
	"now", "language", "account", "complaint_message_id", "messages", "n_messages",
	"candidates", "n_candidates", "searched", "has_searched",
	/* message */
	"n", "queue_id", "message_id", "from", "subject", "submitted_at", "recipients",
	"n_recipients", "recipients_text",
	/* recipient, attempt */
	"address", "status", "status_text", "is_delivered", "is_deferred", "is_bounced", "is_pending",
	"reason", "is_greylisted", "reason_text", "provider", "provider_name", "at",
	"mx_host", "mx_ip", "smtp_code", "enhanced_status", "response", "acknowledgement",
	"remote_queue_id", "attempts", "n_attempts", "has_attempts", "transcript",
	"transcript_truncated", "attachment", "guidance", "provider_steps",
	/* forwarded notices (issue 11) */
	"only_candidate", "notices", "has_notices", "notice_status", "notice_action",
	"is_notice_failed", "is_notice_delayed", "is_notice_delivered", "notice_diagnostic",
	"notice_reason_text", "reporting_mta", "reported_elsewhere", "records_status",
	"records_status_text", "records_disagree",
};
/* clang-format on */

int
compose_model_knows(const char *name, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(model_names) / sizeof(model_names[0]); i++)
		if (strcmp(model_names[i], name) == 0)
			return 1;
	return 0;
}

/* ---- small helpers ------------------------------------------------------ */

static void
put_clean(json_t *o, const char *key, const char *raw, int multiline)
{
	char *c;

	if (!raw)
		return;
	c = mime_clean(raw, multiline);
	if (c[0]) /* valid UTF-8: mime_clean's output always is */
		json_object_set_new(o, key, json_stringn_nocheck(c, strlen(c)));
	free(c);
}

/* The reply's language (English when unset or unknown). */
static enum lang
lang_of(const struct reply_input *in)
{
	enum lang l;

	if (!in || !in->language || lang_parse(in->language, &l) < 0)
		return LANG_EN;
	return l;
}

static void
put_time(json_t *o, const char *key, int64_t t, enum lang l)
{
	char h[96];
	if (t <= 0)
		return;
	lang_human_time(l, t, h, sizeof(h));
	json_object_set_new(o, key, json_string(h));
}

void
compose_attachment_name(const char *recipient, const char *queue_id, char *out, size_t size)
{
	char r[29], q[17]; /* 11 + 28 + 1 + 16 + 4 = 60 characters at most */
	const char *srcs[2] = { recipient ? recipient : "unknown",
				queue_id ? queue_id : "unknown" };
	char *dsts[2] = { r, q };
	size_t caps[2] = { sizeof(r), sizeof(q) };
	for (int k = 0; k < 2; k++) {
		size_t j = 0;
		for (const char *p = srcs[k]; *p && j + 1 < caps[k]; p++) {
			unsigned char c = (unsigned char)*p;
			dsts[k][j++] = isalnum(c) || strchr("._@+-", c) ? (char)c : '_';
		}
		if (j == 0)
			dsts[k][j++] = '_';
		dsts[k][j] = '\0';
		if (dsts[k][0] == '.')
			dsts[k][0] = '_';
	}
	snprintf(out, size, "transcript-%s-%s.txt", r, q);
}

void
compose_hostname(const struct settings *s, char *out, size_t size)
{
	const char *h = s && s->hostname && s->hostname[0] ? s->hostname : NULL;
	size_t j = 0;

	if (!h && s && s->address)
		h = addr_domain(s->address);
	if (!h || !h[0])
		h = "localhost";
	for (const char *p = h; *p && j + 1 < size; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c == '-' || c == '.')
			out[j++] = (char)tolower(c);
	}
	out[j] = '\0';
	if (j == 0)
		snprintf(out, size, "localhost");
}

void
compose_atts_free(struct compose_atts *atts)
{
	for (size_t i = 0; i < atts->n; i++) {
		free(atts->v[i].filename);
		buf_free(&atts->v[i].data);
	}
	free(atts->v);
	atts->v = NULL;
	atts->n = 0;
}

static int
focused(const struct reply_input *in, const char *addr)
{
	for (size_t i = 0; i < in->n_focus; i++)
		if (addr && in->focus_recipients[i] &&
		    strcasecmp(in->focus_recipients[i], addr) == 0)
			return 1;
	return 0;
}

/* ---- the transcript attachment ------------------------------------------ */

static void
att_line(struct buf *b, const char *label, const char *raw)
{
	char *c;

	if (!raw || !raw[0])
		return;
	c = mime_clean(raw, 0);
	buf_printf(b, "%-16s %s\r\n", label, c);
	free(c);
}

static void
att_attempt(struct buf *b, size_t n, const struct store_attempt *a)
{
	char when[64], *host, *ip, *st, *resp;

	mime_human_time(a->at, when, sizeof(when));
	host = mime_clean(a->mx_host ? a->mx_host : "(no MX host)", 0);
	ip = mime_clean(a->mx_ip, 0);
	st = mime_clean(a->status, 0);
	buf_printf(b, "  %zu. %s  %s  %s%s%s%s\r\n", n, when, st, host, ip[0] ? " [" : "", ip,
		   ip[0] ? "]" : "");
	if (a->response && a->response[0]) {
		resp = mime_clean(a->response, 0);
		buf_printf(b, "     %s\r\n", resp);
		free(resp);
	}
	free(host);
	free(ip);
	free(st);
}

static void
add_attachment(struct compose_atts *atts, const struct reply_input *in,
	       const struct store_message *m, const struct store_recipient *r, const char *reason,
	       const char *remote_qid)
{
	struct compose_att *att;
	struct buf *b;
	const struct store_attempt *a;
	char name[64], when[64], *who;
	size_t first, tl;

	atts->v = xreallocarray(atts->v, atts->n + 1, sizeof(*atts->v));
	att = &atts->v[atts->n++];
	compose_attachment_name(r->address, m->queue_id, name, sizeof(name));
	att->filename = xstrdup(name);
	b = &att->data;
	buf_init(b, 0);

	who = mime_clean(in->settings && in->settings->name ? in->settings->name : "the relay", 0);
	buf_printf(b,
		   "Delivery record and SMTP transcript, as kept by %s.\r\n"
		   "All times are UTC.\r\n\r\n",
		   who);
	free(who);
	att_line(b, "Message-ID:", m->message_id);
	att_line(b, "Queue ID:", m->queue_id);
	att_line(b, "Subject:", m->subject);
	att_line(b, "From:", m->from);
	att_line(b, "Recipient:", r->address);
	att_line(b, "Status:", r->status);
	att_line(b, "Reason:", reason);
	att_line(b, "Remote queue ID:", remote_qid);
	buf_puts(b, "\r\nAttempts:\r\n");
	first = r->n_attempts > COMPOSE_MAX_ATTEMPTS ? r->n_attempts - COMPOSE_MAX_ATTEMPTS : 0;
	for (size_t i = first; i < r->n_attempts; i++)
		att_attempt(b, i + 1, &r->attempts[i]);
	for (size_t i = first; i < r->n_attempts; i++) {
		a = &r->attempts[i];
		if (!a->transcript)
			continue;
		mime_human_time(a->at, when, sizeof(when));
		buf_printf(b, "\r\n===== transcript of attempt %zu (%s), as recorded =====\r\n",
			   i + 1, when);
		tl = strlen(a->transcript);
		buf_append(b, a->transcript, tl);
		if (tl == 0 || a->transcript[tl - 1] != '\n')
			buf_puts(b, "\r\n");
	}
}

/* ---- recipients, messages, candidates ----------------------------------- */

static json_t *
model_attempt(size_t n, const struct store_attempt *a, enum lang l)
{
	json_t *o = json_object();
	json_object_set_new(o, "n", json_integer((json_int_t)n));
	put_time(o, "at", a->at, l);
	put_clean(o, "status", a->status, 0);
	put_clean(o, "status_text", compose_status_text(l, a->status), 0);
	put_clean(o, "mx_host", a->mx_host, 0);
	put_clean(o, "mx_ip", a->mx_ip, 0);
	if (a->smtp_code > 0)
		json_object_set_new(o, "smtp_code", json_integer(a->smtp_code));
	put_clean(o, "enhanced_status", a->enhanced_status, 0);
	put_clean(o, "response", a->response, 0);
	return o;
}

static json_t *
model_recipient(const struct reply_input *in, const struct store_message *m,
		const struct store_recipient *r, struct compose_atts *atts)
{
	json_t *o = json_object(), *list;
	const struct store_attempt *last = r->n_attempts ? &r->attempts[r->n_attempts - 1] : NULL;
	struct classification cls;
	const char *status;
	char flag[64], name[64], *t;
	size_t raw, take, tl, first;

	memset(&cls, 0, sizeof(cls));
	if (last) {
		reason_classify(last->status, last->smtp_code, last->enhanced_status,
				last->response, last->mx_host, &cls);
	} else {
		cls.reason = REASON_DEFERRED;
		cls.provider = NULL;
	}
	status = r->status && r->status[0] ? r->status : "pending";

	put_clean(o, "address", r->address, 0);
	put_clean(o, "status", status, 0);
	put_clean(o, "status_text", compose_status_text(lang_of(in), status), 0);
	json_object_set_new(o, "reason", json_string(reason_name(cls.reason)));
	json_object_set_new(o, "reason_text",
			    json_string(last ? compose_reason_text(lang_of(in), cls.reason) :
					       compose_queued_text(lang_of(in))));
	snprintf(flag, sizeof(flag), "is_%s", status);
	if (strcmp(status, "delivered") == 0 || strcmp(status, "deferred") == 0 ||
	    strcmp(status, "bounced") == 0 || strcmp(status, "pending") == 0)
		json_object_set_new(o, flag, json_true());
	if (cls.reason == REASON_GREYLISTED)
		json_object_set_new(o, "is_greylisted", json_true());
	if (cls.provider) {
		json_object_set_new(o, "provider", json_string(cls.provider));
		put_clean(o, "provider_name", cls.provider_name, 0);
	}
	if (last) {
		put_time(o, "at", last->at, lang_of(in));
		put_clean(o, "mx_host", last->mx_host, 0);
		put_clean(o, "mx_ip", last->mx_ip, 0);
		if (last->smtp_code > 0)
			json_object_set_new(o, "smtp_code", json_integer(last->smtp_code));
		put_clean(o, "enhanced_status", last->enhanced_status, 0);
		put_clean(o, "response", last->response, 0);
		if (strcmp(status, "delivered") == 0)
			put_clean(o, "acknowledgement", last->response, 0);
		if (strcmp(status, "delivered") == 0 && cls.remote_queue_id[0])
			put_clean(o, "remote_queue_id", cls.remote_queue_id, 0);
		if (last->transcript && last->transcript[0]) {
			/* Only the part that is shown is cleaned. */
			raw = strlen(last->transcript);
			take = raw > COMPOSE_INLINE_TRANSCRIPT_MAX ? COMPOSE_INLINE_TRANSCRIPT_MAX :
								     raw;
			t = mime_clean_text(last->transcript, take, 1);
			if (mime_utf8_truncate(t, COMPOSE_INLINE_TRANSCRIPT_MAX) || take < raw)
				json_object_set_new(o, "transcript_truncated", json_true());
			tl = strlen(t);
			while (tl > 0 && t[tl - 1] == '\n')
				t[--tl] = '\0';
			json_object_set_new(o, "transcript", json_string(t));
			free(t);
		}
	}
	list = json_array();
	first = r->n_attempts > COMPOSE_MAX_ATTEMPTS ? r->n_attempts - COMPOSE_MAX_ATTEMPTS : 0;
	for (size_t i = first; i < r->n_attempts; i++)
		json_array_append_new(list, model_attempt(i + 1, &r->attempts[i], lang_of(in)));
	json_object_set_new(o, "attempts", list);
	if (json_array_size(list) > 0)
		json_object_set_new(o, "has_attempts", json_true());
	json_object_set_new(o, "n_attempts", json_integer((json_int_t)r->n_attempts));

	if (atts && last) {
		compose_attachment_name(r->address, m->queue_id, name, sizeof(name));
		json_object_set_new(o, "attachment", json_string(name));
		add_attachment(atts, in, m, r, reason_name(cls.reason),
			       strcmp(status, "delivered") == 0 ? cls.remote_queue_id : NULL);
	}
	return o;
}

static json_t *
model_message(const struct reply_input *in, size_t n, const struct store_message *m, int focus,
	      struct compose_atts *atts)
{
	json_t *o = json_object(), *rcpts, *s;
	const struct store_recipient *r;
	struct buf text;
	size_t shown = 0;
	char *a, *st;

	json_object_set_new(o, "n", json_integer((json_int_t)n));
	put_clean(o, "queue_id", m->queue_id, 0);
	put_clean(o, "message_id", m->message_id, 0);
	put_clean(o, "from", m->from, 0);
	put_clean(o, "subject", m->subject, 0);
	put_time(o, "submitted_at", m->submitted_at, lang_of(in));

	rcpts = json_array();
	buf_init(&text, 0);
	buf_puts(&text, "");
	for (size_t i = 0; i < m->n_rcpts && shown < COMPOSE_MAX_RECIPIENTS; i++) {
		r = &m->rcpts[i];
		if (focus && !focused(in, r->address))
			continue;
		shown++;
		if (atts) {
			json_array_append_new(rcpts, model_recipient(in, m, r, atts));
		} else {
			s = json_object();
			put_clean(s, "address", r->address, 0);
			put_clean(s, "status", r->status ? r->status : "pending", 0);
			put_clean(
			    s, "status_text",
			    compose_status_text(lang_of(in), r->status ? r->status : "pending"), 0);
			json_array_append_new(rcpts, s);
		}
		a = mime_clean(r->address, 0);
		st = mime_clean(compose_status_text(lang_of(in), r->status ? r->status : "pending"),
				0);
		buf_printf(&text, "%s%s (%s)", text.len ? ", " : "", a, st);
		free(a);
		free(st);
	}
	json_object_set_new(o, "recipients", rcpts);
	json_object_set_new(o, "n_recipients", json_integer((json_int_t)shown));
	json_object_set_new(o, "recipients_text", json_string(buf_cstr(&text)));
	buf_free(&text);
	return o;
}

/* The focus applies only when it names at least one recipient of the
 * message; a focus that matches nothing would hide everything. */
static int
use_focus(const struct reply_input *in, const struct store_message *m)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		if (focused(in, m->rcpts[i].address))
			return 1;
	return 0;
}

/* ---- the root ----------------------------------------------------------- */

static void
model_subject(json_t *root, const struct reply_input *in)
{
	struct buf b;
	char *s;

	s = mime_clean(in->complaint_subject, 0);
	mime_utf8_truncate(s, COMPOSE_SUBJECT_MAX);
	if (s[0])
		json_object_set_new(root, "complaint_subject", json_string(s));
	buf_init(&b, 0);
	if (!s[0])
		buf_puts(&b, compose_default_subject(lang_of(in)));
	else if (str_starts_with_nocase(s, "re:"))
		buf_puts(&b, s);
	else
		buf_printf(&b, "Re: %s", s);
	json_object_set_new(root, "reply_subject", json_string(buf_cstr(&b)));
	buf_free(&b);
	free(s);
}

/* The status our records give `addr` in the found message, or NULL. */
static const char *
records_status(const struct reply_input *in, const char *addr)
{
	if (in->outcome != OUTCOME_FOUND || in->n_matches == 0)
		return NULL;
	for (size_t i = 0; i < in->matches[0].n_rcpts; i++) {
		const struct store_recipient *r = &in->matches[0].rcpts[i];

		if (r->address && strcasecmp(r->address, addr) == 0)
			return r->status && r->status[0] ? r->status : "pending";
	}
	return NULL;
}

/* 1 when host is our hostname or a name under it. */
static int
our_host(const struct reply_input *in, const char *host)
{
	const char *ours = in->settings ? in->settings->hostname : NULL;
	size_t hl, ol;

	if (!ours || !*ours)
		ours = in->settings && in->settings->address ? strchr(in->settings->address, '@') :
							       NULL;
	if (ours && *ours == '@')
		ours++;
	if (!ours || !*ours || !host)
		return 0;
	hl = strlen(host);
	ol = strlen(ours);
	return strcasecmp(host, ours) == 0 ||
	       (hl > ol && host[hl - ol - 1] == '.' && strcasecmp(host + hl - ol, ours) == 0);
}

/* The forwarded notices, one item per recipient, beside our records. */
static void
model_notices(json_t *root, const struct reply_input *in)
{
	json_t *list = json_array();

	for (size_t i = 0; i < in->n_notices && i < COMPOSE_MAX_CANDIDATES; i++) {
		const struct reply_notice *n = &in->notices[i];
		json_t *o = json_object();
		const char *action = n->action ? n->action : "failed";
		const char *rec = n->address ? records_status(in, n->address) : NULL;
		struct classification cls;
		char flag[64];

		if (!n->address)
			continue;
		put_clean(o, "address", n->address, 0);
		put_clean(o, "notice_status", n->status, 0);
		put_clean(o, "notice_action", action, 0);
		snprintf(flag, sizeof(flag), "is_notice_%s", action);
		if (!strcmp(action, "failed") || !strcmp(action, "delayed") ||
		    !strcmp(action, "delivered"))
			json_object_set_new(o, flag, json_true());
		put_clean(o, "notice_diagnostic", n->diagnostic, 0);
		memset(&cls, 0, sizeof(cls));
		reason_classify(!strcmp(action, "delayed")   ? "deferred" :
				!strcmp(action, "delivered") ? "delivered" :
							       "bounced",
				0, n->status, n->diagnostic, NULL, &cls);
		json_object_set_new(o, "notice_reason_text",
				    json_string(compose_reason_text(lang_of(in), cls.reason)));
		put_clean(o, "reporting_mta", n->reporting_mta, 0);
		if (n->reporting_mta && !our_host(in, n->reporting_mta))
			json_object_set_new(o, "reported_elsewhere", json_true());
		if (rec) {
			put_clean(o, "records_status", rec, 0);
			put_clean(o, "records_status_text", compose_status_text(lang_of(in), rec),
				  0);
			if (strcmp(rec, "delivered") == 0 && strcmp(action, "delivered") != 0)
				json_object_set_new(o, "records_disagree", json_true());
		}
		json_array_append_new(list, o);
	}
	if (json_array_size(list) > 0)
		json_object_set_new(root, "has_notices", json_true());
	json_object_set_new(root, "notices", list);
}

json_t *
compose_model(const struct reply_input *in, struct compose_atts *atts)
{
	json_t *root = json_object(), *support, *msgs, *cands, *list;
	const char *outcome = outcome_name(in->outcome);
	char flag[64], when[96], *c;

	json_object_set_new(root, "outcome", json_string(outcome));
	json_object_set_new(root, "language", json_string(lang_code(lang_of(in))));
	snprintf(flag, sizeof(flag), "is_%s", outcome);
	json_object_set_new(root, flag, json_true());
	put_clean(root, "requester", in->requester, 0);
	put_clean(root, "requester_name", in->requester_name, 0);
	model_subject(root, in);

	support = json_object();
	if (in->settings) {
		put_clean(support, "name", in->settings->name, 0);
		put_clean(support, "address", in->settings->address, 0);
	}
	json_object_set_new(root, "support", support);
	lang_human_time(lang_of(in), in->now, when, sizeof(when));
	json_object_set_new(root, "now", json_string(when));

	if (in->outcome == OUTCOME_UNAUTHORIZED)
		return root; /* nothing about any message, by design */

	put_clean(root, "account", in->account, 0);
	put_clean(root, "complaint_message_id", in->complaint_message_id, 0);
	model_notices(root, in);
	if (in->outcome == OUTCOME_FOUND && in->only_candidate)
		json_object_set_new(root, "only_candidate", json_true());

	if (in->outcome == OUTCOME_FOUND) {
		msgs = json_array();
		for (size_t i = 0; i < in->n_matches && i < COMPOSE_MAX_CANDIDATES; i++) {
			const struct store_message *m = &in->matches[i];

			json_array_append_new(msgs,
					      model_message(in, i + 1, m, use_focus(in, m), atts));
		}
		json_object_set_new(root, "messages", msgs);
		json_object_set_new(root, "n_messages",
				    json_integer((json_int_t)json_array_size(msgs)));
	} else if (in->outcome == OUTCOME_AMBIGUOUS) {
		cands = json_array();
		for (size_t i = 0; i < in->n_matches && i < COMPOSE_MAX_CANDIDATES; i++)
			json_array_append_new(cands,
					      model_message(in, i + 1, &in->matches[i], 0, NULL));
		json_object_set_new(root, "candidates", cands);
		json_object_set_new(root, "n_candidates",
				    json_integer((json_int_t)json_array_size(cands)));
	} else if (in->outcome == OUTCOME_NOT_FOUND) {
		list = json_array();
		for (size_t i = 0; i < in->n_searched && i < COMPOSE_MAX_SEARCHED; i++) {
			c = mime_clean(in->searched[i], 0);
			if (c[0])
				json_array_append_new(list, json_string(c));
			free(c);
		}
		json_object_set_new(root, "searched", list);
		if (json_array_size(list) > 0)
			json_object_set_new(root, "has_searched", json_true());
	}
	return root;
}
