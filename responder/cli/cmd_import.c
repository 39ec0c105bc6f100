/*
 * cmd_import.c - responder import [--format jsonl|postfix|exim] [--follow]
 *                [--account-from sasl_username|sender_domain]
 *                [--account-map FILE] FILE...
 *
 * Bad lines are reported on stderr as "file:line: why" and the good ones
 * kept; a summary per file goes to stdout.  Exit 65 if any record was
 * rejected, 66 if a file could not be read, 70 on a store failure.
 *
 * --format postfix reads Postfix logs, --format exim Exim 4 mainlogs, with
 * one importer (oldest file first; state carries over between them).
 * Lines of other programs, or not log lines at all, are counted and
 * skipped, never fatal.  --follow (postfix or exim, one FILE) keeps
 * reading as the file grows, across rotation, remembering its position in
 * the store, until SIGTERM or SIGINT.
 */
#include "responder/cli/cli.h"
#include "responder/daemon/daemon.h"
#include "store/import/import.h"
#include "common/progress.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
report_line(void *ctx, const char *file, long line, const char *why)
{
	(void)ctx;
	fprintf(stderr, "%s:%ld: %s\n", file, line, why);
}

static void
print_summary(const char *file, const struct import_stats *s)
{
	printf("%s: %ld lines: added %ld accounts, %ld addresses, %ld messages, "
	       "%ld attempts; %ld unchanged, %ld rejected\n",
	       strcmp(file, "-") == 0 ? "<stdin>" : file, s->lines, s->accounts, s->addresses,
	       s->messages, s->attempts, s->unchanged, s->rejected);
}

static void
print_pf_summary(const char *file, const struct import_stats *s, const struct pf_options *o)
{
	printf("%s: %ld lines: added %ld messages, %ld attempts; %ld unchanged, "
	       "%ld rejected, %ld skipped, %ld %s; %ld messages without account\n",
	       strcmp(file, "-") == 0 ? "<stdin>" : file, s->lines, s->messages, s->attempts,
	       s->unchanged, s->rejected, s->skipped, s->garbage,
	       o->format == PF_FORMAT_EXIM ? "not Exim log lines" : "not syslog", s->unowned);
}

static int quiet; /* --quiet: no progress line */

/* The progress line of one input file (nothing unless stderr is a
 * terminal): its size as the total, 0 (unknown) for stdin or a pipe. */
static struct progress *
file_progress(const char *path)
{
	char what[64];
	struct stat sb;
	uint64_t total = 0;

	if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		total = (uint64_t)sb.st_size;
	snprintf(what, sizeof(what), "import %s", strcmp(path, "-") == 0 ? "<stdin>" : path);
	return progress_new(what, PROGRESS_BYTES, total, quiet);
}

static int
import_jsonl_files(struct cli *cli, int argc, char **argv)
{
	struct store *st = cli_store(cli, 0);
	int status = 0;

	for (int i = 0; i < argc; i++) {
		struct import_stats stats;
		char err[1024];
		int r;

		memset(&stats, 0, sizeof(stats));
		stats.progress = file_progress(argv[i]);
		r = import_jsonl(st, argv[i], &stats, report_line, NULL, err, sizeof(err));
		progress_end(&stats.progress);
		if (r == IMPORT_ENOFILE) {
			fprintf(stderr, "responder import: %s\n", err);
			if (status == 0 || status == EX_DATAERR)
				status = EX_NOINPUT;
			if (stats.lines == 0)
				continue;
		} else if (r == IMPORT_EDB) {
			fprintf(stderr, "responder import: %s\n", err);
			print_summary(argv[i], &stats);
			store_close(&st);
			return EX_SOFTWARE;
		}
		print_summary(argv[i], &stats);
		if (stats.rejected > 0 && status == 0)
			status = EX_DATAERR;
	}
	store_close(&st);
	return status;
}

