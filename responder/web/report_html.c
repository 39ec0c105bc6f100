/*
 * report_html.c - the HTML report page (see report_html.h).
 *
 * The chart is a stacked bar per day (UTC), one colour per outcome, drawn
 * here as SVG rects with a <title> each (the browser shows it on hover);
 * days without complaints are drawn as gaps so the time axis is true.
 *
 * SECURITY: all stored text goes through report_html_escape() or
 * esc_text(): valid UTF-8, no control characters, HTML-escaped.  The CSP
 * meta tag forbids scripts and any fetch, so even a missed escape could
 * not load or run anything.
 */
#include "responder/web/report_html.h"
#include "common/utf8.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcomes[] = {
	"found", "ambiguous", "not_found", "unauthorized", "ignored", "error",
};
static const char *const colours[] = {
	"#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#9e9e9e", "#6a1b9a",
};
#define NOUT 6

/* The page's style, shared with the console (served there as /style.css,
 * so its CSP needs no 'unsafe-inline'). */
const char report_html_css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;font-size:.9em}td,th{padding:.25em .6em;"
    "border-bottom:1px solid #eee;text-align:left;vertical-align:top}\n"
    "th{background:#f4f4f4}td.n{text-align:right}td.t{white-space:nowrap}.cards{display:flex;gap:1em;flex-wrap:wrap}\n"
    ".card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:8em}\n"
    ".card b{display:block;font-size:1.4em}.o{font-weight:bold}\n"
    ".found{color:#2e7d32}.ambiguous{color:#b28704}.not_found{color:#ef6c00}"
    ".unauthorized{color:#c62828}.ignored{color:#777}.error{color:#6a1b9a}"
    ".failed{color:#c62828}\n"
    "pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}\n"
    "section.req{border-top:1px solid #ccc;margin-top:1em}dt{font-weight:bold;float:left;"
    "width:9em;clear:left}dd{margin-left:10em}\n";
#define MAX_DAYS 400

static void
esc_raw(FILE *fp, const char *c)
{
	for (; *c; c++) {
		switch (*c) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*c, fp);
		}
	}
}

void
report_html_escape(FILE *fp, const char *s)
{
	char *c = utf8_clean_terminal(s ? s : "-", strlen(s ? s : "-"), 0);

	esc_raw(fp, c);
	free(c);
}

void
report_html_escape_text(FILE *fp, const char *s, size_t len)
{
	char *c = utf8_clean_terminal(s, s ? len : 0, 1);

	esc_raw(fp, c);
	free(c);
}

static int outcome_index(const char *o);

const char *
report_html_outcome_class(const char *o)
{
	return outcomes[outcome_index(o)];
}

static int
outcome_index(const char *o)
{
	for (int i = 0; i < NOUT; i++)
		if (o && strcmp(o, outcomes[i]) == 0)
			return i;
	return NOUT - 1;
}

static void
write_head(FILE *fp, const struct report_input *in)
{
	char t[TIME_RFC3339_LEN];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>Transcript Responder report",
	      fp);
	if (in->title) {
		fputs(" - ", fp);
		report_html_escape(fp, in->title);
	}
	fputs("</title>\n<style>\n", fp);
	fputs(report_html_css, fp);
	fputs("</style>\n</head>\n<body>\n<h1>Transcript Responder report</h1>\n<p>", fp);
	if (in->title) {
		report_html_escape(fp, in->title);
		fputs(" &middot; ", fp);
	}
	fprintf(fp, "generated %s &middot; ", time_format_rfc3339(in->generated_at, t));
	if (in->stats->since)
		fprintf(fp, "requests since %s", time_format_rfc3339(in->stats->since, t));
	else
		fputs("all requests", fp);
	fputs("</p>\n", fp);
}

static void
write_stats(FILE *fp, const struct admin_stats *s)
{
	char d[32];

	fputs("<h2 id=\"stats\">Summary</h2>\n<div class=\"cards\">\n", fp);
	fprintf(fp, "<div class=\"card\">complaints<b id=\"stat-requests\">%lld</b></div>\n",
		(long long)s->requests);
	fprintf(fp, "<div class=\"card\">replies sent<b>%lld</b></div>\n",
		(long long)s->replies_sent);
	fprintf(fp, "<div class=\"card\">replies failed<b class=\"failed\">%lld</b></div>\n",
		(long long)s->replies_failed);
	fprintf(fp, "<div class=\"card\">replies queued<b>%lld</b></div>\n",
		(long long)s->replies_queued);
	fprintf(fp, "<div class=\"card\">median arrival &rarr; reply<b>%s</b></div>\n</div>\n",
		s->median_reply_secs >= 0 ?
		    time_format_duration(s->median_reply_secs, d, sizeof(d)) :
		    "-");
	fputs(
	    "<h2>By outcome</h2>\n<table id=\"outcomes\"><tr><th>outcome</th><th>complaints</th></tr>\n",
	    fp);
	for (size_t i = 0; i < s->n_outcomes; i++) {
		fputs("<tr><td class=\"o ", fp);
		report_html_escape(fp, s->outcomes[i].name);
		fputs("\">", fp);
		report_html_escape(fp, s->outcomes[i].name);
		fprintf(fp, "</td><td class=\"n\">%lld</td></tr>\n", (long long)s->outcomes[i].n);
	}
	fputs(
	    "</table>\n<h2>By reason</h2>\n<p>Each recipient of the messages found, by "
	    "the reason of its latest delivery attempt.</p>\n<table id=\"reasons\"><tr><th>reason</th><th>recipients</th></tr>\n",
	    fp);
	for (size_t i = 0; i < s->n_reasons; i++) {
		fputs("<tr><td>", fp);
		report_html_escape(fp, s->reasons[i].name);
		fprintf(fp, "</td><td class=\"n\">%lld</td></tr>\n", (long long)s->reasons[i].n);
	}
	if (s->n_reasons == 0)
		fputs("<tr><td colspan=\"2\">none</td></tr>\n", fp);
	fputs("</table>\n", fp);
}

