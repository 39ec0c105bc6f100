/*
 * daemon_state.c - the daemon's state in the store apart from the outbox
 * (daemon_state.h): the IMAP position per folder and the in_progress rows
 * that count restarts and parser failures per complaint, so a complaint
 * that crashes the daemon every time is quarantined instead of looping.
 */
#include "store/daemon_state.h"
#include "store/store_int.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- IMAP position ------------------------------------------------------ */

int
store_imap_state_get(struct store *st, const char *folder, uint32_t *uidvalidity_r,
		     uint32_t *last_uid_r)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT uidvalidity, last_uid FROM imap_state WHERE folder = ?1");
	int rc, ret;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, folder);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*uidvalidity_r = (uint32_t)store_col_int64(s, 0);
		*last_uid_r = (uint32_t)store_col_int64(s, 1);
		ret = STORE_OK;
	} else {
		ret = rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading imap_state");
	}
	store_reset(s);
	return ret;
}

int
store_imap_state_set(struct store *st, const char *folder, uint32_t uidvalidity, uint32_t last_uid)
{
	struct store_stmt *s = store_stmt(
	    st, "INSERT INTO imap_state(folder, uidvalidity, last_uid) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(folder) DO UPDATE SET uidvalidity = ?2, last_uid = ?3");

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, folder);
	store_bind_int64(s, 2, uidvalidity);
	store_bind_int64(s, 3, last_uid);
	return store_step_done(st, s, "writing imap_state");
}

/* ---- in_progress ---------------------------------------------------------- */

int
store_in_progress_startup(struct store *st, int64_t *n_r)
{
	struct store_stmt *s = store_stmt(
	    st,
	    "DELETE FROM in_progress WHERE complaint_key IN (SELECT complaint_key FROM requests)");
	int r;

	/* Recorded complaints are not in progress, whatever a crash left. */
	if (s == NULL || store_step_done(st, s, "clearing in_progress") < 0)
		return STORE_EDB;
	/* A shared store: a complaint another live responder holds is not
	 * this node's restart. */
	s = store_stmt_for(
	    st, "UPDATE in_progress SET restarts = restarts + 1",
	    "UPDATE in_progress SET restarts = restarts + 1 WHERE complaint_key NOT IN"
	    " (SELECT complaint_key FROM claims WHERE node <> ?1"
	    "  AND expires_at > unixepoch())");
	if (s == NULL)
		return STORE_EDB;
	if (store_is_pg(st))
		store_bind_text(s, 1, st->node);
	r = store_step_done(st, s, "counting restarts");
	if (n_r != NULL)
		*n_r = r == STORE_OK ? store_changes(st) : 0;
	return r;
}

int
store_in_progress_begin(struct store *st, const char *key, const char *source, int64_t now,
			int *restarts_r, int *parse_failures_r)
{
	struct store_stmt *s =
	    store_stmt(st, "INSERT INTO in_progress(complaint_key, source, started_at)"
			   " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
	int r, rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, source);
	store_bind_int64(s, 3, now);
	if ((r = store_step_done(st, s, "marking a complaint in progress")) < 0)
		return r;
	s = store_stmt(st,
		       "SELECT restarts, parse_failures FROM in_progress WHERE complaint_key = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (restarts_r != NULL)
		*restarts_r = rc == STORE_ROW ? store_col_int(s, 0) : 0;
	if (parse_failures_r != NULL)
		*parse_failures_r = rc == STORE_ROW ? store_col_int(s, 1) : 0;
	store_reset(s);
	return rc == STORE_ROW ? STORE_OK : store_fail_db(st, "reading in_progress");
}

int
store_in_progress_parse_failed(struct store *st, const char *key, int *n_r)
{
	struct store_stmt *s = store_stmt(
	    st,
	    "UPDATE in_progress SET parse_failures = parse_failures + 1 WHERE complaint_key = ?1"
	    " RETURNING parse_failures");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (n_r != NULL)
		*n_r = rc == STORE_ROW ? store_col_int(s, 0) : 0;
	while (rc == STORE_ROW)
		rc = store_step(s);
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "counting a parser failure");
}

