/*
 * store.c - opening the store (the backend chosen by the target: a
 * postgresql:// or postgres:// URL is PostgreSQL, anything else a SQLite
 * path, "sqlite:" prefix allowed), migrating it through its driver,
 * closing it, transactions and counts.
 */
#include "store/store_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

int
store_target_is_pg(const char *target)
{
	return target != NULL && (strncmp(target, "postgresql://", 13) == 0 ||
				  strncmp(target, "postgres://", 11) == 0);
}

struct store *
store_open_opts(const char *target, const struct store_options *o, int oflags, int *reason_r,
		char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int readonly = (oflags & STORE_OPEN_READONLY) != 0;
	int reason = STORE_EDB;

	if (store_target_is_pg(target)) {
		st->drv = &store_driver_pg;
	} else {
		st->drv = &store_driver_sqlite;
		if (strncmp(target, "sqlite:", 7) == 0)
			target += 7;
	}
	str_copy(st->path, target, sizeof(st->path));
	if (o != NULL && o->node_name != NULL)
		str_copy(st->node, o->node_name, sizeof(st->node));
	st->lease_seconds = o != NULL && o->lease_seconds > 0 ? o->lease_seconds : 60;
	if ((reason = st->drv->open(st, target, o, readonly)) < 0) {
		/* The driver's message names the store already. */
		snprintf(err, errlen, "%s", st->err);
		goto fail;
	}
	if ((reason = st->drv->migrate(st, readonly)) < 0) {
		snprintf(err, errlen, "store %s: %s", store_display_name(st), st->err);
		goto fail;
	}
	return st;
fail:
	if (reason_r != NULL)
		*reason_r = reason;
	store_close(&st);
	return NULL;
}

struct store *
store_open_flags(const char *path, int oflags, int *reason_r, char *err, size_t errlen)
{
	return store_open_opts(path, NULL, oflags, reason_r, err, errlen);
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_opts(path, NULL, 0, NULL, err, errlen);
}

struct store *
store_open_readonly(const char *path, char *err, size_t errlen)
{
	return store_open_opts(path, NULL, STORE_OPEN_READONLY, NULL, err, errlen);
}

void
store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	if (st->bulk != NULL) /* closed inside a bulk transaction: SQLite rolls it back */
		st->drv->bulk_drop(st);
	bulk_cache_free(&st->cache);
	store_finalize_statements(st);
	st->drv->close(st);
	free(st->claimed_key);
	free(st);
	*stp = NULL;
}

const char *
store_backend(const struct store *st)
{
	return st->drv->name;
}

const char *
store_node(const struct store *st)
{
	return st->node;
}

const char *
store_display_name(const struct store *st)
{
	return st->path;
}

int
store_schema_version(struct store *st)
{
	return st->drv->schema_version(st);
}

int
store_begin(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "transaction already open");
	/* SQLite: take the write lock now, so a reader that turns writer
	 * cannot deadlock; PostgreSQL locks rows as it goes. */
	if (store_exec(st, store_is_pg(st) ? "BEGIN" : "BEGIN IMMEDIATE") < 0)
		return STORE_EDB;
	st->in_tx = 1;
	return STORE_OK;
}

int
store_begin_bulk(struct store *st)
{
	int r;

	if ((r = store_begin(st)) < 0 || st->drv->bulk_begin == NULL)
		return r;
	if ((r = st->drv->bulk_begin(st)) < 0) {
		store_rollback(st);
		return r;
	}
	if (st->cache == NULL)
		st->cache = bulk_cache_new();
	st->bulk_cache = st->cache;
	return STORE_OK;
}

int
store_defer_indexes(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_defer_indexes inside a transaction");
	return st->drv->defer_indexes != NULL ? st->drv->defer_indexes(st) : 0;
}

int
store_build_indexes(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_build_indexes inside a transaction");
	return st->drv->build_indexes != NULL ? st->drv->build_indexes(st) : STORE_OK;
}

int
store_finish_load(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_finish_load inside a transaction");
	return st->drv->finish_load != NULL ? st->drv->finish_load(st) : STORE_OK;
}

int
store_merge_search(struct store *st, int ms)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_merge_search inside a transaction");
	return st->drv->merge_search != NULL ? st->drv->merge_search(st, ms) : 0;
}

