/*
 * db.c - the helpers every store file uses (store_int.h): the error text,
 * running SQL, the cache of prepared statements, and the statement calls
 * (bind, step, read columns), which go to the backend's driver
 * (store/sqlite/, store/pg/), and the COPY rows of batched writes.  It
 * calls nothing else of the store but the driver, so every other file ->
 * db.c -> driver.
 */
#include "store/store_int.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
store_fail_db(struct store *st, const char *what)
{
	char msg[sizeof(st->err)];
	int n;

	/* The driver left its own message in st->err. */
	memcpy(msg, st->err, sizeof(msg));
	n = snprintf(st->err, sizeof(st->err), "%s: ", what);
	if (n > 0 && (size_t)n < sizeof(st->err))
		str_copy(st->err + n, msg[0] ? msg : "database error", sizeof(st->err) - (size_t)n);
	str_sanitize_line(st->err);
	return STORE_EDB;
}

int
store_fail(struct store *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	str_sanitize_line(st->err);
	return code;
}

const char *
store_errmsg(const struct store *st)
{
	return st->err;
}

const char *
store_display_name_of(const char *target, char *out, size_t outlen)
{
	const char *p = strstr(target, "://"), *at, *colon;

	str_copy(out, target, outlen);
	if (p == NULL)
		return out;
	p += 3;
	at = strchr(p, '@');
	colon = strchr(p, ':');
	if (at == NULL || colon == NULL || colon > at || (size_t)(colon - target) >= outlen)
		return out;
	snprintf(out + (colon - target), outlen - (size_t)(colon - target), "%s", at);
	return out;
}

int
store_is_pg(const struct store *st)
{
	return strcmp(st->drv->name, "postgresql") == 0;
}

int
store_exec(struct store *st, const char *sql)
{
	return st->drv->exec(st, sql);
}

void
store_exec_keep_error(struct store *st, const char *sql)
{
	char msg[sizeof(st->err)];

	memcpy(msg, st->err, sizeof(msg));
	(void)st->drv->exec(st, sql);
	memcpy(st->err, msg, sizeof(msg));
}

/* The statement cache is an open-addressed table (linear probing) keyed by
 * the address of the SQL text: every caller passes a string literal, so
 * one address is one text for the life of the process.  It starts at
 * STMT_CACHE_FIRST entries and doubles when three quarters full.  The store
 * has well under a hundred texts: a table that would grow past
 * STMT_CACHE_MAX entries means a caller passes SQL that is not a literal,
 * and that bug is a panic rather than a cache that grows without end. */
#define STMT_CACHE_FIRST 128
#define STMT_CACHE_MAX 4096

static size_t
stmt_hash(const char *sql, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & mask;
}

/* The entry of `sql`, or the free entry where it would go. */
static struct store_stmt_entry *
stmt_find(struct store_stmt_entry *v, size_t cap, const char *sql)
{
	size_t i = stmt_hash(sql, cap - 1);

	while (v[i].sql != NULL && v[i].sql != sql)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static void
stmt_grow(struct store *st)
{
	size_t cap = st->stmts_cap ? st->stmts_cap * 2 : STMT_CACHE_FIRST;
	struct store_stmt_entry *v;

	if (cap > STMT_CACHE_MAX)
		panic("store: more than %d distinct SQL texts in the statement cache: "
		      "a caller passes SQL that is not a string literal",
		      STMT_CACHE_MAX / 4 * 3);
	v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < st->stmts_cap; i++)
		if (st->stmts[i].sql != NULL)
			*stmt_find(v, cap, st->stmts[i].sql) = st->stmts[i];
	free(st->stmts);
	st->stmts = v;
	st->stmts_cap = cap;
}

struct store_stmt *
store_stmt(struct store *st, const char *sql)
{
	struct store_stmt_entry *e = NULL;
	struct store_stmt *s;

	if (st->stmts_cap > 0)
		e = stmt_find(st->stmts, st->stmts_cap, sql);
	if (e != NULL && e->sql != NULL) {
		s = e->stmt;
		/* The key is the address: a buffer reused for another text
		 * would silently run the old statement. */
		if (strcmp(s->sql, sql) != 0)
			panic("store: the SQL at %p changed since it was prepared: "
			      "store_stmt needs a string literal",
			      (const void *)sql);
	} else {
		if ((s = st->drv->prepare(st, sql)) == NULL) {
			store_fail_db(st, "preparing a statement");
			return NULL;
		}
		s->st = st;
		s->sql = xstrdup(sql);
		if ((st->nstmts + 1) * 4 > st->stmts_cap * 3)
			stmt_grow(st);
		e = stmt_find(st->stmts, st->stmts_cap, sql);
		e->sql = sql;
		e->stmt = s;
		st->nstmts++;
	}
	st->drv->reset(s);
	return s;
}

