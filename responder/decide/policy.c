/*
 * policy.c - robot signs, requester and account, Authentication-Results,
 * duplicates and the rate limit (see policy.h for the order and why).
 *
 * SECURITY: header values come from the sender and are only compared,
 * never echoed unsanitised (complaint.c cleaned them; why strings are
 * capped by snprintf).
 */
#include "responder/decide/policy.h"
#include "common/strutil.h"
#include "common/xalloc.h"
#include "store/requests.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The first token of a header value (up to ';' or white space), lower case. */
static void
first_token(const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' && n + 1 < outlen)
		out[n++] = (char)tolower((unsigned char)*v++);
	out[n] = '\0';
}

static int
local_is(const char *addr, const char *local)
{
	size_t n = strlen(local);

	return addr && strncasecmp(addr, local, n) == 0 && addr[n] == '@';
}

static int
robot_address(const char *addr)
{
	return local_is(addr, "mailer-daemon") || local_is(addr, "postmaster");
}

int
policy_domain_within(const char *host, const char *domain)
{
	size_t hl, dl;

	if (!host || !domain || !*domain)
		return 0;
	hl = strlen(host);
	dl = strlen(domain);
	if (hl == dl)
		return strcasecmp(host, domain) == 0;
	return hl > dl && host[hl - dl - 1] == '.' && strcasecmp(host + hl - dl, domain) == 0;
}

/* 1 when "<local@domain>" has a domain of `host` or below it. */
static int
id_is_ours(const char *id, const char *host)
{
	const char *at;
	char dom[256];
	size_t n;

	if (!id || !host || !*host || (at = strrchr(id, '@')) == NULL)
		return 0;
	str_copy(dom, at + 1, sizeof(dom));
	n = strlen(dom);
	if (n && dom[n - 1] == '>')
		dom[--n] = '\0';
	return policy_domain_within(dom, host);
}

int
policy_id_is_ours(const char *id, const char *host)
{
	return id_is_ours(id, host);
}

int
policy_names_us(const struct complaint *c, const char *host)
{
	for (size_t i = 0; i < c->in_reply_to.n; i++)
		if (id_is_ours(c->in_reply_to.v[i], host))
			return 1;
	for (size_t i = 0; i < c->references.n; i++)
		if (id_is_ours(c->references.v[i], host))
			return 1;
	return 0;
}

/* What delivery reports and auto-responders write where a person writes a
 * question: bounces sent as plain text (qmail, old Exchange) and
 * out-of-office notices.  Only looked at in a reply to our reply, where a
 * person has no reason to write them. */
/* clang-format off */
static const char *const bounce_text[] = {
	"this is the qmail-send program", "i'm afraid i wasn't able to deliver",
	"this is the mail system at host", "delivery to the following recipient",
	"delivery has failed to these recipients", "could not be delivered to one or more",
	"mail delivery failed", "returned mail:", "delivery status notification",
	"undelivered mail returned to sender", "message not delivered", NULL,
};
static const char *const robot_subjects[] = {
	"failure notice", "undeliverable", "undelivered mail", "delivery status notification",
	"mail delivery failed", "returned mail", "delivery failure",
	"out of office", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"abwesenheit", "automatische antwort", "réponse automatique", "respuesta automática",
	"fuera de la oficina", "risposta automatica", "fuori sede", "automatisch antwoord",
	"afwezigheid", "resposta automática", "fora do escritório", "automatyczna odpowiedź",
	"poza biurem", NULL,
};
/* clang-format on */

static const char *
found_in(const char *hay, size_t max, const char *const *list)
{
	char head[2048];

	if (!hay)
		return NULL;
	str_copy(head, hay, max < sizeof(head) ? max : sizeof(head));
	for (; *list; list++)
		if (strcasestr(head, *list))
			return *list;
	return NULL;
}

/* The robot's word must open the subject ("Automatic reply: Re: ..."): a
 * person's reply starts with "Re:", even to a subject such as
 * "Undeliverable: ..." that a complaint about a bounce carries. */
static const char *
starts_with_any(const char *subject, const char *const *list)
{
	if (!subject)
		return NULL;
	while (*subject == ' ' || *subject == '\t')
		subject++;
	for (; *list; list++)
		if (strncasecmp(subject, *list, strlen(*list)) == 0)
			return *list;
	return NULL;
}

