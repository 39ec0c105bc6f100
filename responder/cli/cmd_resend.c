/*
 * cmd_resend.c - responder resend ID: a reply that failed goes back to
 * the outbox queue.
 *
 * ID is the request's number as `responder log` shows it.  Every failed
 * outbox row of that request becomes queued again, due now, with its try
 * count reset; the daemon (or `responder once`) sends it.  The action is
 * recorded in the request's detail ("admin" list, shown by `log show`) and
 * in the responder's own log.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "store/admin.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int
cmd_resend(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st;
	int64_t id, n;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: responder resend ID   (ID from 'responder log')\n");
			return 0;
		}
		return ao_bad_option("resend", c, argv);
	}
	if (optind >= argc)
		return cli_usage("resend", "which request? give its ID (see 'responder log "
					   "--outcome found')");
	if (optind + 1 < argc)
		return cli_usage("resend", "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ao_parse_id("resend", argv[optind], &id)) != 0)
		return rc;
	st = cli_store(cli, 0);
	rc = admin_resend(st, id, (int64_t)time(NULL), &n);
	if (rc == STORE_ENOTFOUND || rc == STORE_EINVAL) {
		cli_error("resend", "%s", store_errmsg(st));
		store_close(&st);
		return EX_DATAERR;
	}
	if (rc < 0) {
		cli_error("resend", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	log_info("resend: request %lld: %lld failed repl%s queued again by an admin", (long long)id,
		 (long long)n, n == 1 ? "y" : "ies");
	printf("request %lld: %lld repl%s queued again; the daemon sends %s on its next "
	       "pass (or run 'responder once')\n",
	       (long long)id, (long long)n, n == 1 ? "y" : "ies", n == 1 ? "it" : "them");
	store_close(&st);
	return 0;
}