static void
write_chart(FILE *fp, const struct admin_stats *s)
{
	static const double W = 760, H = 280, ml = 44, mr = 10, mt = 12, mb = 56;
	int64_t first, last, (*cnt)[NOUT], ymax = 1;
	size_t nd;
	double pw = W - ml - mr, ph = H - mt - mb, slot, bw;

	fputs("<h2>Complaints per day</h2>\n", fp);
	if (s->n_days == 0 || time_parse_rfc3339(s->days[0].day, &first) < 0 ||
	    time_parse_rfc3339(s->days[s->n_days - 1].day, &last) < 0) {
		fputs("<p id=\"chart-empty\">No complaints in this period.</p>\n", fp);
		return;
	}
	nd = (size_t)((last - first) / 86400) + 1;
	if (nd > MAX_DAYS) {
		first = last - (int64_t)(MAX_DAYS - 1) * 86400;
		nd = MAX_DAYS;
	}
	cnt = xcalloc(nd, sizeof(*cnt));
	for (size_t i = 0; i < s->n_days; i++) {
		int64_t t;
		if (time_parse_rfc3339(s->days[i].day, &t) < 0 || t < first)
			continue;
		cnt[(t - first) / 86400][outcome_index(s->days[i].outcome)] += s->days[i].n;
	}
	for (size_t d = 0; d < nd; d++) {
		int64_t sum = 0;
		for (int o = 0; o < NOUT; o++)
			sum += cnt[d][o];
		if (sum > ymax)
			ymax = sum;
	}
	if (ymax % 2) /* the middle grid line then falls on a whole number */
		ymax++;
	slot = pw / (double)nd;
	bw = slot > 3 ? slot * 0.8 : slot;
	fprintf(fp,
		"<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"aria-label=\"complaints per day by outcome\" font-family=\"sans-serif\" "
		"font-size=\"11\">\n",
		W, H, W, H);
	/* axes and three grid lines with their values */
	for (int g = 0; g <= 2; g++) {
		double y = mt + ph - ph * g / 2.0;
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
			ml, y, W - mr, y, ml - 4, y + 4, (long long)(ymax * g / 2));
	}
	for (size_t d = 0; d < nd; d++) {
		double x = ml + slot * (double)d + (slot - bw) / 2, y = mt + ph;
		char day[TIME_RFC3339_LEN];

		time_format_rfc3339(first + (int64_t)d * 86400, day);
		day[10] = '\0';
		for (int o = 0; o < NOUT; o++) {
			double h;
			if (cnt[d][o] == 0)
				continue;
			h = ph * (double)cnt[d][o] / (double)ymax;
			y -= h;
			fprintf(fp,
				"<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				"height=\"%.2f\" fill=\"%s\"><title>%s %s: %lld</title></rect>\n",
				x, y, bw, h, colours[o], day, outcomes[o], (long long)cnt[d][o]);
		}
		/* a date label under about every eighth bar, and the last */
		if (d % ((nd + 7) / 8) == 0 || d == nd - 1)
			fprintf(fp,
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				x + bw / 2, mt + ph + 14, day + 5);
	}
	for (int o = 0; o < NOUT; o++) {
		double x = ml + (double)o * 115;
		fprintf(fp,
			"<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
			x, H - 18, colours[o], x + 14, H - 9, outcomes[o]);
	}
	fputs("</svg>\n", fp);
	free(cnt);
}

