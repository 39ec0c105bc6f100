/*
 * web.c - the console's server: start and stop, who is asking (session
 * cookie, bearer token or Basic credentials), the login and logout forms,
 * the router and the page frame (see web.h).
 *
 * SECURITY: a path with a "." or ".." segment is refused before routing,
 * and every route takes numbers or a checked queue ID from the path, never
 * a file name: nothing here opens a file named by a request.  POST needs
 * the admin role and the principal's CSRF token.  The CSP allows nothing
 * but our own stylesheet and forms posting to ourselves.
 */
#include "responder/web/web.h"
#include "responder/web/report_html.h"
#include "responder/web/web_int.h"
#include "responder/decide/store_settings.h"
#include "store/store.h"
#include "common/base64.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COOKIE "responder_session"
#define CSP                                                                          \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"
#define DEFAULT_LISTEN "127.0.0.1:8025"
#define MAX_SEGMENTS 8

/* The client's address, for the login limit and the log: the peer, or
 * behind a trusted proxy the last address the proxy appended to
 * X-Forwarded-For (the one it saw; earlier ones are the client's word).
 * Only characters of an address are kept. */
static const char *
client(struct page *p)
{
	const char *xff = http_req_header(p->q, "X-Forwarded-For"), *last;
	size_t n = 0;

	if (!p->w->s.web_trust_proxy || xff == NULL)
		return http_req_peer(p->q);
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	for (; last[n] && n < sizeof(p->client) - 1 && strchr("0123456789abcdefABCDEF.:", last[n]);
	     n++)
		p->client[n] = last[n];
	p->client[n] = '\0';
	return n ? p->client : http_req_peer(p->q);
}

/* A local path to go back to after the login: "/..." but not "//..." */
static const char *
safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || strlen(next) > 512)
		return "/";
	/* Printable ASCII but backslash: browsers drop tabs and line ends
	 * from a URL ("/\t/evil.example" would become "//evil.example"). */
	for (const char *c = next; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == '\\')
			return "/";
	return next;
}

static void
login_page(struct page *p, int status, const char *msg, const char *next)
{
	p->r->status = status;
	p->who.role = WEB_ROLE_NONE;
	page_begin(p, "Log in");
	if (msg)
		fprintf(p->fp, "<p class=\"failed\" id=\"error\">%s</p>\n", msg);
	fputs("<form method=\"post\" action=\"/login\" class=\"login\">\n"
	      "<p><label>User <input name=\"user\" autocomplete=\"username\"></label></p>\n"
	      "<p><label>Password <input type=\"password\" name=\"password\" "
	      "autocomplete=\"current-password\"></label></p>\n"
	      "<p>or <label>Token <input type=\"password\" name=\"token\"></label></p>\n"
	      "<input type=\"hidden\" name=\"next\" value=\"",
	      p->fp);
	report_html_escape(p->fp, safe_next(next));
	fputs("\">\n<p><button id=\"login\">Log in</button></p>\n</form>\n", p->fp);
	page_end(p);
}

static void
do_login(struct page *p)
{
	struct web *w = p->w;
	const char *peer = client(p), *token = http_req_form(p->q, "token");
	const char *user = http_req_form(p->q, "user"), *next = http_req_form(p->q, "next");
	struct web_principal who;
	int64_t now = time(NULL);
	char cookie[256];

	if (web_rate_blocked(w->auth, peer, now)) {
		log_warn("web: login from %s refused: too many failures", peer);
		login_page(p, 429, "Too many failed logins from your address: wait a minute.",
			   next);
		return;
	}
	memset(&who, 0, sizeof(who));
	if (token && *token) {
		who.role = web_auth_token(w->auth, token);
		str_copy(who.user, "token", sizeof(who.user));
	} else if (user && *user) {
		who.role = web_auth_password(w->auth, user, http_req_form(p->q, "password"));
		str_copy(who.user, user, sizeof(who.user));
	}
	if (who.role == WEB_ROLE_NONE) {
		web_rate_failed(w->auth, peer, now);
		log_warn("web: failed login from %s", peer);
		login_page(p, 401, "Wrong user, password or token.", next);
		return;
	}
	web_session_new(w->auth, &who, now);
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
		 who.session, w->secure_cookie ? "; Secure" : "");
	http_resp_header(p->r, "Set-Cookie", cookie);
	log_info("web: %s logged in from %s", who.user, peer);
	page_redirect(p, safe_next(next));
}

/* Who is asking: the session cookie, else an Authorization header.
 * 0 with p->who filled; -1 with the answer already written (401/429). */
