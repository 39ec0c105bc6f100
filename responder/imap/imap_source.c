/*
 * imap_source.c - the complaints mailbox: connect, authenticate, select,
 * search, fetch, mark/move, wait (see imap_source.h).  The watchdog thread
 * and the libetpan error classification live here too, because every call
 * below goes through them.
 *
 * SECURITY: the server is trusted only after tls_verify_der_chain()
 * accepted its certificate; before that nothing but STARTTLS is sent.
 * Strings that reach libetpan are checked for CR/LF/NUL (libetpan sends
 * them raw); folder names must be printable ASCII (no modified UTF-7
 * helper in libetpan 1.9.4).  RFC822.SIZE is fetched first and bodies only
 * for messages under the cap, because libetpan allocates whatever literal
 * size the server announces.  Text from the server (its NO replies) is
 * sanitised before it reaches a log line.
 */
#include "responder/imap/imap_source.h"
#include "responder/imap/imap_source_int.h"
#include "responder/config/secret.h"
#include "responder/imap/tls_verify.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* libetpan exports it (connect.c) but 1.9.4 installs no header for it. */
int mail_tcp_connect_timeout(const char *server, uint16_t port, time_t timeout);

/* ---- watchdog ------------------------------------------------------------ */

static void *
watchdog_main(void *arg)
{
	struct imap_source *src = arg;

	pthread_mutex_lock(&src->wd_mu);
	while (!src->wd_quit) {
		if (src->wd_deadline == 0) {
			pthread_cond_wait(&src->wd_cv, &src->wd_mu);
			continue;
		}
		struct timespec ts = { .tv_sec = src->wd_deadline, .tv_nsec = 0 };
		if (pthread_cond_timedwait(&src->wd_cv, &src->wd_mu, &ts) == ETIMEDOUT &&
		    src->wd_deadline != 0 && time(NULL) >= src->wd_deadline) {
			if (src->imap != NULL && src->imap->imap_stream != NULL)
				mailstream_cancel(src->imap->imap_stream);
			src->wd_fired = 1;
			src->wd_deadline = 0;
		}
	}
	pthread_mutex_unlock(&src->wd_mu);
	return NULL;
}

void
imap_wd_arm(struct imap_source *src)
{
	imap_guard_new_command(src);
	pthread_mutex_lock(&src->wd_mu);
	src->wd_deadline = time(NULL) + 2 * (time_t)src->s->imap_timeout + 5;
	pthread_cond_signal(&src->wd_cv);
	pthread_mutex_unlock(&src->wd_mu);
}

/* Returns 1 when the watchdog fired during the call. */
int
imap_wd_disarm(struct imap_source *src)
{
	int fired;

	pthread_mutex_lock(&src->wd_mu);
	src->wd_deadline = 0;
	fired = src->wd_fired;
	src->wd_fired = 0;
	pthread_mutex_unlock(&src->wd_mu);
	if (fired)
		src->broken = 1;
	return fired;
}

/* ---- errors -------------------------------------------------------------- */

/* Maps a libetpan result to IMAP_E*, marking the session broken when the
 * connection is gone or out of sync (notes 1.12). */
int
imap_fail(struct imap_source *src, int r, const char *what, char *err, size_t errlen)
{
	char said[256] = "";

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_STARTTLS:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_BAD_STATE:
		src->broken = 1;
		if (imap_guard_why(src) != NULL)
			snprintf(err, errlen, "IMAP %s: connection dropped: %s", what,
				 imap_guard_why(src));
		else
			snprintf(err, errlen,
				 "IMAP %s: connection lost or out of sync (libetpan error %d)%s",
				 what, r, src->wd_fired ? " (watchdog timeout)" : "");
		return IMAP_EUNAVAIL;
	default:
		break;
	}
	if (src->imap != NULL && src->imap->imap_response != NULL) {
		str_copy(said, src->imap->imap_response, sizeof(said));
		str_sanitize_line(said);
	}
	snprintf(err, errlen, "IMAP %s refused by the server (error %d)%s%s", what, r,
		 *said ? ": " : "", said);
	return IMAP_ESERVER;
}