int
store_reset_statements(struct store *st)
{
	int busy = 0;

	/* A cached statement left on a row keeps a read snapshot open; while
	 * one is open no checkpoint can reset the WAL, which then grows for as
	 * long as the process writes.  Resetting one that is not busy is
	 * harmless. */
	for (size_t i = 0; i < st->stmts_cap; i++) {
		struct store_stmt *s = st->stmts[i].stmt;

		if (s == NULL)
			continue;
		if (st->drv->busy(s)) {
			log_debug("store: statement left stepping: %.120s", s->sql);
			busy++;
		}
		st->drv->reset(s);
	}
	return busy;
}

void
store_finalize_statements(struct store *st)
{
	for (size_t i = 0; i < st->stmts_cap; i++)
		if (st->stmts[i].stmt != NULL) {
			free(st->stmts[i].stmt->sql);
			st->drv->finalize(st->stmts[i].stmt);
		}
	free(st->stmts);
	st->stmts = NULL;
	st->stmts_cap = 0;
	st->nstmts = 0;
}

int
store_bind_int64(struct store_stmt *s, int i, int64_t v)
{
	return s->st->drv->bind_int64(s, i, v);
}

int
store_bind_text(struct store_stmt *s, int i, const char *v)
{
	return s->st->drv->bind_text(s, i, v);
}

int
store_bind_null(struct store_stmt *s, int i)
{
	return s->st->drv->bind_null(s, i);
}

int
store_bind_blob(struct store_stmt *s, int i, const void *p, size_t n)
{
	return s->st->drv->bind_blob(s, i, p, n);
}

int
store_step(struct store_stmt *s)
{
	return s->st->drv->step(s);
}

void
store_reset(struct store_stmt *s)
{
	s->st->drv->reset(s);
}

int
store_col_null(struct store_stmt *s, int i)
{
	return s->st->drv->col_null(s, i);
}

int64_t
store_col_int64(struct store_stmt *s, int i)
{
	return s->st->drv->col_int64(s, i);
}

int
store_col_int(struct store_stmt *s, int i)
{
	return (int)s->st->drv->col_int64(s, i);
}

const char *
store_col_text(struct store_stmt *s, int i)
{
	return s->st->drv->col_text(s, i);
}

const void *
store_col_blob(struct store_stmt *s, int i)
{
	return s->st->drv->col_blob(s, i);
}

size_t
store_col_bytes(struct store_stmt *s, int i)
{
	return s->st->drv->col_bytes(s, i);
}

char *
store_col_dup(struct store_stmt *s, int i)
{
	const char *t = store_col_text(s, i);

	return t ? xstrndup(t, store_col_bytes(s, i)) : NULL;
}

int64_t
store_changes(struct store *st)
{
	return st->drv->changes(st);
}

int64_t
store_last_id(struct store *st)
{
	return st->drv->last_id(st);
}

int
store_step_done(struct store *st, struct store_stmt *s, const char *what)
{
	int rc = store_step(s);

	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, what);
}

int
store_copy_in(struct store *st, const char *sql, const char *data, size_t len)
{
	if (st->drv->copy_in == NULL)
		return store_fail(st, STORE_EDB, "internal error: no COPY on %s", st->drv->name);
	return st->drv->copy_in(st, sql, data, len);
}

int
store_step_int64(struct store *st, struct store_stmt *s, int64_t *v_r, const char *what)
{
	int rc = store_step(s);

	if (rc == STORE_ROW && v_r != NULL)
		*v_r = store_col_int64(s, 0);
	/* A statement left on a row holds a read snapshot open (the SQLite
	 * WAL cannot be checkpointed past it): every reader resets when done. */
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, what);
}

/* ---- COPY text rows ------------------------------------------------------ */

int
store_copy_field(struct buf *rows, const char *v, int last)
{
	char *fixed = NULL;
	const char *p, *run;
	size_t n;
	int r = 0;

	if (v == NULL)
		return buf_append(rows, last ? "\\N\n" : "\\N\t", 3);
	n = strlen(v);
	if (!utf8_valid(v, n, NULL)) {
		fixed = utf8_make_valid(v, n, 0, &n);
		v = fixed;
	}
	/* Backslash, tab, newline and carriage return are escaped; every
	 * other byte goes as it is. */
	for (p = run = v; r == 0 && p < v + n; p++) {
		const char *esc = *p == '\\' ? "\\\\" :
				  *p == '\t' ? "\\t" :
				  *p == '\n' ? "\\n" :
				  *p == '\r' ? "\\r" :
					       NULL;

		if (esc == NULL)
			continue;
		if (buf_append(rows, run, (size_t)(p - run)) < 0 || buf_append(rows, esc, 2) < 0)
			r = -1;
		run = p + 1;
	}
	if (r == 0 && buf_append(rows, run, (size_t)(v + n - run)) < 0)
		r = -1;
	if (r == 0 && buf_putc(rows, last ? '\n' : '\t') < 0)
		r = -1;
	free(fixed);
	return r;
}

int
store_copy_int64(struct buf *rows, int64_t v, int last)
{
	return buf_printf(rows, "%" PRId64 "%c", v, last ? '\n' : '\t');
}
