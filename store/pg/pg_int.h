/*
 * pg_int.h - what the PostgreSQL driver's files share.
 */
#ifndef STORE_PG_PG_INT_H
#define STORE_PG_PG_INT_H

#include <libpq-fe.h>

#include "store/store_int.h"

/* st->conn of a PostgreSQL store. */
struct pg_conn {
	PGconn *pg;
	char *keys[12], *vals[12]; /* the connection parameters, for a reconnect */
	int nkeys;
	int readonly;
	unsigned nprepared; /* names the next prepared statement */
	int64_t changes;    /* rows of the last statement */
	char node[128];	    /* [store] node_name */
	int lease_seconds;
};

/* pg_schema.c */
int pg_migrate(struct store *st, int readonly);
int pg_schema_version(struct store *st);

/* pg_records.c: makes this session's record-writing functions
 * (pg_temp.responder_put_message, pg_temp.responder_put_attempt), at each
 * writable open and after a reconnect.  STORE_OK, STORE_EPERM (the role
 * may not make temporary objects), STORE_EDB; st->err names the store. */
int pg_session_functions(struct store *st);

/* pg_stage.c: the staging table and pg_temp.responder_merge(), made by
 * pg_session_functions (NULL-terminated statements). */
extern const char *const pg_stage_sql[];

#endif
