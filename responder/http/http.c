/*
 * http.c - the HTTP server over libmicrohttpd (see http.h).
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers (we allocate the request), then once per piece of body,
 * then once with no body left (we call the handler and queue the answer).
 * The request is freed by the completion notifier, whatever happened.
 *
 * SECURITY: the body is capped (HTTP_BODY_MAX, then 413 without calling
 * the handler); connections, connections per client and idle time are
 * limited, so a client that sends slowly or not at all only holds its own
 * connection until it times out.
 */
#include "responder/http/http.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONNECTION_LIMIT 64
#define PER_IP_LIMIT 16
#define IDLE_TIMEOUT_SECONDS 15
#define RESP_BODY_MAX ((size_t)16 * 1024 * 1024)
#define PEM_MAX (256 * 1024)

struct http_server {
	struct MHD_Daemon *mhd;
	http_handler_fn fn;
	void *arg;
	int tls;
	char name[16];
	char *cert, *key; /* PEM text, kept while the daemon runs */
};

struct http_req {
	struct MHD_Connection *c;
	const struct http_server *h;
	char *method, *path;
	struct buf body;
	int too_large;
	int form_parsed;
	char **fname, **fvalue;
	size_t nform;
	char peer[INET6_ADDRSTRLEN];
};

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

int
http_listen_parse(const char *spec, struct http_listen *l_r, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256], *end;
	const char *p, *port;
	long v;
	int rc;

	memset(l_r, 0, sizeof(*l_r));
	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty listen address");
		return -1;
	}
	if (spec[0] == '[') {
		p = strchr(spec, ']');
		if (p == NULL || p[1] != ':' || (size_t)(p - spec - 1) >= sizeof(host)) {
			snprintf(err, errlen, "'%s': want [ADDRESS]:PORT", spec);
			return -1;
		}
		memcpy(host, spec + 1, (size_t)(p - spec - 1));
		host[p - spec - 1] = '\0';
		port = p + 2;
	} else {
		p = strrchr(spec, ':');
		if (p == NULL || p == spec || (size_t)(p - spec) >= sizeof(host) ||
		    memchr(spec, ':', (size_t)(p - spec)) != NULL) {
			snprintf(err, errlen, "'%s': want HOST:PORT (IPv6 as [ADDRESS]:PORT)",
				 spec);
			return -1;
		}
		memcpy(host, spec, (size_t)(p - spec));
		host[p - spec] = '\0';
		port = p + 1;
	}
	errno = 0;
	v = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 65535) {
		snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0 || res == NULL) {
		snprintf(err, errlen, "'%s': cannot resolve '%s': %s", spec, host,
			 rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&l_r->addr, res->ai_addr, res->ai_addrlen);
	l_r->addrlen = res->ai_addrlen;
	l_r->loopback = is_loopback(res->ai_addr);
	str_copy(l_r->text, spec, sizeof(l_r->text));
	freeaddrinfo(res);
	return 0;
}

int
http_resp_header(struct http_resp *r, const char *name, const char *value)
{
	if (r->nheaders >= HTTP_MAX_HEADERS || strpbrk(value, "\r\n") != NULL)
		return -1;
	r->hname[r->nheaders] = name;
	r->hvalue[r->nheaders++] = xstrdup(value);
	return 0;
}

void
http_url_decode(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%' && isxdigit((unsigned char)s[1]) &&
			   isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };
			*w++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

const char *
http_req_method(const struct http_req *q)
{
	return q->method;
}

const char *
http_req_path(const struct http_req *q)
{
	return q->path;
}

const char *
http_req_query(struct http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_req_header(struct http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, name);
}

const char *
http_req_cookie(struct http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->c, MHD_COOKIE_KIND, name);
}

/* Splits an urlencoded body into name/value pairs, once. */
static void
parse_form(struct http_req *q)
{
	const char *ct = http_req_header(q, "Content-Type");
	char *body, *pair, *next;

	q->form_parsed = 1;
	if (q->body.len == 0 || ct == NULL ||
	    !str_starts_with_nocase(ct, "application/x-www-form-urlencoded"))
		return;
	body = xstrdup(buf_cstr(&q->body));
	for (pair = body; pair != NULL; pair = next) {
		char *eq;

		if ((next = strchr(pair, '&')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(pair, '=')) == NULL)
			continue;
		*eq = '\0';
		http_url_decode(pair);
		http_url_decode(eq + 1);
		q->fname = xreallocarray(q->fname, q->nform + 1, sizeof(*q->fname));
		q->fvalue = xreallocarray(q->fvalue, q->nform + 1, sizeof(*q->fvalue));
		q->fname[q->nform] = xstrdup(pair);
		q->fvalue[q->nform++] = xstrdup(eq + 1);
	}
	free(body);
}

const char *
http_req_form(struct http_req *q, const char *name)
{
	if (!q->form_parsed)
		parse_form(q);
	for (size_t i = 0; i < q->nform; i++)
		if (strcmp(q->fname[i], name) == 0)
			return q->fvalue[i];
	return NULL;
}

