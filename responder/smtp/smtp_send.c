/*
 * smtp_send.c - replies out over SMTP with libcurl (see smtp_send.h).
 *
 * libcurl 7.88 notes that shaped this file (../shared/notes/libetpan-libcurl.md 4):
 * - The easy handle is kept for the whole batch: curl reuses the
 *   connection, so the second message starts at MAIL FROM.
 * - A failed transaction makes curl QUIT; the next perform reconnects.
 * - The option letting some recipients fail is spelled
 *   CURLOPT_MAIL_RCPT_ALLLOWFAILS (three Ls) in 7.88 and _ALLOWFAILS from
 *   8.2; we send to exactly one recipient and leave it at its default (0),
 *   so a refused recipient fails the transaction.
 * - CURLOPT_HEADERFUNCTION sees every SMTP reply line; the last one after
 *   DATA carries the relay's queue id ("250 2.0.0 Ok: queued as ...").
 * - Classification uses CURLINFO_RESPONSE_CODE (4xx / 5xx), not the CURLcode.
 *
 * SECURITY: addresses are checked with addr_valid() before setopt (curl
 * 7.88 would send CR/LF in them); the server's lines are sanitised; the
 * password/token is held only in the handle and in memory wiped on free.
 */
#include "responder/smtp/smtp_send.h"
#include "responder/config/secret.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smtp_sender {
	const struct settings *s; /* borrowed */
	CURL *h;
	char *url;
	char *secret; /* password or token; wiped on free */
	char errbuf[CURL_ERROR_SIZE];
	char last_line[SMTP_REPLY_MAX];
};

struct body_src {
	const char *p;
	size_t len, off;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct body_src *b = ud;
	size_t room = size * nitems, left = b->len - b->off;
	size_t n = left < room ? left : room;

	memcpy(buf, b->p + b->off, n);
	b->off += n;
	return n;
}

static size_t
header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct smtp_sender *sp = ud;
	size_t n = size * nitems, k = n;

	while (k > 0 && (buf[k - 1] == '\r' || buf[k - 1] == '\n'))
		k--;
	if (k > 0) {
		if (k >= sizeof(sp->last_line))
			k = sizeof(sp->last_line) - 1;
		memcpy(sp->last_line, buf, k);
		sp->last_line[k] = '\0';
		str_sanitize_line(sp->last_line);
	}
	return n;
}

/* smtp://host:port -> smtp://host:port/<hostname>: the path is curl's EHLO name. */
static char *
make_url(const struct settings *s)
{
	const char *p = strstr(s->smtp_url, "://");
	const char *name = s->hostname != NULL && *s->hostname ? s->hostname : "localhost";
	size_t n;
	char *u;

	if (p != NULL && strchr(p + 3, '/') != NULL)
		return xstrdup(s->smtp_url);
	n = strlen(s->smtp_url) + strlen(name) + 2;
	u = xmalloc(n);
	snprintf(u, n, "%s/%s", s->smtp_url, name);
	return u;
}

static int
read_secret(const struct settings *s, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (s->smtp_auth == IMAP_AUTH_XOAUTH2) {
		if (*s->smtp_token_command)
			return secret_from_command(s->smtp_token_command, 30, out, err, errlen);
		return secret_read_file(s->smtp_token_file, out, err, errlen);
	}
	if (*s->smtp_username == '\0')
		return 0;
	if (*s->smtp_password_file == '\0') {
		snprintf(err, errlen, "[smtp] username is set but password_file is not");
		return -1;
	}
	return secret_read_file(s->smtp_password_file, out, err, errlen);
}

static void
setup_handle(struct smtp_sender *sp)
{
	const struct settings *s = sp->s;
	CURL *h = sp->h;
	long t = s->smtp_timeout;

	curl_easy_setopt(h, CURLOPT_URL, sp->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, sp->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, sp);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, t * 10);
	curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 60L);
	if (strncasecmp(s->smtp_url, "smtps:", 6) == 0 || s->smtp_tls != TLS_NONE)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	if (*s->smtp_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->smtp_ca_file);
	if (!s->smtp_tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (s->smtp_auth == IMAP_AUTH_XOAUTH2) {
		curl_easy_setopt(h, CURLOPT_USERNAME, s->smtp_username);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, sp->secret);
		curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
		curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
	} else if (sp->secret != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, s->smtp_username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, sp->secret);
	}
}

