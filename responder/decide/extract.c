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

const char *
ext_bounce_source_name(enum ext_bounce_source s)
{
	switch (s) {
	case EXT_BOUNCE_ATTACHED:
		return "attached";
	case EXT_BOUNCE_INLINE:
		return "inline";
	case EXT_BOUNCE_PASTED:
		return "pasted";
	}
	return "pasted";
}

size_t
extract_reply_notices(const struct extracted *x, struct reply_notice *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n_bounces; i++)
		for (size_t k = 0; k < x->bounces[i].b.n_rcpts && n < max; k++) {
			const struct bounce_rcpt *r = &x->bounces[i].b.rcpts[k];

			out[n].address = r->address;
			out[n].status = r->status;
			out[n].action = bounce_action_name(r->action);
			out[n].diagnostic = r->diagnostic;
			out[n].reporting_mta = x->bounces[i].b.reporting_mta;
			n++;
		}
	return n;
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

	if (o->is_bounce)
		return; /* its sender and recipients are the notice's */
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

/* 1 when a date as a client wrote it names its zone ("+0900", "GMT+9",
 * "UTC", "JST" ...): Outlook's "Sent:" line and Gmail's forward header do
 * not, and are read as UTC, hours off. */
static int
date_has_zone(const char *t)
{
	static const char *const zones[] = { "GMT", "UTC",  " UT", "JST", "EST", "EDT",
					     "CST", "CDT",  "MST", "MDT", "PST", "PDT",
					     "CET", "CEST", "BST", "MSK", "KST", NULL };

	if (t == NULL)
		return 0;
	for (size_t i = 0; zones[i] != NULL; i++)
		if (strstr(t, zones[i]) != NULL)
			return 1;
	for (const char *p = t; *p; p++)
		if ((*p == '+' || *p == '-') && p > t &&
		    (p[-1] == ' ' || isdigit((unsigned char)p[-1])) &&
		    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    (isdigit((unsigned char)p[3]) || p[3] == ':'))
			return 1;
	return 0;
}

/* 1 when an original of the same sender and subject is already there. */
static int
have_original(const struct extracted *x, const char *from, const char *subject)
{
	for (size_t i = 0; i < x->n_originals; i++) {
		const struct ext_original *o = &x->originals[i];

		if (o->from && from && strcmp(o->from, from) == 0 &&
		    ((!o->subject && !subject) ||
		     (o->subject && subject && strcmp(o->subject, subject) == 0)))
			return 1;
	}
	return 0;
}

/* The original's headers quoted in a notice: originals and ids. */
static void
add_quoted(struct extracted *x, const struct bounce *b, enum ext_source os)
{
	for (size_t i = 0; i < b->n_quoted; i++) {
		const struct bounce_quoted *q = &b->quoted[i];
		struct ext_original *o;

		add_id(x, q->message_id, os);
		if (have_original(x, q->from, q->subject))
			continue;
		o = new_original(x, os);
		o->message_id = xstrdup_or_null(q->message_id);
		o->from = xstrdup_or_null(q->from);
		for (size_t t = 0; t < q->n_to; t++)
			push_addr(&o->to, &o->n_to, q->to[t]);
		o->subject = xstrdup_or_null(q->subject);
		o->date = q->date;
		o->has_date = q->date != 0;
	}
}

/* Keeps a notice read into *b: the original's quoted headers become
 * originals (and ids), its recipients lose the requester's side.  Takes
 * over *b. */
static void
add_bounce(struct extracted *x, enum ext_bounce_source src, struct bounce *b, ext_own_fn own,
	   void *ctx)
{
	enum ext_source os = src == EXT_BOUNCE_ATTACHED ? EXT_ATTACHED : EXT_INLINE;
	struct ext_bounce *eb;
	size_t k = 0;

	for (size_t i = 0; i < b->n_rcpts; i++) {
		if (own && own(b->rcpts[i].address, ctx)) {
			free(b->rcpts[i].address);
			free(b->rcpts[i].status);
			free(b->rcpts[i].diagnostic);
			continue;
		}
		b->rcpts[k++] = b->rcpts[i];
	}
	b->n_rcpts = k;
	add_quoted(x, b, os);
	if (x->n_bounces >= EXT_MAX_BOUNCES) {
		bounce_free(b);
		return;
	}
	x->bounces = xreallocarray(x->bounces, x->n_bounces + 1, sizeof(*x->bounces));
	eb = &x->bounces[x->n_bounces++];
	eb->source = src;
	eb->original_message_id = NULL;
	for (size_t i = 0; i < b->n_quoted && !eb->original_message_id; i++)
		eb->original_message_id = xstrdup_or_null(b->quoted[i].message_id);
	eb->b = *b;
	memset(b, 0, sizeof(*b));
}

/* An attached message is a delivery notice when it says so in its
 * structure (a report, X-Failed-Recipients), its sender, its subject or
 * its text. */
static int
attached_notice(const struct cpl_original *co)
{
	return co->is_report || co->dsn || co->failed_rcpts ||
	       bounce_robot_address(co->from.address) || bounce_looks_like(co->subject, co->text);
}

