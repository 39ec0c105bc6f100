/*
 * sqlite_int.h - what the SQLite driver's files share.
 */
#ifndef STORE_SQLITE_SQLITE_INT_H
#define STORE_SQLITE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store_int.h"

#define lite_db(st) ((sqlite3 *)(st)->conn)

/* sqlite_db.c: after a failure of the database itself, rewrites st->err
 * as "what is wrong: what to do" for the faults an admin can fix (not an
 * SQLite file, damaged or truncated, a WAL of another store, read-only,
 * disk or inode table full) and returns STORE_EDATA, STORE_EPERM or
 * STORE_EFULL; anything else is STORE_EDB with st->err left alone. */
int lite_classify(struct store *st);

/* sqlite_schema.c */
int lite_migrate(struct store *st, int readonly);
int lite_schema_version(struct store *st);

/* sqlite_bulk.c: the driver's bulk_* calls (store_int.h). */
int lite_bulk_begin(struct store *st);
int lite_bulk_settle(struct store *st, int64_t id);
int lite_bulk_added(struct store *st, int64_t id);
int lite_bulk_end(struct store *st);
void lite_bulk_drop(struct store *st);
/* The driver's defer_indexes and build_indexes; lite_build_deferred_indexes
 * builds what a load that died left to build (at an open for writing). */
int lite_defer_indexes(struct store *st);
int lite_build_indexes(struct store *st);
int lite_finish_load(struct store *st);
int lite_merge_search(struct store *st, int ms);
int lite_build_deferred_indexes(struct store *st);

#endif
