/*
 * cmd_requeue.c - responder requeue ID: handle a complaint again.
 *
 * For when a reply was wrong or missing for a reason since fixed (a
 * template, the delivery records, the config): the complaint's bytes, kept
 * in the store with its first request, go through the pipeline once more,
 * exactly as the daemon handles mail, except that "already answered" does
 * not stop it.  The new request row points at the old one (requeue_of) and
 * its reply, if any, is queued in the outbox for the daemon (or `responder
 * once`) to send.  Both rows stay in the log.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/decide/pipeline.h"
#include "store/requests.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cmd_requeue(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipeline *p = NULL;
	struct pipeline_result res;
	struct store *st;
	char *key = NULL, *raw = NULL, err[1024], source[64];
	size_t len = 0;
	int64_t id;
	int c, rc, status = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: responder requeue ID   (ID from 'responder log')\n");
			return 0;
		}
		return ao_bad_option("requeue", c, argv);
	}
	if (optind >= argc)
		return cli_usage("requeue", "which request? give its ID (see 'responder log')");
	if (optind + 1 < argc)
		return cli_usage("requeue", "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ao_parse_id("requeue", argv[optind], &id)) != 0)
		return rc;
	st = cli_store(cli, 0);
	rc = store_request_key(st, id, &key);
	if (rc == STORE_OK)
		rc = store_complaint_raw(st, key, &raw, &len);
	if (rc == STORE_ENOTFOUND) {
		cli_error("requeue",
			  key ? "request %lld: the complaint's bytes are no longer "
				"kept (purged by retention, or recorded by an older responder)" :
				"no request %lld",
			  (long long)id);
		status = EX_DATAERR;
		goto out;
	}
	if (rc < 0) {
		cli_error("requeue", "%s", store_errmsg(st));
		status = EX_SOFTWARE;
		goto out;
	}
	p = pipeline_new(cli_settings(cli), st, err, sizeof(err));
	if (p == NULL) {
		cli_error("requeue", "%s", err);
		status = EX_CONFIG;
		goto out;
	}
	snprintf(source, sizeof(source), "requeue:%lld", (long long)id);
	if (pipeline_handle(p, raw, len, source, (int64_t)time(NULL), PIPELINE_REQUEUE, &res, err,
			    sizeof(err)) != 0) {
		cli_error("requeue", "%s", err);
		pipeline_result_free(&res);
		status = EX_SOFTWARE;
		goto out;
	}
	printf("request %lld handled again as request %lld: %s (%s)%s\n", (long long)id,
	       (long long)res.request_id, outcome_name(res.outcome), res.why,
	       res.reply_queued ? "; reply queued" : "; no reply");
	log_info("requeue: request %lld handled again by an admin as request %lld: %s",
		 (long long)id, (long long)res.request_id, outcome_name(res.outcome));
	pipeline_result_free(&res);
out:
	pipeline_free(&p);
	free(raw);
	free(key);
	store_close(&st);
	return status;
}