int
policy_robot(const struct complaint *c, const struct settings *s, char *why, size_t whylen)
{
	char tok[64];
	const char *from = c->from.address;
	const char *host = s->hostname && *s->hostname ? s->hostname : addr_domain(s->address);

	if (c->auto_submitted) {
		first_token(c->auto_submitted, tok, sizeof(tok));
		if (strcmp(tok, "no") != 0) {
			snprintf(why, whylen, "automatic mail: Auto-Submitted: %s (RFC 3834)", tok);
			return 1;
		}
	}
	if (c->precedence) {
		first_token(c->precedence, tok, sizeof(tok));
		if (!strcmp(tok, "bulk") || !strcmp(tok, "list") || !strcmp(tok, "junk") ||
		    !strcmp(tok, "auto_reply")) {
			snprintf(why, whylen, "automatic mail: Precedence: %s", tok);
			return 1;
		}
	}
	if (c->x_autoreply) {
		snprintf(why, whylen, "automatic reply: X-Autoreply/X-Autorespond: %.40s",
			 c->x_autoreply);
		return 1;
	}
	if (c->list_headers.n) {
		snprintf(why, whylen, "mailing list mail: %.60s header", c->list_headers.v[0]);
		return 1;
	}
	if (c->is_report || (c->content_type && !strcmp(c->content_type, "multipart/report"))) {
		snprintf(why, whylen, "delivery report (multipart/report)");
		return 1;
	}
	if (c->x_auto_response_suppress) {
		first_token(c->x_auto_response_suppress, tok, sizeof(tok));
		if (strcmp(tok, "none") != 0) {
			snprintf(why, whylen, "automatic mail: X-Auto-Response-Suppress: %.40s",
				 c->x_auto_response_suppress);
			return 1;
		}
	}
	if (c->return_path) {
		char *rp = addr_normalize(c->return_path);

		if (!rp || !*rp || robot_address(rp)) {
			snprintf(why, whylen, "bounce or robot: Return-Path %.100s",
				 c->return_path);
			free(rp);
			return 1;
		}
		free(rp);
	}
	if (!from || !*from) {
		snprintf(why, whylen, "no From address (null sender)");
		return 1;
	}
	if (robot_address(from)) {
		snprintf(why, whylen, "bounce or robot: From %.100s", from);
		return 1;
	}
	if (s->address && strcasecmp(from, s->address) == 0) {
		snprintf(why, whylen, "mail from our own support address %.100s (loop)", from);
		return 1;
	}
	for (size_t i = 0; i < c->x_loop.n; i++) {
		if ((s->address && strcasestr(c->x_loop.v[i], s->address)) ||
		    (host && *host && strcasestr(c->x_loop.v[i], host))) {
			snprintf(why, whylen, "X-Loop names us (%.100s)", c->x_loop.v[i]);
			return 1;
		}
	}
	/* A reply to our reply (auto-responder ping-pong): a bounce written as
	 * text without a Return-Path, or an out-of-office notice, is a robot
	 * even without the headers robots ought to write. */
	if (host && *host && policy_names_us(c, host)) {
		const char *hit;

		if (!c->return_path && (hit = found_in(c->text, 2048, bounce_text)) != NULL) {
			snprintf(why, whylen,
				 "bounce text (\"%s\") without Return-Path replying to our reply"
				 " (loop)",
				 hit);
			return 1;
		}
		if ((hit = starts_with_any(c->subject, robot_subjects)) != NULL) {
			snprintf(why, whylen,
				 "automatic reply (subject says \"%s\") to our reply (loop)", hit);
			return 1;
		}
	}
	if (c->message_id && host && *host) {
		const char *at = strrchr(c->message_id, '@');
		char dom[256];
		size_t n;

		if (at) {
			str_copy(dom, at + 1, sizeof(dom));
			n = strlen(dom);
			if (n && dom[n - 1] == '>')
				dom[n - 1] = '\0';
			if (policy_domain_within(dom, host)) {
				snprintf(why, whylen, "Message-ID %.100s was made by us (loop)",
					 c->message_id);
				return 1;
			}
		}
	}
	return 0;
}

/* ---- Authentication-Results (RFC 8601) ---------------------------------- */

/* Value of "prop=value" in [p, end), e.g. "header.d"; copied lower case. */
static int
ar_prop(const char *p, const char *end, const char *prop, char *out, size_t outlen)
{
	size_t pl = strlen(prop);

	for (const char *q = p; q + pl < end; q++) {
		size_t n = 0;

		if (strncasecmp(q, prop, pl) != 0 || q[pl] != '=' ||
		    (q > p && !isspace((unsigned char)q[-1])))
			continue;
		q += pl + 1;
		while (q < end && !isspace((unsigned char)*q) && *q != ';' && n + 1 < outlen)
			out[n++] = (char)tolower((unsigned char)*q++);
		out[n] = '\0';
		return n > 0;
	}
	return 0;
}

