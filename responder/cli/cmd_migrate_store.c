/*
 * cmd_migrate_store.c - responder migrate-store --from URL --to URL
 *
 * Copies a store into another, SQLite (sqlite:PATH or a path) or
 * PostgreSQL (postgresql://...), with store_copy(): batches of rows, ids
 * kept, resumable (run it again after an interruption and it goes on),
 * and every table counted on both sides at the end.  The destination is
 * created and migrated to this responder's schema; the source must be at
 * that version already (open it once with this responder).  A PostgreSQL
 * URL takes the password and CA of [store] password_file and ca_file.
 */
#include "responder/cli/cli.h"
#include "responder/config/config.h"
#include "responder/config/secret.h"
#include "store/admin.h"
#include "store/store.h"
#include "common/progress.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* The progress line (common/progress.h): one meter per table, rows copied
 * of the source's count; nothing unless stderr is a terminal. */
struct copy_progress {
	struct store *from;
	int quiet;
	char table[64];
	int64_t done;
	struct progress *pm;
};

static void
progress(void *arg, const char *table, int64_t n)
{
	struct copy_progress *cp = arg;
	char what[96];
	int64_t total = 0;

	if (strcmp(cp->table, table) != 0) {
		progress_end(&cp->pm);
		snprintf(cp->table, sizeof(cp->table), "%s", table);
		cp->done = 0;
		if (store_count(cp->from, table, &total) < 0)
			total = 0; /* not a table store_count knows: no total */
		snprintf(what, sizeof(what), "migrate-store %s", table);
		cp->pm = progress_new(what, PROGRESS_ROWS, (uint64_t)total, cp->quiet);
	}
	cp->done += n;
	progress_update(cp->pm, (uint64_t)cp->done);
}

static struct store *
open_target(const struct settings *s, const char *target, int readonly, char *err, size_t errlen)
{
	struct store_options o;
	struct store *st;
	char why[512], *password = NULL;
	int reason;

	memset(&o, 0, sizeof(o));
	if (store_target_is_pg(target)) {
		if (*s->store_password_file &&
		    secret_read_file(s->store_password_file, &password, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "[store] password_file: %s", why);
			return NULL;
		}
		o.password = password;
		o.ca_file = *s->store_ca_file ? s->store_ca_file : NULL;
	}
	st = store_open_opts(target, &o, readonly ? STORE_OPEN_READONLY : 0, &reason, err, errlen);
	secret_free(&password);
	return st;
}

int
cmd_migrate_store(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },  { "to", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	   { NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL;
	const struct settings *s;
	struct store *src, *dst;
	char err[1024], shown_from[1024], shown_to[1024];
	long batch = 2000;
	struct copy_progress cp = { 0 };
	int c, quiet = 0, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:t:b:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'b': {
			char *end;

			batch = strtol(optarg, &end, 10);
			if (end == optarg || *end || batch < 1 || batch > 100000)
				return cli_usage(
				    "migrate-store",
				    "--batch wants a number from 1 to 100000, not '%s'", optarg);
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 'h':
			printf("usage: responder migrate-store --from URL --to URL [--batch N] "
			       "[--quiet]\n"
			       "  copies a store: sqlite:PATH or postgresql://user@host:port/db;\n"
			       "  resumable, every table counted on both sides at the end\n");
			return 0;
		default:
			return cli_usage("migrate-store", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("migrate-store", "unexpected argument '%s'", argv[optind]);
	if (from == NULL || to == NULL)
		return cli_usage("migrate-store", "needs --from URL and --to URL");
	store_display_name_of(from, shown_from, sizeof(shown_from));
	store_display_name_of(to, shown_to, sizeof(shown_to));
	if (strcmp(from, to) == 0)
		return cli_usage("migrate-store", "--from and --to are the same store");
	s = cli_settings(cli);
	if ((src = open_target(s, from, 1, err, sizeof(err))) == NULL) {
		cli_error("migrate-store", "--from: %s", err);
		return EX_NOINPUT;
	}
	if ((dst = open_target(s, to, 0, err, sizeof(err))) == NULL) {
		cli_error("migrate-store", "--to: %s", err);
		store_close(&src);
		return EX_CANTCREAT;
	}
	cp.from = src;
	cp.quiet = quiet;
	rc = store_copy(src, dst, (int)batch, progress, &cp, err, sizeof(err));
	progress_end(&cp.pm);
	store_close(&src);
	store_close(&dst);
	if (rc < 0) {
		cli_error("migrate-store", "%s (run it again to go on where it stopped)", err);
		return rc == STORE_EINVAL ? EX_DATAERR : EX_SOFTWARE;
	}
	log_info("migrate-store: %s copied into %s", shown_from, shown_to);
	printf("copied %s into %s: every table has the same number of rows on both sides\n",
	       shown_from, shown_to);
	return 0;
}
