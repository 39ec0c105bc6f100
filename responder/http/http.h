/*
 * http.h - the one HTTP server of the responder: a thin wrapper over
 * libmicrohttpd, used by the Prometheus endpoint (responder/metrics/) and
 * the admin console (responder/web/).
 *
 * The server runs in libmicrohttpd's own thread (one event loop for every
 * connection), so the daemon's loop never waits on a client: a slow or
 * malformed request is libmicrohttpd's to time out or answer 400, a body
 * larger than the cap is answered 413 without reaching the handler.  The
 * handler is called in that thread, one request at a time; whatever it
 * shares with the daemon's thread must be atomic or its own (the console
 * opens its own store connection).
 *
 * Nothing here includes <microhttpd.h>: callers see only the opaque
 * request and the response they fill.
 *
 * SECURITY: everything in a request is hostile.  Accessors return text as
 * the client sent it (URL-decoded); the handler escapes what it prints.
 * Every response carries X-Content-Type-Options: nosniff and
 * Referrer-Policy: no-referrer; the handler adds its own CSP.
 */
#ifndef RESPONDER_HTTP_H
#define RESPONDER_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "common/buf.h"

/* The largest request body passed to a handler (a form). */
#define HTTP_BODY_MAX (64 * 1024)
#define HTTP_MAX_HEADERS 8

struct http_listen {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int loopback; /* 127.0.0.0/8, ::1 or ::ffff:127.x */
	char text[128];
};

/* Parses "HOST:PORT" or "[V6]:PORT" (HOST a name or a numeric address,
 * resolved with getaddrinfo; the first address is taken).  0, or -1 with
 * why in err. */
int http_listen_parse(const char *spec, struct http_listen *l_r, char *err, size_t errlen);

struct http_req;

struct http_resp {
	int status;		  /* 200 unless set */
	const char *content_type; /* static string; "text/plain; charset=utf-8" unless set */
	struct buf body;
	/* Extra headers: names static, values copied (freed by the wrapper). */
	const char *hname[HTTP_MAX_HEADERS];
	char *hvalue[HTTP_MAX_HEADERS];
	size_t nheaders;
};

/* Adds a header to the response (a value with CR or LF is refused: -1). */
int http_resp_header(struct http_resp *r, const char *name, const char *value);

/* The handler fills `resp` (its body is initialised, capped at 16 MiB). */
typedef void (*http_handler_fn)(void *arg, struct http_req *req, struct http_resp *resp);

/* "GET", "POST", ... */
const char *http_req_method(const struct http_req *q);
/* The path of the URL, without the query; URL-decoded by libmicrohttpd. */
const char *http_req_path(const struct http_req *q);
/* A query argument, a request header (case-insensitive name), a cookie, or
 * a field of an application/x-www-form-urlencoded body; NULL when absent.
 * Borrowed: valid until the handler returns. */
const char *http_req_query(struct http_req *q, const char *name);
const char *http_req_header(struct http_req *q, const char *name);
const char *http_req_cookie(struct http_req *q, const char *name);
const char *http_req_form(struct http_req *q, const char *name);
/* The client's address as text ("127.0.0.1"), for rate limits and logs. */
const char *http_req_peer(const struct http_req *q);
/* 1 when the connection is TLS. */
int http_req_tls(const struct http_req *q);

struct http_server;

struct http_server_opts {
	const char *name;     /* "metrics" or "web", for the log */
	const char *tls_cert; /* PEM file paths; both or neither */
	const char *tls_key;
};

/* Starts serving on `l` in libmicrohttpd's thread.  NULL with why in err
 * (port in use, unreadable certificate).  `arg` is passed to `fn`. */
struct http_server *http_server_start(const struct http_listen *l, const struct http_server_opts *o,
				      http_handler_fn fn, void *arg, char *err, size_t errlen);
/* The port bound (useful with port 0). */
unsigned http_server_port(const struct http_server *h);
/* Stops the thread, closes every connection, frees.  NULL-safe. */
void http_server_stop(struct http_server **h);

/* Decodes %XX and '+' in place (form and query values). */
void http_url_decode(char *s);

#endif