static void
write_table(FILE *fp, const struct report_input *in)
{
	char t[TIME_RFC3339_LEN];

	fprintf(fp,
		"<h2>Recent requests</h2>\n<p>The %zu most recent; each ID links to its "
		"details below.</p>\n<table id=\"requests\">\n<tr><th>ID</th><th>received</th>"
		"<th>requester</th><th>account</th><th>outcome</th><th>reply</th>"
		"<th>matched / why</th></tr>\n",
		in->n_requests);
	for (size_t i = 0; i < in->n_requests; i++) {
		const struct admin_request *r = &in->requests[i];

		fprintf(fp,
			"<tr><td><a href=\"#req-%lld\">%lld</a></td><td class=\"t\">%s</td><td>",
			(long long)r->id, (long long)r->id, time_format_rfc3339(r->received_at, t));
		report_html_escape(fp, r->requester);
		fputs("</td><td>", fp);
		report_html_escape(fp, r->account);
		fprintf(fp, "</td><td class=\"o %s\">", outcomes[outcome_index(r->outcome)]);
		report_html_escape(fp, r->outcome);
		fprintf(fp, "</td><td class=\"%s\">%s</td><td>", r->reply_state, r->reply_state);
		if (r->matched_queue_id) {
			report_html_escape(fp, r->matched_subject);
			fputs(" [", fp);
			report_html_escape(fp, r->matched_queue_id);
			fputs("]", fp);
		} else {
			report_html_escape(fp, r->why);
		}
		fputs("</td></tr>\n", fp);
	}
	if (in->n_requests == 0)
		fputs("<tr><td colspan=\"7\">no requests</td></tr>\n", fp);
	fputs("</table>\n", fp);
}

void
report_html_json_block(FILE *fp, const char *label, const char *text)
{
	json_t *j;
	char *pretty = NULL;

	if (text == NULL)
		return;
	j = json_loads(text, JSON_DECODE_ANY, NULL);
	if (j != NULL)
		pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	fprintf(fp, "<h4>%s</h4>\n<pre>", label);
	report_html_escape_text(fp, pretty ? pretty : text, strlen(pretty ? pretty : text));
	fputs("</pre>\n", fp);
	free(pretty);
	json_decref(j);
}

void
report_html_dl(FILE *fp, const char *term, const char *value)
{
	fprintf(fp, "<dt>%s</dt><dd>", term);
	report_html_escape(fp, value);
	fputs("</dd>\n", fp);
}

static void
write_details(FILE *fp, const struct report_input *in)
{
	char t[TIME_RFC3339_LEN], d[32];

	fputs("<h2>Details</h2>\n", fp);
	for (size_t i = 0; i < in->n_requests; i++) {
		const struct admin_request *r = &in->requests[i];
		const struct admin_outbox_list *ob = &in->outbox[i];

		fprintf(fp,
			"<section class=\"req\" id=\"req-%lld\">\n<h3>Request %lld: "
			"<span class=\"o %s\">",
			(long long)r->id, (long long)r->id, outcomes[outcome_index(r->outcome)]);
		report_html_escape(fp, r->outcome);
		fputs("</span></h3>\n<dl>\n", fp);
		report_html_dl(fp, "received", time_format_rfc3339(r->received_at, t));
		report_html_dl(fp, "decided", time_format_rfc3339(r->decided_at, t));
		report_html_dl(fp, "source", r->source);
		report_html_dl(fp, "requester", r->requester);
		report_html_dl(fp, "account", r->account);
		report_html_dl(fp, "why", r->why);
		report_html_dl(fp, "Message-ID", r->complaint_message_id);
		report_html_dl(fp, "subject", r->subject);
		if (r->matched_queue_id)
			report_html_dl(fp, "matched queue", r->matched_queue_id);
		report_html_dl(fp, "reply", r->reply_state);
		fputs("</dl>\n", fp);
		report_html_json_block(fp, "Extracted", r->extracted);
		report_html_json_block(fp, "Candidates", r->matches);
		report_html_json_block(fp, "Decision detail", r->detail);
		for (size_t k = 0; k < ob->n; k++) {
			const struct admin_outbox *o = &ob->v[k];

			fprintf(fp, "<h4>Reply (outbox row %lld): <span class=\"%s\">%s</span>",
				(long long)o->id, strcmp(o->state, "failed") == 0 ? "failed" : "",
				strcmp(o->state, "sent") == 0	? "sent" :
				strcmp(o->state, "failed") == 0 ? "failed" :
								  "queued");
			if (o->sent_at)
				fprintf(fp, " %s, %s after arrival",
					time_format_rfc3339(o->sent_at, t),
					time_format_duration(o->sent_at - r->received_at, d,
							     sizeof(d)));
			fprintf(fp, ", %d tr%s</h4>\n<dl>\n", o->tries,
				o->tries == 1 ? "y" : "ies");
			report_html_dl(fp, "to", o->rcpt);
			report_html_dl(fp, "server answer", o->smtp_reply);
			if (o->last_error)
				report_html_dl(fp, "last error", o->last_error);
			fputs("</dl>\n<details><summary>the reply as queued</summary><pre>", fp);
			report_html_escape_text(fp, o->message, o->message_len);
			fputs("</pre></details>\n", fp);
		}
		fputs("<p><a href=\"#requests\">back to the table</a></p>\n</section>\n", fp);
	}
}

void
report_html_summary(FILE *fp, const struct admin_stats *s)
{
	write_stats(fp, s);
	write_chart(fp, s);
}

int
report_html_write(FILE *fp, const struct report_input *in)
{
	write_head(fp, in);
	report_html_summary(fp, in->stats);
	write_table(fp, in);
	write_details(fp, in);
	fputs("</body>\n</html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