/* 1 when `v` may be sent to libetpan as an atom/quoted string. */
int
imap_safe_string(const char *v, int ascii_only)
{
	if (v == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\r' || *p == '\n' || *p < 0x20 || *p == 0x7f)
			return 0;
		if (ascii_only && *p >= 0x80)
			return 0;
	}
	return 1;
}

/* ---- URL ----------------------------------------------------------------- */

int
imap_parse_url(const char *url, int *implicit_tls_r, char *host_r, size_t hostlen, uint16_t *port_r,
	       char *err, size_t errlen)
{
	const char *p, *hs, *he;
	long port = 0;

	if (strncasecmp(url, "imaps://", 8) == 0) {
		*implicit_tls_r = 1;
		p = url + 8;
	} else if (strncasecmp(url, "imap://", 7) == 0) {
		*implicit_tls_r = 0;
		p = url + 7;
	} else {
		snprintf(err, errlen, "[imap] url %s: not imap:// or imaps://", url);
		return -1;
	}
	if (*p == '[') {
		hs = p + 1;
		he = strchr(hs, ']');
		if (he == NULL)
			goto bad;
		p = he + 1;
	} else {
		hs = p;
		he = p + strcspn(p, ":/");
		p = he;
	}
	if (he == hs || (size_t)(he - hs) >= hostlen)
		goto bad;
	memcpy(host_r, hs, (size_t)(he - hs));
	host_r[he - hs] = '\0';
	if (*p == ':') {
		char *end;
		port = strtol(p + 1, &end, 10);
		if (end == p + 1 || port < 1 || port > 65535 || (*end != '\0' && *end != '/'))
			goto bad;
	} else if (*p != '\0' && *p != '/') {
		goto bad;
	}
	if (port == 0)
		port = *implicit_tls_r ? 993 : 143;
	*port_r = (uint16_t)port;
	if (!imap_safe_string(host_r, 1))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "[imap] url %s: cannot read host and port", url);
	return -1;
}

/* ---- connect ------------------------------------------------------------- */

static void
sni_callback(struct mailstream_ssl_context *ctx, void *data)
{
	mailstream_ssl_set_server_name(ctx, (char *)data);
}

static int
stream_fd(struct imap_source *src)
{
	if (src->imap == NULL || src->imap->imap_stream == NULL)
		return -1;
	return mailstream_low_get_fd(mailstream_get_low(src->imap->imap_stream));
}

static void
set_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 15, cnt = 4;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

int
imap_caps_guard(mailimap *imap)
{
	struct mailimap_connection_info *ci = imap->imap_connection_info;

	if (ci == NULL)
		return -1;
	if (ci->imap_capability == NULL) {
		clist *none = clist_new();

		if (none == NULL)
			return -1;
		ci->imap_capability = mailimap_capability_data_new(none);
		if (ci->imap_capability == NULL) {
			clist_free(none);
			return -1;
		}
	}
	if (ci->imap_capability->cap_list == NULL &&
	    (ci->imap_capability->cap_list = clist_new()) == NULL)
		return -1;
	return 0;
}

