/*
 * postfix_follow.c - following a growing Postfix log (see import.h).
 *
 * The file is read with read(2) and only complete lines are imported: a
 * line the writer is still writing waits for its newline.  After each step
 * the records, the position (inode, byte offset, hash of the first line)
 * and the in-flight queue IDs are committed in one transaction, so after a
 * crash or restart the next step starts exactly after the last line that
 * is in the store.
 *
 * Rotation, checked whenever the data is used up:
 *   - the path names another inode (rename + new file): the old file was
 *     read to its end; switch to the new one from offset 0, and go on
 *     reading the old one for OLD_GRACE seconds (a syslog daemon writes
 *     to it until its HUP);
 *   - the same inode is shorter than the offset, or its first line
 *     changed (copytruncate, then written again): read from the start;
 *   - the path is gone: keep waiting for it.
 * On open, a stored position whose inode is no longer at the path is
 * looked for at "<path>.1" (the usual first rotation name) and that file
 * is finished first.
 *
 * The importer's in-flight queue IDs (those not in the store yet) travel
 * with the position as JSON, so a message whose lines straddle two steps
 * keeps what its first lines said.
 *
 * SECURITY: the log is appended to by a daemon that copies remote text;
 * line length is capped (longer lines are skipped whole) and the parser
 * bounds every field (postfix_parse.c).  State JSON read back from the
 * store is checked field by field; anything malformed is ignored.
 */
#include "store/import/postfix_int.h"
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FOLLOW_CHUNK 65536
#define HEAD_BYTES 256
#define OLD_GRACE 10 /* seconds an old file is still read */
#define RD_BUFSIZE (FOLLOW_CHUNK + PF_MAX_LINE + 2)

/* One open file. */
struct rd {
	char *reading; /* its path (path or path.1) */
	int fd;
	ino_t ino;
	uint64_t offset; /* bytes imported from it */
	long lineno;
	char *buf; /* unconsumed bytes: buf[0..blen) */
	size_t blen;
	int skipping; /* inside an over-long line */
};

struct pf_follow {
	struct pf_import *imp;
	char *path;
	/* The position's key: the path, or on a shared (PostgreSQL) store
	 * "node:path", since every relay node follows its own
	 * /var/log/mail.log. */
	char *key;
	struct rd cur; /* the file followed */
	char head[24]; /* hash of its first line, "" if not known yet */
	/* After a rename, the writer may go on writing to the old file until
	 * it reopens its log (syslog's HUP): the old file is read for
	 * OLD_GRACE seconds more. */
	struct rd old;
	time_t old_until;
	int draining; /* reading `old` (swapped into cur) */
	/* After a store failure the records of the step were rolled back:
	 * the next step starts again from the stored position with a fresh
	 * importer (kept options: account_from, map path). */
	int need_restore;
	struct pf_options opts;
	char *map;
};

static void
head_hash(const char *data, size_t n, char *out, size_t outlen)
{
	snprintf(out, outlen, "%016llx", (unsigned long long)fnv1a(FNV1A_INIT, data, n));
}

/* The hash of the first line of fd (up to HEAD_BYTES), "" when the file
 * has no complete first line yet. */
static void
file_head(int fd, char *out, size_t outlen)
{
	char b[HEAD_BYTES];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	char *nl;

	out[0] = '\0';
	if (n <= 0)
		return;
	nl = memchr(b, '\n', (size_t)n);
	if (nl == NULL && (size_t)n < sizeof(b))
		return;
	head_hash(b, nl ? (size_t)(nl - b) : (size_t)n, out, outlen);
}

static void
rd_close(struct rd *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->blen = 0;
	r->skipping = 0;
	free(r->reading);
	r->reading = NULL;
}

static void
close_file(struct pf_follow *f)
{
	rd_close(&f->cur);
}

/* The followed file was renamed away: keep reading it for a while. */
static void
keep_as_old(struct pf_follow *f)
{
	char *spare;

	if (f->cur.fd < 0)
		return;
	spare = f->old.buf != NULL ? f->old.buf : xmalloc(RD_BUFSIZE);
	rd_close(&f->old);
	f->old = f->cur;
	memset(&f->cur, 0, sizeof(f->cur));
	f->cur.fd = -1;
	f->cur.buf = spare;
	f->old_until = time(NULL) + OLD_GRACE;
}

