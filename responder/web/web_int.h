/*
 * web_int.h - what web.c (server, login, routing, page frame) and the
 * page files (web_pages.c, web_repair.c) share.  Not for other files.
 */
#ifndef RESPONDER_WEB_INT_H
#define RESPONDER_WEB_INT_H

#include <stdint.h>
#include <stdio.h>

#include "responder/config/config.h"
#include "responder/http/http.h"
#include "responder/web/web_auth.h"

struct store;

struct web {
	struct http_server *h;
	struct settings s; /* the console's own copy */
	struct store *st;  /* the console's own connection */
	struct web_auth *auth;
	void (*wake)(void);
	int secure_cookie; /* TLS here or at the proxy */
	char address[160];
};

/* One request being answered: the page is written to fp (open_memstream)
 * and handed to the response at the end (web.c). */
struct page {
	struct web *w;
	struct http_req *q;
	struct http_resp *r;
	struct web_principal who;
	FILE *fp;
	char *mem;
	size_t len;
	char client[48]; /* web.c: the client's address behind a proxy */
};

/* The frame: <head> with the stylesheet link, the navigation (with the
 * user and the logout form), <h1>title</h1>; page_end closes it.  `title`
 * is ours (not escaped). */
void page_begin(struct page *p, const char *title);
void page_end(struct page *p);
/* An error page with this status and message (ours, not escaped). */
void page_error(struct page *p, int status, const char *msg);
/* 303 to `location` (a local path we built). */
void page_redirect(struct page *p, const char *location);
/* Hidden CSRF field for a form. */
void page_csrf_field(struct page *p);
/* s percent-encoded for a URL query value, then HTML-escaped. */
void page_url_value(FILE *fp, const char *s);

/* Pages (web_pages.c).  `id` and the path segments are checked by the
 * router (digits, no dot segments). */
void page_dashboard(struct page *p);
void page_requests(struct page *p);
void page_request(struct page *p, int64_t id);
void page_lookup(struct page *p);
void page_reply_download(struct page *p, int64_t id, int64_t outbox_id);
void page_complaint_download(struct page *p, int64_t id);
void page_transcript_download(struct page *p, const char *queue_id, long rcpt, long attempt);
/* Repairs (web_repair.c): GET shows the confirmation, POST does it. */
void page_repair(struct page *p, int64_t id, const char *action);

#endif