int
imap_greeting(mailimap *imap, mailstream *s)
{
	const char *line;

	if (imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
		return MAILIMAP_ERROR_BAD_STATE;
	imap->imap_stream = s;
	if (imap->imap_connection_info != NULL)
		mailimap_connection_info_free(imap->imap_connection_info);
	imap->imap_connection_info = mailimap_connection_info_new();
	if (imap->imap_connection_info == NULL)
		return MAILIMAP_ERROR_MEMORY;
	if ((line = mailimap_read_line(imap)) == NULL)
		return MAILIMAP_ERROR_STREAM;
	if (strncasecmp(line, "* OK", 4) == 0 && strchr(" \r\n[", line[4]) != NULL) {
		imap->imap_state = MAILIMAP_STATE_NON_AUTHENTICATED;
		return MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
	}
	if (strncasecmp(line, "* PREAUTH", 9) == 0 && strchr(" \r\n[", line[9]) != NULL) {
		imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		return MAILIMAP_NO_ERROR_AUTHENTICATED;
	}
	if (strncasecmp(line, "* BYE", 5) == 0)
		return MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION;
	return MAILIMAP_ERROR_PARSE;
}

int
imap_refresh_caps(struct imap_source *src, char *err, size_t errlen)
{
	static const char cmd[] = "CAPABILITY\r\n";
	mailimap *imap = src->imap;
	struct mailimap_response *resp = NULL;
	struct mailimap_response_done *done;
	int r, ok;

	/* Not mailimap_capability(): libetpan 1.9.4 copies the stored list
	 * after the OK without looking, and crashes on a server that answered
	 * OK but never listed a capability, or listed an empty one.  The same
	 * command through the public pieces; mailimap_has_*() then read what
	 * the server listed. */
	imap_wd_arm(src);
	r = mailimap_send_current_tag(imap);
	if (r == MAILIMAP_NO_ERROR &&
	    (mailstream_write(imap->imap_stream, cmd, sizeof(cmd) - 1) !=
		 (ssize_t)sizeof(cmd) - 1 ||
	     mailstream_flush(imap->imap_stream) == -1 || mailimap_read_line(imap) == NULL))
		r = MAILIMAP_ERROR_STREAM;
	if (r == MAILIMAP_NO_ERROR)
		r = mailimap_parse_response(imap, &resp);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "CAPABILITY", err, errlen);
	done = resp->rsp_resp_done;
	ok = done != NULL && done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	     done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type == MAILIMAP_RESP_COND_STATE_OK;
	mailimap_response_free(resp);
	if (!ok)
		return imap_fail(src, MAILIMAP_ERROR_CAPABILITY, "CAPABILITY", err, errlen);
	if (imap_caps_guard(imap) < 0)
		return imap_fail(src, MAILIMAP_ERROR_MEMORY, "CAPABILITY", err, errlen);
	return IMAP_OK;
}

static int
verify_peer(struct imap_source *src, char *err, size_t errlen)
{
	carray *chain;
	const unsigned char **der;
	size_t *lens, n;
	int r;

	if (!src->s->imap_tls_verify) {
		log_warn("imap: tls_verify = no: the certificate of %s is NOT checked", src->host);
		return IMAP_OK;
	}
	chain = mailstream_get_certificate_chain(src->imap->imap_stream);
	n = chain != NULL ? carray_count(chain) : 0;
	der = xcalloc(n + 1, sizeof(*der));
	lens = xcalloc(n + 1, sizeof(*lens));
	for (size_t i = 0; i < n; i++) {
		MMAPString *m = carray_get(chain, (unsigned int)i);
		der[i] = (const unsigned char *)m->str;
		lens[i] = m->len;
	}
	r = tls_verify_der_chain(der, lens, n, src->host, src->s->imap_ca_file, err, errlen);
	free(der);
	free(lens);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return r == 0 ? IMAP_OK : IMAP_ETLS;
}

static int
read_token(const struct settings *s, int fresh, char **tok_r, char *err, size_t errlen)
{
	(void)fresh;
	if (*s->imap_token_command)
		return secret_from_command(s->imap_token_command, 30, tok_r, err, errlen);
	return secret_read_file(s->imap_token_file, tok_r, err, errlen);
}

