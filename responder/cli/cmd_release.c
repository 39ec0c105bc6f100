/*
 * cmd_release.c - responder release ID: let a quarantined complaint be
 * handled once more.
 *
 * For a complaint the daemon moved to [imap] quarantine_folder (the
 * parser failed on it twice or refused it, or the daemon died on it again
 * and again), after the cause was fixed (limits, an upgrade).  The request
 * is marked released in the store (store/admin.h: admin_release, noted in
 * its detail with who did it); the daemon, which owns the IMAP session,
 * moves the message back to the watched folder at the start of its next
 * pass (`responder once`, or the running daemon within its poll
 * interval, at once after SIGHUP) and handles it as new.  If it fails
 * again it is quarantined again, as a new request.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "store/admin.h"
#include "common/log.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
cmd_release(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct passwd *pw;
	struct store *st;
	char by[128];
	int64_t id;
	int c, rc, status = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: responder release ID   (a quarantined complaint's ID from "
			       "'responder log --outcome error')\n");
			return 0;
		}
		return ao_bad_option("release", c, argv);
	}
	if (optind >= argc)
		return cli_usage("release", "which request? give its ID (see 'responder log')");
	if (optind + 1 < argc)
		return cli_usage("release", "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ao_parse_id("release", argv[optind], &id)) != 0)
		return rc;
	pw = getpwuid(getuid());
	snprintf(by, sizeof(by), "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
	st = cli_store(cli, 0);
	rc = admin_release(st, id, (int64_t)time(NULL), by);
	if (rc == STORE_ENOTFOUND || rc == STORE_EINVAL) {
		cli_error("release", "%s", store_errmsg(st));
		status = EX_DATAERR;
	} else if (rc < 0) {
		cli_error("release", "%s", store_errmsg(st));
		status = EX_SOFTWARE;
	} else {
		printf("request %lld released: the daemon moves it back to the watched folder "
		       "on its next pass and handles it once more\n",
		       (long long)id);
		log_info("release: request %lld released from quarantine by %s", (long long)id, by);
	}
	store_close(&st);
	return status;
}
