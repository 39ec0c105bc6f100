/*
 * web_pages.c - the console's read-only pages: the dashboard, the request
 * log, one request explained, the delivery-record lookup, and the
 * downloads (complaint, reply, transcript).  All reading goes through the
 * store API (store/admin.h, store/store.h, store/requests.h).
 *
 * SECURITY: every string from the store is mail or remote-server text and
 * goes out through report_html_escape / report_html_escape_text (or, in a
 * URL, page_url_value); downloads are sent as text/plain or
 * message/rfc822 attachments, never as HTML, under names built here from
 * numbers.
 */
#include "responder/web/report_html.h"
#include "responder/web/stats_collect.h"
#include "responder/web/web_int.h"
#include "store/admin.h"
#include "store/requests.h"
#include "store/store.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_ROWS 50
#define HEADERS_MAX (64 * 1024)

static const char *
q_or_null(struct page *p, const char *name)
{
	const char *v = http_req_query(p->q, name);

	return v && *v ? v : NULL;
}

static void
esc(struct page *p, const char *s)
{
	report_html_escape(p->fp, s);
}

/* A JSON value as a cell: strings as they are, the rest compact JSON. */
static void
json_cell(FILE *fp, json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		report_html_escape(fp, json_string_value(v));
		return;
	}
	if (json_is_null(v) || v == NULL) {
		fputs("-", fp);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	report_html_escape(fp, s);
	free(s);
}

