/*
 * complaint_json.c - struct complaint to and from JSON (the sandbox pipe),
 * and cpl_clean(), the one function every string from a complaint passes
 * through (common/utf8.h's cleaner with the complaint's policy,
 * CPL_CLEAN_LINE / CPL_CLEAN_TEXT).
 *
 * SECURITY: complaint_from_json() reads what a possibly compromised child
 * wrote: every string is cleaned and capped again, every list capped.
 */
#include "responder/parse/complaint.h"
#include "responder/parse/complaint_int.h"
#include "common/buf.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <string.h>

char *
cpl_clean(const char *s, size_t n, size_t cap, int keep_newlines)
{
	if (cap == 0)
		return xstrdup("");
	return utf8_clean(s, n, cap, keep_newlines ? CPL_CLEAN_TEXT : CPL_CLEAN_LINE, NULL);
}

/* ---- to JSON ------------------------------------------------------------ */

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
jaddr(const struct cpl_address *a)
{
	return json_pack("{s:o,s:o}", "name", jstr(a->name), "address", jstr(a->address));
}

static json_t *
jaddrs(const struct cpl_addresses *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, jaddr(&l->v[i]));
	return a;
}

static json_t *
jstrings(const struct cpl_strings *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

json_t *
complaint_to_json(const struct complaint *c)
{
	json_t *j = json_object(), *origs = json_array();

	json_object_set_new(j, "from", jaddr(&c->from));
	json_object_set_new(j, "n_from", json_integer((json_int_t)c->n_from));
	json_object_set_new(j, "reply_to", jaddr(&c->reply_to));
	json_object_set_new(j, "sender", jaddr(&c->sender));
	json_object_set_new(j, "to", jaddrs(&c->to));
	json_object_set_new(j, "cc", jaddrs(&c->cc));
	json_object_set_new(j, "subject", jstr(c->subject));
	json_object_set_new(j, "date", c->has_date ? json_integer(c->date) : json_null());
	json_object_set_new(j, "message_id", jstr(c->message_id));
	json_object_set_new(j, "in_reply_to", jstrings(&c->in_reply_to));
	json_object_set_new(j, "references", jstrings(&c->references));
	json_object_set_new(j, "return_path", jstr(c->return_path));
	json_object_set_new(j, "auto_submitted", jstr(c->auto_submitted));
	json_object_set_new(j, "precedence", jstr(c->precedence));
	json_object_set_new(j, "x_auto_response_suppress", jstr(c->x_auto_response_suppress));
	json_object_set_new(j, "x_autoreply", jstr(c->x_autoreply));
	json_object_set_new(j, "content_language", jstr(c->content_language));
	json_object_set_new(j, "x_loop", jstrings(&c->x_loop));
	json_object_set_new(j, "list_headers", jstrings(&c->list_headers));
	json_object_set_new(j, "auth_results", jstrings(&c->auth_results));
	json_object_set_new(j, "robot_headers", jstrings(&c->robot_headers));
	json_object_set_new(j, "content_type", jstr(c->content_type));
	json_object_set_new(j, "is_report", json_boolean(c->is_report));
	json_object_set_new(j, "text", jstr(c->text));
	json_object_set_new(j, "text_from_html", json_boolean(c->text_from_html));
	for (size_t i = 0; i < c->n_originals; i++) {
		const struct cpl_original *o = &c->originals[i];

		json_array_append_new(
		    origs,
		    json_pack("{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o}", "depth",
			      o->depth, "message_id", jstr(o->message_id), "from", jaddr(&o->from),
			      "to", jaddrs(&o->to), "cc", jaddrs(&o->cc), "subject",
			      jstr(o->subject), "date",
			      o->has_date ? json_integer(o->date) : json_null(), "headers_only",
			      o->headers_only, "is_report", o->is_report, "text", jstr(o->text),
			      "dsn", jstr(o->dsn), "failed_rcpts", jstr(o->failed_rcpts)));
	}
	json_object_set_new(j, "originals", origs);
	json_object_set_new(j, "notes", jstrings(&c->notes));
	return j;
}

/* ---- from JSON ---------------------------------------------------------- */

static char *
rstr(const json_t *j, const char *key, size_t cap, int keep_newlines)
{
	const json_t *v = json_object_get(j, key);

	if (!json_is_string(v))
		return NULL;
	return cpl_clean(json_string_value(v), json_string_length(v), cap, keep_newlines);
}

static void
raddr(const json_t *j, struct cpl_address *a)
{
	if (!json_is_object(j))
		return;
	a->name = rstr(j, "name", CPL_MAX_FIELD, 0);
	a->address = rstr(j, "address", 512, 0);
}

static void
raddrs(const json_t *j, struct cpl_addresses *l)
{
	size_t n = json_array_size(j);

	if (n > CPL_MAX_LIST)
		n = CPL_MAX_LIST;
	if (!n)
		return;
	l->v = xcalloc(n, sizeof(*l->v));
	for (size_t i = 0; i < n; i++)
		raddr(json_array_get(j, i), &l->v[l->n++]);
}

static void
rstrings(const json_t *j, struct cpl_strings *l, size_t cap)
{
	size_t n = json_array_size(j);

	if (n > CPL_MAX_LIST)
		n = CPL_MAX_LIST;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(j, i);

		if (!json_is_string(v))
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
		l->v[l->n++] = cpl_clean(json_string_value(v), json_string_length(v), cap, 0);
	}
}