static int
authenticate(struct page *p)
{
	struct web *w = p->w;
	const char *peer = client(p), *h = http_req_header(p->q, "Authorization");
	int64_t now = time(NULL);

	memset(&p->who, 0, sizeof(p->who));
	if (web_session_get(w->auth, http_req_cookie(p->q, COOKIE), now, &p->who) == 0)
		return 0;
	if (h != NULL) {
		if (web_rate_blocked(w->auth, peer, now)) {
			p->r->status = 429;
			fputs("too many failed logins from your address: wait a minute\n", p->fp);
			return -1;
		}
		if (str_starts_with_nocase(h, "Bearer ")) {
			p->who.role = web_auth_token(w->auth, h + 7);
			str_copy(p->who.user, "token", sizeof(p->who.user));
		} else if (str_starts_with_nocase(h, "Basic ")) {
			char dec[256], *colon;
			size_t n = base64_decode(h + 6, strlen(h + 6), dec, sizeof(dec) - 1,
						 BASE64_PAD_ENDS);
			dec[n] = '\0';
			if ((colon = strchr(dec, ':')) != NULL) {
				*colon = '\0';
				p->who.role = web_auth_password(w->auth, dec, colon + 1);
				str_copy(p->who.user, dec, sizeof(p->who.user));
			}
			memset(dec, 0, sizeof(dec));
		}
		if (p->who.role != WEB_ROLE_NONE) {
			web_csrf_for(w->auth, &p->who);
			return 0;
		}
		web_rate_failed(w->auth, peer, now);
		log_warn("web: bad credentials from %s", peer);
	}
	http_resp_header(p->r, "WWW-Authenticate", "Bearer realm=\"responder\"");
	login_page(p, 401, h ? "Wrong credentials." : NULL, http_req_path(p->q));
	return -1;
}

static int
parse_id(const char *s, int64_t *id_r)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*id_r = v;
	return v > 0 ? 0 : -1;
}

/* "N.ext" -> N */
static int
parse_id_ext(const char *s, const char *ext, int64_t *id_r)
{
	char tmp[32];
	size_t n = strlen(s), e = strlen(ext);

	if (n <= e || n - e >= sizeof(tmp) || strcmp(s + n - e, ext) != 0)
		return -1;
	memcpy(tmp, s, n - e);
	tmp[n - e] = '\0';
	return parse_id(tmp, id_r);
}

static void
route(struct page *p)
{
	const char *method = http_req_method(p->q), *path = http_req_path(p->q);
	char copy[1024], *seg[MAX_SEGMENTS], *c;
	size_t n = 0;
	int64_t id, id2, a3;
	int post = strcmp(method, "POST") == 0;

	if (strlen(path) >= sizeof(copy) || path[0] != '/') {
		page_error(p, 400, "Bad path.");
		return;
	}
	str_copy(copy, path + 1, sizeof(copy));
	for (c = copy; c != NULL && n < MAX_SEGMENTS;) {
		char *slash = strchr(c, '/');
		if (slash)
			*slash++ = '\0';
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0 || strchr(c, '\\')) {
			log_warn("web: refused path from %s", client(p));
			page_error(p, 400, "Refused: a path may not climb out (. or .. segment).");
			return;
		}
		seg[n++] = c;
		c = slash;
	}
	if (c != NULL) {
		page_error(p, 404, "No such page.");
		return;
	}
	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		p->r->status = 405;
		http_resp_header(p->r, "Allow", "GET, HEAD, POST");
		fputs("method not allowed\n", p->fp);
		return;
	}
	if (n == 1 && strcmp(seg[0], "style.css") == 0) {
		p->r->content_type = "text/css; charset=utf-8";
		fputs(report_html_css, p->fp);
		fputs(
		    "nav{display:flex;gap:1em;flex-wrap:wrap;align-items:center;border-bottom:1px "
		    "solid #ccc;padding-bottom:.5em}nav .who{margin-left:auto;color:#555}"
		    "form.inline{display:inline}form.filters{display:flex;flex-wrap:wrap;gap:.5em;"
		    "align-items:end}form.filters label{display:flex;flex-direction:column;"
		    "font-size:.85em}input,select,button{font:inherit;padding:.25em}"
		    ".table-wrap{overflow-x:auto}.pager{margin:1em 0}.pager a{margin-right:1em}"
		    ".actions{display:flex;gap:.5em;flex-wrap:wrap}.confirm{border:2px solid "
		    "#c62828;padding:1em;border-radius:6px}"
		    "dl{display:grid;grid-template-columns:minmax(8em,max-content) 1fr;gap:.15em 1em}"
		    "dt{float:none;width:auto}dd{margin:0;overflow-wrap:anywhere}"
		    "td{overflow-wrap:anywhere}pre{overflow-wrap:anywhere}"
		    "@media (max-width:600px){body{margin:.6em}dl{grid-template-columns:1fr}"
		    "dd{margin-bottom:.3em}td,th{padding:.2em .3em}}\n",
		    p->fp);
		return;
	}
	if (n == 1 && strcmp(seg[0], "login") == 0) {
		if (post)
			do_login(p);
		else
			login_page(p, 200, NULL, http_req_query(p->q, "next"));
		return;
	}
	if (authenticate(p) < 0)
		return;
	if (post) {
		if (p->who.role != WEB_ROLE_ADMIN) {
			page_error(p, 403, "Read-only: repairs need the admin role.");
			return;
		}
		if (!web_token_equal(http_req_form(p->q, "csrf"), p->who.csrf)) {
			log_warn("web: POST %s by %s without a valid CSRF token", path,
				 p->who.user);
			page_error(p, 403, "Missing or wrong form token (CSRF): reload the page.");
			return;
		}
	}
	if (n == 1 && strcmp(seg[0], "logout") == 0 && post) {
		web_session_end(p->w->auth, p->who.session);
		http_resp_header(p->r, "Set-Cookie",
				 COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
		page_redirect(p, "/login");
	} else if (post && !(n == 3 && strcmp(seg[0], "request") == 0)) {
		page_error(p, 405, "Nothing to post here.");
	} else if (n == 1 && seg[0][0] == '\0') {
		page_dashboard(p);
	} else if (n == 1 && strcmp(seg[0], "requests") == 0) {
		page_requests(p);
	} else if (n == 1 && strcmp(seg[0], "lookup") == 0) {
		page_lookup(p);
	} else if (n >= 2 && strcmp(seg[0], "request") == 0 && parse_id(seg[1], &id) == 0) {
		if (n == 2)
			page_request(p, id);
		else if (n == 3 && strcmp(seg[2], "complaint.eml") == 0)
			page_complaint_download(p, id);
		else if (n == 3 &&
			 (strcmp(seg[2], "resend") == 0 || strcmp(seg[2], "requeue") == 0 ||
			  strcmp(seg[2], "release") == 0))
			page_repair(p, id, seg[2]);
		else if (n == 4 && strcmp(seg[2], "reply") == 0 &&
			 parse_id_ext(seg[3], ".eml", &id2) == 0)
			page_reply_download(p, id, id2);
		else
			page_error(p, 404, "No such page.");
	} else if (n == 4 && strcmp(seg[0], "transcript") == 0 && parse_id(seg[2], &id) == 0 &&
		   parse_id_ext(seg[3], ".txt", &a3) == 0) {
		page_transcript_download(p, seg[1], (long)id, (long)a3);
	} else {
		page_error(p, 404, "No such page.");
	}
}