int
store_bulk_added(struct store *st, int64_t id)
{
	if (st->bulk == NULL)
		return STORE_OK;
	return st->drv->bulk_added(st, id);
}

int
store_bulk_settle(struct store *st, int64_t id)
{
	if (st->bulk == NULL)
		return STORE_OK;
	return st->drv->bulk_settle(st, id);
}

/* BEGIN or ROLLBACK: on SQLite stepped from the statement cache, prepared
 * once instead of parsed at every call (a dry run begins and ends a read
 * transaction per complaint: a fortieth of its time); on PostgreSQL, or
 * when it cannot be prepared, sent as it is. */
static int
tx_exec(struct store *st, const char *sql)
{
	struct store_stmt *s;

	if (store_is_pg(st) || (s = store_stmt(st, sql)) == NULL)
		return store_exec(st, sql);
	return store_step_done(st, s, sql);
}

int
store_begin_read(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "transaction already open");
	if (tx_exec(st, "BEGIN") < 0)
		return STORE_EDB;
	st->in_tx = 1;
	return STORE_OK;
}

int
store_commit(struct store *st)
{
	if (!st->in_tx)
		return STORE_OK;
	store_reset_statements(st);
	if (st->bulk != NULL && st->drv->bulk_end(st) < 0)
		return STORE_EDB;
	if (store_exec(st, "COMMIT") < 0)
		return STORE_EDB;
	st->in_tx = 0;
	bulk_cache_clear(st->bulk_cache);
	st->bulk_cache = NULL;
	return STORE_OK;
}

int
store_retryable(const struct store *st)
{
	return strcmp(st->sqlstate, "40P01") == 0 || strcmp(st->sqlstate, "40001") == 0;
}

int
store_rollback(struct store *st)
{
	if (!st->in_tx)
		return STORE_OK;
	st->in_tx = 0;
	/* A statement that failed mid-way still holds its locks until reset. */
	store_reset_statements(st);
	if (st->bulk != NULL)
		st->drv->bulk_drop(st);
	bulk_cache_clear(st->bulk_cache);
	st->bulk_cache = NULL;
	return tx_exec(st, "ROLLBACK");
}

int
store_savepoint(struct store *st)
{
	return store_exec(st, "SAVEPOINT one");
}

int
store_savepoint_release(struct store *st)
{
	return store_exec(st, "RELEASE one");
}

int
store_savepoint_rollback(struct store *st)
{
	store_reset_statements(st);
	if (store_exec(st, "ROLLBACK TO one") < 0)
		return STORE_EDB;
	return store_exec(st, "RELEASE one");
}

int
store_sync(struct store *st)
{
	int rc;

	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_sync inside a transaction");
	if (st->drv->sync == NULL)
		return STORE_OK; /* every commit is durable already */
	st->syncs++;
	if ((rc = st->drv->sync(st)) < 0)
		return rc;
	log_debug("store: commits made durable (fsync of %s-wal)", st->path);
	return STORE_OK;
}

long
store_sync_count(const struct store *st)
{
	return st->syncs;
}

int
store_set_cache_mb(struct store *st, int mb)
{
	return st->drv->set_cache_mb(st, mb);
}

int
store_count(struct store *st, const char *what, int64_t *n_r)
{
	/* clang-format off */
	static const struct { const char *table, *sql; } counts[] = {
		{ "accounts",		"SELECT count(*) FROM accounts" },
		{ "account_addresses",	"SELECT count(*) FROM account_addresses" },
		{ "messages",		"SELECT count(*) FROM messages" },
		{ "recipients",		"SELECT count(*) FROM recipients" },
		{ "attempts",		"SELECT count(*) FROM attempts" },
		{ "requests",		"SELECT count(*) FROM requests" },
		{ "outbox",		"SELECT count(*) FROM outbox" },
	};
	/* clang-format on */
	struct store_stmt *s;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(what, counts[i].table) != 0)
			continue;
		if ((s = store_stmt(st, counts[i].sql)) == NULL)
			return STORE_EDB;
		return store_step_int64(st, s, n_r, "counting");
	}
	return store_fail(st, STORE_EINVAL, "cannot count '%s'", what);
}
