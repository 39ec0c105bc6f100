/*
 * cmd_log.c - responder log [--since DURATION|DATE] [--outcome O]
 *             [--requester ADDR] [--account A] [--limit N] [--json]
 *             | log show ID [--json] [--full]
 *
 * The request log, newest first: one line per complaint with its time,
 * requester, account, outcome, reply state and the matched message.  An
 * aligned table (coloured on a terminal unless NO_COLOR is set), or one
 * JSON object per line with --json (DESIGN.md contract: id, received_at,
 * requester, account, outcome, why, complaint_message_id, reply_state).
 * `log show` is in cmd_log_show.c; the JSON object of a request in
 * log_json.c.
 *
 * SECURITY: every column is stored peer text; it is cleaned for the
 * terminal (cli_out.h) and made valid UTF-8 for JSON.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/cli/log_json.h"
#include "store/admin.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcomes[] = {
	"found", "ambiguous", "not_found", "unauthorized", "ignored", "error", NULL,
};

static const char *
outcome_colour(const char *o)
{
	if (strcmp(o, "found") == 0)
		return "\033[32m";
	if (strcmp(o, "unauthorized") == 0 || strcmp(o, "error") == 0 || strcmp(o, "failed") == 0)
		return "\033[31m";
	if (strcmp(o, "ignored") == 0 || strcmp(o, "none") == 0)
		return "\033[2m";
	return "\033[33m";
}

/* "Invoice 1042 [4XbQ1m0vG7z1aa]", or the why when nothing matched. */
static char *
matched_text(const struct admin_request *r)
{
	char *s;
	size_t n;

	if (r->matched_queue_id == NULL)
		return xstrdup(r->why ? r->why : "-");
	n = strlen(r->matched_queue_id) + (r->matched_subject ? strlen(r->matched_subject) : 0) + 8;
	s = xmalloc(n);
	if (r->matched_subject)
		snprintf(s, n, "%s [%s]", r->matched_subject, r->matched_queue_id);
	else
		snprintf(s, n, "[%s]", r->matched_queue_id);
	return s;
}

static void
print_table(const struct admin_request_list *l)
{
	static const size_t max_req = 36, max_acct = 16;
	size_t w_id = 2, w_req = 9, w_acct = 7;
	int colour = ao_use_colour();
	char t[TIME_RFC3339_LEN], idbuf[24];

	for (size_t i = 0; i < l->n; i++) {
		char *c;
		size_t w;

		w = (size_t)snprintf(idbuf, sizeof(idbuf), "%lld", (long long)l->v[i].id);
		if (w > w_id)
			w_id = w;
		c = ao_clean(l->v[i].requester);
		if ((w = ao_width(c)) > w_req)
			w_req = w > max_req ? max_req : w;
		free(c);
		c = ao_clean(l->v[i].account);
		if ((w = ao_width(c)) > w_acct)
			w_acct = w > max_acct ? max_acct : w;
		free(c);
	}
	printf("%-*s  %-20s  ", (int)w_id, "ID", "RECEIVED");
	ao_put_cell(stdout, "REQUESTER", w_req, 0);
	fputs("  ", stdout);
	ao_put_cell(stdout, "ACCOUNT", w_acct, 0);
	printf("  %-12s  %-6s  %s\n", "OUTCOME", "REPLY", "MATCHED / WHY");
	for (size_t i = 0; i < l->n; i++) {
		const struct admin_request *r = &l->v[i];
		char *m = matched_text(r);

		printf("%*lld  %-20s  ", (int)w_id, (long long)r->id,
		       time_format_rfc3339(r->received_at, t));
		ao_put_cell(stdout, r->requester, w_req, max_req);
		fputs("  ", stdout);
		ao_put_cell(stdout, r->account, w_acct, max_acct);
		fputs("  ", stdout);
		if (colour)
			fputs(outcome_colour(r->outcome), stdout);
		ao_put_cell(stdout, r->outcome, colour ? 0 : 12, 12);
		if (colour)
			printf("\033[0m%*s", (int)(12 - ao_width(r->outcome)), "");
		fputs("  ", stdout);
		if (colour && strcmp(r->reply_state, "failed") == 0)
			printf("\033[31m%-6s\033[0m", r->reply_state);
		else
			printf("%-6s", r->reply_state);
		fputs("  ", stdout);
		ao_put_cell(stdout, m, 0, 60);
		fputc('\n', stdout);
		free(m);
	}
}

static int
usage_ok(void)
{
	printf("usage: responder log [--since DURATION|DATE] [--outcome O] [--requester ADDR]\n"
	       "                     [--account A] [--limit N] [--json]\n"
	       "       responder log show ID [--json] [--full]\n"
	       "outcomes: found ambiguous not_found unauthorized ignored error\n");
	return 0;
}

int
cmd_log(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "requester", required_argument, NULL, 'r' },
		{ "account", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_filter f;
	struct admin_request_list l;
	struct store *st;
	int c, json = 0, r;

	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return cmd_log_show(cli, argc - 1, argv + 1);
	memset(&f, 0, sizeof(f));
	f.limit = 100;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:o:r:a:n:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((r = ao_parse_since("log", optarg, &f.since)) != 0)
				return r;
			break;
		case 'o': {
			int ok = 0;
			for (size_t i = 0; outcomes[i]; i++)
				ok |= strcmp(optarg, outcomes[i]) == 0;
			if (!ok)
				return cli_usage(
				    "log",
				    "--outcome must be one of found, ambiguous, "
				    "not_found, unauthorized, ignored, error; not '%s'",
				    optarg);
			f.outcome = optarg;
			break;
		}
		case 'r':
			f.requester = optarg;
			break;
		case 'a':
			f.account = optarg;
			break;
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > 1000000)
				return cli_usage("log",
						 "--limit wants a number from 1 to 1000000, "
						 "not '%s'",
						 optarg);
			f.limit = (size_t)v;
			break;
		}
		case 'j':
			json = 1;
			break;
		case 'h':
			return usage_ok();
		default:
			return ao_bad_option("log", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("log", "unexpected argument '%s'", argv[optind]);

	st = cli_store(cli, 1);
	if (admin_requests(st, &f, &l) < 0) {
		cli_error("log", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	if (json) {
		for (size_t i = 0; i < l.n; i++)
			ao_print_json(log_request_json(&l.v[i]));
	} else if (l.n == 0) {
		fprintf(stderr, "responder log: no requests%s\n",
			f.since || f.outcome || f.requester || f.account ? " match" : " yet");
	} else {
		print_table(&l);
	}
	admin_request_list_free(&l);
	store_close(&st);
	return 0;
}
