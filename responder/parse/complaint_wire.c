/*
 * complaint_wire.c - struct complaint as the parser child sends it to the
 * parent (sandbox.c): a flat binary form, written and read without a JSON
 * tree.  The fields in the order of struct complaint (complaint.h);
 *   string  0x00 (NULL), or 0x01, a 32-bit length (little-endian), bytes
 *   integer 64 bits, little-endian, two's complement
 *   flag    0x00 or 0x01
 *   list    a 32-bit count, then its items
 *   date    a flag (has a date), then an integer
 *   address two strings (name, address)
 * It starts with WIRE_MAGIC; a reader refuses anything that does not end
 * exactly after the last field.
 *
 * SECURITY: complaint_decode() reads what a possibly compromised child
 * wrote.  Every read is bounds-checked, every string cleaned and capped
 * again (cpl_clean, the same caps as complaint_from_json()), every list
 * cut at its cap (the items past it read and dropped), a count larger than
 * the bytes left refused before anything is allocated for it.
 * tests/fuzz/fuzz_sandbox_json.c feeds it arbitrary bytes.
 */
#include "responder/parse/complaint.h"
#include "responder/parse/complaint_int.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <string.h>

#define WIRE_MAGIC "CPW1"

/* ---- freeing ------------------------------------------------------------- */

/* Here rather than in complaint.c: the parent decodes and frees
 * complaints but never parses one, and so links neither the MIME parser
 * nor libxml2 (docs/performance.md, eighth round). */

static void
addr_free(struct cpl_address *a)
{
	free(a->name);
	free(a->address);
}

static void
addrs_free(struct cpl_addresses *l)
{
	for (size_t i = 0; i < l->n; i++)
		addr_free(&l->v[i]);
	free(l->v);
}