static int
import_postfix_files(struct cli *cli, const struct pf_options *o, int argc, char **argv)
{
	struct store *st = cli_store(cli, 0);
	struct import_stats total;
	struct pf_import *imp;
	char err[1024];
	int status = 0;

	imp = pf_import_new(st, o, err, sizeof(err));
	if (imp == NULL) {
		cli_error("import", "%s", err);
		store_close(&st);
		return EX_NOINPUT;
	}
	memset(&total, 0, sizeof(total));
	for (int i = 0; i < argc; i++) {
		struct import_stats stats;
		int r;

		memset(&stats, 0, sizeof(stats));
		stats.progress = file_progress(argv[i]);
		r = pf_import_file(imp, argv[i], &stats, report_line, NULL, err, sizeof(err));
		progress_end(&stats.progress);
		if (r == IMPORT_EDB) {
			cli_error("import", "%s", err);
			print_pf_summary(argv[i], &stats, o);
			pf_import_free(&imp);
			store_close(&st);
			return EX_SOFTWARE;
		}
		if (r == IMPORT_ENOFILE) {
			cli_error("import", "%s", err);
			if (status == 0 || status == EX_DATAERR)
				status = EX_NOINPUT;
			if (stats.lines == 0)
				continue;
		}
		print_pf_summary(argv[i], &stats, o);
		if (stats.rejected > 0 && status == 0)
			status = EX_DATAERR;
	}
	/* what is still open at the end: written as far as it is known */
	if (pf_import_finish(imp, &total, err, sizeof(err)) != IMPORT_OK) {
		cli_error("import", "%s", err);
		status = EX_SOFTWARE;
	} else if (total.messages > 0 || total.unowned > 0) {
		printf("end of input: added %ld messages still in flight; "
		       "%ld messages without account\n",
		       total.messages, total.unowned);
	}
	pf_import_free(&imp);
	store_close(&st);
	return status;
}

static int
follow_postfix(struct cli *cli, const struct pf_options *o, const char *path)
{
	struct store *st = cli_store(cli, 0);
	struct import_stats stats;
	struct pf_follow *f;
	struct sigaction sa;
	char err[1024];
	long n;
	int status = 0;

	f = pf_follow_open(st, path, o, err, sizeof(err));
	if (f == NULL) {
		cli_error("import", "%s", err);
		store_close(&st);
		return EX_SOFTWARE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: the sleep is cut short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(&stats, 0, sizeof(stats));
	while (!stop_requested) {
		n = pf_follow_step(f, 20000, &stats, report_line, NULL, err, sizeof(err));
		if (n == IMPORT_EDB) {
			cli_error("import", "%s", err);
			status = EX_SOFTWARE;
			break;
		}
		if (n == IMPORT_ENOFILE)
			cli_error("import", "%s (retrying)", err);
		if (n <= 0 && !stop_requested) {
			struct timespec ts = { 0, 500 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	pf_follow_close(&f);
	print_pf_summary(path, &stats, o);
	store_close(&st);
	return status;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "follow", no_argument, NULL, 'F' },
		{ "account-from", required_argument, NULL, 'a' },
		{ "account-map", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "jsonl", *account_from = NULL, *account_map = NULL;
	struct pf_options o;
	int c, follow = 0;

	while ((c = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'f':
			format = optarg;
			break;
		case 'F':
			follow = 1;
			break;
		case 'a':
			account_from = optarg;
			break;
		case 'm':
			account_map = optarg;
			break;
		case 'h':
			printf(
			    "usage: responder import [--format jsonl|postfix|exim] [--quiet] FILE...\n"
			    "       responder import --format postfix|exim [--follow]"
			    " [--account-from sasl_username|sender_domain]\n"
			    "                        [--account-map FILE] FILE...\n");
			return 0;
		default:
			return cli_usage("import", "bad option");
		}
	}
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "postfix") != 0 &&
	    strcmp(format, "exim") != 0)
		return cli_usage("import", "unknown format '%s' (jsonl, postfix or exim)", format);
	if (optind >= argc)
		return cli_usage("import", "no FILE given ('-' reads stdin)");
	if (strcmp(format, "jsonl") == 0) {
		if (follow || account_from || account_map)
			return cli_usage("import",
					 "--follow and --account-* need --format postfix or exim");
		return import_jsonl_files(cli, argc - optind, argv + optind);
	}

	daemon_import_options(cli_settings(cli), &o);
	o.format = strcmp(format, "exim") == 0 ? PF_FORMAT_EXIM : PF_FORMAT_POSTFIX;
	if (account_from == NULL)
		; /* the config's, as the daemon's follower has it */
	else if (strcmp(account_from, "sasl_username") == 0)
		o.account_from = PF_ACCOUNT_FROM_SASL;
	else if (strcmp(account_from, "sender_domain") == 0)
		o.account_from = PF_ACCOUNT_FROM_SENDER_DOMAIN;
	else
		return cli_usage("import", "--account-from is sasl_username or sender_domain");
	if (account_map != NULL)
		o.account_map = account_map;
	if (follow) {
		if (argc - optind != 1 || strcmp(argv[optind], "-") == 0)
			return cli_usage("import", "--follow takes exactly one FILE (not '-')");
		return follow_postfix(cli, &o, argv[optind]);
	}
	return import_postfix_files(cli, &o, argc - optind, argv + optind);
}