int
smtp_sender_new(const struct settings *s, struct smtp_sender **sender_r, char *err, size_t errlen)
{
	struct smtp_sender *sp;

	*sender_r = NULL;
	sp = xcalloc(1, sizeof(*sp));
	sp->s = s;
	if (read_secret(s, &sp->secret, err, errlen) < 0) {
		free(sp);
		return -1;
	}
	sp->h = curl_easy_init();
	if (sp->h == NULL) {
		secret_free(&sp->secret);
		free(sp);
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	sp->url = make_url(s);
	if (!s->smtp_tls_verify)
		log_warn("smtp: tls_verify = no: the certificate of %s is NOT checked",
			 s->smtp_url);
	setup_handle(sp);
	*sender_r = sp;
	return 0;
}

void
smtp_sender_free(struct smtp_sender **spp)
{
	struct smtp_sender *sp = spp != NULL ? *spp : NULL;

	if (sp == NULL)
		return;
	curl_easy_cleanup(sp->h);
	secret_free(&sp->secret);
	free(sp->url);
	free(sp);
	*spp = NULL;
}

static enum smtp_result
classify(struct smtp_sender *sp, CURLcode rc, long code, char *err, size_t errlen)
{
	const char *what = sp->errbuf[0] ? sp->errbuf : curl_easy_strerror(rc);

	snprintf(err, errlen, "SMTP %s: %s (curl %d)%s%s", sp->url, what, (int)rc,
		 sp->last_line[0] ? "; server said: " : "", sp->last_line);
	str_sanitize_line(err);
	if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED ||
	    rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_OPERATION_TIMEDOUT)
		return SMTP_UNAVAIL;
	if (code >= 500 && code < 600)
		return SMTP_PERMFAIL;
	if (code >= 400 && code < 500)
		return SMTP_TEMPFAIL;
	return SMTP_UNAVAIL;
}

/* Sets up one transaction on the sender's handle: envelope and body
 * (read from *body, rewound here).  Returns the recipient list, which the
 * caller frees once the transfer is over (after resetting MAIL_RCPT). */
