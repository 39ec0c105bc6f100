/*
 * pg_db.c - the PostgreSQL driver of the store (store_int.h), over libpq.
 *
 * A store statement is written once with numbered parameters ?1..?N; here
 * the text is rewritten to $1..$N and prepared on the server under a name
 * of its own the first time it runs.  Parameters go as text (integers in
 * decimal, typed int8 so the server need not guess) or binary (bytea);
 * results come back as text, bytea columns decoded on demand.
 *
 * SECURITY: text from senders and log files may be invalid UTF-8, which
 * PostgreSQL refuses: pg_bind_text() replaces the bad bytes (U+FFFD).
 *
 * The connection: the URL as libpq reads it, the password from
 * [store] password_file, and TLS with sslmode=verify-full against
 * [store] ca_file.  A host that is not loopback without a CA file still
 * gets verify-full (libpq's default root.crt), never a plain connection.
 * A connection lost between transactions (a server restart) is opened
 * again once, and every statement is prepared again on the new one, and
 * the session's functions (pg_records.c) are made again.
 *
 * SECURITY: the URL may carry a password; store_display_name() and every
 * message show it without.
 */
#include "store/pg/pg_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT8OID 20
#define BYTEAOID 17
#define TEXTOID 25

struct pg_stmt {
	struct store_stmt base; /* first: a struct store_stmt * is one of these */
	char name[32];		/* server-side name; "" until prepared */
	char *text;		/* the SQL with $N parameters */
	int nparams;
	char **vals;   /* owned copies; NULL = SQL NULL */
	int *lens;     /* binary lengths */
	int *fmts;     /* 0 text, 1 binary */
	Oid *types;    /* fixed at prepare from the first binding */
	PGresult *res; /* after the first step */
	int row, nrows;
	unsigned char **blobs; /* decoded bytea of the current row, per column */
	size_t *blob_lens;
	int ncols;
};

#define PS(p) ((struct pg_stmt *)(void *)(p))

/* Copies the first line of libpq's message into st->err. */
static int
pg_fail(struct store *st, const char *msg)
{
	char *nl;

	st->sqlstate[0] = '\0';
	snprintf(st->err, sizeof(st->err), "%s", msg != NULL && *msg ? msg : "PostgreSQL error");
	if ((nl = strchr(st->err, '\n')) != NULL)
		*nl = '\0';
	str_sanitize_line(st->err);
	return STORE_EDB;
}

/* pg_fail() for a failed result, keeping its SQLSTATE (store_retryable). */
static int
pg_fail_res(struct store *st, const PGresult *res, const char *fallback)
{
	const char *m = PQresultErrorMessage(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	pg_fail(st, m != NULL && *m ? m : fallback);
	if (state != NULL)
		snprintf(st->sqlstate, sizeof(st->sqlstate), "%s", state);
	return STORE_EDB;
}

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgresql: %.200s", msg);
}

/* The host of a postgresql:// URL is loopback (or a Unix socket). */
static int
url_host_is_local(const char *url)
{
	const char *p = strstr(url, "://"), *at, *end;
	char host[256];
	size_t n;

	if (p == NULL)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL)
		p = at + 1;
	if (*p == '[') { /* [::1]:5432 */
		n = strcspn(p + 1, "]");
		str_copy(host, p + 1, n + 1 < sizeof(host) ? n + 1 : sizeof(host));
	} else {
		n = strcspn(p, ":/?,");
		str_copy(host, p, n + 1 < sizeof(host) ? n + 1 : sizeof(host));
	}
	if (host[0] == '\0') /* no host: a Unix socket */
		return strstr(url, "host=") == NULL || strstr(url, "host=%2F") != NULL ||
		       strstr(url, "host=/") != NULL;
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "::1") == 0;
}

static int pg_exec(struct store *st, const char *sql);

