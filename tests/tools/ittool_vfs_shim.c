/*
 * ittool_vfs_shim.c - an SQLite VFS shim for the store fault tests
 * (tests/integration/it_daemon_store_faults.sh), loaded with LD_PRELOAD into
 * a responder process.  It wraps the default VFS and becomes the default
 * itself, so every store file (database, write-ahead log) goes through it.
 * Shared memory (the WAL index) is passed through: after a real power cut
 * SQLite rebuilds it from the log anyway.
 *
 * One shim for two jobs, chosen by the environment:
 *   RVFS_FAIL_WRITE=N  the Nth xWrite (counted over every file, from 1)
 *                      fails with SQLITE_IOERR_WRITE, once;
 *   RVFS_FAIL_SYNC=N   the Nth xSync fails with SQLITE_IOERR_FSYNC, once;
 *   RVFS_CUT_AT=N      a power cut just before the Nth write, truncate or
 *                      sync: every file gets back the bytes (and the size)
 *                      it had at its last xSync, as a disk that loses its
 *                      cache would, and the process ends at once with
 *                      status 99 (no atexit, no flush, nothing more
 *                      written).  The writes are made for real as they
 *                      come, with the bytes they replace kept in memory
 *                      until the file's next xSync, so reads see them.
 *   RVFS_TRACE=1       prints "rvfs: sync NAME" to stderr at each xSync
 *                      of a write-ahead log, and "rvfs: power cut at
 *                      event N" at the cut, so the test can tell in the
 *                      daemon's log which marks were durable.
 *
 * A test helper: it trusts its environment and keeps everything it
 * replaced until a sync, which is fine for a store of a few megabytes.
 */
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CUT_STATUS 99

/* What one write or truncate replaced: `len` bytes at `off` as they were
 * before (fewer than written when the write went past the end). */
struct undo {
	struct undo *prev;
	sqlite3_int64 off;
	int len;
	unsigned char data[];
};

/* One file by name, kept across its opens and closes: a file closed
 * without a sync loses its last writes too. */
struct fstate {
	struct fstate *next;
	char *name;
	sqlite3_int64 synced_size; /* the size at the last xSync (or open) */
	struct undo *undo;	   /* newest first */
	sqlite3_file *cut_fd;	   /* an open handle (real), for the cut */
	int opens;
};

struct shim_file {
	sqlite3_file base;
	struct fstate *fs;
	sqlite3_file *real; /* the wrapped VFS's file, right after this struct */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static struct fstate *files;
static long n_write, n_sync, n_event;
static long fail_write, fail_sync, cut_at;
static int trace;

static long
env_long(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v ? strtol(v, NULL, 10) : 0;
}

/* Puts every file back as it was at its last sync and ends the process. */
static void
power_cut(void)
{
	char msg[96];
	int n;

	for (struct fstate *f = files; f != NULL; f = f->next) {
		sqlite3_file *fd = f->cut_fd;

		if (fd == NULL)
			continue; /* closed: its handle is gone (see shim_close) */
		for (struct undo *u = f->undo; u != NULL; u = u->prev)
			if (u->len > 0)
				fd->pMethods->xWrite(fd, u->data, u->len, u->off);
		fd->pMethods->xTruncate(fd, f->synced_size);
	}
	n = snprintf(msg, sizeof(msg), "rvfs: power cut at event %ld\n", n_event);
	if (trace && write(2, msg, (size_t)n) < 0)
		_exit(CUT_STATUS);
	_exit(CUT_STATUS);
}

/* Counts an event that changes a file; cuts the power before the chosen one. */
static void
event(void)
{
	n_event++;
	if (cut_at > 0 && n_event == cut_at)
		power_cut();
}

static sqlite3_int64
real_size(struct shim_file *f)
{
	sqlite3_int64 sz = 0;

	if (f->real->pMethods->xFileSize(f->real, &sz) != SQLITE_OK)
		sz = 0;
	return sz;
}

/* Keeps what [off, off + len) holds now, for the cut. */
static void
keep_old(struct shim_file *f, sqlite3_int64 off, sqlite3_int64 len)
{
	sqlite3_int64 sz = real_size(f);
	struct undo *u;
	int have;

	if (cut_at <= 0)
		return; /* no cut will come: nothing to keep */
	have = off >= sz ? 0 : (int)(off + len <= sz ? len : sz - off);
	u = malloc(sizeof(*u) + (size_t)(have > 0 ? have : 0));
	if (u == NULL)
		abort();
	u->off = off;
	u->len = have;
	if (have > 0 && f->real->pMethods->xRead(f->real, u->data, have, off) != SQLITE_OK)
		u->len = 0;
	u->prev = f->fs->undo;
	f->fs->undo = u;
}

static void
forget_undo(struct fstate *fs)
{
	while (fs->undo != NULL) {
		struct undo *u = fs->undo;

		fs->undo = u->prev;
		free(u);
	}
}

static int
shim_close(sqlite3_file *p)
{
	struct shim_file *f = (struct shim_file *)p;
	int rc;

	if (f->fs->cut_fd == f->real)
		f->fs->cut_fd = NULL;
	/* A file closed and never opened again keeps no handle: at a cut
	 * its unsynced writes cannot be undone.  The store keeps its files
	 * open for the life of the process, so this is the WAL deleted at
	 * the very end, when nothing is left to lose. */
	f->fs->opens--;
	rc = f->real->pMethods->xClose(f->real);
	return rc;
}

static int
shim_read(sqlite3_file *p, void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int
shim_write(sqlite3_file *p, const void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *f = (struct shim_file *)p;

	event();
	if (fail_write > 0 && ++n_write == fail_write)
		return SQLITE_IOERR_WRITE;
	keep_old(f, off, amt);
	return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

static int
shim_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct shim_file *f = (struct shim_file *)p;
	sqlite3_int64 sz = real_size(f);

	event();
	if (size < sz)
		keep_old(f, size, sz - size);
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
shim_sync(sqlite3_file *p, int flags)
{
	struct shim_file *f = (struct shim_file *)p;
	size_t nl = strlen(f->fs->name);
	int rc;

	event();
	if (fail_sync > 0 && ++n_sync == fail_sync)
		return SQLITE_IOERR_FSYNC;
	rc = f->real->pMethods->xSync(f->real, flags);
	if (rc == SQLITE_OK) {
		forget_undo(f->fs);
		f->fs->synced_size = real_size(f);
		if (trace && nl > 4 && strcmp(f->fs->name + nl - 4, "-wal") == 0)
			fprintf(stderr, "rvfs: sync %s\n", f->fs->name);
	}
	return rc;
}

static int
shim_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xFileSize(f->real, size);
}

static int
shim_lock(sqlite3_file *p, int l)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xLock(f->real, l);
}

static int
shim_unlock(sqlite3_file *p, int l)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xUnlock(f->real, l);
}

