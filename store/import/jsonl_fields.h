/*
 * jsonl_fields.h - the fields of one JSON Lines record (import_jsonl.c),
 * read without building a tree for it.
 *
 * A record is a JSON object whose values the importer reads are strings,
 * integers, null and arrays of strings.  jf_read() reads such a line in
 * one pass, strings decoded into the reader's own buffer, and gives up on
 * any line it cannot be sure to read exactly as jansson would (another
 * kind of value, a nested object, a duplicate key, a number that is not a
 * plain integer, a byte outside printable ASCII in a string, a \u escape
 * of a surrogate, any syntax error).  The caller then parses that line
 * with jansson and hands the tree to jf_take_tree(), so the checks above
 * see the same fields and word their refusals the same whichever way the
 * line was read; jansson still words every syntax error.
 *
 * SECURITY: the line is hostile.  The reader only reads inside
 * [line, line + len); its buffers grow to the longest line read (the line
 * reader's cap bounds it), to JF_MAX_FIELDS fields and JF_MAX_ELEMENTS
 * array elements a line; a line with more goes to jansson.
 */
#ifndef STORE_IMPORT_JSONL_FIELDS_H
#define STORE_IMPORT_JSONL_FIELDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JF_MAX_FIELDS 64
#define JF_MAX_ELEMENTS 10000

enum jf_type {
	JF_STRING = 1,
	JF_INTEGER = 2,
	JF_NULL = 3,
	JF_ARRAY = 4,
	JF_OTHER = 5, /* true, false, a real number, an object */
};

/* One field, as jf_get() gives it: every pointer is borrowed from the
 * reader and valid until its next jf_read() or jf_take_tree(). */
struct jf_field {
	enum jf_type type;
	const char *str; /* JF_STRING: NUL-terminated, len bytes (a \u0000 inside counts) */
	size_t len;
	int64_t num; /* JF_INTEGER */
	size_t n;    /* JF_ARRAY: how many elements; read them with jf_element() */
	size_t first;
	json_t *array;
};

struct jf_str {
	const char *s;
	size_t len;
};

struct jf_key {
	const char *key;
	struct jf_field f;
};

/* Zero-initialise, then use for any number of lines; jf_free at the end. */
struct jf_reader {
	char *buf; /* owned: the keys and strings of the line, decoded */
	size_t buf_cap;
	struct jf_key fields[JF_MAX_FIELDS];
	size_t n_fields;
	struct jf_str *elements; /* owned: the arrays' strings, JF_MAX_ELEMENTS at most */
	size_t n_elements;
	json_t *tree; /* owned: the object of a line jansson read, or NULL */
};

/* Reads `line` (len bytes): 1 when it is an object of plain fields, read;
 * 0 when jansson must read it (nothing of it is kept). */
int jf_read(struct jf_reader *r, const char *line, size_t len);
/* The fields are those of `tree`, a JSON object; the reader takes the
 * reference (json_decref at the next line or jf_free). */
void jf_take_tree(struct jf_reader *r, json_t *tree);
/* 1 with *f_r set when the line has `key`, 0 when not. */
int jf_get(const struct jf_reader *r, const char *key, struct jf_field *f_r);
/* Element i (< f->n) of a JF_ARRAY: 1 with *s_r (NUL-terminated) and
 * *len_r when it is a string, 0 when it is anything else. */
int jf_element(const struct jf_reader *r, const struct jf_field *f, size_t i, const char **s_r,
	       size_t *len_r);
void jf_free(struct jf_reader *r);

#endif