/* An array of objects as a table (columns: the keys of all rows). */
static void
json_rows(FILE *fp, const char *id, json_t *a)
{
	json_t *cols = json_array(), *row, *v;
	const char *k;
	size_t i, j;

	json_array_foreach(a, i, row) json_object_foreach(row, k, v)
	{
		int seen = 0;
		json_t *c;
		json_array_foreach(cols, j, c) if (strcmp(json_string_value(c), k) == 0) seen = 1;
		if (!seen)
			json_array_append_new(cols, json_string(k));
	}
	fprintf(fp, "<div class=\"table-wrap\"><table id=\"%s\"><tr>", id);
	json_array_foreach(cols, j, v)
	{
		fputs("<th>", fp);
		report_html_escape(fp, json_string_value(v));
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	json_array_foreach(a, i, row)
	{
		json_t *c;
		fputs("<tr>", fp);
		json_array_foreach(cols, j, c)
		{
			fputs("<td>", fp);
			json_cell(fp, json_object_get(row, json_string_value(c)));
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table></div>\n", fp);
	json_decref(cols);
}

static int
rows_of_objects(json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, v) if (!json_is_object(v)) return 0;
	return 1;
}

/* A stored JSON column shown as tables where it has rows, as a
 * definition list for the rest, as escaped text when it does not parse. */
static void
json_section(FILE *fp, const char *title, const char *id, const char *text)
{
	json_t *j;
	const char *k;
	json_t *v;
	int dl = 0, nsub = 0;

	fprintf(fp, "<h2>%s</h2>\n", title);
	if (text == NULL) {
		fputs("<p>none</p>\n", fp);
		return;
	}
	j = json_loads(text, JSON_DECODE_ANY, NULL);
	if (rows_of_objects(j)) {
		json_rows(fp, id, j);
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
		{
			char sub[96];
			if (rows_of_objects(v)) {
				if (dl)
					fputs("</dl>\n", fp);
				dl = 0;
				fputs("<h3>", fp);
				report_html_escape(fp, k);
				fputs("</h3>\n", fp);
				snprintf(sub, sizeof(sub), "%s-%d", id, ++nsub);
				json_rows(fp, sub, v);
				continue;
			}
			if (!dl)
				fprintf(fp, "<dl id=\"%s\">\n", id);
			dl = 1;
			fputs("<dt>", fp);
			report_html_escape(fp, k);
			fputs("</dt><dd>", fp);
			json_cell(fp, v);
			fputs("</dd>\n", fp);
		}
		if (dl)
			fputs("</dl>\n", fp);
	} else {
		report_html_json_block(fp, "", text);
	}
	json_decref(j);
}

void
page_dashboard(struct page *p)
{
	struct admin_stats s;
	int64_t since = 0;
	const char *sv = q_or_null(p, "since");

	if (sv != NULL && time_parse_since(sv, (int64_t)time(NULL), &since) < 0) {
		page_error(p, 400, "since: a duration (7d, 24h) or a date (2026-11-20).");
		return;
	}
	if (stats_collect(p->w->st, since, &s) < 0) {
		page_error(p, 500, "The store could not be read (see the log).");
		return;
	}
	http_resp_header(p->r, "Refresh", "60");
	page_begin(p, "Dashboard");
	fputs("<form class=\"filters\" method=\"get\" action=\"/\"><label>since <input "
	      "name=\"since\" placeholder=\"7d or 2026-11-20\" value=\"",
	      p->fp);
	esc(p, sv ? sv : "");
	fputs("\"></label><button>Show</button></form>\n", p->fp);
	report_html_summary(p->fp, &s);
	fputs("<p><a href=\"/requests\">The request log &rarr;</a></p>\n", p->fp);
	page_end(p);
	admin_stats_free(&s);
}

/* The filter fields of the request log, in the URL. */
static const char *const filter_names[] = {
	"outcome", "reason", "account", "requester", "from", "to", "reply", "q", "thread",
};
#define N_FILTERS (sizeof(filter_names) / sizeof(filter_names[0]))

static void
filter_query(struct page *p, long page)
{
	fputs("/requests?", p->fp);
	for (size_t i = 0; i < N_FILTERS; i++) {
		const char *v = q_or_null(p, filter_names[i]);
		if (v == NULL)
			continue;
		fprintf(p->fp, "%s=", filter_names[i]);
		page_url_value(p->fp, v);
		fputs("&amp;", p->fp);
	}
	fprintf(p->fp, "page=%ld", page);
}

static void
select_field(struct page *p, const char *name, const char *label, const char *const *opts)
{
	const char *cur = q_or_null(p, name);

	fprintf(p->fp, "<label>%s <select name=\"%s\"><option value=\"\">any</option>", label,
		name);
	for (; *opts; opts++)
		fprintf(p->fp, "<option%s>%s</option>",
			cur && strcmp(cur, *opts) == 0 ? " selected" : "", *opts);
	fputs("</select></label>\n", p->fp);
}

static void
text_field(struct page *p, const char *name, const char *label, const char *placeholder)
{
	fprintf(p->fp, "<label>%s <input name=\"%s\" placeholder=\"%s\" value=\"", label, name,
		placeholder);
	esc(p, q_or_null(p, name) ? q_or_null(p, name) : "");
	fputs("\"></label>\n", p->fp);
}

void
page_requests(struct page *p)
{
	static const char *const outcomes[] = { "found",   "ambiguous", "not_found", "unauthorized",
						"ignored", "error",	NULL };
	static const char *const replies[] = { "sent", "queued", "failed", "none", NULL };
	struct admin_filter f;
	struct admin_request_list l;
	const char *v;
	char t[TIME_RFC3339_LEN];
	long page = 1;
	int64_t now = time(NULL);

	memset(&f, 0, sizeof(f));
	f.outcome = q_or_null(p, "outcome");
	f.why = q_or_null(p, "reason");
	f.account = q_or_null(p, "account");
	f.requester = q_or_null(p, "requester");
	f.reply_state = q_or_null(p, "reply");
	f.search = q_or_null(p, "q");
	if ((v = q_or_null(p, "from")) != NULL && time_parse_since(v, now, &f.since) < 0) {
		page_error(p, 400, "from: a date (2026-11-20) or a duration (7d).");
		return;
	}
	if ((v = q_or_null(p, "to")) != NULL) {
		if (time_parse_rfc3339(v, &f.until) < 0) {
			page_error(p, 400, "to: a date (2026-11-20).");
			return;
		}
		if (strlen(v) == 10)
			f.until += 86400; /* the whole day */
	}
	if ((v = q_or_null(p, "thread")) != NULL)
		f.thread_id = strtoll(v, NULL, 10);
	if ((v = q_or_null(p, "page")) != NULL &&
	    ((page = strtol(v, NULL, 10)) < 1 || page > 100000))
		page = 1;
	f.limit = PAGE_ROWS + 1; /* one more tells whether there is a next page */
	f.offset = (size_t)(page - 1) * PAGE_ROWS;
	if (admin_requests(p->w->st, &f, &l) < 0) {
		page_error(p, 500, "The store could not be read (see the log).");
		return;
	}
	page_begin(p, "Requests");
	fputs("<form class=\"filters\" method=\"get\" action=\"/requests\" id=\"filters\">\n",
	      p->fp);
	select_field(p, "outcome", "outcome", outcomes);
	select_field(p, "reply", "reply", replies);
	text_field(p, "reason", "why contains", "greylisted");
	text_field(p, "account", "account", "acme");
	text_field(p, "requester", "requester", "billing@acme.example");
	text_field(p, "from", "from", "2026-11-20");
	text_field(p, "to", "to", "2026-11-30");
	text_field(p, "q", "search", "subject, Message-ID, queue ID, recipient");
	fputs("<button id=\"apply\">Filter</button> <a href=\"/requests\">clear</a>\n</form>\n",
	      p->fp);
	fputs("<div class=\"table-wrap\"><table id=\"requests\">\n<tr><th>ID</th><th>received</th>"
	      "<th>requester</th><th>account</th><th>outcome</th><th>reply</th><th>subject</th>"
	      "<th>matched / why</th></tr>\n",
	      p->fp);
	for (size_t i = 0; i < l.n && i < PAGE_ROWS; i++) {
		const struct admin_request *r = &l.v[i];

		fprintf(p->fp,
			"<tr class=\"row\"><td><a href=\"/request/%lld\">%lld</a></td>"
			"<td class=\"t\">%s</td><td>",
			(long long)r->id, (long long)r->id, time_format_rfc3339(r->received_at, t));
		esc(p, r->requester);
		fputs("</td><td>", p->fp);
		esc(p, r->account);
		fprintf(p->fp, "</td><td class=\"o %s\">", report_html_outcome_class(r->outcome));
		esc(p, r->outcome);
		/* reply_state is one of four words the store writes */
		fprintf(p->fp, "</td><td class=\"%s\">%s", r->reply_state, r->reply_state);
		fputs("</td><td>", p->fp);
		esc(p, r->subject);
		fputs("</td><td>", p->fp);
		if (r->matched_queue_id)
			esc(p, r->matched_queue_id);
		else
			esc(p, r->why);
		fputs("</td></tr>\n", p->fp);
	}
	if (l.n == 0)
		fputs("<tr><td colspan=\"8\" id=\"empty\">no request matches</td></tr>\n", p->fp);
	fputs("</table></div>\n<p class=\"pager\">", p->fp);
	if (page > 1) {
		fputs("<a rel=\"prev\" href=\"", p->fp);
		filter_query(p, page - 1);
		fputs("\">&larr; newer</a>", p->fp);
	}
	fprintf(p->fp, "page %ld", page);
	if (l.n > PAGE_ROWS) {
		fputs(" <a rel=\"next\" href=\"", p->fp);
		filter_query(p, page + 1);
		fputs("\">older &rarr;</a>", p->fp);
	}
	fputs("</p>\n", p->fp);
	page_end(p);
	admin_request_list_free(&l);
}

/* The complaint's header block (up to the first empty line), escaped. */
static void
complaint_headers(struct page *p, int64_t id)
{
	char *key = NULL, *raw = NULL, *end;
	size_t len = 0, n;

	fputs("<h2>The complaint's headers</h2>\n", p->fp);
	if (store_request_key(p->w->st, id, &key) != STORE_OK ||
	    store_complaint_raw(p->w->st, key, &raw, &len) != STORE_OK) {
		fputs("<p>The complaint's bytes are not kept (purged, or recorded without "
		      "them).</p>\n",
		      p->fp);
		free(key);
		return;
	}
	end = raw ? strstr(raw, "\r\n\r\n") : NULL;
	if (end == NULL && raw)
		end = strstr(raw, "\n\n");
	n = end ? (size_t)(end - raw) : len;
	if (n > HEADERS_MAX)
		n = HEADERS_MAX;
	fputs("<pre id=\"headers\">", p->fp);
	report_html_escape_text(p->fp, raw, n);
	fprintf(p->fp,
		"</pre>\n<p><a href=\"/request/%lld/complaint.eml\" download>Download the "
		"complaint</a></p>\n",
		(long long)id);
	free(raw);
	free(key);
}

static void
replies_section(struct page *p, const struct admin_request *r, const struct admin_outbox_list *ob)
{
	char t[TIME_RFC3339_LEN], d[32];

	fputs("<h2>Replies</h2>\n", p->fp);
	if (ob->n == 0)
		fputs("<p>No reply was composed.</p>\n", p->fp);
	for (size_t k = 0; k < ob->n; k++) {
		const struct admin_outbox *o = &ob->v[k];

		fprintf(p->fp, "<section class=\"reply\" id=\"reply-%lld\"><h3>Reply %lld: ",
			(long long)o->id, (long long)o->id);
		esc(p, o->state);
		fputs("</h3>\n<dl>\n", p->fp);
		report_html_dl(p->fp, "to", o->rcpt);
		report_html_dl(p->fp, "envelope from", *o->envelope_from ? o->envelope_from : "<>");
		report_html_dl(p->fp, "queued", time_format_rfc3339(o->created_at, t));
		if (o->sent_at) {
			report_html_dl(p->fp, "sent", time_format_rfc3339(o->sent_at, t));
			report_html_dl(
			    p->fp, "arrival to sent",
			    time_format_duration(o->sent_at - r->received_at, d, sizeof(d)));
		}
		snprintf(d, sizeof(d), "%d", o->tries);
		report_html_dl(p->fp, "tries", d);
		report_html_dl(p->fp, "SMTP answer", o->smtp_reply);
		if (o->last_error)
			report_html_dl(p->fp, "last error", o->last_error);
		fprintf(p->fp,
			"</dl>\n<p><a href=\"/request/%lld/reply/%lld.eml\" download>Download the "
			"reply as sent (with its transcript attachment)</a></p>\n"
			"<details><summary>The reply as sent (MIME source: text and HTML parts, "
			"attachment)</summary><pre class=\"message\">",
			(long long)r->id, (long long)o->id);
		report_html_escape_text(p->fp, o->message, o->message_len);
		fputs("</pre></details>\n</section>\n", p->fp);
	}
}

/* The matched message's delivery attempts with their transcripts. */
static void
attempts_section(struct page *p, const char *queue_id)
{
	struct store_message_list ml;
	char t[TIME_RFC3339_LEN];

	if (queue_id == NULL)
		return;
	memset(&ml, 0, sizeof(ml));
	if (store_find_by_queue_id(p->w->st, queue_id, 0, STORE_WITH_TRANSCRIPTS, &ml) < 0 ||
	    ml.n == 0) {
		store_message_list_free(&ml);
		return;
	}
	fputs("<h2>The message's delivery</h2>\n", p->fp);
	for (size_t m = 0; m < ml.n; m++)
		for (size_t i = 0; i < ml.v[m].n_rcpts; i++) {
			const struct store_recipient *rc = &ml.v[m].rcpts[i];

			fputs("<h3>", p->fp);
			esc(p, rc->address);
			fputs(": ", p->fp);
			esc(p, rc->status);
			fputs("</h3>\n", p->fp);
			for (size_t a = 0; a < rc->n_attempts; a++) {
				const struct store_attempt *at = &rc->attempts[a];

				fprintf(p->fp, "<p>%s ", time_format_rfc3339(at->at, t));
				esc(p, at->status);
				fputs(" via ", p->fp);
				esc(p, at->mx_host);
				fputs(": ", p->fp);
				esc(p, at->response);
				fputs("</p>\n", p->fp);
				if (at->transcript == NULL)
					continue;
				fputs("<pre class=\"transcript\">", p->fp);
				report_html_escape_text(p->fp, at->transcript,
							strlen(at->transcript));
				fputs("</pre>\n<p><a href=\"/transcript/", p->fp);
				page_url_value(p->fp, ml.v[m].queue_id);
				fprintf(p->fp, "/%zu/%zu.txt\" download>Download this transcript (",
					i + 1, a + 1);
				esc(p, at->transcript_kind);
				fputs(")</a></p>\n", p->fp);
			}
		}
	store_message_list_free(&ml);
}

static void
thread_section(struct page *p, const struct admin_request *r)
{
	struct admin_filter f;
	struct admin_request_list l;
	char t[TIME_RFC3339_LEN];

	memset(&f, 0, sizeof(f));
	f.thread_id = r->thread_id ? r->thread_id : r->id;
	f.limit = 100;
	if (admin_requests(p->w->st, &f, &l) < 0)
		return;
	if (l.n > 1) {
		fprintf(p->fp, "<h2>The conversation (thread %lld)</h2>\n<ul id=\"thread\">\n",
			(long long)f.thread_id);
		for (size_t i = l.n; i-- > 0;) {
			fprintf(p->fp, "<li><a href=\"/request/%lld\">request %lld</a> %s ",
				(long long)l.v[i].id, (long long)l.v[i].id,
				time_format_rfc3339(l.v[i].received_at, t));
			esc(p, l.v[i].outcome);
			fputs(l.v[i].id == r->id ? " (this one)" : "", p->fp);
			fputs("</li>\n", p->fp);
		}
		fputs("</ul>\n", p->fp);
	}
	admin_request_list_free(&l);
}

void
page_request(struct page *p, int64_t id)
{
	struct admin_request r;
	struct admin_outbox_list ob;
	char t[TIME_RFC3339_LEN], d[32], title[64], rel[16];
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&ob, 0, sizeof(ob));
	if ((rc = admin_request_get(p->w->st, id, &r, &ob)) == STORE_ENOTFOUND) {
		page_error(p, 404, "No such request.");
		return;
	}
	if (rc < 0) {
		page_error(p, 500, "The store could not be read (see the log).");
		return;
	}
	snprintf(title, sizeof(title), "Request %lld", (long long)id);
	page_begin(p, title);
	fprintf(p->fp, "<p class=\"o %s\" id=\"outcome\">", report_html_outcome_class(r.outcome));
	esc(p, r.outcome);
	fputs(": ", p->fp);
	esc(p, r.why);
	fputs("</p>\n", p->fp);
	if (p->who.role == WEB_ROLE_ADMIN) {
		fprintf(p->fp,
			"<p class=\"actions\"><a class=\"button\" id=\"resend\" "
			"href=\"/request/%lld/resend\">Resend the reply&hellip;</a> "
			"<a class=\"button\" id=\"requeue\" href=\"/request/%lld/requeue\">Handle "
			"the complaint again&hellip;</a>",
			(long long)id, (long long)id);
		/* The store tells whether an error was a quarantine. */
		if (strcmp(r.outcome, "error") == 0)
			fprintf(
			    p->fp,
			    " <a class=\"button\" id=\"release\" "
			    "href=\"/request/%lld/release\">Release from quarantine&hellip;</a>",
			    (long long)id);
		fputs("</p>\n", p->fp);
	}
	if (admin_release_state(p->w->st, id, rel, sizeof(rel)) == STORE_OK)
		fprintf(p->fp, "<p id=\"released\">Released from quarantine: %s.</p>\n",
			strcmp(rel, "pending") == 0 ?
			    "waiting for the daemon to move it back to the watched folder" :
			    "moved back to the watched folder, handled again as a new request");
	fputs("<h2>Decision</h2>\n<dl id=\"summary\">\n", p->fp);
	report_html_dl(p->fp, "received", time_format_rfc3339(r.received_at, t));
	report_html_dl(p->fp, "decided", time_format_rfc3339(r.decided_at, t));
	report_html_dl(p->fp, "decision took",
		       time_format_duration(r.decided_at - r.received_at, d, sizeof(d)));
	report_html_dl(p->fp, "source", r.source);
	report_html_dl(p->fp, "requester", r.requester);
	report_html_dl(p->fp, "account", r.account);
	report_html_dl(p->fp, "subject", r.subject);
	report_html_dl(p->fp, "Message-ID", r.complaint_message_id);
	report_html_dl(p->fp, "matched queue ID", r.matched_queue_id);
	report_html_dl(p->fp, "matched subject", r.matched_subject);
	report_html_dl(p->fp, "reply", r.reply_state);
	report_html_dl(p->fp, "language", r.language);
	report_html_dl(p->fp, "reply Message-ID", r.reply_message_id);
	fputs("</dl>\n<p>", p->fp);
	if (r.follow_up_of)
		fprintf(p->fp, "Follows up <a href=\"/request/%lld\">request %lld</a>. ",
			(long long)r.follow_up_of, (long long)r.follow_up_of);
	if (r.requeue_of)
		fprintf(p->fp, "Handled again from <a href=\"/request/%lld\">request %lld</a>.",
			(long long)r.requeue_of, (long long)r.requeue_of);
	fputs("</p>\n", p->fp);
	json_section(p->fp, "Identifiers found, and where", "extracted", r.extracted);
	json_section(p->fp, "Candidates and their scores", "candidates", r.matches);
	json_section(p->fp, "Policy decision detail (and admin actions)", "detail", r.detail);
	replies_section(p, &r, &ob);
	attempts_section(p, r.matched_queue_id);
	complaint_headers(p, id);
	thread_section(p, &r);
	page_end(p);
	admin_request_free(&r);
	admin_outbox_list_free(&ob);
}

void
page_lookup(struct page *p)
{
	struct store_message_list ml;
	const char *mid = q_or_null(p, "mid"), *qid = q_or_null(p, "queue");
	const char *rcpt = q_or_null(p, "rcpt");
	char t[TIME_RFC3339_LEN];
	int rc = STORE_OK;

	memset(&ml, 0, sizeof(ml));
	page_begin(p, "Delivery-record lookup");
	fputs("<form class=\"filters\" method=\"get\" action=\"/lookup\" id=\"lookup\">\n", p->fp);
	text_field(p, "mid", "Message-ID", "<id@host>");
	text_field(p, "queue", "queue ID", "4XbQ1m0vG7z1aa");
	text_field(p, "rcpt", "recipient", "bob@example.com");
	fputs("<button id=\"find\">Look up</button>\n</form>\n", p->fp);
	if (mid)
		rc = store_find_by_message_id(p->w->st, mid, 0, STORE_WITH_TRANSCRIPTS, 50, &ml);
	else if (qid)
		rc = store_find_by_queue_id(p->w->st, qid, 0, STORE_WITH_TRANSCRIPTS, &ml);
	else if (rcpt)
		rc = store_find_by_recipient(p->w->st, rcpt, 0, 0, 0, STORE_WITH_TRANSCRIPTS, 50,
					     &ml);
	if (rc < 0)
		fputs("<p class=\"failed\">The store could not be read (see the log).</p>\n",
		      p->fp);
	else if ((mid || qid || rcpt) && ml.n == 0)
		fputs("<p id=\"none\">No message matches.</p>\n", p->fp);
	for (size_t m = 0; m < ml.n; m++) {
		const struct store_message *msg = &ml.v[m];

		fputs("<section class=\"req message\"><h2>", p->fp);
		esc(p, msg->queue_id);
		fputs("</h2>\n<dl>\n", p->fp);
		report_html_dl(p->fp, "account", msg->account);
		report_html_dl(p->fp, "Message-ID", msg->message_id);
		report_html_dl(p->fp, "from", msg->from);
		report_html_dl(p->fp, "subject", msg->subject);
		report_html_dl(p->fp, "submitted",
			       msg->submitted_at ? time_format_rfc3339(msg->submitted_at, t) :
						   NULL);
		fputs("</dl>\n<div class=\"table-wrap\"><table class=\"attempts\"><tr><th>recipient"
		      "</th><th>time</th><th>status</th><th>MX</th><th>answer</th><th>transcript"
		      "</th></tr>\n",
		      p->fp);
		for (size_t i = 0; i < msg->n_rcpts; i++)
			for (size_t a = 0; a < msg->rcpts[i].n_attempts; a++) {
				const struct store_attempt *at = &msg->rcpts[i].attempts[a];

				fputs("<tr><td>", p->fp);
				esc(p, msg->rcpts[i].address);
				fprintf(p->fp, "</td><td class=\"t\">%s</td><td>",
					time_format_rfc3339(at->at, t));
				esc(p, at->status);
				fputs("</td><td>", p->fp);
				esc(p, at->mx_host);
				fputs("</td><td>", p->fp);
				esc(p, at->response);
				fputs("</td><td>", p->fp);
				if (at->transcript) {
					fputs("<details><summary>show</summary><pre "
					      "class=\"transcript\">",
					      p->fp);
					report_html_escape_text(p->fp, at->transcript,
								strlen(at->transcript));
					fputs("</pre></details><a href=\"/transcript/", p->fp);
					page_url_value(p->fp, msg->queue_id);
					fprintf(p->fp, "/%zu/%zu.txt\" download>download</a>",
						i + 1, a + 1);
				} else {
					fputs("-", p->fp);
				}
				fputs("</td></tr>\n", p->fp);
			}
		fputs("</table></div>\n</section>\n", p->fp);
	}
	page_end(p);
	store_message_list_free(&ml);
}

static void
attachment(struct page *p, const char *type, const char *name, const char *data, size_t len)
{
	char cd[192];

	p->r->content_type = type;
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", name);
	http_resp_header(p->r, "Content-Disposition", cd);
	fwrite(data, 1, len, p->fp);
}

void
page_complaint_download(struct page *p, int64_t id)
{
	char *key = NULL, *raw = NULL, name[64];
	size_t len = 0;

	if (store_request_key(p->w->st, id, &key) != STORE_OK ||
	    store_complaint_raw(p->w->st, key, &raw, &len) != STORE_OK) {
		free(key);
		page_error(p, 404, "The complaint's bytes are not kept.");
		return;
	}
	snprintf(name, sizeof(name), "complaint-%lld.eml", (long long)id);
	attachment(p, "message/rfc822", name, raw, len);
	free(raw);
	free(key);
}

void
page_reply_download(struct page *p, int64_t id, int64_t outbox_id)
{
	struct admin_request r;
	struct admin_outbox_list ob;
	char name[64];
	int found = 0;

	memset(&ob, 0, sizeof(ob));
	if (admin_request_get(p->w->st, id, &r, &ob) != STORE_OK) {
		page_error(p, 404, "No such request.");
		return;
	}
	for (size_t k = 0; k < ob.n; k++)
		if (ob.v[k].id == outbox_id) {
			snprintf(name, sizeof(name), "reply-%lld-%lld.eml", (long long)id,
				 (long long)outbox_id);
			attachment(p, "message/rfc822", name, ob.v[k].message, ob.v[k].message_len);
			found = 1;
		}
	if (!found)
		page_error(p, 404, "No such reply of this request.");
	admin_request_free(&r);
	admin_outbox_list_free(&ob);
}

static int
queue_id_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

void
page_transcript_download(struct page *p, const char *queue_id, long rcpt, long attempt)
{
	struct store_message_list ml;
	char name[128];

	if (!queue_id_ok(queue_id)) {
		page_error(p, 400, "Refused: a queue ID is letters, digits, - and _.");
		return;
	}
	memset(&ml, 0, sizeof(ml));
	if (store_find_by_queue_id(p->w->st, queue_id, 0, STORE_WITH_TRANSCRIPTS, &ml) < 0 ||
	    ml.n == 0 || rcpt < 1 || (size_t)rcpt > ml.v[0].n_rcpts || attempt < 1 ||
	    (size_t)attempt > ml.v[0].rcpts[rcpt - 1].n_attempts ||
	    ml.v[0].rcpts[rcpt - 1].attempts[attempt - 1].transcript == NULL) {
		store_message_list_free(&ml);
		page_error(p, 404, "No such transcript.");
		return;
	}
	snprintf(name, sizeof(name), "transcript-%s-%ld-%ld.txt", queue_id, rcpt, attempt);
	{
		const char *tr = ml.v[0].rcpts[rcpt - 1].attempts[attempt - 1].transcript;
		attachment(p, "text/plain; charset=utf-8", name, tr, strlen(tr));
	}
	store_message_list_free(&ml);
}
