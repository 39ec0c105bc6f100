/*
 * web_repair.c - the console's repairs: resend a reply, handle a
 * complaint again (requeue), release a quarantined complaint (the daemon
 * moves it back to the watched folder on its next pass).  GET shows what will happen and a form to
 * confirm; the POST (admin role and CSRF token checked by web.c) does it,
 * notes it in the request's detail with who did it (store/admin.h), logs
 * it, and wakes the daemon's loop so the reply goes out now.
 */
#include "responder/decide/pipeline.h"
#include "responder/web/report_html.h"
#include "responder/web/web_int.h"
#include "store/admin.h"
#include "store/requests.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	const char *action, *title, *what, *yes;
} repairs[] = {
	{ "resend", "Resend",
	  "The reply goes out again: a failed reply is queued again; when none failed, a copy "
	  "of the latest sent reply is queued. The daemon sends it on its next pass.",
	  "resend" },
	{ "requeue", "Requeue",
	  "The complaint's kept bytes go through the pipeline once more (a new request row "
	  "pointing at this one); its reply, if any, is queued.",
	  "handle it again" },
	{ "release", "Release",
	  "The daemon moves the quarantined message back to the watched folder on its next "
	  "pass and handles it once more, as a new request. If the parser fails on it again, "
	  "it goes back to quarantine.",
	  "release it" },
};

static void
confirm(struct page *p, int64_t id, const char *action)
{
	char title[64];
	size_t i = 0;

	while (i + 1 < sizeof(repairs) / sizeof(repairs[0]) && strcmp(action, repairs[i].action))
		i++;
	snprintf(title, sizeof(title), "%s request %lld?", repairs[i].title, (long long)id);
	page_begin(p, title);
	fprintf(p->fp, "<div class=\"confirm\"><p>%s</p>\n", repairs[i].what);
	fprintf(p->fp, "<form method=\"post\" action=\"/request/%lld/%s\">", (long long)id,
		repairs[i].action);
	page_csrf_field(p);
	fprintf(p->fp,
		"<button id=\"confirm\">Yes, %s</button> <a href=\"/request/%lld\">No, back</a>"
		"</form></div>\n",
		repairs[i].yes, (long long)id);
	page_end(p);
}

static void
done(struct page *p, int64_t id, const char *what)
{
	char title[64];

	if (p->w->wake)
		p->w->wake();
	snprintf(title, sizeof(title), "Request %lld", (long long)id);
	page_begin(p, title);
	fprintf(
	    p->fp,
	    "<p id=\"done\">%s</p>\n<p><a href=\"/request/%lld\">Back to request %lld</a></p>\n",
	    what, (long long)id, (long long)id);
	page_end(p);
}

static void
resend(struct page *p, int64_t id)
{
	int64_t n = 0;
	char msg[160];
	int rc =
	    admin_resend_as(p->w->st, id, (int64_t)time(NULL), p->who.user, ADMIN_RESEND_SENT, &n);

	if (rc == STORE_ENOTFOUND) {
		page_error(p, 404, "No such request.");
		return;
	}
	if (rc == STORE_EINVAL) {
		page_error(p, 409, "This request has no reply to resend.");
		return;
	}
	if (rc < 0) {
		log_error("web: resend %lld: %s", (long long)id, store_errmsg(p->w->st));
		page_error(p, 500, "The store refused it (see the log).");
		return;
	}
	log_info("web: request %lld: %lld repl%s queued again by %s", (long long)id, (long long)n,
		 n == 1 ? "y" : "ies", p->who.user);
	snprintf(msg, sizeof(msg), "%lld repl%s queued again; the daemon sends %s now.",
		 (long long)n, n == 1 ? "y" : "ies", n == 1 ? "it" : "them");
	done(p, id, msg);
}

static void
requeue(struct page *p, int64_t id)
{
	struct pipeline *pl = NULL;
	struct pipeline_result res;
	char *key = NULL, *raw = NULL, err[1024], source[64], loc[64];
	size_t len = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = store_request_key(p->w->st, id, &key);
	if (rc == STORE_OK)
		rc = store_complaint_raw(p->w->st, key, &raw, &len);
	if (rc == STORE_ENOTFOUND) {
		page_error(p, key ? 409 : 404,
			   key ? "The complaint's bytes are no longer kept: it cannot be handled "
				 "again." :
				 "No such request.");
		goto out;
	}
	if (rc < 0 || (pl = pipeline_new(&p->w->s, p->w->st, err, sizeof(err))) == NULL) {
		log_error("web: requeue %lld: %s", (long long)id,
			  rc < 0 ? store_errmsg(p->w->st) : err);
		page_error(p, 500, "The complaint could not be handled again (see the log).");
		goto out;
	}
	snprintf(source, sizeof(source), "requeue:%lld", (long long)id);
	if (pipeline_handle(pl, raw, len, source, (int64_t)time(NULL), PIPELINE_REQUEUE, &res, err,
			    sizeof(err)) != 0) {
		log_error("web: requeue %lld: %s", (long long)id, err);
		page_error(p, 500, "The complaint could not be handled again (see the log).");
		goto out;
	}
	if (admin_note(p->w->st, id, "requeue", p->who.user, (int64_t)time(NULL), res.request_id) <
	    0)
		log_error("web: requeue %lld: noting it: %s", (long long)id,
			  store_errmsg(p->w->st));
	log_info("web: request %lld handled again by %s as request %lld: %s", (long long)id,
		 p->who.user, (long long)res.request_id, outcome_name(res.outcome));
	if (p->w->wake)
		p->w->wake();
	snprintf(loc, sizeof(loc), "/request/%lld", (long long)res.request_id);
	page_redirect(p, loc);
out:
	pipeline_result_free(&res);
	pipeline_free(&pl);
	free(raw);
	free(key);
}

static void
release(struct page *p, int64_t id)
{
	int rc = admin_release(p->w->st, id, (int64_t)time(NULL), p->who.user);

	if (rc == STORE_ENOTFOUND) {
		page_error(p, 404, "No such request.");
		return;
	}
	if (rc == STORE_EINVAL) {
		/* Our own text: no remote bytes in it. */
		page_error(p, 409, store_errmsg(p->w->st));
		return;
	}
	if (rc < 0) {
		log_error("web: release %lld: %s", (long long)id, store_errmsg(p->w->st));
		page_error(p, 500, "The store refused it (see the log).");
		return;
	}
	log_info("web: request %lld released from quarantine by %s", (long long)id, p->who.user);
	done(p, id,
	     "Released: the daemon moves the complaint back to the watched folder on its next "
	     "pass and handles it once more.");
}

void
page_repair(struct page *p, int64_t id, const char *action)
{
	if (p->who.role != WEB_ROLE_ADMIN) {
		page_error(p, 403, "Read-only: repairs need the admin role.");
		return;
	}
	if (strcmp(http_req_method(p->q), "POST") != 0)
		confirm(p, id, action);
	else if (strcmp(action, "resend") == 0)
		resend(p, id);
	else if (strcmp(action, "release") == 0)
		release(p, id);
	else
		requeue(p, id);
}