static void
swap_old(struct pf_follow *f)
{
	struct rd t = f->cur;

	f->cur = f->old;
	f->old = t;
	f->draining = !f->draining;
}

/* Opens `file` at `offset`; 0, or -1 when it cannot be opened. */
static int
open_file(struct pf_follow *f, const char *file, uint64_t offset, long lineno)
{
	struct stat sb;
	char *name;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size < offset ||
	    lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	name = xstrdup(file); /* `file` may be f->cur.reading */
	close_file(f);
	f->cur.fd = fd;
	f->cur.ino = sb.st_ino;
	f->cur.offset = offset;
	f->cur.lineno = lineno;
	f->cur.reading = name;
	file_head(fd, f->head, sizeof(f->head));
	pf_import_set_ref(f->imp, (int64_t)time(NULL));
	return 0;
}

/* ---- the importer's carry-over state ------------------------------------ */

/* The queue IDs whose records are not in the store yet (their account is
 * not known so far), as JSON; everything else is in the store already.
 * Caller frees. */
static char *
state_save(struct pf_import *imp)
{
	json_t *o = json_object(), *a = json_array();
	char *s;

	for (struct pf_msg *m = imp->lru_head; m != NULL; m = m->lnext) {
		json_t *e;

		if (m->written || m->reused)
			continue;
		e = json_object();
		json_object_set_new(e, "q", json_string(m->qid));
		json_object_set_new(e, "t", json_integer(m->first_at));
		if (m->sasl)
			json_object_set_new(e, "s", json_string(m->sasl));
		if (m->have_from)
			json_object_set_new(e, "f", json_string(m->from ? m->from : ""));
		if (m->mid)
			json_object_set_new(e, "m", json_string(m->mid));
		if (m->subject)
			json_object_set_new(e, "j", json_string(m->subject));
		if (m->rcpts)
			json_object_set_new(e, "r", json_string(m->rcpts));
		if (m->notice)
			json_object_set_new(e, "n", json_true());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "open", a);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

static const char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Restores what state_save wrote; bad state is ignored (0) or
 * reported as -1. */
static int
state_load(struct pf_import *imp, const char *state)
{
	/* an entry evicted to make room (max_open smaller than when the state
	 * was saved) is written, but there is no line to report it at and no
	 * caller's stats to count it into */
	struct import_stats uncounted = { 0 };
	const struct pf_line_ctx lc = { &uncounted, NULL, NULL, NULL, 0 };
	json_t *o, *a, *e;
	size_t i;
	int began;

	if (state == NULL || *state == '\0')
		return 0;
	o = json_loads(state, 0, NULL);
	if (o == NULL)
		return -1;
	/* an eviction's write goes through the importer's batch, which
	 * needs a transaction (PostgreSQL: the staging rows last until its
	 * end) */
	began = !pf_import_store(imp)->in_tx;
	if (began && pf_import_begin(imp) < 0) {
		json_decref(o);
		return -1;
	}
	a = json_object_get(o, "open");
	json_array_foreach(a, i, e)
	{
		const char *q = jstr(e, "q");
		struct pf_msg *m;

		if (q == NULL || !pf_valid_qid(imp, q))
			continue;
		if ((m = pf_msg_get(imp, &lc, q)) == NULL)
			break;
		m->first_at = json_integer_value(json_object_get(e, "t"));
		pf_set_str(&m->sasl, jstr(e, "s"));
		if (jstr(e, "f") != NULL) {
			m->have_from = 1;
			pf_set_str(&m->from, jstr(e, "f"));
		}
		pf_set_str(&m->mid, jstr(e, "m"));
		pf_set_str(&m->subject, jstr(e, "j"));
		if (jstr(e, "r") != NULL) {
			char r[PF_MAX_FIELD + 1];

			str_copy(r, jstr(e, "r"), sizeof(r));
			for (char *t = strtok(r, " "); t != NULL; t = strtok(NULL, " "))
				pf_add_rcpt(m, t);
		}
		m->notice = json_is_true(json_object_get(e, "n"));
		m->dirty = 1;
	}
	json_decref(o);
	/* the results of what an eviction wrote count into `uncounted`,
	 * which ends here */
	if (pf_import_flush(imp) < 0 || (began && pf_import_commit_batch(imp) < 0)) {
		store_rollback(pf_import_store(imp));
		pf_import_drop_waiting(imp);
		return -1;
	}
	return 0;
}

/* ---- the stored position ------------------------------------------------- */

static int
save_position(struct pf_follow *f)
{
	struct store *st = pf_import_store(f->imp);
	struct store_stmt *s;
	char *state, *json;
	size_t n;
	int rc;

	s = store_stmt(
	    st, "INSERT INTO import_positions(path, inode, \"offset\", head, state, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, unixepoch())"
		" ON CONFLICT(path) DO UPDATE SET inode = ?2, \"offset\" = ?3, head = ?4,"
		" state = ?5, updated_at = unixepoch()");
	if (s == NULL)
		return STORE_EDB;
	state = state_save(f->imp);
	/* the line number and which file travel with the in-flight state */
	n = strlen(state) + strlen(f->cur.reading ? f->cur.reading : "") * 2 + 96;
	json = xmalloc(n);
	snprintf(json, n, "{\"line\":%ld,\"rotated\":%d,\"importer\":%s}", f->cur.lineno,
		 f->cur.reading != NULL && strcmp(f->cur.reading, f->path) != 0, state);
	free(state);
	store_bind_text(s, 1, f->key);
	store_bind_int64(s, 2, (int64_t)f->cur.ino);
	store_bind_int64(s, 3, (int64_t)f->cur.offset);
	store_bind_text(s, 4, f->head);
	store_bind_text(s, 5, json);
	rc = store_step(s);
	free(json);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "saving the import position");
}