void
extract_identifiers(const struct complaint *c, const struct fwd_original *fwds, size_t n_fwds,
		    ext_own_fn own, void *own_ctx, struct extracted *x)
{
	char *found[EXT_MAX_IDS];
	size_t offs[EXT_MAX_IDS], n, first_block = (size_t)-1, first_inline;

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
		o->date_exact = 1;
		o->is_bounce = co->depth == 1 && !co->headers_only && attached_notice(co);
		if (!o->is_bounce)
			add_id(x, co->message_id, EXT_ATTACHED);
	}
	for (size_t i = 0, n_orig = x->n_originals; i < n_orig; i++) {
		const struct cpl_original *co = &c->originals[i];
		struct bounce b;
		size_t nb = x->n_bounces;

		if (!x->originals[i].is_bounce) {
			/* another robot's notice (a list manager's "loop
			 * alert") or a reply may quote the original's headers */
			if (co->depth != 1 || co->text == NULL)
				continue;
			memset(&b, 0, sizeof(b));
			bounce_read_text(&b, co->text, co->message_id);
			add_quoted(x, &b, EXT_ATTACHED);
			bounce_free(&b);
			continue;
		}
		memset(&b, 0, sizeof(b));
		bounce_read_dsn(&b, co->dsn);
		bounce_read_failed(&b, co->failed_rcpts);
		bounce_read_text(&b, co->text, co->message_id);
		if (!b.reporting_mta && bounce_robot_address(co->from.address))
			b.reporting_mta = xstrdup_or_null(addr_domain(co->from.address));
		add_bounce(x, EXT_BOUNCE_ATTACHED, &b, own, own_ctx);
		/* else the bounced message: attached inside it (depth 2) */
		for (size_t k = 0;
		     k < c->n_originals && x->n_bounces > nb && !x->bounces[nb].original_message_id;
		     k++)
			if (c->originals[k].depth == 2)
				x->bounces[nb].original_message_id =
				    xstrdup_or_null(c->originals[k].message_id);
	}
	/* inline forward blocks of the complaint's text */
	first_inline = x->n_originals;
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
		o->date_exact = date_has_zone(f->date_text);
		o->is_bounce = bounce_robot_address(o->from) || bounce_looks_like(f->subject, NULL);
		if (f->block_start < first_block)
			first_block = f->block_start;
	}
	for (size_t i = 0; i < n_fwds; i++) {
		const struct ext_original *o = &x->originals[first_inline + i];
		struct bounce b;

		if (!o->is_bounce)
			continue;
		memset(&b, 0, sizeof(b));
		bounce_read_dsn(&b, fwds[i].body);
		bounce_read_text(&b, fwds[i].body, NULL);
		if (!b.reporting_mta && bounce_robot_address(o->from))
			b.reporting_mta = xstrdup_or_null(addr_domain(o->from));
		add_bounce(x, EXT_BOUNCE_INLINE, &b, own, own_ctx);
	}
	if (n_fwds > 0 && !x->originals[first_inline + n_fwds - 1].is_bounce &&
	    fwds[n_fwds - 1].body != NULL) {
		/* the innermost forward may be a notice that is no bounce, quoting
		 * the original's headers (a list manager's loop alert) */
		struct bounce b;

		memset(&b, 0, sizeof(b));
		bounce_read_text(&b, fwds[n_fwds - 1].body, NULL);
		add_quoted(x, &b, EXT_INLINE);
		bounce_free(&b);
	}
	if (x->n_bounces == 0 && c->text != NULL && bounce_looks_like(c->subject, c->text)) {
		struct bounce b;

		memset(&b, 0, sizeof(b));
		bounce_read_dsn(&b, c->text);
		bounce_read_text(&b, c->text, NULL);
		if (b.n_rcpts > 0 || b.n_quoted > 0)
			add_bounce(x, EXT_BOUNCE_PASTED, &b, own, own_ctx);
		else
			bounce_free(&b);
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
	/* the failed recipients first; the original's To and Cc too (a
	 * notice may name the address a recipient forwarded to) */
	for (size_t i = 0; i < x->n_bounces; i++)
		for (size_t k = 0; k < x->bounces[i].b.n_rcpts; k++)
			add_recipient(x, x->bounces[i].b.rcpts[k].address, own, own_ctx);
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
	for (size_t i = 0; i < x->n_bounces; i++) {
		free(x->bounces[i].original_message_id);
		bounce_free(&x->bounces[i].b);
	}
	free(x->bounces);
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

static json_t *
bounces_json(const struct extracted *x)
{
	json_t *a = json_array();

	for (size_t i = 0; i < x->n_bounces; i++) {
		const struct ext_bounce *eb = &x->bounces[i];
		json_t *r = json_array();

		for (size_t k = 0; k < eb->b.n_rcpts; k++) {
			const struct bounce_rcpt *br = &eb->b.rcpts[k];

			json_array_append_new(r, json_pack("{s:s,s:s?,s:s,s:s?}", "address",
							   br->address, "status", br->status,
							   "action", bounce_action_name(br->action),
							   "diagnostic", br->diagnostic));
		}
		json_array_append_new(a,
				      json_pack("{s:s,s:s?,s:s?,s:o}", "source",
						ext_bounce_source_name(eb->source), "reporting_mta",
						eb->b.reporting_mta, "original_message_id",
						eb->original_message_id, "recipients", r));
	}
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
	j = json_pack("{s:o,s:o,s:o,s:o}", "message_ids", ids, "originals", origs, "recipients",
		      str_array(x->recipients, x->n_recipients), "bounces", bounces_json(x));
	return j;
}