static int
authenticate(struct imap_source *src, char *err, size_t errlen)
{
	const struct settings *s = src->s;
	char *secret = NULL;
	int r, ret;

	if (!imap_safe_string(s->imap_username, 0) || !*s->imap_username) {
		snprintf(err, errlen, "[imap] username is empty or holds control characters");
		return IMAP_ECONFIG;
	}
	if (s->imap_auth == IMAP_AUTH_XOAUTH2) {
		if (!mailimap_has_xoauth2(src->imap)) {
			snprintf(err, errlen, "IMAP server %s does not offer AUTH=XOAUTH2",
				 src->host);
			return IMAP_EAUTH;
		}
		for (int attempt = 0; attempt < 2; attempt++) {
			if (read_token(s, attempt, &secret, err, errlen) < 0)
				return IMAP_EAUTH;
			imap_wd_arm(src);
			r = mailimap_oauth2_authenticate(src->imap, s->imap_username, secret);
			imap_wd_disarm(src);
			secret_free(&secret);
			if (r == MAILIMAP_NO_ERROR)
				return IMAP_OK;
			ret = imap_fail(src, r, "AUTHENTICATE XOAUTH2", err, errlen);
			if (ret == IMAP_ESERVER) {
				char said[512];

				snprintf(said, sizeof(said), "%s", err);
				snprintf(err, errlen,
					 "IMAP server %s refused the XOAUTH2 access token for %s "
					 "(expired, revoked, or for another user?) from %s: %s",
					 src->host, s->imap_username,
					 *s->imap_token_command ? "token_command" : "token_file",
					 said);
			}
			/* A rejected token: a token_command may hand out a fresh one. */
			if (ret != IMAP_ESERVER || !*s->imap_token_command)
				break;
			log_info("imap: XOAUTH2 token refused; asking token_command again");
		}
		return src->broken ? IMAP_EUNAVAIL : IMAP_EAUTH;
	}
	if (secret_read_file(s->imap_password_file, &secret, err, errlen) < 0)
		return IMAP_EAUTH;
	if (!imap_safe_string(secret, 0)) {
		secret_free(&secret);
		snprintf(err, errlen, "[imap] password_file holds control characters");
		return IMAP_ECONFIG;
	}
	imap_wd_arm(src);
	r = mailimap_login(src->imap, s->imap_username, secret);
	imap_wd_disarm(src);
	secret_free(&secret);
	if (r == MAILIMAP_NO_ERROR)
		return IMAP_OK;
	ret = imap_fail(src, r, "LOGIN", err, errlen);
	return ret == IMAP_ESERVER ? IMAP_EAUTH : ret;
}

static int
ensure_folder(struct imap_source *src, const char *folder, char *err, size_t errlen)
{
	int r;

	if (folder == NULL || *folder == '\0')
		return IMAP_OK;
	if (!imap_safe_string(folder, 1)) {
		snprintf(err, errlen, "[imap] folder name '%s' must be printable ASCII", folder);
		return IMAP_ECONFIG;
	}
	imap_wd_arm(src);
	r = mailimap_create(src->imap, folder);
	imap_wd_disarm(src);
	/* NO ("already exists") is the usual answer after the first run. */
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_CREATE)
		return imap_fail(src, r, "CREATE", err, errlen);
	return IMAP_OK;
}

/* TCP connect, TLS for imaps://, the guard, then the greeting (read
 * through the guard and under the watchdog).  libetpan's
 * mailimap_ssl_connect / mailimap_socket_connect do the same without the
 * guard: a hostile greeting would reach the parser unchecked. */
