/*
 * web_frame.c - the page frame every console page is written in: head,
 * navigation, error and redirect answers, the CSRF field, URL values (see
 * web_int.h).  The bottom of web/: it calls no page.
 */
#include "responder/web/report_html.h"
#include "responder/web/web_int.h"

#include <string.h>

void
page_url_value(FILE *fp, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			fputc(c, fp);
		else
			fprintf(fp, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

void
page_csrf_field(struct page *p)
{
	fprintf(p->fp, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", p->who.csrf);
}

void
page_begin(struct page *p, const char *title)
{
	fprintf(p->fp,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>%s - Transcript Responder</title>\n"
		"<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n",
		title);
	if (p->who.role != WEB_ROLE_NONE) {
		fputs("<nav><a href=\"/\">Dashboard</a> <a href=\"/requests\">Requests</a> "
		      "<a href=\"/lookup\">Lookup</a> <span class=\"who\">",
		      p->fp);
		report_html_escape(p->fp, p->who.user);
		fprintf(p->fp, " (%s)</span>",
			p->who.role == WEB_ROLE_ADMIN ? "admin" : "read-only");
		if (p->who.session[0]) {
			fputs(" <form class=\"inline\" method=\"post\" action=\"/logout\">", p->fp);
			page_csrf_field(p);
			fputs("<button>Log out</button></form>", p->fp);
		}
		fputs("</nav>\n", p->fp);
	}
	fprintf(p->fp, "<h1>%s</h1>\n", title);
}

void
page_end(struct page *p)
{
	fputs("</body>\n</html>\n", p->fp);
}

void
page_error(struct page *p, int status, const char *msg)
{
	p->r->status = status;
	page_begin(p, status == 404 ? "Not found" : status == 403 ? "Forbidden" : "Error");
	fprintf(p->fp, "<p class=\"failed\" id=\"error\">%s</p>\n", msg);
	page_end(p);
}

void
page_redirect(struct page *p, const char *location)
{
	p->r->status = 303;
	http_resp_header(p->r, "Location", location);
	fprintf(p->fp, "see %s\n", location);
}