static int
shim_check_reserved(sqlite3_file *p, int *out)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
shim_file_control(sqlite3_file *p, int op, void *arg)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
shim_sector_size(sqlite3_file *p)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
shim_device_chars(sqlite3_file *p)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
shim_shm_map(sqlite3_file *p, int pg, int pgsz, int extend, void volatile **pp)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int
shim_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xShmLock(f->real, off, n, flags);
}

static void
shim_shm_barrier(sqlite3_file *p)
{
	struct shim_file *f = (struct shim_file *)p;

	f->real->pMethods->xShmBarrier(f->real);
}

static int
shim_shm_unmap(sqlite3_file *p, int del)
{
	struct shim_file *f = (struct shim_file *)p;

	return f->real->pMethods->xShmUnmap(f->real, del);
}

/* Version 2 methods: no memory-mapped I/O (xFetch), so every change to a
 * file is an xWrite the shim sees. */
static const sqlite3_io_methods shim_io = {
	2,
	shim_close,
	shim_read,
	shim_write,
	shim_truncate,
	shim_sync,
	shim_file_size,
	shim_lock,
	shim_unlock,
	shim_check_reserved,
	shim_file_control,
	shim_sector_size,
	shim_device_chars,
	shim_shm_map,
	shim_shm_lock,
	shim_shm_barrier,
	shim_shm_unmap,
	NULL,
	NULL,
};

static struct fstate *
fstate_of(const char *name)
{
	struct fstate *fs;

	for (fs = files; fs != NULL; fs = fs->next)
		if (strcmp(fs->name, name) == 0)
			return fs;
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL || (fs->name = strdup(name)) == NULL)
		abort();
	fs->synced_size = -1;
	fs->next = files;
	files = fs;
	return fs;
}

static int
shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *p, int flags, int *out_flags)
{
	struct shim_file *f = (struct shim_file *)p;
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK)
		return rc;
	f->fs = fstate_of(name != NULL ? name : "(temp)");
	if (f->fs->opens++ == 0 && f->fs->undo == NULL) {
		/* First open with nothing pending: what is on disk now is what
		 * a cut goes back to. */
		f->fs->synced_size = real_size(f);
	}
	f->fs->cut_fd = f->real;
	p->pMethods = &shim_io;
	return SQLITE_OK;
}

static int
shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
shim_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
shim_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*shim_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
shim_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int
shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
shim_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
shim_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
shim_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int
shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

__attribute__((constructor)) static void
shim_init(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL)
		return;
	fail_write = env_long("RVFS_FAIL_WRITE");
	fail_sync = env_long("RVFS_FAIL_SYNC");
	cut_at = env_long("RVFS_CUT_AT");
	trace = env_long("RVFS_TRACE") != 0;
	shim_vfs.iVersion = 2;
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.mxPathname = real_vfs->mxPathname;
	shim_vfs.zName = "rvfs-shim";
	shim_vfs.xOpen = shim_open;
	shim_vfs.xDelete = shim_delete;
	shim_vfs.xAccess = shim_access;
	shim_vfs.xFullPathname = shim_full_pathname;
	shim_vfs.xDlOpen = shim_dlopen;
	shim_vfs.xDlError = shim_dlerror;
	shim_vfs.xDlSym = shim_dlsym;
	shim_vfs.xDlClose = shim_dlclose;
	shim_vfs.xRandomness = shim_randomness;
	shim_vfs.xSleep = shim_sleep;
	shim_vfs.xCurrentTime = shim_current_time;
	shim_vfs.xGetLastError = shim_last_error;
	shim_vfs.xCurrentTimeInt64 = shim_current_time_int64;
	sqlite3_vfs_register(&shim_vfs, 1);
}