int
store_in_progress_end(struct store *st, const char *key)
{
	struct store_stmt *s = store_stmt(st, "DELETE FROM in_progress WHERE complaint_key = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	return store_step_done(st, s, "clearing in_progress");
}

int
store_in_progress_restarts(struct store *st, const char *key, int *restarts_r)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT restarts FROM in_progress WHERE complaint_key = ?1");
	int64_t v = 0;
	int r;

	*restarts_r = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	r = store_step_int64(st, s, &v, "reading in_progress");
	if (r == STORE_OK)
		*restarts_r = (int)v;
	return r;
}

/* Never a complaint key: those are "<message-id> sha256" or "- sha256"
 * (pipeline_complaint_key), or an "imap:" source. */
#define CHUNK_MARKER "daemon:chunk"

int
store_chunk_begin(struct store *st, int64_t now)
{
	return store_in_progress_begin(st, CHUNK_MARKER, "daemon", now, NULL, NULL);
}

int
store_chunk_end(struct store *st)
{
	return store_in_progress_end(st, CHUNK_MARKER);
}

int
store_chunk_suspect(struct store *st, int *suspect_r)
{
	int restarts = 0, r = store_in_progress_restarts(st, CHUNK_MARKER, &restarts);

	*suspect_r = r == STORE_OK && restarts > 0;
	return r == STORE_ENOTFOUND ? STORE_OK : r;
}

int
store_release_snapshots(struct store *st)
{
	/* The one reset of every cached statement is db.c's. */
	return store_reset_statements(st);
}

/* ---- claims (several responders on one store) ------------------------------ */

/* ?1 the complaint's key, ?2 this node, ?3 now, ?4 the lease. */
static void
bind_claim(struct store *st, struct store_stmt *s, const char *key, int64_t now)
{
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, st->node);
	store_bind_int64(s, 3, now);
	store_bind_int64(s, 4, st->lease_seconds);
}

int
store_claim_complaint(struct store *st, const char *key, int64_t now)
{
	struct store_stmt *s;

	if (!store_is_pg(st))
		return 1; /* one responder per SQLite store */
	s = store_stmt(
	    st, "INSERT INTO claims(complaint_key, node, expires_at) VALUES (?1, ?2, ?3 + ?4)"
		" ON CONFLICT (complaint_key) DO UPDATE SET node = excluded.node,"
		" expires_at = excluded.expires_at"
		" WHERE claims.node = excluded.node OR claims.expires_at <= ?3");
	if (s == NULL)
		return STORE_EDB;
	bind_claim(st, s, key, now);
	if (store_step_done(st, s, "claiming the complaint") < 0)
		return STORE_EDB;
	if (store_changes(st) == 0)
		return 0;
	free(st->claimed_key);
	st->claimed_key = xstrdup(key);
	return 1;
}

int
store_claim_fence(struct store *st, const char *key, int64_t now)
{
	struct store_stmt *s;

	if (st->claimed_key == NULL || strcmp(st->claimed_key, key) != 0)
		return STORE_OK; /* not claimed through this handle (SQLite, the CLI) */
	/* Renewed while it is still this node's: from here until the
	 * transaction ends, the row lock keeps any other node from taking
	 * it, and once it has ended the request row says it is handled. */
	s = store_stmt(st, "UPDATE claims SET expires_at = ?3 + ?4"
			   " WHERE complaint_key = ?1 AND node = ?2");
	if (s == NULL)
		return STORE_EDB;
	bind_claim(st, s, key, now);
	if (store_step_done(st, s, "renewing the claim") < 0)
		return STORE_EDB;
	if (store_changes(st) > 0)
		return STORE_OK;
	return store_fail(st, STORE_ELOST,
			  "another responder took this complaint over after this one's lease "
			  "(lease_seconds %d) ran out: not recorded here",
			  st->lease_seconds);
}

int
store_claim_release(struct store *st, const char *key)
{
	struct store_stmt *s;

	if (!store_is_pg(st))
		return STORE_OK;
	if (st->claimed_key != NULL && strcmp(st->claimed_key, key) == 0) {
		free(st->claimed_key);
		st->claimed_key = NULL;
	}
	s = store_stmt(st, "DELETE FROM claims WHERE complaint_key = ?1 AND node = ?2");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, st->node);
	return store_step_done(st, s, "releasing the claim");
}