static void
handle(void *arg, struct http_req *q, struct http_resp *r)
{
	struct page p;

	memset(&p, 0, sizeof(p));
	p.w = arg;
	p.q = q;
	p.r = r;
	p.fp = open_memstream(&p.mem, &p.len);
	if (p.fp == NULL) {
		r->status = 500;
		return;
	}
	r->content_type = "text/html; charset=utf-8";
	route(&p);
	fclose(p.fp);
	if (buf_append(&r->body, p.mem, p.len) < 0) {
		buf_reset(&r->body);
		r->status = 500;
		buf_puts(&r->body, "page too large\n");
	}
	free(p.mem);
	http_resp_header(r, "Content-Security-Policy", CSP);
	http_resp_header(r, "X-Frame-Options", "DENY");
	http_resp_header(r, "Cache-Control", "no-store");
	/* The store's read snapshot ends with the request. */
	store_reset_statements(p.w->st);
}

struct web *
web_start(const struct web_opts *o, char *err, size_t errlen)
{
	struct web *w = xcalloc(1, sizeof(*w));
	struct config_errors errs;
	struct http_listen l;
	struct http_server_opts ho = { .name = "web" };
	const char *listen;

	if (config_load(o->config_path, &w->s, &errs) < 0) {
		snprintf(err, errlen, "%s", errs.n ? errs.v[0] : "the configuration has errors");
		config_errors_free(&errs);
		config_free(&w->s);
		free(w);
		return NULL;
	}
	w->wake = o->wake;
	listen = o->listen && *o->listen ? o->listen :
		 *w->s.web_listen	 ? w->s.web_listen :
					   DEFAULT_LISTEN;
	if (http_listen_parse(listen, &l, err, errlen) < 0)
		goto fail;
	ho.tls_cert = w->s.web_tls_cert;
	ho.tls_key = w->s.web_tls_key;
	if (!l.loopback && !(*w->s.web_tls_cert && *w->s.web_tls_key) && !w->s.web_trust_proxy) {
		snprintf(err, errlen,
			 "%s is not a loopback address: set [web] tls_cert and tls_key, or "
			 "trust_proxy = yes behind a reverse proxy that does TLS",
			 listen);
		goto fail;
	}
	w->secure_cookie = (*w->s.web_tls_cert && *w->s.web_tls_key) || w->s.web_trust_proxy;
	w->auth = web_auth_load(w->s.web_token_file, w->s.web_htpasswd_file, err, errlen);
	if (w->auth == NULL)
		goto fail;
	if ((w->st = store_open_settings(&w->s, 0, NULL, err, errlen)) == NULL)
		goto fail;
	if ((w->h = http_server_start(&l, &ho, handle, w, err, errlen)) == NULL)
		goto fail;
	snprintf(w->address, sizeof(w->address), "%s://%s",
		 w->secure_cookie && *w->s.web_tls_cert ? "https" : "http", l.text);
	return w;
fail:
	web_stop(&w);
	return NULL;
}

const char *
web_address(const struct web *w)
{
	return w->address;
}

void
web_stop(struct web **wp)
{
	struct web *w = *wp;

	if (w == NULL)
		return;
	http_server_stop(&w->h);
	web_auth_free(&w->auth);
	if (w->st != NULL)
		store_close(&w->st);
	config_free(&w->s);
	free(w);
	*wp = NULL;
}
