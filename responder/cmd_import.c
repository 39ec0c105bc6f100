/*
 * cmd_import.c - responder import [--format jsonl|postfix] FILE...
 *
 * Bad lines are reported on stderr as "file:line: why" and the good ones
 * kept; a summary per file goes to stdout.  Exit 65 if any line was
 * rejected, 66 if a file could not be read, 70 on a store failure.
 */
#include "responder/cli.h"
#include "store/import.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
	       strcmp(file, "-") == 0 ? "<stdin>" : file, s->lines, s->accounts,
	       s->addresses, s->messages, s->attempts, s->unchanged, s->rejected);
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "jsonl";
	struct store *st;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			printf("usage: responder import [--format jsonl|postfix] FILE...\n");
			return 0;
		default:
			return cli_usage("import", "bad option");
		}
	}
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "postfix") != 0)
		return cli_usage("import", "unknown format '%s' (jsonl or postfix)", format);
	if (optind >= argc)
		return cli_usage("import", "no FILE given ('-' reads stdin)");
	if (strcmp(format, "postfix") == 0) {
		cli_error("import", "--format postfix is not implemented in this version yet");
		return EX_SOFTWARE;
	}
	st = cli_store(cli, 0);
	for (int i = optind; i < argc; i++) {
		struct import_stats stats;
		char err[1024];
		int r;

		memset(&stats, 0, sizeof(stats));
		r = import_jsonl(st, argv[i], &stats, report_line, NULL, err, sizeof(err));
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
