/*
 * jsonl_fields.c - one JSON Lines record's fields without a tree
 * (jsonl_fields.h).
 *
 * jansson built a tree for every line, allocating each key and string,
 * and freed it again: a fifth of the JSONL import's CPU time
 * (docs/performance.md).  Here a line of plain fields is read in one pass
 * into buffers kept from line to line.  The reader is deliberately
 * narrow: what it reads, it reads as jansson does (RFC 8259 strings with
 * the escapes \" \\ \/ \b \f \n \r \t and \uXXXX outside the surrogates,
 * \u0000 kept as allowed by JSON_ALLOW_NUL; integers without a fraction
 * or exponent, at most 18 digits; white space as JSON defines it), and
 * everything else, syntax errors included, is left to jansson, which
 * words the error the importer reports.
 *
 * SECURITY: input is hostile: every read is bounded by the line's end;
 * the decoded text never outgrows the line (an escape is never shorter
 * than what it stands for), so the buffer sized to the line holds it.
 */
#include "store/import/jsonl_fields.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p, *end;
	char *out; /* where the next decoded byte goes (inside r->buf) */
};

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
hex4(const char *p, unsigned *v_r)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return 0;
	}
	*v_r = v;
	return 1;
}

/* A string at c->p (the opening quote), decoded to c->out and
 * NUL-terminated: 1, or 0 when jansson must read the line.  `key`: no
 * escapes at all (a key is compared as a C string). */
static int
read_string(struct cursor *c, int key, struct jf_str *s_r)
{
	char *start = c->out;

	c->p++; /* the opening quote */
	for (;;) {
		const char *run = c->p;
		unsigned char ch;
		unsigned cp;

		/* the plain bytes up to the next quote, backslash or other */
		while (c->p < c->end && (unsigned char)*c->p >= 0x20 &&
		       (unsigned char)*c->p < 0x80 && *c->p != '"' && *c->p != '\\')
			c->p++;
		memcpy(c->out, run, (size_t)(c->p - run));
		c->out += c->p - run;
		if (c->p >= c->end)
			return 0;
		ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			break;
		}
		if (ch != '\\' || key || c->end - c->p < 2)
			return 0; /* control or non-ASCII byte, an escape in a key */
		switch (c->p[1]) {
		case '"':
		case '\\':
		case '/':
			*c->out++ = c->p[1];
			break;
		case 'b':
			*c->out++ = '\b';
			break;
		case 'f':
			*c->out++ = '\f';
			break;
		case 'n':
			*c->out++ = '\n';
			break;
		case 'r':
			*c->out++ = '\r';
			break;
		case 't':
			*c->out++ = '\t';
			break;
		case 'u':
			if (c->end - c->p < 6 || !hex4(c->p + 2, &cp) ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			/* at most 3 bytes for the 6 of the escape */
			if (cp < 0x80) {
				*c->out++ = (char)cp;
			} else if (cp < 0x800) {
				*c->out++ = (char)(0xc0 | (cp >> 6));
				*c->out++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*c->out++ = (char)(0xe0 | (cp >> 12));
				*c->out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*c->out++ = (char)(0x80 | (cp & 0x3f));
			}
			c->p += 4;
			break;
		default:
			return 0;
		}
		c->p += 2;
	}
	/* the closing quote's byte at least is free for the terminator */
	*c->out++ = '\0';
	s_r->s = start;
	s_r->len = (size_t)(c->out - start - 1);
	return 1;
}

/* An integer as jansson reads one: -?(0|[1-9][0-9]*), no fraction or
 * exponent, at most 18 digits (never out of range: a 19th digit is left
 * unread, and the check after the loop hands the line to jansson; the
 * loop once read it, and 9223372036854775808 overflowed int64_t). */
static int
read_integer(struct cursor *c, int64_t *v_r)
{
	int neg = 0, digits = 0;
	int64_t v = 0;

	if (*c->p == '-') {
		neg = 1;
		c->p++;
	}
	if (c->p < c->end && *c->p == '0') {
		c->p++;
		digits = 1;
	} else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && digits < 18) {
			v = v * 10 + (*c->p - '0');
			c->p++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	if (c->p < c->end &&
	    ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return 0;
	*v_r = neg ? -v : v;
	return 1;
}

static int
literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int
read_array(struct jf_reader *r, struct cursor *c, struct jf_field *f)
{
	f->type = JF_ARRAY;
	f->first = r->n_elements;
	f->n = 0;
	c->p++; /* [ */
	skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 1;
	}
	for (;;) {
		if (c->p >= c->end || *c->p != '"' || r->n_elements >= JF_MAX_ELEMENTS)
			return 0;
		if (!read_string(c, 0, &r->elements[r->n_elements]))
			return 0;
		r->n_elements++;
		f->n++;
		skip_ws(c);
		if (c->p >= c->end)
			return 0;
		if (*c->p == ']') {
			c->p++;
			return 1;
		}
		if (*c->p != ',')
			return 0;
		c->p++;
		skip_ws(c);
	}
}

