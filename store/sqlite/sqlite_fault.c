/*
 * sqlite_fault.c - what a failure of the SQLite database means to the admin
 * (lite_classify, sqlite_int.h): the faults one can fix (not an SQLite
 * file, damaged or truncated, a foreign -wal file, read-only, disk or inode
 * table full) turned into "what is wrong: what to do" and a reason the CLI
 * maps to a sysexits status.  Used by the open (sqlite_db.c) and the
 * migration (sqlite_schema.c).
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

/* 1 when the file system of `path` has no free inode or block left (a
 * failed create does not always leave ENOSPC behind: SQLite tries again
 * read-only). */
static int
fs_full(const char *path)
{
	char dir[sizeof(((struct store *)0)->path)];
	struct statvfs sv;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return statvfs(dir, &sv) == 0 && (sv.f_favail == 0 || sv.f_bavail == 0);
}

int
lite_classify(struct store *st)
{
	sqlite3 *db = lite_db(st);
	char said[256];
	int code, sys;

	if (db == NULL)
		return STORE_EDB;
	code = sqlite3_extended_errcode(db);
	sys = sqlite3_system_errno(db);
	snprintf(said, sizeof(said), "%s", sqlite3_errmsg(db));
	switch (code & 0xff) {
	case SQLITE_NOTADB:
		snprintf(st->err, sizeof(st->err),
			 "is not an SQLite database (%s): point [store] path at the store, or "
			 "move this file away to start a new one",
			 said);
		return STORE_EDATA;
	case SQLITE_CORRUPT:
		snprintf(st->err, sizeof(st->err),
			 "is damaged (%s: a truncated file, or a -wal file of another store "
			 "beside it): restore it from a backup, or move it and its -wal and "
			 "-shm files away",
			 said);
		return STORE_EDATA;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		snprintf(st->err, sizeof(st->err),
			 "cannot be written (%s): the responder writes the store and, beside "
			 "it, its -wal and -shm files: check the owner and mode of the file and "
			 "its directory, and that the file system is mounted read-write",
			 said);
		return STORE_EPERM;
	case SQLITE_FULL:
		snprintf(st->err, sizeof(st->err),
			 "cannot grow: the file system is full (%s): free space there", said);
		return STORE_EFULL;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		if (sys == ENOSPC || sys == EDQUOT || fs_full(st->path)) {
			snprintf(st->err, sizeof(st->err),
				 "cannot be written: no space or no free inode left on its file "
				 "system (%s): free space (or files) there",
				 strerror(sys));
			return STORE_EFULL;
		}
		if (sys == EACCES || sys == EPERM || sys == EROFS) {
			snprintf(st->err, sizeof(st->err),
				 "cannot be opened for writing (%s): check the owner and mode "
				 "of the file and its directory, and the mount",
				 strerror(sys));
			return STORE_EPERM;
		}
		break;
	default:
		break;
	}
	return STORE_EDB; /* st->err as the failing call left it */
}
