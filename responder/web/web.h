/*
 * web.h - the admin console: `responder web`, or inside `run` with
 * [web] listen (docs/web.md).
 *
 * Server-rendered pages over responder/http/ (libmicrohttpd): the request
 * log (filters and search in the URL, paged), one request explained, the
 * delivery-record lookup, the live dashboard of `report --html`, and the
 * repairs (resend, requeue) as POSTs with a CSRF token after a
 * confirmation page, each noted in the request log with who did it.
 *
 * The console has its own settings (loaded from the config file) and its
 * own store connection, used only from the HTTP thread: nothing is shared
 * with the daemon's thread but the wake-up callback.
 *
 * SECURITY: loopback by default; another address needs TLS (tls_cert,
 * tls_key) or trust_proxy.  Every page needs a login: a bearer token
 * (admin) or a user from the htpasswd file (crypt(3) hashes; admin or
 * read).  Login failures are rate-limited per client address.  Every
 * stored string is escaped (report_html_escape); the CSP forbids scripts
 * and every outside fetch.
 */
#ifndef RESPONDER_WEB_H
#define RESPONDER_WEB_H

#include <stddef.h>

struct web;

struct web_opts {
	const char *config_path; /* re-read here: the console's own settings */
	const char *listen;	 /* overrides [web] listen (responder web --listen) */
	void (*wake)(void);	 /* after a repair: wake the daemon's loop (may be NULL) */
};

/* Loads the settings and the credentials, opens the store and starts
 * serving.  NULL with why in err (bad or unsafe listen address, no
 * credentials configured, unreadable files, port in use). */
struct web *web_start(const struct web_opts *o, char *err, size_t errlen);
/* The address served, for the log ("127.0.0.1:8025"). */
const char *web_address(const struct web *w);
/* Stops serving, closes the store, frees.  NULL-safe. */
void web_stop(struct web **w);

#endif