/* Loads the stored position and opens the right file at it. */
static int
restore(struct pf_follow *f, char *err, size_t errlen)
{
	struct store *st = pf_import_store(f->imp);
	struct store_stmt *s;
	char *state = NULL, *head = NULL, rotated[1100];
	int64_t ino = 0, offset = 0;
	long line = 0;
	struct stat sb;
	int rc;

	s = store_stmt(
	    st, "SELECT inode, \"offset\", head, state FROM import_positions WHERE path = ?1");
	if (s == NULL)
		goto db;
	store_bind_text(s, 1, f->key);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		ino = store_col_int64(s, 0);
		offset = store_col_int64(s, 1);
		head = store_col_dup(s, 2);
		state = store_col_dup(s, 3);
	} else if (rc != STORE_DONE) {
		goto db;
	}
	store_reset(s);
	if (state != NULL) {
		json_t *o = json_loads(state, 0, NULL);

		if (o != NULL) {
			json_t *imp = json_object_get(o, "importer");
			char *is = imp ? json_dumps(imp, JSON_COMPACT) : NULL;

			line = (long)json_integer_value(json_object_get(o, "line"));
			state_load(f->imp, is);
			free(is);
			json_decref(o);
		}
	}
	snprintf(rotated, sizeof(rotated), "%s.1", f->path);
	if (ino != 0 && stat(f->path, &sb) == 0 && (int64_t)sb.st_ino == ino) {
		char now[24];

		if (open_file(f, f->path, 0, 0) == 0) {
			file_head(f->cur.fd, now, sizeof(now));
			if ((uint64_t)sb.st_size >= (uint64_t)offset &&
			    (head == NULL || head[0] == '\0' || strcmp(head, now) == 0)) {
				lseek(f->cur.fd, (off_t)offset, SEEK_SET);
				f->cur.offset = (uint64_t)offset;
				f->cur.lineno = line;
			}
		}
	} else if (ino != 0 && stat(rotated, &sb) == 0 && (int64_t)sb.st_ino == ino) {
		open_file(f, rotated, (uint64_t)offset, line);
	} else {
		open_file(f, f->path, 0, 0); /* may not exist yet */
	}
	free(state);
	free(head);
	(void)err;
	(void)errlen;
	return 0;