static int
aligned(const char *d, const char *from_domain)
{
	const char *at = strrchr(d, '@');

	if (at)
		d = at + 1;
	return policy_domain_within(d, from_domain) || policy_domain_within(from_domain, d);
}

/* Checks one header value; 1 when it authenticates from_domain. */
static int
ar_one(const char *v, const char *authserv_id, const char *from_domain)
{
	char id[256], val[256];
	const char *p = v, *semi;

	first_token(v, id, sizeof(id));
	if (strcasecmp(id, authserv_id) != 0)
		return -1; /* not from our trusted host */
	p = strchr(v, ';');
	while (p) {
		const char *m = p + 1;

		while (*m == ' ' || *m == '\t')
			m++;
		semi = strchr(m, ';');
		if (!semi)
			semi = m + strlen(m);
		if (!strncasecmp(m, "dmarc=pass", 10)) {
			if (!ar_prop(m, semi, "header.from", val, sizeof(val)) ||
			    aligned(val, from_domain))
				return 1;
		} else if (!strncasecmp(m, "dkim=pass", 9)) {
			if ((ar_prop(m, semi, "header.d", val, sizeof(val)) ||
			     ar_prop(m, semi, "header.i", val, sizeof(val))) &&
			    aligned(val, from_domain))
				return 1;
		} else if (!strncasecmp(m, "spf=pass", 8)) {
			if ((ar_prop(m, semi, "smtp.mailfrom", val, sizeof(val)) ||
			     ar_prop(m, semi, "smtp.helo", val, sizeof(val))) &&
			    aligned(val, from_domain))
				return 1;
		}
		p = *semi ? semi : NULL;
	}
	return 0;
}

int
policy_authenticated(const struct complaint *c, const char *authserv_id, const char *from_domain,
		     char *why, size_t whylen)
{
	int seen = 0;

	for (size_t i = 0; i < c->auth_results.n; i++) {
		int r = ar_one(c->auth_results.v[i], authserv_id, from_domain ? from_domain : "");

		if (r == 1)
			return 1;
		if (r == 0)
			seen = 1;
	}
	if (seen)
		snprintf(why, whylen,
			 "not authenticated: Authentication-Results of %.100s has no"
			 " dmarc=pass or aligned dkim/spf pass for %.100s",
			 authserv_id, from_domain ? from_domain : "");
	else
		snprintf(why, whylen, "not authenticated: no Authentication-Results from %.100s",
			 authserv_id);
	return 0;
}

/* ---- the rate limit ------------------------------------------------------- */

void
policy_mailbox_key(const char *addr, char *out, size_t outlen)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t n = 0;
	int in_tag = 0;

	if (outlen == 0)
		return;
	for (const char *p = addr ? addr : ""; *p && n + 1 < outlen; p++) {
		if (p == at)
			in_tag = 0;
		else if (*p == '+' && at && p < at)
			in_tag = 1;
		if (!in_tag)
			out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
}

struct rate_count {
	const char *key; /* policy_mailbox_key of the requester */
	int64_t account_id;
	int64_t mailbox, account, total;
};

static int
count_reply(void *arg, const char *requester, int64_t account_id)
{
	struct rate_count *rc = arg;
	char key[320];

	rc->total++;
	if (rc->account_id && account_id == rc->account_id)
		rc->account++;
	if (requester) {
		policy_mailbox_key(requester, key, sizeof(key));
		if (strcmp(key, rc->key) == 0)
			rc->mailbox++;
	}
	return 0;
}

/* The hourly limits, per mailbox (plus-tag and case folded), per account
 * and in all: 1 with d->why filled when one is reached, 0 when not, -1 on
 * a store failure.  The count walks the replies of the last hour, which
 * the total limit bounds. */
