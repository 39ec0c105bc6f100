/*
 * html_text.c - HTML-only complaint bodies to plain text with libxml2's
 * HTML parser, so inline forward header blocks inside HTML can be found:
 * line breaks at br/div/p/tr/li/h1-6/blockquote/table, a space at td/th,
 * entities decoded by the parser, script/style/head skipped.
 *
 * SECURITY: the HTML is the complaint's.  The parser runs with
 * HTML_PARSE_NONET (no fetching) and in recover mode; our walk is capped in
 * depth and the output in size (CPL_MAX_TEXT).
 */
#include "responder/parse/complaint.h"
#include "responder/parse/complaint_int.h"
#include "common/buf.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#define HTML_MAX_DEPTH 200

static int
name_in(const xmlChar *name, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcasecmp((const char *)name, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const block_tags[] = {
	"br",  "div",	  "p",	     "tr",	   "li",     "h1", "h2", "h3",
	"h4",  "h5",	  "h6",	     "blockquote", "table",  "ul", "ol", "hr",
	"pre", "section", "article", "header",	   "footer", NULL,
};
static const char *const skip_tags[] = { "script", "style", "head", "title", NULL };
static const char *const cell_tags[] = { "td", "th", NULL };

static void
newline(struct buf *b)
{
	if (b->len && b->data[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

static void
walk(const xmlNode *n, struct buf *b, int depth)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			const char *t = (const char *)n->content;

			if (!t)
				continue;
			/* collapse white space runs as a browser would */
			for (; *t; t++) {
				char c = *t;

				if (c == '\n' || c == '\r' || c == '\t')
					c = ' ';
				if (c == ' ' && (b->len == 0 || b->data[b->len - 1] == ' ' ||
						 b->data[b->len - 1] == '\n'))
					continue;
				buf_putc(b, c);
			}
			continue;
		}
		if (n->type != XML_ELEMENT_NODE || !n->name)
			continue;
		if (name_in(n->name, skip_tags))
			continue;
		if (name_in(n->name, block_tags))
			newline(b);
		if (name_in(n->name, cell_tags) && b->len && b->data[b->len - 1] != ' ' &&
		    b->data[b->len - 1] != '\n')
			buf_putc(b, ' ');
		if (depth < HTML_MAX_DEPTH)
			walk(n->children, b, depth + 1);
		if (name_in(n->name, block_tags) && strcasecmp((const char *)n->name, "br") != 0)
			newline(b);
	}
}

char *
html_to_text(const char *html, size_t len)
{
	htmlDocPtr doc;
	struct buf b;
	char *out;

	if (len > (size_t)CPL_MAX_TEXT * 4)
		len = (size_t)CPL_MAX_TEXT * 4;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				 HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
	if (!doc)
		return cpl_clean(html, len, CPL_MAX_TEXT, 1);
	buf_init(&b, CPL_MAX_TEXT);
	walk(xmlDocGetRootElement(doc) ? doc->children : NULL, &b, 0);
	xmlFreeDoc(doc);
	out = cpl_clean(b.data ? b.data : "", b.len, CPL_MAX_TEXT, 1);
	buf_free(&b);
	return out;
}