static int
open_stream(struct imap_source *src, int implicit, uint16_t port, char *err, size_t errlen)
{
	mailstream *stream;
	int fd, r;

	fd = mail_tcp_connect_timeout(src->host, port, (time_t)src->s->imap_timeout);
	if (fd < 0) {
		src->broken = 1;
		snprintf(err, errlen, "cannot connect to IMAP %s:%u", src->host, port);
		return IMAP_EUNAVAIL;
	}
	if (implicit)
		stream = mailstream_ssl_open_with_callback_timeout(fd, (time_t)src->s->imap_timeout,
								   sni_callback, src->host);
	else
		stream = mailstream_socket_open_timeout(fd, (time_t)src->s->imap_timeout);
	if (stream == NULL) {
		close(fd);
		src->broken = 1;
		snprintf(err, errlen, "cannot connect to IMAP %s:%u (%s)", src->host, port,
			 implicit ? "TLS handshake failed" : "out of memory");
		return implicit ? IMAP_ETLS : IMAP_EUNAVAIL;
	}
	imap_guard_install(src, stream);
	imap_wd_arm(src);
	r = imap_greeting(src->imap, stream); /* not mailimap_connect(): see there */
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		src->broken = 1;
		if (src->imap->imap_stream == NULL)
			mailstream_close(stream);
		snprintf(err, errlen, "cannot connect to IMAP %s:%u (%s, libetpan error %d)%s%s",
			 src->host, port, implicit ? "implicit TLS" : "plain", r,
			 imap_guard_why(src) ? ": " : "",
			 imap_guard_why(src) ? imap_guard_why(src) : "");
		return IMAP_EUNAVAIL;
	}
	return IMAP_OK;
}

static int
do_connect(struct imap_source *src, char *err, size_t errlen)
{
	const struct settings *s = src->s;
	int implicit, r, fd, tls = 0;
	uint16_t port;

	if (imap_parse_url(s->imap_url, &implicit, src->host, sizeof(src->host), &port, err,
			   errlen) < 0)
		return IMAP_ECONFIG;
	if (!imap_safe_string(s->imap_folder, 1) || !*s->imap_folder) {
		snprintf(err, errlen, "[imap] folder must be printable ASCII");
		return IMAP_ECONFIG;
	}
	src->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(src->imap, (time_t)s->imap_timeout);
	r = open_stream(src, implicit, port, err, errlen);
	if (r != IMAP_OK)
		return r;
	fd = stream_fd(src);
	if (fd >= 1024) {
		/* libetpan select()s on it: FD_SETSIZE would abort the process. */
		src->broken = 1;
		snprintf(err, errlen, "IMAP socket got fd %d (>= 1024); too many open files", fd);
		return IMAP_EUNAVAIL;
	}
	if (fd >= 0)
		set_keepalive(fd);
	tls = implicit;
	if (!implicit && s->imap_tls != TLS_NONE) {
		if ((r = imap_refresh_caps(src, err, errlen)) != IMAP_OK)
			return r;
		if (!mailimap_has_extension(src->imap, "STARTTLS")) {
			snprintf(err, errlen,
				 "IMAP server %s:%u does not offer STARTTLS "
				 "(required unless [imap] tls = none)",
				 src->host, port);
			return IMAP_ETLS;
		}
		imap_wd_arm(src);
		r = mailimap_socket_starttls_with_callback(src->imap, sni_callback, src->host);
		imap_wd_disarm(src);
		imap_guard_install(src, src->imap->imap_stream);
		if (r != MAILIMAP_NO_ERROR) {
			src->broken = 1;
			snprintf(err, errlen, "STARTTLS with %s:%u failed (libetpan error %d)%s",
				 src->host, port, r,
				 r == MAILIMAP_ERROR_STARTTLS ? ": data injected before TLS" : "");
			return IMAP_ETLS;
		}
		tls = 1;
	}
	if (tls && (r = verify_peer(src, err, errlen)) != IMAP_OK)
		return r;
	if ((r = imap_refresh_caps(src, err, errlen)) != IMAP_OK)
		return r;
	if (src->imap->imap_state == MAILIMAP_STATE_NON_AUTHENTICATED &&
	    (r = authenticate(src, err, errlen)) != IMAP_OK)
		return r;
	if ((r = imap_refresh_caps(src, err, errlen)) != IMAP_OK)
		return r;
	if ((r = ensure_folder(src, s->imap_processed_folder, err, errlen)) != IMAP_OK ||
	    (r = ensure_folder(src, s->imap_quarantine_folder, err, errlen)) != IMAP_OK)
		return r;
	imap_wd_arm(src);
	r = mailimap_select(src->imap, s->imap_folder);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR || src->imap->imap_selection_info == NULL) {
		r = imap_fail(src, r, "SELECT", err, errlen);
		return r;
	}
	src->uidvalidity = src->imap->imap_selection_info->sel_uidvalidity;
	/* The SELECT answer may have replaced the list ([CAPABILITY ...]). */
	if (imap_caps_guard(src->imap) < 0)
		return imap_fail(src, MAILIMAP_ERROR_MEMORY, "SELECT", err, errlen);
	src->has_idle = mailimap_has_idle(src->imap);
	src->has_move = mailimap_has_extension(src->imap, "MOVE");
	src->has_uidplus = mailimap_has_extension(src->imap, "UIDPLUS");
	log_debug("imap: %s:%u %s, folder %s, UIDVALIDITY %u, %u messages%s%s", src->host, port,
		  tls ? "TLS" : "plain", s->imap_folder, src->uidvalidity,
		  src->imap->imap_selection_info->sel_exists, src->has_idle ? ", IDLE" : "",
		  src->has_move ? ", MOVE" : "");
	return IMAP_OK;
}