static struct curl_slist *
prepare(struct smtp_sender *sp, const char *from, const char *rcpt, struct body_src *body)
{
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);

	sp->errbuf[0] = '\0';
	sp->last_line[0] = '\0';
	body->off = 0;
	/* "" gives MAIL FROM:<> (the RFC 3834 null sender). */
	curl_easy_setopt(sp->h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(sp->h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(sp->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(sp->h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(sp->h, CURLOPT_READDATA, body);
	curl_easy_setopt(sp->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len);
	return rcpts;
}

/* A refused OAuth token and a token_command that may give a fresh one:
 * 1 when the sender now holds a fresh token (the transaction may be tried
 * once more), 0 when not worth trying, -1 with err filled. */
static int
fresh_token(struct smtp_sender *sp, CURLcode rc, char *err, size_t errlen)
{
	if (rc != CURLE_LOGIN_DENIED || sp->s->smtp_auth != IMAP_AUTH_XOAUTH2 ||
	    !*sp->s->smtp_token_command)
		return 0;
	secret_free(&sp->secret);
	if (read_secret(sp->s, &sp->secret, err, errlen) < 0)
		return -1;
	curl_easy_setopt(sp->h, CURLOPT_XOAUTH2_BEARER, sp->secret);
	log_info("smtp: XOAUTH2 token refused; asked token_command again");
	return 1;
}

enum smtp_result
smtp_send(struct smtp_sender *sp, const char *from, const char *rcpt, const char *msg, size_t len,
	  char *reply, char *err, size_t errlen)
{
	struct body_src body = { msg, len, 0 };
	struct curl_slist *rcpts;
	CURLcode rc;
	long code = 0;
	enum smtp_result res;

	if (reply != NULL)
		reply[0] = '\0';
	if (from == NULL || strcmp(from, "<>") == 0)
		from = "";
	if ((*from != '\0' && !addr_valid(from)) || rcpt == NULL || !addr_valid(rcpt)) {
		snprintf(err, errlen, "refusing to send: invalid envelope address");
		return SMTP_PERMFAIL;
	}
	for (int attempt = 0;; attempt++) {
		rcpts = prepare(sp, from, rcpt, &body);
		rc = curl_easy_perform(sp->h);
		curl_easy_getinfo(sp->h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_setopt(sp->h, CURLOPT_MAIL_RCPT, NULL);
		curl_slist_free_all(rcpts);
		if (reply != NULL)
			str_copy(reply, sp->last_line, SMTP_REPLY_MAX);
		if (rc == CURLE_OK)
			return SMTP_SENT;
		res = classify(sp, rc, code, err, errlen);
		/* A refused OAuth token: a token_command may give a fresh one. */
		if (attempt > 0)
			return res;
		switch (fresh_token(sp, rc, err, errlen)) {
		case 0:
			return res;
		case -1:
			return SMTP_UNAVAIL;
		}
	}
}

/* ---- several transactions at once ---------------------------------------- */

struct pool_slot {
	struct smtp_sender *sp; /* owned: one connection */
	struct body_src body;
	struct curl_slist *rcpts; /* owned while a transfer runs */
	size_t tag;
	int busy;		/* started, its end not yet returned */
	int running;		/* in the multi handle */
	int attempts;		/* transfers of this message (a fresh token: two) */
	enum smtp_result early; /* refused before curl (bad address) */
	int has_early;
	const char *from, *rcpt; /* borrowed for the transfer */
};

struct smtp_pool {
	CURLM *m;
	size_t n;
	struct pool_slot *v;
};

int
smtp_pool_new(const struct settings *s, int n, struct smtp_pool **pool_r, char *err, size_t errlen)
{
	struct smtp_pool *p = xcalloc(1, sizeof(*p));

	*pool_r = NULL;
	p->m = curl_multi_init();
	if (p->m == NULL) {
		free(p);
		snprintf(err, errlen, "curl_multi_init failed");
		return -1;
	}
	p->n = n > 0 ? (size_t)n : 1;
	p->v = xcalloc(p->n, sizeof(*p->v));
	for (size_t i = 0; i < p->n; i++) {
		if (smtp_sender_new(s, &p->v[i].sp, err, errlen) < 0) {
			smtp_pool_free(&p);
			return -1;
		}
	}
	*pool_r = p;
	return 0;
}

void
smtp_pool_free(struct smtp_pool **pp)
{
	struct smtp_pool *p = pp != NULL ? *pp : NULL;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct pool_slot *sl = &p->v[i];

		if (sl->running)
			curl_multi_remove_handle(p->m, sl->sp->h);
		if (sl->sp != NULL)
			curl_easy_setopt(sl->sp->h, CURLOPT_MAIL_RCPT, NULL);
		curl_slist_free_all(sl->rcpts);
		smtp_sender_free(&sl->sp);
	}
	curl_multi_cleanup(p->m);
	free(p->v);
	free(p);
	*pp = NULL;
}

size_t
smtp_pool_free_slots(const struct smtp_pool *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		k += !p->v[i].busy;
	return k;
}

static int
slot_add(struct smtp_pool *p, struct pool_slot *sl)
{
	sl->rcpts = prepare(sl->sp, sl->from, sl->rcpt, &sl->body);
	sl->attempts++;
	if (curl_multi_add_handle(p->m, sl->sp->h) != CURLM_OK) {
		curl_easy_setopt(sl->sp->h, CURLOPT_MAIL_RCPT, NULL);
		curl_slist_free_all(sl->rcpts);
		sl->rcpts = NULL;
		return -1;
	}
	sl->running = 1;
	return 0;
}

int
smtp_pool_start(struct smtp_pool *p, const char *from, const char *rcpt, const char *msg,
		size_t len, size_t tag)
{
	struct pool_slot *sl = NULL;

	for (size_t i = 0; i < p->n && sl == NULL; i++)
		if (!p->v[i].busy)
			sl = &p->v[i];
	if (sl == NULL)
		return -1;
	if (from == NULL || strcmp(from, "<>") == 0)
		from = "";
	sl->busy = 1;
	sl->tag = tag;
	sl->attempts = 0;
	sl->has_early = 0;
	sl->from = from;
	sl->rcpt = rcpt;
	sl->body.p = msg;
	sl->body.len = len;
	sl->body.off = 0;
	if ((*from != '\0' && !addr_valid(from)) || rcpt == NULL || !addr_valid(rcpt)) {
		sl->has_early = 1;
		sl->early = SMTP_PERMFAIL;
		return 0;
	}
	if (slot_add(p, sl) < 0) {
		sl->has_early = 1;
		sl->early = SMTP_UNAVAIL;
	}
	return 0;
}

/* Ends a slot's transfer: 1 with the result filled, 0 when it was started
 * again (a fresh token). */
static int
slot_done(struct smtp_pool *p, struct pool_slot *sl, CURLcode rc, enum smtp_result *res_r,
	  char *reply, char *err, size_t errlen)
{
	long code = 0;

	curl_multi_remove_handle(p->m, sl->sp->h);
	sl->running = 0;
	curl_easy_getinfo(sl->sp->h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(sl->sp->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(sl->rcpts);
	sl->rcpts = NULL;
	if (reply != NULL)
		str_copy(reply, sl->sp->last_line, SMTP_REPLY_MAX);
	if (rc == CURLE_OK) {
		*res_r = SMTP_SENT;
		return 1;
	}
	*res_r = classify(sl->sp, rc, code, err, errlen);
	if (sl->attempts == 1) {
		int f = fresh_token(sl->sp, rc, err, errlen);

		if (f < 0) {
			*res_r = SMTP_UNAVAIL;
			return 1;
		}
		if (f > 0 && slot_add(p, sl) == 0)
			return 0;
	}
	return 1;
}

int
smtp_pool_next(struct smtp_pool *p, size_t *tag_r, enum smtp_result *res_r, char *reply, char *err,
	       size_t errlen)
{
	for (;;) {
		size_t running = 0;
		int still = 0, left = 0;
		CURLMsg *msg;

		for (size_t i = 0; i < p->n; i++) {
			struct pool_slot *sl = &p->v[i];

			if (sl->busy && sl->has_early) {
				sl->busy = 0;
				*tag_r = sl->tag;
				*res_r = sl->early;
				if (reply != NULL)
					reply[0] = '\0';
				snprintf(err, errlen, "%s",
					 sl->early == SMTP_PERMFAIL ?
					     "refusing to send: invalid envelope address" :
					     "SMTP: curl_multi_add_handle failed");
				return 1;
			}
			running += (size_t)sl->running;
		}
		if (running == 0)
			return 0;
		curl_multi_perform(p->m, &still);
		while ((msg = curl_multi_info_read(p->m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (size_t i = 0; i < p->n; i++) {
				struct pool_slot *sl = &p->v[i];

				if (!sl->running || sl->sp->h != msg->easy_handle)
					continue;
				if (slot_done(p, sl, msg->data.result, res_r, reply, err, errlen)) {
					sl->busy = 0;
					*tag_r = sl->tag;
					return 1;
				}
				break;
			}
		}
		curl_multi_poll(p->m, NULL, 0, 1000, NULL);
	}
}

int
smtp_check(const struct settings *s, char *err, size_t errlen)
{
	struct smtp_sender *sp = NULL;
	CURLcode rc;
	long code = 0;
	int ret = 0;

	if (smtp_sender_new(s, &sp, err, errlen) < 0)
		return -1;
	/* CONNECT_ONLY: greeting, EHLO, STARTTLS and AUTH, no transaction. */
	curl_easy_setopt(sp->h, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(sp->h);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(sp->h, CURLINFO_RESPONSE_CODE, &code);
		classify(sp, rc, code, err, errlen);
		ret = -1;
	}
	smtp_sender_free(&sp);
	return ret;
}
