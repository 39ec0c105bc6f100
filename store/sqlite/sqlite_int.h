/*
 * sqlite_int.h - what the SQLite driver's two files share.
 */
#ifndef STORE_SQLITE_SQLITE_INT_H
#define STORE_SQLITE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store_int.h"

#define lite_db(st) ((sqlite3 *)(st)->conn)

/* sqlite_schema.c */
int lite_migrate(struct store *st, int readonly);
int lite_schema_version(struct store *st);

#endif