int
imap_connect(const struct settings *s, struct imap_source **src_r, char *err, size_t errlen)
{
	struct imap_source *src = xcalloc(1, sizeof(*src));
	int r;

	*src_r = NULL;
	src->s = s;
	pthread_mutex_init(&src->wd_mu, NULL);
	pthread_cond_init(&src->wd_cv, NULL);
	if (pthread_create(&src->wd_thread, NULL, watchdog_main, src) != 0) {
		snprintf(err, errlen, "cannot start the IMAP watchdog thread");
		pthread_cond_destroy(&src->wd_cv);
		pthread_mutex_destroy(&src->wd_mu);
		free(src);
		return IMAP_EUNAVAIL;
	}
	src->wd_started = 1;
	r = do_connect(src, err, errlen);
	if (r != IMAP_OK) {
		if (r == IMAP_ESERVER)
			r = IMAP_EUNAVAIL;
		src->broken = 1; /* never LOGOUT half-way: just close */
		imap_close(&src);
		return r;
	}
	*src_r = src;
	return IMAP_OK;
}

void
imap_close(struct imap_source **srcp)
{
	struct imap_source *src = srcp != NULL ? *srcp : NULL;

	if (src == NULL)
		return;
	if (src->imap != NULL) {
		if (!src->broken && src->imap->imap_stream != NULL) {
			imap_wd_arm(src);
			mailimap_logout(src->imap);
			imap_wd_disarm(src);
		}
		pthread_mutex_lock(&src->wd_mu);
		if (src->imap->imap_stream != NULL) {
			/* A dead peer: LOGOUT from mailimap_free would block or
			 * SIGPIPE (notes 1.11). */
			mailstream_close(src->imap->imap_stream);
			src->imap->imap_stream = NULL;
		}
		pthread_mutex_unlock(&src->wd_mu);
		mailimap_free(src->imap);
		src->imap = NULL;
	}
	if (src->wd_started) {
		pthread_mutex_lock(&src->wd_mu);
		src->wd_quit = 1;
		pthread_cond_signal(&src->wd_cv);
		pthread_mutex_unlock(&src->wd_mu);
		pthread_join(src->wd_thread, NULL);
	}
	pthread_cond_destroy(&src->wd_cv);
	pthread_mutex_destroy(&src->wd_mu);
	free(src);
	*srcp = NULL;
}

int
imap_check(const struct settings *s, char *err, size_t errlen)
{
	struct imap_source *src = NULL;
	int r = imap_connect(s, &src, err, errlen);

	imap_close(&src);
	return r;
}

int
imap_broken(const struct imap_source *src)
{
	return src == NULL || src->broken;
}

uint32_t
imap_uidvalidity(const struct imap_source *src)
{
	return src->uidvalidity;
}

int
imap_has_idle(const struct imap_source *src)
{
	return src->has_idle;
}