static int
pg_open(struct store *st, const char *url, const struct store_options *o, int readonly)
{
	struct pg_conn *c = xcalloc(1, sizeof(*c));
	const char *keys[12], *vals[12];
	char password[512], shown[sizeof(st->path)];
	int n = 0, r;

	st->conn = c;
	store_display_name_of(url, shown, sizeof(shown));
	str_copy(st->path, shown, sizeof(st->path));
	c->readonly = readonly;
	c->lease_seconds = o != NULL && o->lease_seconds > 0 ? o->lease_seconds : 60;
	if (o != NULL && o->node_name != NULL && *o->node_name)
		str_copy(c->node, o->node_name, sizeof(c->node));
	str_copy(password, o != NULL && o->password != NULL ? o->password : "", sizeof(password));
	keys[n] = "dbname", vals[n++] = url;
	if (password[0] != '\0')
		keys[n] = "password", vals[n++] = password;
	if (o != NULL && o->ca_file != NULL && *o->ca_file) {
		keys[n] = "sslmode", vals[n++] = "verify-full";
		keys[n] = "sslrootcert", vals[n++] = o->ca_file;
	} else if (!url_host_is_local(url)) {
		keys[n] = "sslmode", vals[n++] = "verify-full";
	}
	keys[n] = "connect_timeout", vals[n++] = "10";
	keys[n] = "application_name", vals[n++] = "responder";
	keys[n] = NULL, vals[n] = NULL;
	/* Kept for a reconnect: the parameters as given (the password too,
	 * in memory only). */
	c->nkeys = n;
	for (int i = 0; i < n; i++) {
		c->keys[i] = xstrdup(keys[i]);
		c->vals[i] = xstrdup(vals[i]);
	}
	explicit_bzero(password, sizeof(password));
	c->pg = PQconnectdbParams((const char *const *)c->keys, (const char *const *)c->vals, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		char msg[sizeof(st->err)];

		snprintf(msg, sizeof(msg), "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
		pg_fail(st, msg);
		snprintf(msg, sizeof(msg), "%s", st->err);
		snprintf(st->err, sizeof(st->err), "cannot open store %.300s: %.180s", shown, msg);
		/* Nothing answered (down, refused, unreachable, starting up, or
		 * a certificate we refused): the server is unavailable, which
		 * a caller tells from a store that is missing or refuses us
		 * (asked again, as libpq keeps no error code of a failed
		 * connect, and its messages are translated). */
		if (c->pg != NULL) {
			PGPing ping = PQpingParams((const char *const *)c->keys,
						   (const char *const *)c->vals, 1);

			if (ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT)
				return STORE_EUNAVAIL;
		}
		return STORE_EDB;
	}
	PQsetNoticeProcessor(c->pg, pg_notice, NULL);
	if (pg_exec(st, "SET client_min_messages = warning; SET TIME ZONE 'UTC'") < 0)
		return STORE_EDB;
	if (readonly && pg_exec(st, "SET default_transaction_read_only = on") < 0)
		return STORE_EDB;
	if (!readonly && (r = pg_session_functions(st)) < 0)
		return r;
	return STORE_OK;
}

static void
pg_close(struct store *st)
{
	struct pg_conn *c = st->conn;

	if (c == NULL)
		return;
	if (c->pg != NULL)
		PQfinish(c->pg);
	for (int i = 0; i < c->nkeys; i++) {
		free(c->keys[i]);
		if (c->vals[i] != NULL)
			explicit_bzero(c->vals[i], strlen(c->vals[i]));
		free(c->vals[i]);
	}
	free(c);
	st->conn = NULL;
}

/* After a lost connection, outside a transaction: connects again and
 * forgets every prepared statement (the new session has none).  1 when
 * the connection is good again. */
static int
pg_reconnect(struct store *st)
{
	struct pg_conn *c = st->conn;

	if (st->in_tx || PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	log_warn("store %s: connection lost, connecting again", st->path);
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return 0;
	for (size_t i = 0; i < st->stmts_cap; i++)
		if (st->stmts[i].stmt != NULL)
			PS(st->stmts[i].stmt)->name[0] = '\0';
	PQclear(PQexec(c->pg, "SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
	if (c->readonly)
		PQclear(PQexec(c->pg, "SET default_transaction_read_only = on"));
	else if (pg_session_functions(st) < 0) /* the old session's went with it */
		log_warn("store %s: %s", st->path, st->err);
	return 1;
}

static int
pg_exec(struct store *st, const char *sql)
{
	struct pg_conn *c = st->conn;
	PGresult *res;
	ExecStatusType t;

	res = PQexec(c->pg, sql);
	t = PQresultStatus(res);

	if ((t == PGRES_FATAL_ERROR || res == NULL) && pg_reconnect(st)) {
		PQclear(res);
		res = PQexec(c->pg, sql);
		t = PQresultStatus(res);
	}
	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
		pg_fail_res(st, res, PQerrorMessage(c->pg));
		PQclear(res);
		return STORE_EDB;
	}
	c->changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return STORE_OK;
}

/* "?N" -> "$N" outside quotes; *nparams_r is the highest N. */
static char *
translate(const char *sql, int *nparams_r)
{
	size_t n = strlen(sql);
	char *out = xmalloc(n + 1), *o = out;
	char quote = 0;
	int max = 0;

	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?' && isdigit((unsigned char)p[1])) {
			int v = atoi(p + 1);

			if (v > max)
				max = v;
			*o++ = '$';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	*nparams_r = max;
	return out;
}

static struct store_stmt *
pg_prepare(struct store *st, const char *sql)
{
	struct pg_stmt *ps = xcalloc(1, sizeof(*ps));

	(void)st;
	ps->text = translate(sql, &ps->nparams);
	if (ps->nparams > 0) {
		ps->vals = xcalloc((size_t)ps->nparams, sizeof(*ps->vals));
		ps->lens = xcalloc((size_t)ps->nparams, sizeof(*ps->lens));
		ps->fmts = xcalloc((size_t)ps->nparams, sizeof(*ps->fmts));
		ps->types = xcalloc((size_t)ps->nparams, sizeof(*ps->types));
	}
	return &ps->base;
}

static void
clear_result(struct pg_stmt *ps)
{
	for (int i = 0; i < ps->ncols; i++)
		if (ps->blobs[i] != NULL)
			PQfreemem(ps->blobs[i]);
	free(ps->blobs);
	free(ps->blob_lens);
	ps->blobs = NULL;
	ps->blob_lens = NULL;
	ps->ncols = 0;
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = ps->nrows = 0;
}

static void
pg_reset(struct store_stmt *s)
{
	struct pg_stmt *ps = PS(s);

	clear_result(ps);
	for (int i = 0; i < ps->nparams; i++) {
		free(ps->vals[i]);
		ps->vals[i] = NULL;
		ps->lens[i] = 0;
		ps->fmts[i] = 0;
	}
}

static void
pg_finalize(struct store_stmt *s)
{
	struct pg_stmt *ps = PS(s);
	struct pg_conn *c = s->st->conn;
	char sql[64];

	pg_reset(s);
	if (ps->name[0] != '\0' && c != NULL && c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK &&
	    PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", ps->name);
		PQclear(PQexec(c->pg, sql));
	}
	free(ps->vals);
	free(ps->lens);
	free(ps->fmts);
	free(ps->types);
	free(ps->text);
	free(ps);
}

static int
pg_busy(struct store_stmt *s)
{
	return PS(s)->res != NULL && PS(s)->row < PS(s)->nrows;
}

static int
bind_one(struct store_stmt *s, int i, char *v, int len, int fmt, Oid type)
{
	struct pg_stmt *ps = PS(s);

	if (i < 1 || i > ps->nparams) {
		free(v);
		return STORE_EDB;
	}
	free(ps->vals[i - 1]);
	ps->vals[i - 1] = v;
	ps->lens[i - 1] = len;
	ps->fmts[i - 1] = fmt;
	if (ps->name[0] == '\0' && ps->types[i - 1] == 0)
		ps->types[i - 1] = type;
	return STORE_OK;
}

static int
pg_bind_int64(struct store_stmt *s, int i, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return bind_one(s, i, xstrdup(buf), 0, 0, INT8OID);
}

/* Text is typed text, even NULL, so "?2 IS NULL OR col = ?2" prepares
 * whatever the first call binds.  PostgreSQL's text is valid UTF-8 (a
 * log line or a complaint may not be): an invalid byte becomes U+FFFD,
 * where SQLite keeps the bytes as they came. */
static int
pg_bind_text(struct store_stmt *s, int i, const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (v == NULL)
		return bind_one(s, i, NULL, 0, 0, TEXTOID);
	return bind_one(s, i, utf8_valid(v, n, NULL) ? xstrdup(v) : utf8_make_valid(v, n, 0, NULL),
			0, 0, TEXTOID);
}

/* A NULL of no stated type: the server infers it from where it goes. */
static int
pg_bind_null(struct store_stmt *s, int i)
{
	return bind_one(s, i, NULL, 0, 0, 0);
}

static int
pg_bind_blob(struct store_stmt *s, int i, const void *p, size_t n)
{
	char *v = xmalloc(n + 1);

	if (n > 0x7fffffff) {
		free(v);
		return STORE_EDB;
	}
	memcpy(v, p, n);
	return bind_one(s, i, v, (int)n, 1, BYTEAOID);
}

static int
run(struct store *st, struct pg_stmt *ps, PGresult **res_r)
{
	struct pg_conn *c = st->conn;
	PGresult *res;

	if (ps->name[0] == '\0') {
		snprintf(ps->name, sizeof(ps->name), "rs%u", ++c->nprepared);
		res = PQprepare(c->pg, ps->name, ps->text, ps->nparams, ps->types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ps->name[0] = '\0';
			*res_r = res;
			return -1;
		}
		PQclear(res);
	}
	*res_r = PQexecPrepared(c->pg, ps->name, ps->nparams, (const char *const *)ps->vals,
				ps->lens, ps->fmts, 0);
	switch (PQresultStatus(*res_r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return 0;
	default:
		return -1;
	}
}

static int
pg_step(struct store_stmt *s)
{
	struct pg_stmt *ps = PS(s);
	struct store *st = s->st;
	struct pg_conn *c = st->conn;
	PGresult *res;

	if (ps->res == NULL) {
		if (run(st, ps, &res) < 0 && PQstatus(c->pg) != CONNECTION_OK && pg_reconnect(st)) {
			PQclear(res);
			(void)run(st, ps, &res);
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			pg_fail_res(st, res, PQerrorMessage(c->pg));
			PQclear(res);
			return STORE_EDB;
		}
		c->changes = strtoll(PQcmdTuples(res), NULL, 10);
		ps->res = res;
		ps->nrows = PQntuples(res);
		ps->ncols = PQnfields(res);
		ps->row = -1;
		if (ps->ncols > 0) {
			ps->blobs = xcalloc((size_t)ps->ncols, sizeof(*ps->blobs));
			ps->blob_lens = xcalloc((size_t)ps->ncols, sizeof(*ps->blob_lens));
		}
	}
	for (int i = 0; i < ps->ncols; i++)
		if (ps->blobs[i] != NULL) {
			PQfreemem(ps->blobs[i]);
			ps->blobs[i] = NULL;
		}
	if (ps->row < ps->nrows)
		ps->row++;
	return ps->row < ps->nrows ? STORE_ROW : STORE_DONE;
}

static int
valid_cell(struct pg_stmt *ps, int i)
{
	return ps->res != NULL && ps->row >= 0 && ps->row < ps->nrows && i >= 0 && i < ps->ncols;
}

static int
pg_col_null(struct store_stmt *s, int i)
{
	struct pg_stmt *ps = PS(s);

	return !valid_cell(ps, i) || PQgetisnull(ps->res, ps->row, i);
}

static int64_t
pg_col_int64(struct store_stmt *s, int i)
{
	struct pg_stmt *ps = PS(s);

	if (pg_col_null(s, i))
		return 0;
	return strtoll(PQgetvalue(ps->res, ps->row, i), NULL, 10);
}

/* The bytea cell decoded, kept until the next row. */
static const unsigned char *
blob_of(struct pg_stmt *ps, int i, size_t *len_r)
{
	if (ps->blobs[i] == NULL)
		ps->blobs[i] = PQunescapeBytea(
		    (const unsigned char *)PQgetvalue(ps->res, ps->row, i), &ps->blob_lens[i]);
	*len_r = ps->blobs[i] ? ps->blob_lens[i] : 0;
	return ps->blobs[i];
}

static const char *
pg_col_text(struct store_stmt *s, int i)
{
	struct pg_stmt *ps = PS(s);
	size_t n;

	if (pg_col_null(s, i))
		return NULL;
	if (PQftype(ps->res, i) == BYTEAOID)
		return (const char *)blob_of(ps, i, &n);
	return PQgetvalue(ps->res, ps->row, i);
}

static const void *
pg_col_blob(struct store_stmt *s, int i)
{
	struct pg_stmt *ps = PS(s);
	size_t n;

	if (pg_col_null(s, i))
		return NULL;
	if (PQftype(ps->res, i) == BYTEAOID)
		return blob_of(ps, i, &n);
	return PQgetvalue(ps->res, ps->row, i);
}

static size_t
pg_col_bytes(struct store_stmt *s, int i)
{
	struct pg_stmt *ps = PS(s);
	size_t n;

	if (pg_col_null(s, i))
		return 0;
	if (PQftype(ps->res, i) == BYTEAOID) {
		blob_of(ps, i, &n);
		return n;
	}
	return (size_t)PQgetlength(ps->res, ps->row, i);
}

/* The driver's copy_in (store_int.h): the rows for batch.c's staging
 * table (pg_stage.c). */
static int
pg_copy_in(struct store *st, const char *sql, const char *data, size_t len)
{
	struct pg_conn *c = st->conn;
	PGresult *res = PQexec(c->pg, sql);
	int failed = 0;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pg_fail_res(st, res, PQerrorMessage(c->pg));
		PQclear(res);
		return STORE_EDB;
	}
	PQclear(res);
	/* PQputCopyData takes an int: the rows go in pieces of 1 MiB */
	while (len > 0 && !failed) {
		size_t n = len < ((size_t)1 << 20) ? len : (size_t)1 << 20;

		if (PQputCopyData(c->pg, data, (int)n) != 1)
			failed = pg_fail(st, PQerrorMessage(c->pg));
		data += n;
		len -= n;
	}
	if (PQputCopyEnd(c->pg, failed ? "the client failed" : NULL) != 1 && !failed)
		failed = pg_fail(st, PQerrorMessage(c->pg));
	/* Every result is read, after a failure too: only then is the
	 * connection usable again. */
	while ((res = PQgetResult(c->pg)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed)
			failed = pg_fail_res(st, res, "COPY failed");
		PQclear(res);
	}
	return failed ? STORE_EDB : STORE_OK;
}

static int64_t
pg_changes(struct store *st)
{
	return ((struct pg_conn *)st->conn)->changes;
}

static int64_t
pg_last_id(struct store *st)
{
	struct pg_conn *c = st->conn;
	PGresult *res = PQexec(c->pg, "SELECT lastval()");
	int64_t v = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

/* store_finish_load: the subject index (GIN, one per month's partition)
 * keeps new entries in a pending list (up to gin_pending_list_limit, 4 MB)
 * that every search reads entry by entry until an insert past the limit,
 * VACUUM or this merges it.  Right after 10 M attempts the last month's
 * index had 269 pending pages: subject searches took p50 1.9 ms and p99
 * 17 ms, and 0.9 ms and 2-4 ms once merged (docs/scale.md).  Only indexes
 * this role may maintain (it owns them when it made the schema); autovacuum
 * merges the others. */
static int
pg_finish_load(struct store *st)
{
	return pg_exec(st, "SELECT gin_clean_pending_list(i.inhrelid::regclass)"
			   " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
			   " WHERE i.inhparent = 'messages_subject_words'::regclass"
			   " AND pg_has_role(c.relowner, 'USAGE')");
}

static int
pg_set_cache_mb(struct store *st, int mb)
{
	(void)st;
	(void)mb; /* the server's shared_buffers decide */
	return STORE_OK;
}

const struct store_driver store_driver_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.migrate = pg_migrate,
	.schema_version = pg_schema_version,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.busy = pg_busy,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_bytes = pg_col_bytes,
	.changes = pg_changes,
	.last_id = pg_last_id,
	.set_cache_mb = pg_set_cache_mb,
	.copy_in = pg_copy_in,
	.finish_load = pg_finish_load,
};