db:
	snprintf(err, errlen, "store: %s", store_errmsg(st));
	free(state);
	free(head);
	return -1;
}

struct pf_follow *
pf_follow_open(struct store *st, const char *path, const struct pf_options *o, char *err,
	       size_t errlen)
{
	struct pf_follow *f = xcalloc(1, sizeof(*f));

	f->cur.fd = -1;
	f->path = xstrdup(path);
	if (store_is_pg(st) && *store_node(st)) {
		size_t n = strlen(store_node(st)) + strlen(path) + 2;

		f->key = xmalloc(n);
		snprintf(f->key, n, "%s:%s", store_node(st), path);
	} else {
		f->key = xstrdup(path);
	}
	f->cur.buf = xmalloc(RD_BUFSIZE);
	f->old.fd = -1;
	f->opts = *o;
	f->map = o->account_map ? xstrdup(o->account_map) : NULL;
	f->opts.account_map = f->map;
	f->imp = pf_import_new(st, o, err, errlen);
	if (f->imp == NULL || restore(f, err, errlen) < 0) {
		pf_follow_close(&f);
		return NULL;
	}
	return f;
}

/* Reads complete lines from the open file; returns lines read, or -1 on a
 * read error, -2 on a store error. */
static long
read_lines(struct pf_follow *f, long max, struct import_stats *stats, import_report_fn *report,
	   void *ctx)
{
	long n = 0;
	const char *name = f->cur.reading;

	while (n < max) {
		char *nl;
		ssize_t got;

		nl = f->cur.blen ? memchr(f->cur.buf, '\n', f->cur.blen) : NULL;
		if (nl == NULL) {
			if (f->cur.blen >= PF_MAX_LINE) {
				/* an over-long line: drop what we have, skip to its end */
				f->cur.offset += f->cur.blen;
				f->cur.blen = 0;
				if (!f->cur.skipping) {
					f->cur.skipping = 1;
					f->cur.lineno++;
					stats->lines++;
					stats->garbage++;
					if (pf_import_note(f->imp, name, f->cur.lineno, stats,
							   report, ctx,
							   "line too long, skipped") < 0)
						return -2;
				}
			}
			got = read(f->cur.fd, f->cur.buf + f->cur.blen, FOLLOW_CHUNK);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (got == 0)
				break;
			f->cur.blen += (size_t)got;
			continue;
		}
		{
			size_t len = (size_t)(nl - f->cur.buf);

			f->cur.offset += len + 1;
			if (f->cur.skipping) {
				f->cur.skipping = 0;
			} else {
				if (len > 0 && f->cur.buf[len - 1] == '\r')
					len--;
				f->cur.lineno++;
				if (f->cur.lineno == 1 && f->head[0] == '\0' && !f->draining)
					head_hash(f->cur.buf, len < HEAD_BYTES ? len : HEAD_BYTES,
						  f->head, sizeof(f->head));
				if (pf_import_line(f->imp, f->cur.buf, len, name, f->cur.lineno,
						   stats, report, ctx) == STORE_EDB)
					return -2;
				n++;
			}
			memmove(f->cur.buf, nl + 1, f->cur.blen - (size_t)(nl + 1 - f->cur.buf));
			f->cur.blen -= (size_t)(nl + 1 - f->cur.buf);
		}
	}
	return n;
}

/* Was the open file truncated (copytruncate), possibly written again
 * since?  Then it is read again from the start; returns 1. */
static int
check_truncation(struct pf_follow *f)
{
	struct stat sb;
	char now[24];

	if (f->cur.fd < 0 || fstat(f->cur.fd, &sb) < 0)
		return 0;
	if ((uint64_t)sb.st_size < f->cur.offset + f->cur.blen)
		return open_file(f, f->cur.reading, 0, 0) == 0;
	file_head(f->cur.fd, now, sizeof(now));
	if (f->head[0] != '\0' && now[0] != '\0' && strcmp(now, f->head) != 0)
		return open_file(f, f->cur.reading, 0, 0) == 0;
	return 0;
}

