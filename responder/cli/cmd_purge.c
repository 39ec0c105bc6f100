/*
 * cmd_purge.c - responder purge [--older-than DURATION] [--batch N]
 *
 * Deletes what the retention period allows: delivery attempts (with their
 * transcripts, which hold personal data), messages left without attempts,
 * and request-log rows with their outbox rows, all older than
 * [store] retention_days (0 = keep forever).  It works in small batches,
 * each its own transaction with a short pause between, so a running
 * daemon is never blocked for long.  The file does not shrink by itself:
 * see VACUUM in docs/admin.md.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "store/admin.h"
#include "common/progress.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cmd_purge(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct settings *s;
	struct admin_purge_counts cnt = { 0 };
	struct store *st;
	int64_t now = (int64_t)time(NULL), cutoff = 0, age;
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	char t[TIME_RFC3339_LEN];
	long batch = 500;
	struct progress *pm;
	int c, r, rounds = 0, quiet = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:b:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (time_parse_duration(optarg, &age) < 0 || age < 86400)
				return cli_usage("purge",
						 "--older-than wants a duration of at "
						 "least a day (30d, 2w), not '%s'",
						 optarg);
			cutoff = now - age;
			break;
		case 'b': {
			char *end;
			batch = strtol(optarg, &end, 10);
			if (end == optarg || *end || batch < 1 || batch > 100000)
				return cli_usage("purge",
						 "--batch wants a number from 1 to "
						 "100000, not '%s'",
						 optarg);
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 'h':
			printf(
			    "usage: responder purge [--older-than DURATION] [--batch N] [--quiet]\n"
			    "  deletes attempts, transcripts and request-log rows older than\n"
			    "  [store] retention_days (or --older-than)\n");
			return 0;
		default:
			return ao_bad_option("purge", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("purge", "unexpected argument '%s'", argv[optind]);
	s = cli_settings(cli);
	if (cutoff == 0) {
		if (s->retention_days == 0) {
			printf("retention_days = 0 in %s: everything is kept, nothing to purge\n",
			       s->file);
			return 0;
		}
		cutoff = now - (int64_t)s->retention_days * 86400;
	}
	st = cli_store(cli, 0);
	/* Rows deleted so far (the total is not counted first: that would
	 * be a scan of its own). */
	pm = progress_new("purge (rows deleted)", PROGRESS_ROWS, 0, quiet);
	while ((r = admin_purge_step(st, cutoff, (int)batch, &cnt)) == 1) {
		rounds++;
		progress_update(
		    pm, (uint64_t)(cnt.attempts + cnt.messages + cnt.requests + cnt.complaints));
		nanosleep(&pause, NULL); /* let the daemon's writes in */
	}
	progress_end(&pm);
	if (r < 0) {
		cli_error("purge",
			  "%s (deleted so far: %lld attempts, %lld messages, "
			  "%lld requests)",
			  store_errmsg(st), (long long)cnt.attempts, (long long)cnt.messages,
			  (long long)cnt.requests);
		store_close(&st);
		return EX_SOFTWARE;
	}
	log_info("purge: before %s: %lld attempts, %lld messages, %lld requests deleted",
		 time_format_rfc3339(cutoff, t), (long long)cnt.attempts, (long long)cnt.messages,
		 (long long)cnt.requests);
	printf("purged everything older than %s in %d batch%s of up to %ld:\n"
	       "  %lld delivery attempts (with transcripts)\n"
	       "  %lld messages left without attempts\n"
	       "  %lld request-log rows (and their outbox rows)\n"
	       "  %lld kept complaints (the bytes requeue uses)\n",
	       time_format_rfc3339(cutoff, t), rounds + 1, rounds ? "es" : "", batch,
	       (long long)cnt.attempts, (long long)cnt.messages, (long long)cnt.requests,
	       (long long)cnt.complaints);
	store_close(&st);
	return 0;
}