static int
rate_limited(const struct settings *s, struct store *st, struct policy_decision *d, int64_t now)
{
	char key[320];
	struct rate_count rc = { .key = key, .account_id = d->account_id };

	if (s->max_replies_per_hour <= 0 && s->max_replies_per_account_per_hour <= 0 &&
	    s->max_replies_total_per_hour <= 0)
		return 0;
	policy_mailbox_key(d->requester, key, sizeof(key));
	if (store_each_reply_since(st, now - 3600, count_reply, &rc) < 0)
		return -1;
	if (s->max_replies_per_hour > 0 && rc.mailbox >= s->max_replies_per_hour) {
		snprintf(d->why, sizeof(d->why),
			 "rate limit: %lld replies to %.200s in the last hour (max %d per "
			 "requester; plus-tags and case folded)",
			 (long long)rc.mailbox, key, s->max_replies_per_hour);
		return 1;
	}
	if (s->max_replies_per_account_per_hour > 0 &&
	    rc.account >= s->max_replies_per_account_per_hour) {
		snprintf(d->why, sizeof(d->why),
			 "rate limit: %lld replies to account %.100s in the last hour (max %d "
			 "per account)",
			 (long long)rc.account, d->account ? d->account : "?",
			 s->max_replies_per_account_per_hour);
		return 1;
	}
	if (s->max_replies_total_per_hour > 0 && rc.total >= s->max_replies_total_per_hour) {
		snprintf(d->why, sizeof(d->why),
			 "rate limit: %lld replies in all in the last hour (max %d)",
			 (long long)rc.total, s->max_replies_total_per_hour);
		return 1;
	}
	return 0;
}

/* ---- the whole check ------------------------------------------------------ */

static void
stop(struct policy_decision *d, enum outcome o)
{
	d->proceed = 0;
	d->outcome = o;
}

int
policy_check(const struct complaint *c, const char *complaint_key, const struct settings *s,
	     struct store *st, int64_t now, unsigned opts, struct policy_decision *d, char *err,
	     size_t errlen)
{
	int64_t id = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	d->proceed = 1;
	d->outcome = OUTCOME_NOT_FOUND;
	if (policy_robot(c, s, d->why, sizeof(d->why))) {
		stop(d, OUTCOME_IGNORED);
		return 0;
	}
	/* the requester is the From address, and only that */
	if (c->n_from > 1) {
		snprintf(d->why, sizeof(d->why), "%zu From addresses: the requester is ambiguous",
			 c->n_from);
		stop(d, OUTCOME_UNAUTHORIZED);
		return 0;
	}
	if (!addr_valid(c->from.address)) {
		snprintf(d->why, sizeof(d->why),
			 "From address is not a plain mailbox we may answer");
		stop(d, OUTCOME_UNAUTHORIZED);
		return 0;
	}
	d->requester = xstrdup(c->from.address);
	d->requester_name = xstrdup_or_null(c->from.name);
	rc = store_account_of_address(st, d->requester, &d->account_id, &d->account);
	if (rc == STORE_ENOTFOUND) {
		snprintf(d->why, sizeof(d->why), "requester %.200s owns no account", d->requester);
		d->account_id = 0;
		stop(d, OUTCOME_UNAUTHORIZED);
		return 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "account lookup: %s", store_errmsg(st));
		return -1;
	}
	if (s->trusted_authserv_id && *s->trusted_authserv_id &&
	    !policy_authenticated(c, s->trusted_authserv_id, addr_domain(d->requester), d->why,
				  sizeof(d->why))) {
		stop(d, OUTCOME_UNAUTHORIZED);
		return 0;
	}
	rc = (opts & POLICY_SKIP_ANSWERED) ?
		 STORE_ENOTFOUND :
		 store_request_answered(st, complaint_key, c->message_id, &id);
	if (rc == STORE_OK) {
		snprintf(d->why, sizeof(d->why),
			 "complaint %.200s was already answered (request %lld)",
			 c->message_id ? c->message_id : "(same bytes)", (long long)id);
		stop(d, OUTCOME_IGNORED);
		return 0;
	}
	if (rc != STORE_ENOTFOUND) {
		snprintf(err, errlen, "request log: %s", store_errmsg(st));
		return -1;
	}
	rc = rate_limited(s, st, d, now);
	if (rc < 0) {
		snprintf(err, errlen, "request log: %s", store_errmsg(st));
		return -1;
	}
	if (rc > 0) {
		stop(d, OUTCOME_IGNORED);
		return 0;
	}
	snprintf(d->why, sizeof(d->why), "requester %.200s of account %.100s", d->requester,
		 d->account ? d->account : "?");
	return 0;
}

void
policy_decision_free(struct policy_decision *d)
{
	if (!d)
		return;
	free(d->requester);
	free(d->requester_name);
	free(d->account);
	d->requester = d->requester_name = d->account = NULL;
}
