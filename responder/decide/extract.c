/*
 * extract.c - identifiers of the message a complaint is about, each with
 * its source, from the parsed complaint (complaint.h) and the inline
 * forward blocks of its text (forward.h).
 *
 * SECURITY: everything comes from the complaint.  Inputs are already
 * cleaned and capped by complaint.c/forward.c; here lists are capped
 * (EXT_MAX_*), Message-IDs found in text are length-checked and may not
 * contain white space, quotes or angle brackets, and addresses are only
 * kept when addr_valid() accepts them.
 */
#include "responder/decide/extract.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MAX_ID_LEN 250

const char *
ext_source_name(enum ext_source s)
{
	switch (s) {
	case EXT_ATTACHED:
		return "attached";
	case EXT_INLINE:
		return "inline";
	case EXT_REFERENCES:
		return "references";
	case EXT_SUBJECT:
		return "subject";
	case EXT_BODY:
		return "body";
	}
	return "body";
}

static int
id_char_ok(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != '"' && c != '\\' && c != ',' &&
	       c != ';' && c != '(' && c != ')' && c != '[' && c != ']';
}

/* Reads an id of id_char_ok bytes with exactly one '@' inside, at p.
 * Returns its length or 0. */
static size_t
id_span(const char *p)
{
	size_t n = 0, at = 0;

	while (n <= MAX_ID_LEN && id_char_ok((unsigned char)p[n])) {
		if (p[n] == '@')
			at++;
		n++;
	}
	if (n == 0 || n > MAX_ID_LEN || at != 1 || p[0] == '@' || p[n - 1] == '@')
		return 0;
	return n;
}

/* "Message-ID" (or "Message ID") written shortly before p on its line. */
static int
labelled(const char *text, const char *p)
{
	const char *q = p;

	while (q > text && p - q < 40 && q[-1] != '\n')
		q--;
	for (; q + 10 <= p; q++)
		if (strncasecmp(q, "message-id", 10) == 0 || strncasecmp(q, "message id", 10) == 0)
			return 1;
	return 0;
}

static int
looks_generated(const char *p)
{
	const char *at = strchr(p, '@');
	size_t n = at ? (size_t)(at - p) : 0;

	if (n >= 16)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)p[i]))
			return 1;
	return 0;
}

static char *
wrap(const char *p, size_t n)
{
	struct buf b;

	buf_init(&b, MAX_ID_LEN + 3);
	buf_putc(&b, '<');
	buf_append(&b, p, n);
	buf_putc(&b, '>');
	return buf_steal(&b, NULL);
}

size_t
extract_ids_in_text(const char *text, char **ids, size_t *offs, size_t max)
{
	size_t count = 0;
	const char *p;

	if (!text)
		return 0;
	for (p = text; *p && count < max; p++) {
		size_t n;

		if (*p == '<') {
			n = id_span(p + 1);
			/* "<bob@x.example>" is usually an address: unless the line
			 * labels it as a Message-ID, only take ids whose left part
			 * looks generated (a digit, or long). */
			if (n && p[1 + n] == '>' && (labelled(text, p) || looks_generated(p + 1))) {
				ids[count] = wrap(p + 1, n);
				if (offs)
					offs[count] = (size_t)(p - text);
				count++;
				p += n + 1;
			}
		} else if ((p == text || !isalnum((unsigned char)p[-1])) &&
			   strncasecmp(p, "message-id", 10) == 0) {
			const char *q = p + 10;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != ':')
				continue;
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '<')
				continue; /* the bracket form is taken above */
			n = id_span(q);
			if (n) {
				ids[count] = wrap(q, n);
				if (offs)
					offs[count] = (size_t)(p - text);
				count++;
				p = q + n - 1;
			}
		}
	}
	return count;
}

static void
add_id(struct extracted *x, const char *id, enum ext_source src)
{
	char *canon;

	if (!id || x->n_ids >= EXT_MAX_IDS)
		return;
	if (strlen(id) > MAX_ID_LEN + 2 || !strchr(id, '@'))
		return;
	canon = xstrdup(id);
	for (size_t i = 0; i < x->n_ids; i++)
		if (strcmp(x->ids[i].id, canon) == 0) {
			free(canon);
			return;
		}
	x->ids = xreallocarray(x->ids, x->n_ids + 1, sizeof(*x->ids));
	x->ids[x->n_ids].id = canon;
	x->ids[x->n_ids].source = src;
	x->n_ids++;
}