const char *
http_req_peer(const struct http_req *q)
{
	return q->peer;
}

int
http_req_tls(const struct http_req *q)
{
	return q->h->tls;
}

static void
req_free(struct http_req *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nform; i++) {
		free(q->fname[i]);
		free(q->fvalue[i]);
	}
	free(q->fname);
	free(q->fvalue);
	buf_free(&q->body);
	free(q->method);
	free(q->path);
	free(q);
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct http_resp *r)
{
	struct MHD_Response *m;
	enum MHD_Result ret;

	if (r->body.data == NULL)
		buf_puts(&r->body, "");
	m = MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_COPY);
	if (m == NULL)
		return MHD_NO;
	MHD_add_response_header(m, "Content-Type",
				r->content_type ? r->content_type : "text/plain; charset=utf-8");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
	for (size_t i = 0; i < r->nheaders; i++)
		MHD_add_response_header(m, r->hname[i], r->hvalue[i]);
	ret = MHD_queue_response(c, (unsigned)(r->status ? r->status : 200), m);
	MHD_destroy_response(m);
	return ret;
}

static void
resp_free(struct http_resp *r)
{
	buf_free(&r->body);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->hvalue[i]);
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *h = cls;
	struct http_req *q = *con_cls;
	struct http_resp r;
	enum MHD_Result ret;

	(void)version;
	if (q == NULL) {
		const union MHD_ConnectionInfo *ci;

		q = xcalloc(1, sizeof(*q));
		q->c = c;
		q->h = h;
		q->method = xstrdup(method);
		q->path = xstrdup(url);
		buf_init(&q->body, HTTP_BODY_MAX);
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
					  q->peer, sizeof(q->peer));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
					  q->peer, sizeof(q->peer));
		}
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!q->too_large && buf_append(&q->body, upload_data, *upload_data_size) < 0)
			q->too_large = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	buf_init(&r.body, RESP_BODY_MAX);
	if (q->too_large) {
		r.status = 413;
		buf_puts(&r.body, "request body too large\n");
	} else {
		h->fn(h->arg, q, &r);
	}
	ret = queue(c, &r);
	resp_free(&r);
	return ret;
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *h = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	str_sanitize_line(msg);
	log_warn("%s: http: %s", h->name, msg);
}

static char *
read_pem(const char *path, char *err, size_t errlen)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, PEM_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, PEM_MAX);
			fclose(fp);
			buf_free(&b);
			return NULL;
		}
	fclose(fp);
	return buf_steal(&b, NULL);
}

struct http_server *
http_server_start(const struct http_listen *l, const struct http_server_opts *o, http_handler_fn fn,
		  void *arg, char *err, size_t errlen)
{
	struct http_server *h = xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	uint16_t port;

	h->fn = fn;
	h->arg = arg;
	str_copy(h->name, o->name ? o->name : "http", sizeof(h->name));
	if ((o->tls_cert && *o->tls_cert) || (o->tls_key && *o->tls_key)) {
		if (!o->tls_cert || !*o->tls_cert || !o->tls_key || !*o->tls_key) {
			snprintf(err, errlen, "TLS needs both a certificate and a key file");
			free(h);
			return NULL;
		}
		if ((h->cert = read_pem(o->tls_cert, err, errlen)) == NULL ||
		    (h->key = read_pem(o->tls_key, err, errlen)) == NULL) {
			free(h->cert);
			free(h);
			return NULL;
		}
		h->tls = 1;
		flags |= MHD_USE_TLS;
	}
	if (l->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	port = l->addr.ss_family == AF_INET6 ?
		   ntohs(((const struct sockaddr_in6 *)&l->addr)->sin6_port) :
		   ntohs(((const struct sockaddr_in *)&l->addr)->sin_port);
	if (h->tls)
		h->mhd = MHD_start_daemon(
		    flags, port, NULL, NULL, access_cb, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		    MHD_OPTION_SOCK_ADDR, &l->addr, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned)PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)IDLE_TIMEOUT_SECONDS, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
		    MHD_OPTION_HTTPS_MEM_CERT, h->cert, MHD_OPTION_HTTPS_MEM_KEY, h->key,
		    MHD_OPTION_END);
	else
		h->mhd = MHD_start_daemon(
		    flags, port, NULL, NULL, access_cb, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		    MHD_OPTION_SOCK_ADDR, &l->addr, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned)PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)IDLE_TIMEOUT_SECONDS, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
		    MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s%s", l->text,
			 h->tls ? " (or the TLS certificate/key was refused)" :
				  " (address in use or not ours)");
		free(h->cert);
		free(h->key);
		free(h);
		return NULL;
	}
	return h;
}

unsigned
http_server_port(const struct http_server *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);

	return i ? i->port : 0;
}

void
http_server_stop(struct http_server **hp)
{
	struct http_server *h = *hp;

	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);
	free(h->cert);
	free(h->key);
	free(h);
	*hp = NULL;
}