static int
rdate(const json_t *j, const char *key, int64_t *t_r)
{
	const json_t *v = json_object_get(j, key);

	if (!json_is_integer(v))
		return 0;
	*t_r = (int64_t)json_integer_value(v);
	return 1;
}

int
complaint_from_json(const json_t *j, struct complaint *c)
{
	const json_t *origs;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(j) || !json_is_array(json_object_get(j, "originals")))
		return -1;
	raddr(json_object_get(j, "from"), &c->from);
	c->n_from = (size_t)json_integer_value(json_object_get(j, "n_from"));
	raddr(json_object_get(j, "reply_to"), &c->reply_to);
	raddr(json_object_get(j, "sender"), &c->sender);
	raddrs(json_object_get(j, "to"), &c->to);
	raddrs(json_object_get(j, "cc"), &c->cc);
	c->subject = rstr(j, "subject", CPL_MAX_FIELD, 0);
	c->has_date = rdate(j, "date", &c->date);
	c->message_id = rstr(j, "message_id", 1000, 0);
	rstrings(json_object_get(j, "in_reply_to"), &c->in_reply_to, 1000);
	rstrings(json_object_get(j, "references"), &c->references, 1000);
	c->return_path = rstr(j, "return_path", 512, 0);
	c->auto_submitted = rstr(j, "auto_submitted", 256, 0);
	c->precedence = rstr(j, "precedence", 256, 0);
	c->x_auto_response_suppress = rstr(j, "x_auto_response_suppress", 256, 0);
	c->x_autoreply = rstr(j, "x_autoreply", 256, 0);
	c->content_language = rstr(j, "content_language", 256, 0);
	rstrings(json_object_get(j, "x_loop"), &c->x_loop, 512);
	rstrings(json_object_get(j, "list_headers"), &c->list_headers, 128);
	rstrings(json_object_get(j, "auth_results"), &c->auth_results, CPL_MAX_FIELD);
	rstrings(json_object_get(j, "robot_headers"), &c->robot_headers, 200);
	c->content_type = rstr(j, "content_type", 160, 0);
	c->is_report = json_is_true(json_object_get(j, "is_report"));
	c->text = rstr(j, "text", CPL_MAX_TEXT, 1);
	c->text_from_html = json_is_true(json_object_get(j, "text_from_html"));
	origs = json_object_get(j, "originals");
	n = json_array_size(origs);
	if (n > CPL_MAX_ORIGINALS)
		n = CPL_MAX_ORIGINALS;
	if (n)
		c->originals = xcalloc(n, sizeof(*c->originals));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(origs, i);
		struct cpl_original *co = &c->originals[c->n_originals++];

		if (!json_is_object(o))
			continue;
		co->depth = (int)json_integer_value(json_object_get(o, "depth"));
		co->message_id = rstr(o, "message_id", 1000, 0);
		raddr(json_object_get(o, "from"), &co->from);
		raddrs(json_object_get(o, "to"), &co->to);
		raddrs(json_object_get(o, "cc"), &co->cc);
		co->subject = rstr(o, "subject", CPL_MAX_FIELD, 0);
		co->has_date = rdate(o, "date", &co->date);
		co->headers_only = json_is_true(json_object_get(o, "headers_only"));
		co->is_report = json_is_true(json_object_get(o, "is_report"));
		co->text = rstr(o, "text", CPL_MAX_NOTICE, 1);
		co->dsn = rstr(o, "dsn", CPL_MAX_DSN, 1);
		co->failed_rcpts = rstr(o, "failed_rcpts", 1024, 0);
	}
	rstrings(json_object_get(j, "notes"), &c->notes, 200);
	return 0;
}