static void
add_recipient(struct extracted *x, const char *addr, ext_own_fn own, void *ctx)
{
	char *a;

	if (!addr || x->n_recipients >= EXT_MAX_RECIPIENTS)
		return;
	a = addr_normalize(addr);
	if (!a || !addr_valid(a) || (own && own(a, ctx))) {
		free(a);
		return;
	}
	for (size_t i = 0; i < x->n_recipients; i++)
		if (strcmp(x->recipients[i], a) == 0) {
			free(a);
			return;
		}
	x->recipients = xreallocarray(x->recipients, x->n_recipients + 1, sizeof(char *));
	x->recipients[x->n_recipients++] = a;
}

static char *
norm_or_null(const char *addr)
{
	char *a = addr ? addr_normalize(addr) : NULL;

	if (a && !addr_valid(a)) {
		free(a);
		return NULL;
	}
	return a;
}

static struct ext_original *
new_original(struct extracted *x, enum ext_source src)
{
	struct ext_original *o;

	x->originals = xreallocarray(x->originals, x->n_originals + 1, sizeof(*x->originals));
	o = &x->originals[x->n_originals++];
	memset(o, 0, sizeof(*o));
	o->source = src;
	return o;
}

static void
push_addr(char ***v, size_t *n, const char *addr)
{
	char *a = norm_or_null(addr);

	if (!a || *n >= EXT_MAX_RECIPIENTS) {
		free(a);
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(char *));
	(*v)[(*n)++] = a;
}

/* The recipients of one original: its To/Cc, and its From when it was not
 * sent by the requester's side (then it is the recipient's own complaint). */
static void
original_recipients(struct extracted *x, const struct ext_original *o, ext_own_fn own, void *ctx)
{
	int to_us = 0;

	for (size_t i = 0; i < o->n_to; i++)
		add_recipient(x, o->to[i], own, ctx);
	for (size_t i = 0; i < o->n_cc; i++)
		add_recipient(x, o->cc[i], own, ctx);
	for (size_t i = 0; own && i < o->n_to; i++)
		to_us |= own(o->to[i], ctx);
	for (size_t i = 0; own && i < o->n_cc; i++)
		to_us |= own(o->cc[i], ctx);
	if (o->from && to_us && !own(o->from, ctx))
		add_recipient(x, o->from, own, ctx);
}

static int
same_addr(const char *id, const char *addr)
{
	size_t n = addr ? strlen(addr) : 0;

	return n && strlen(id) == n + 2 && strncasecmp(id + 1, addr, n) == 0;
}

/* 1 when the "<...>" found in text is an address the complaint or one of
 * its originals names (a forward block's "To: Bob <bob@x>"). */
static int
known_address(const struct extracted *x, const struct complaint *c, const char *id)
{
	if (same_addr(id, c->from.address))
		return 1;
	for (size_t i = 0; i < c->to.n; i++)
		if (same_addr(id, c->to.v[i].address))
			return 1;
	for (size_t i = 0; i < c->cc.n; i++)
		if (same_addr(id, c->cc.v[i].address))
			return 1;
	for (size_t i = 0; i < x->n_originals; i++) {
		const struct ext_original *o = &x->originals[i];

		if (same_addr(id, o->from))
			return 1;
		for (size_t k = 0; k < o->n_to; k++)
			if (same_addr(id, o->to[k]))
				return 1;
		for (size_t k = 0; k < o->n_cc; k++)
			if (same_addr(id, o->cc[k]))
				return 1;
	}
	return 0;
}

