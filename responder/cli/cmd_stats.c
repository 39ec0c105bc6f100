/*
 * cmd_stats.c - responder stats [--since DURATION|DATE] [--json]
 *
 * Counts per outcome and per reason, replies sent / failed / queued, the
 * median time from a complaint's arrival to its reply being sent, and the
 * count per day.  Text for people, one JSON object with --json:
 *   {"since":RFC3339|null,"requests":N,
 *    "outcomes":{"found":N,...every outcome...},
 *    "reasons":{"delivered":N,...},
 *    "replies":{"sent":N,"failed":N,"queued":N},
 *    "median_reply_seconds":N|null,
 *    "days":[{"day":"2026-11-20","found":N,...},...]}
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/web/stats_collect.h"
#include "store/admin.h"
#include "common/timeutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const outcomes[] = {
	"found", "ambiguous", "not_found", "unauthorized", "ignored", "error",
};
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

static json_t *
stats_json(const struct admin_stats *s)
{
	json_t *o = json_object(), *oc = json_object(), *rs = json_object();
	json_t *rp = json_object(), *days = json_array(), *day = NULL;
	char t[TIME_RFC3339_LEN];
	const char *cur = "";

	json_object_set_new(o, "since",
			    s->since ? json_string(time_format_rfc3339(s->since, t)) : json_null());
	json_object_set_new(o, "requests", json_integer(s->requests));
	for (size_t i = 0; i < NOUTCOMES; i++)
		json_object_set_new(oc, outcomes[i], json_integer(0));
	for (size_t i = 0; i < s->n_outcomes; i++)
		json_object_set_new(oc, s->outcomes[i].name, json_integer(s->outcomes[i].n));
	json_object_set_new(o, "outcomes", oc);
	for (size_t i = 0; i < s->n_reasons; i++)
		json_object_set_new(rs, s->reasons[i].name, json_integer(s->reasons[i].n));
	json_object_set_new(o, "reasons", rs);
	json_object_set_new(rp, "sent", json_integer(s->replies_sent));
	json_object_set_new(rp, "failed", json_integer(s->replies_failed));
	json_object_set_new(rp, "queued", json_integer(s->replies_queued));
	json_object_set_new(o, "replies", rp);
	json_object_set_new(o, "median_reply_seconds",
			    s->median_reply_secs >= 0 ? json_integer(s->median_reply_secs) :
							json_null());
	for (size_t i = 0; i < s->n_days; i++) {
		if (strcmp(cur, s->days[i].day) != 0) {
			day = json_object();
			json_object_set_new(day, "day", json_string(s->days[i].day));
			json_array_append_new(days, day);
			cur = s->days[i].day;
		}
		json_object_set_new(day, s->days[i].outcome, json_integer(s->days[i].n));
	}
	json_object_set_new(o, "days", days);
	return o;
}

static void
print_text(const struct admin_stats *s)
{
	char t[TIME_RFC3339_LEN], d[32];
	const char *cur = "";

	if (s->since)
		printf("Requests since %s: %lld\n", time_format_rfc3339(s->since, t),
		       (long long)s->requests);
	else
		printf("Requests (all time): %lld\n", (long long)s->requests);
	printf("\nBy outcome:\n");
	for (size_t i = 0; i < s->n_outcomes; i++) {
		printf("  ");
		ao_put_cell(stdout, s->outcomes[i].name, 14, 30);
		printf(" %6lld\n", (long long)s->outcomes[i].n);
	}
	if (s->n_outcomes == 0)
		printf("  (none)\n");
	printf("\nBy reason (recipients of the messages found; latest attempt):\n");
	for (size_t i = 0; i < s->n_reasons; i++) {
		printf("  ");
		ao_put_cell(stdout, s->reasons[i].name, 18, 30);
		printf(" %6lld\n", (long long)s->reasons[i].n);
	}
	if (s->n_reasons == 0)
		printf("  (none)\n");
	printf("\nReplies: %lld sent, %lld failed, %lld queued\n", (long long)s->replies_sent,
	       (long long)s->replies_failed, (long long)s->replies_queued);
	printf("Median time from arrival to reply: %s\n",
	       s->median_reply_secs >= 0 ?
		   time_format_duration(s->median_reply_secs, d, sizeof(d)) :
		   "- (no reply sent)");
	if (s->n_days)
		printf("\nPer day (UTC):");
	for (size_t i = 0; i < s->n_days; i++) {
		if (strcmp(cur, s->days[i].day) != 0) {
			printf("\n  %s ", s->days[i].day);
			cur = s->days[i].day;
		}
		printf(" ");
		ao_put_cell(stdout, s->days[i].outcome, 0, 30);
		printf(" %lld", (long long)s->days[i].n);
	}
	if (s->n_days)
		putchar('\n');
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_stats s;
	struct store *st;
	int64_t since = 0;
	int c, json = 0, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((r = ao_parse_since("stats", optarg, &since)) != 0)
				return r;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("usage: responder stats [--since DURATION|DATE] [--json]\n");
			return 0;
		default:
			return ao_bad_option("stats", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("stats", "unexpected argument '%s'", argv[optind]);
	st = cli_store(cli, 1);
	if (stats_collect(st, since, &s) < 0) {
		cli_error("stats", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	if (json)
		ao_print_json(stats_json(&s));
	else
		print_text(&s);
	admin_stats_free(&s);
	store_close(&st);
	return 0;
}