static void
strings_free(struct cpl_strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void
complaint_free(struct complaint *c)
{
	if (!c)
		return;
	addr_free(&c->from);
	addr_free(&c->reply_to);
	addr_free(&c->sender);
	addrs_free(&c->to);
	addrs_free(&c->cc);
	free(c->subject);
	free(c->message_id);
	strings_free(&c->in_reply_to);
	strings_free(&c->references);
	free(c->return_path);
	free(c->auto_submitted);
	free(c->precedence);
	free(c->x_auto_response_suppress);
	free(c->x_autoreply);
	free(c->content_language);
	strings_free(&c->x_loop);
	strings_free(&c->list_headers);
	strings_free(&c->auth_results);
	strings_free(&c->robot_headers);
	free(c->content_type);
	free(c->text);
	for (size_t i = 0; i < c->n_originals; i++) {
		struct cpl_original *o = &c->originals[i];

		free(o->message_id);
		addr_free(&o->from);
		addrs_free(&o->to);
		addrs_free(&o->cc);
		free(o->subject);
		free(o->text);
		free(o->dsn);
		free(o->failed_rcpts);
	}
	free(c->originals);
	strings_free(&c->notes);
	memset(c, 0, sizeof(*c));
}


/* ---- writing ------------------------------------------------------------- */

struct wr {
	struct buf *b;
	int bad; /* the buffer's cap was reached */
};

static void
put(struct wr *w, const void *p, size_t n)
{
	if (!w->bad && buf_append(w->b, p, n) != 0)
		w->bad = 1;
}

static void
put_u32(struct wr *w, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	put(w, x, sizeof(x));
}

static void
put_i64(struct wr *w, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(u >> (8 * i));
	put(w, x, sizeof(x));
}

static void
put_flag(struct wr *w, int v)
{
	unsigned char x = v ? 1 : 0;

	put(w, &x, 1);
}

static void
put_str(struct wr *w, const char *s)
{
	size_t n;

	put_flag(w, s != NULL);
	if (!s)
		return;
	n = strlen(s);
	if (n > UINT32_MAX) {
		w->bad = 1; /* never: strings are capped far below (complaint.h) */
		return;
	}
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void
put_addr(struct wr *w, const struct cpl_address *a)
{
	put_str(w, a->name);
	put_str(w, a->address);
}

static void
put_addrs(struct wr *w, const struct cpl_addresses *l)
{
	put_u32(w, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++)
		put_addr(w, &l->v[i]);
}

static void
put_strings(struct wr *w, const struct cpl_strings *l)
{
	put_u32(w, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++)
		put_str(w, l->v[i]);
}

static void
put_date(struct wr *w, int has, int64_t t)
{
	put_flag(w, has);
	put_i64(w, has ? t : 0);
}

int
complaint_encode(const struct complaint *c, struct buf *b)
{
	struct wr w = { b, 0 };
	size_t start = b->len;

	put(&w, WIRE_MAGIC, 4);
	put_addr(&w, &c->from);
	put_i64(&w, (int64_t)c->n_from);
	put_addr(&w, &c->reply_to);
	put_addr(&w, &c->sender);
	put_addrs(&w, &c->to);
	put_addrs(&w, &c->cc);
	put_str(&w, c->subject);
	put_date(&w, c->has_date, c->date);
	put_str(&w, c->message_id);
	put_strings(&w, &c->in_reply_to);
	put_strings(&w, &c->references);
	put_str(&w, c->return_path);
	put_str(&w, c->auto_submitted);
	put_str(&w, c->precedence);
	put_str(&w, c->x_auto_response_suppress);
	put_str(&w, c->x_autoreply);
	put_str(&w, c->content_language);
	put_strings(&w, &c->x_loop);
	put_strings(&w, &c->list_headers);
	put_strings(&w, &c->auth_results);
	put_strings(&w, &c->robot_headers);
	put_str(&w, c->content_type);
	put_flag(&w, c->is_report);
	put_str(&w, c->text);
	put_flag(&w, c->text_from_html);
	put_u32(&w, (uint32_t)c->n_originals);
	for (size_t i = 0; i < c->n_originals; i++) {
		const struct cpl_original *o = &c->originals[i];

		put_i64(&w, o->depth);
		put_str(&w, o->message_id);
		put_addr(&w, &o->from);
		put_addrs(&w, &o->to);
		put_addrs(&w, &o->cc);
		put_str(&w, o->subject);
		put_date(&w, o->has_date, o->date);
		put_flag(&w, o->headers_only);
		put_flag(&w, o->is_report);
		put_str(&w, o->text);
		put_str(&w, o->dsn);
		put_str(&w, o->failed_rcpts);
	}
	put_strings(&w, &c->notes);
	if (w.bad) {
		b->len = start; /* nothing half written */
		if (b->data)
			b->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

struct rd {
	const unsigned char *p;
	size_t n;
	int bad; /* set at the first read past the end or wrong byte */
};

static const unsigned char *
take(struct rd *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || n > r->n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->n -= n;
	return p;
}

static uint32_t
get_u32(struct rd *r)
{
	const unsigned char *x = take(r, 4);

	return x ? (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 |
		       (uint32_t)x[3] << 24 :
		   0;
}

static int64_t
get_i64(struct rd *r)
{
	const unsigned char *x = take(r, 8);
	uint64_t u = 0;

	if (!x)
		return 0;
	for (int i = 7; i >= 0; i--)
		u = u << 8 | x[i];
	return (int64_t)u;
}

static int
get_flag(struct rd *r)
{
	const unsigned char *x = take(r, 1);

	if (x && *x > 1)
		r->bad = 1;
	return x && *x == 1;
}

/* The next string, cleaned and capped (NULL for a NULL one or when
 * `keep` is 0: read and dropped). */
static char *
get_str(struct rd *r, size_t cap, int keep_newlines, int keep)
{
	const unsigned char *s;
	uint32_t n;

	if (!get_flag(r))
		return NULL;
	n = get_u32(r);
	s = take(r, n);
	if (!s || !keep)
		return NULL;
	return cpl_clean((const char *)s, n, cap, keep_newlines);
}

/* A list's count: refused (0, bad) when its items, at least `min` bytes
 * each, cannot fit in what is left. */
static uint32_t
get_count(struct rd *r, size_t min)
{
	uint32_t n = get_u32(r);

	if (r->bad || (size_t)n > r->n / min) {
		r->bad = 1;
		return 0;
	}
	return n;
}

static void
get_addr(struct rd *r, struct cpl_address *a, int keep)
{
	a->name = get_str(r, CPL_MAX_FIELD, 0, keep);
	a->address = get_str(r, 512, 0, keep);
}

/* keep 0: read and dropped (a list past its cap). */
static void
get_addrs(struct rd *r, struct cpl_addresses *l, int keep_any)
{
	uint32_t n = get_count(r, 2);
	size_t keep = !keep_any ? 0 : n > CPL_MAX_LIST ? CPL_MAX_LIST : n;

	if (keep)
		l->v = xcalloc(keep, sizeof(*l->v));
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct cpl_address dropped;

		get_addr(r, i < keep ? &l->v[l->n++] : &dropped, i < keep);
	}
}

static void
get_strings(struct rd *r, struct cpl_strings *l, size_t cap)
{
	uint32_t n = get_count(r, 1);

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		char *s = get_str(r, cap, 0, i < CPL_MAX_LIST);

		if (!s)
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
		l->v[l->n++] = s;
	}
}

static int
get_date(struct rd *r, int64_t *t_r)
{
	int has = get_flag(r);
	int64_t t = get_i64(r);

	if (has)
		*t_r = t;
	return has;
}

static void
get_original(struct rd *r, struct cpl_original *o, int keep)
{
	int64_t date = 0;

	o->depth = (int)get_i64(r);
	o->message_id = get_str(r, 1000, 0, keep);
	get_addr(r, &o->from, keep);
	get_addrs(r, &o->to, keep);
	get_addrs(r, &o->cc, keep);
	o->subject = get_str(r, CPL_MAX_FIELD, 0, keep);
	o->has_date = get_date(r, &date);
	o->date = date;
	o->headers_only = get_flag(r);
	o->is_report = get_flag(r);
	o->text = get_str(r, CPL_MAX_NOTICE, 1, keep);
	o->dsn = get_str(r, CPL_MAX_DSN, 1, keep);
	o->failed_rcpts = get_str(r, 1024, 0, keep);
}

int
complaint_decode(const void *data, size_t len, struct complaint *c)
{
	struct rd r = { data, len, 0 };
	const unsigned char *magic;
	int64_t date = 0;
	uint32_t n;

	memset(c, 0, sizeof(*c));
	magic = take(&r, 4);
	if (!magic || memcmp(magic, WIRE_MAGIC, 4) != 0)
		return -1;
	get_addr(&r, &c->from, 1);
	c->n_from = (size_t)get_i64(&r);
	get_addr(&r, &c->reply_to, 1);
	get_addr(&r, &c->sender, 1);
	get_addrs(&r, &c->to, 1);
	get_addrs(&r, &c->cc, 1);
	c->subject = get_str(&r, CPL_MAX_FIELD, 0, 1);
	c->has_date = get_date(&r, &date);
	c->date = date;
	c->message_id = get_str(&r, 1000, 0, 1);
	get_strings(&r, &c->in_reply_to, 1000);
	get_strings(&r, &c->references, 1000);
	c->return_path = get_str(&r, 512, 0, 1);
	c->auto_submitted = get_str(&r, 256, 0, 1);
	c->precedence = get_str(&r, 256, 0, 1);
	c->x_auto_response_suppress = get_str(&r, 256, 0, 1);
	c->x_autoreply = get_str(&r, 256, 0, 1);
	c->content_language = get_str(&r, 256, 0, 1);
	get_strings(&r, &c->x_loop, 512);
	get_strings(&r, &c->list_headers, 128);
	get_strings(&r, &c->auth_results, CPL_MAX_FIELD);
	get_strings(&r, &c->robot_headers, 200);
	c->content_type = get_str(&r, 160, 0, 1);
	c->is_report = get_flag(&r);
	c->text = get_str(&r, CPL_MAX_TEXT, 1, 1);
	c->text_from_html = get_flag(&r);
	n = get_count(&r, 34); /* an original is at least 34 bytes */
	if (n)
		c->originals =
		    xcalloc(n > CPL_MAX_ORIGINALS ? CPL_MAX_ORIGINALS : n, sizeof(*c->originals));
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		if (i < CPL_MAX_ORIGINALS) {
			get_original(&r, &c->originals[c->n_originals++], 1);
		} else {
			struct cpl_original dropped;

			memset(&dropped, 0, sizeof(dropped));
			get_original(&r, &dropped, 0);
		}
	}
	get_strings(&r, &c->notes, 200);
	if (r.bad || r.n != 0) {
		complaint_free(c);
		return -1;
	}
	return 0;
}
