/*
 * report_html.h - the admin's one-page HTML report (`responder report`): the
 * stats, a chart of complaints per day by outcome (inline SVG), the table of
 * recent requests and, under it, each request's details behind an anchor
 * (#req-ID).  The web console (web_pages.c) builds its pages from the same
 * pieces and escapes with the same functions.
 *
 * The page is self-contained: no script, no external asset (a
 * Content-Security-Policy meta tag forbids loading any), so it can be
 * mailed or opened from disk.
 *
 * SECURITY: every stored string (peer text) is HTML-escaped and made valid
 * UTF-8 before it is written; numbers are the only unescaped values.
 */
#ifndef RESPONDER_REPORT_HTML_H
#define RESPONDER_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/admin.h"

struct report_input {
	const struct admin_stats *stats;
	/* Recent requests, newest first, each loaded in full
	 * (admin_request_get) with its outbox rows. */
	const struct admin_request *requests;
	const struct admin_outbox_list *outbox; /* parallel to requests */
	size_t n_requests;
	int64_t generated_at;
	const char *title; /* e.g. the support address; may be NULL */
};

/* Writes the page to fp.  0, or -1 when writing failed (errno set). */
int report_html_write(FILE *fp, const struct report_input *in);

/* Writes s HTML-escaped (& < > " ') with invalid UTF-8 and control
 * characters replaced; NULL writes "-".  Every stored string on the page
 * goes through it. */
void report_html_escape(FILE *fp, const char *s);
/* The same for multi-line text (keeps LF and TAB), for <pre>; NULL: "". */
void report_html_escape_text(FILE *fp, const char *s, size_t len);

/* The pieces the admin console (web_pages.c) builds its pages from: */
/* The stylesheet (inline in the report, /style.css in the console). */
extern const char report_html_css[];
/* The summary cards, the outcome and reason tables and the chart. */
void report_html_summary(FILE *fp, const struct admin_stats *s);
/* <h4>label</h4><pre>JSON, pretty-printed when it parses</pre>. */
void report_html_json_block(FILE *fp, const char *label, const char *text);
/* <dt>term</dt><dd>value, escaped</dd>; term is ours, not escaped. */
void report_html_dl(FILE *fp, const char *term, const char *value);
/* The CSS class of an outcome name (one of the six; anything else
 * "error"), safe to print unescaped. */
const char *report_html_outcome_class(const char *outcome);

#endif
