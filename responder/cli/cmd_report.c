/*
 * cmd_report.c - responder report --html FILE [--since DURATION|DATE]
 *                [--limit N]
 *
 * Writes one self-contained HTML page (report_html.c): the stats, a chart
 * of complaints per day by outcome, and the N most recent requests (200 by
 * default) with their details.  FILE is written through a temporary file
 * and renamed, so a reader never sees half a page; '-' writes to stdout.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/web/report_html.h"
#include "responder/web/stats_collect.h"
#include "store/admin.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int
write_file(const char *path, const struct report_input *in)
{
	char *tmp;
	size_t n;
	FILE *fp;
	int fd;

	if (strcmp(path, "-") == 0)
		return report_html_write(stdout, in) < 0 || fflush(stdout) != 0 ? -1 : 0;
	n = strlen(path) + 16;
	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		cli_error("report", "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		free(tmp);
		return -1;
	}
	if (report_html_write(fp, in) < 0 || fclose(fp) != 0 || chmod(tmp, 0644) < 0 ||
	    rename(tmp, path) < 0) {
		cli_error("report", "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "html", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct admin_filter f;
	struct admin_stats s;
	struct admin_request_list l;
	struct admin_request *full = NULL;
	struct admin_outbox_list *ob = NULL;
	struct report_input in;
	struct store *st;
	size_t loaded = 0;
	int c, r, rc = 0;

	memset(&f, 0, sizeof(f));
	f.limit = 200;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:s:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			if ((r = ao_parse_since("report", optarg, &f.since)) != 0)
				return r;
			break;
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > 10000)
				return cli_usage("report",
						 "--limit wants a number from 1 to 10000, "
						 "not '%s'",
						 optarg);
			f.limit = (size_t)v;
			break;
		}
		case 'h':
			printf(
			    "usage: responder report --html FILE [--since DURATION|DATE] [--limit N]\n");
			return 0;
		default:
			return ao_bad_option("report", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("report", "unexpected argument '%s'", argv[optind]);
	if (out == NULL || *out == '\0')
		return cli_usage("report",
				 "--html FILE is required (the page to write; '-' = stdout)");

	st = cli_store(cli, 1);
	if (stats_collect(st, f.since, &s) < 0) {
		cli_error("report", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	if (admin_requests(st, &f, &l) < 0) {
		cli_error("report", "%s", store_errmsg(st));
		admin_stats_free(&s);
		store_close(&st);
		return EX_SOFTWARE;
	}
	full = xcalloc(l.n ? l.n : 1, sizeof(*full));
	ob = xcalloc(l.n ? l.n : 1, sizeof(*ob));
	for (; loaded < l.n; loaded++)
		if (admin_request_get(st, l.v[loaded].id, &full[loaded], &ob[loaded]) < 0) {
			cli_error("report", "%s", store_errmsg(st));
			rc = EX_SOFTWARE;
			break;
		}
	if (rc == 0) {
		memset(&in, 0, sizeof(in));
		in.stats = &s;
		in.requests = full;
		in.outbox = ob;
		in.n_requests = l.n;
		in.generated_at = (int64_t)time(NULL);
		in.title = cli_settings(cli)->address;
		if (write_file(out, &in) < 0)
			rc = EX_CANTCREAT;
		else if (strcmp(out, "-") != 0)
			printf("wrote %s: %lld requests, %zu in the table\n", out,
			       (long long)s.requests, l.n);
	}
	for (size_t i = 0; i < loaded; i++) {
		admin_request_free(&full[i]);
		admin_outbox_list_free(&ob[i]);
	}
	free(full);
	free(ob);
	admin_request_list_free(&l);
	admin_stats_free(&s);
	store_close(&st);
	return rc;
}
