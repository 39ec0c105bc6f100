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
		sp->errbuf[0] = '\0';
		sp->last_line[0] = '\0';
		body.off = 0;
		rcpts = curl_slist_append(NULL, rcpt);
		/* "" gives MAIL FROM:<> (the RFC 3834 null sender). */
		curl_easy_setopt(sp->h, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(sp->h, CURLOPT_MAIL_RCPT, rcpts);
		curl_easy_setopt(sp->h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(sp->h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(sp->h, CURLOPT_READDATA, &body);
		curl_easy_setopt(sp->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
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
		if (rc != CURLE_LOGIN_DENIED || attempt > 0 ||
		    sp->s->smtp_auth != IMAP_AUTH_XOAUTH2 || !*sp->s->smtp_token_command)
			return res;
		secret_free(&sp->secret);
		if (read_secret(sp->s, &sp->secret, err, errlen) < 0)
			return SMTP_UNAVAIL;
		curl_easy_setopt(sp->h, CURLOPT_XOAUTH2_BEARER, sp->secret);
		log_info("smtp: XOAUTH2 token refused; asked token_command again");
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