void
extract_identifiers(const struct complaint *c, const struct fwd_original *fwds, size_t n_fwds,
		    ext_own_fn own, void *own_ctx, struct extracted *x)
{
	char *found[EXT_MAX_IDS];
	size_t offs[EXT_MAX_IDS], n, first_block = (size_t)-1;

	memset(x, 0, sizeof(*x));
	/* attached originals, outermost first (complaint.c sorted them) */
	for (size_t i = 0; i < c->n_originals; i++) {
		const struct cpl_original *co = &c->originals[i];
		struct ext_original *o = new_original(x, EXT_ATTACHED);

		o->message_id = xstrdup_or_null(co->message_id);
		o->from = norm_or_null(co->from.address);
		for (size_t k = 0; k < co->to.n; k++)
			push_addr(&o->to, &o->n_to, co->to.v[k].address);
		for (size_t k = 0; k < co->cc.n; k++)
			push_addr(&o->cc, &o->n_cc, co->cc.v[k].address);
		o->subject = xstrdup_or_null(co->subject);
		o->date = co->date;
		o->has_date = co->has_date;
		add_id(x, co->message_id, EXT_ATTACHED);
	}
	/* inline forward blocks of the complaint's text */
	for (size_t i = 0; i < n_fwds; i++) {
		const struct fwd_original *f = &fwds[i];
		struct ext_original *o = new_original(x, EXT_INLINE);

		o->from = norm_or_null(f->from.address);
		for (size_t k = 0; k < f->n_to; k++)
			push_addr(&o->to, &o->n_to, f->to[k].address);
		for (size_t k = 0; k < f->n_cc; k++)
			push_addr(&o->cc, &o->n_cc, f->cc[k].address);
		o->subject = xstrdup_or_null(f->subject);
		o->date = f->date;
		o->has_date = f->date != 0;
		if (f->block_start < first_block)
			first_block = f->block_start;
	}
	/* ids written in the text: below the first forward block they belong
	 * to the forwarded original ("inline"), above it to the complaint */
	n = extract_ids_in_text(c->text, found, offs, EXT_MAX_IDS);
	for (size_t i = 0; i < n; i++)
		if (known_address(x, c, found[i])) {
			free(found[i]);
			found[i] = NULL;
		}
	for (size_t i = 0; i < n; i++)
		if (found[i] && offs[i] >= first_block && first_block != (size_t)-1)
			add_id(x, found[i], EXT_INLINE);
	for (size_t i = 0; i < c->in_reply_to.n; i++)
		add_id(x, c->in_reply_to.v[i], EXT_REFERENCES);
	for (size_t i = c->references.n; i > 0; i--) /* newest first */
		add_id(x, c->references.v[i - 1], EXT_REFERENCES);
	{
		char *subj[8];
		size_t ns = extract_ids_in_text(c->subject, subj, NULL, 8);

		for (size_t i = 0; i < ns; i++) {
			add_id(x, subj[i], EXT_SUBJECT);
			free(subj[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (found[i] && !(offs[i] >= first_block && first_block != (size_t)-1))
			add_id(x, found[i], EXT_BODY);
		free(found[i]);
	}
	for (size_t i = 0; i < x->n_originals; i++)
		original_recipients(x, &x->originals[i], own, own_ctx);
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
extracted_free(struct extracted *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_ids; i++)
		free(x->ids[i].id);
	free(x->ids);
	for (size_t i = 0; i < x->n_originals; i++) {
		struct ext_original *o = &x->originals[i];

		free(o->message_id);
		free(o->from);
		free_list(o->to, o->n_to);
		free_list(o->cc, o->n_cc);
		free(o->subject);
	}
	free(x->originals);
	free_list(x->recipients, x->n_recipients);
	memset(x, 0, sizeof(*x));
}

static json_t *
str_array(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *
extracted_json(const struct extracted *x)
{
	json_t *ids = json_array(), *origs = json_array(), *j;

	for (size_t i = 0; i < x->n_ids; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "id", x->ids[i].id, "source",
						     ext_source_name(x->ids[i].source)));
	for (size_t i = 0; i < x->n_originals; i++) {
		const struct ext_original *o = &x->originals[i];
		char t[TIME_RFC3339_LEN];

		json_array_append_new(
		    origs,
		    json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "source", ext_source_name(o->source),
			      "from", o->from ? json_string(o->from) : json_null(), "to",
			      str_array(o->to, o->n_to), "cc", str_array(o->cc, o->n_cc), "subject",
			      o->subject ? json_string(o->subject) : json_null(), "date",
			      o->has_date ? json_string(time_format_rfc3339(o->date, t)) :
					    json_null()));
	}
	j = json_pack("{s:o,s:o,s:o}", "message_ids", ids, "originals", origs, "recipients",
		      str_array(x->recipients, x->n_recipients));
	return j;
}