/* The context of a commit at the end of a step: a rejection found while
 * writing is reported at the follower's position (the reading file is
 * freed when the follower switches files, so it is read here, now). */
static struct pf_line_ctx
commit_ctx(const struct pf_follow *f, struct import_stats *stats, import_report_fn *report,
	   void *ctx)
{
	struct pf_line_ctx lc = { stats, report, ctx, f->path, f->cur.lineno };

	if (f->cur.reading != NULL)
		lc.name = f->cur.reading;
	return lc;
}

/* After the data is used up: has the file been rotated or truncated?
 * Switches files and returns 1 when it did. */
static int
check_rotation(struct pf_follow *f)
{
	struct stat sb;

	if (stat(f->path, &sb) < 0)
		return 0; /* renamed, new file not there yet */
	if (f->cur.fd >= 0 && sb.st_ino != f->cur.ino && strcmp(f->cur.reading, f->path) == 0)
		keep_as_old(f); /* rotated by rename */
	if (f->cur.fd < 0 || sb.st_ino != f->cur.ino || strcmp(f->cur.reading, f->path) != 0)
		return open_file(f, f->path, 0, 0) == 0;
	return check_truncation(f);
}

long
pf_follow_step(struct pf_follow *f, long max_lines, struct import_stats *stats,
	       import_report_fn *report, void *ctx, char *err, size_t errlen)
{
	struct store *st = pf_import_store(f->imp);
	struct pf_line_ctx lc;
	long total = 0, n;

	if (max_lines <= 0)
		max_lines = 100000;
	if (f->need_restore) {
		struct pf_import *imp = pf_import_new(st, &f->opts, err, errlen);

		if (imp == NULL)
			return IMPORT_ENOFILE; /* the map file went away */
		pf_import_free(&f->imp);
		f->imp = imp;
		if (restore(f, err, errlen) < 0)
			return IMPORT_EDB;
		f->need_restore = 0;
	}
	if (pf_import_begin(f->imp) < 0)
		goto db;
	if (f->old.fd >= 0) {
		/* what the writer still put into the renamed file */
		swap_old(f);
		n = read_lines(f, max_lines, stats, report, ctx);
		swap_old(f);
		if (n == -2)
			goto db;
		if (n > 0)
			total += n;
		if (n < 0 || time(NULL) >= f->old_until)
			rd_close(&f->old);
	}
	check_truncation(f);
	for (;;) {
		if (f->cur.fd < 0 && !check_rotation(f))
			break;
		n = read_lines(f, max_lines - total, stats, report, ctx);
		if (n == -2)
			goto db;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", f->cur.reading, strerror(errno));
			lc = commit_ctx(f, stats, report, ctx);
			if (pf_import_commit(f->imp, &lc) < 0)
				goto db;
			close_file(f);
			return IMPORT_ENOFILE;
		}
		total += n;
		if (total >= max_lines)
			break;
		/* at the end of the data */
		if (!check_rotation(f))
			break;
	}
	lc = commit_ctx(f, stats, report, ctx);
	/* the state saved is what the results still due leave */
	if (pf_import_begin(f->imp) < 0 || pf_import_flush(f->imp) < 0 || save_position(f) < 0 ||
	    pf_import_commit(f->imp, &lc) < 0)
		goto db;
	return total;
db:
	snprintf(err, errlen, "%s: store: %s", f->path, store_errmsg(st));
	/* a statement left mid-way would keep the transaction from ending */
	store_reset_statements(st);
	store_rollback(st);
	close_file(f);
	rd_close(&f->old);
	f->need_restore = 1;
	return IMPORT_EDB;
}

uint64_t
pf_follow_offset(const struct pf_follow *f)
{
	return f->cur.offset;
}

void
pf_follow_close(struct pf_follow **fp)
{
	struct pf_follow *f = *fp;

	if (f == NULL)
		return;
	close_file(f);
	rd_close(&f->old);
	pf_import_free(&f->imp);
	free(f->path);
	free(f->key);
	free(f->cur.buf);
	free(f->old.buf);
	free(f->map);
	free(f);
	*fp = NULL;
}