static int
read_value(struct jf_reader *r, struct cursor *c, struct jf_field *f)
{
	struct jf_str s;

	memset(f, 0, sizeof(*f));
	if (c->p >= c->end)
		return 0;
	switch (*c->p) {
	case '"':
		if (!read_string(c, 0, &s))
			return 0;
		f->type = JF_STRING;
		f->str = s.s;
		f->len = s.len;
		return 1;
	case '[':
		return read_array(r, c, f);
	case 'n':
		f->type = JF_NULL;
		return literal(c, "null");
	case 't':
		f->type = JF_OTHER;
		return literal(c, "true");
	case 'f':
		f->type = JF_OTHER;
		return literal(c, "false");
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) {
			f->type = JF_INTEGER;
			return read_integer(c, &f->num);
		}
		return 0; /* an object, or not JSON */
	}
}

static int
parse(struct jf_reader *r, struct cursor *c)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != '{')
		return 0;
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
	} else {
		for (;;) {
			struct jf_key *k;
			struct jf_str key;

			if (c->p >= c->end || *c->p != '"' || r->n_fields >= JF_MAX_FIELDS)
				return 0;
			if (!read_string(c, 1, &key))
				return 0;
			for (size_t i = 0; i < r->n_fields; i++)
				if (strcmp(r->fields[i].key, key.s) == 0)
					return 0; /* jansson refuses it, in its words */
			k = &r->fields[r->n_fields];
			k->key = key.s;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return 0;
			c->p++;
			skip_ws(c);
			if (!read_value(r, c, &k->f))
				return 0;
			r->n_fields++;
			skip_ws(c);
			if (c->p >= c->end)
				return 0;
			if (*c->p == '}') {
				c->p++;
				break;
			}
			if (*c->p != ',')
				return 0;
			c->p++;
			skip_ws(c);
		}
	}
	skip_ws(c);
	return c->p == c->end;
}

static void
forget(struct jf_reader *r)
{
	r->n_fields = 0;
	r->n_elements = 0;
	if (r->tree != NULL)
		json_decref(r->tree);
	r->tree = NULL;
}

int
jf_read(struct jf_reader *r, const char *line, size_t len)
{
	struct cursor c = { line, line + len, NULL };

	forget(r);
	if (len + 1 > r->buf_cap) {
		free(r->buf);
		r->buf_cap = len + 1 > 4096 ? len + 1 : 4096;
		r->buf = xmalloc(r->buf_cap);
	}
	if (r->elements == NULL)
		r->elements = xcalloc(JF_MAX_ELEMENTS, sizeof(*r->elements));
	c.out = r->buf;
	if (parse(r, &c))
		return 1;
	forget(r);
	return 0;
}

void
jf_take_tree(struct jf_reader *r, json_t *tree)
{
	forget(r);
	r->tree = tree;
}

int
jf_get(const struct jf_reader *r, const char *key, struct jf_field *f_r)
{
	json_t *v;

	if (r->tree == NULL) {
		for (size_t i = 0; i < r->n_fields; i++)
			if (strcmp(r->fields[i].key, key) == 0) {
				*f_r = r->fields[i].f;
				return 1;
			}
		return 0;
	}
	if ((v = json_object_get(r->tree, key)) == NULL)
		return 0;
	memset(f_r, 0, sizeof(*f_r));
	if (json_is_string(v)) {
		f_r->type = JF_STRING;
		f_r->str = json_string_value(v);
		f_r->len = json_string_length(v);
	} else if (json_is_integer(v)) {
		f_r->type = JF_INTEGER;
		f_r->num = json_integer_value(v);
	} else if (json_is_null(v)) {
		f_r->type = JF_NULL;
	} else if (json_is_array(v)) {
		f_r->type = JF_ARRAY;
		f_r->n = json_array_size(v);
		f_r->array = v;
	} else {
		f_r->type = JF_OTHER;
	}
	return 1;
}

int
jf_element(const struct jf_reader *r, const struct jf_field *f, size_t i, const char **s_r,
	   size_t *len_r)
{
	json_t *e;

	if (f->array == NULL) {
		*s_r = r->elements[f->first + i].s;
		*len_r = r->elements[f->first + i].len;
		return 1;
	}
	e = json_array_get(f->array, i);
	if (!json_is_string(e))
		return 0;
	*s_r = json_string_value(e);
	*len_r = json_string_length(e);
	return 1;
}

void
jf_free(struct jf_reader *r)
{
	forget(r);
	free(r->buf);
	free(r->elements);
	r->buf = NULL;
	r->elements = NULL;
	r->buf_cap = 0;
}
