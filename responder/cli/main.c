/*
 * main.c - responder [-c FILE] COMMAND [ARGS]: global options and dispatch.
 */
#include "responder/cli/cli.h"
#include "common/log.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *usage;
};

/* Every command of DESIGN.md; fn == NULL would say "not implemented". */
/* clang-format off */
static const struct command commands[] = {
	{ "run", cmd_run, "run                                  daemon: IDLE (or poll) the mailbox until SIGTERM; SIGHUP reloads" },
	{ "once", cmd_once, "once                                 one pass over the mailbox, send what is due, exit" },
	{ "process", cmd_process, "process [--dry-run] [--json] FILE... handle complaint files ('-' = stdin) as the daemon would" },
	{ "import", cmd_import, "import [--format jsonl|postfix|exim] [--follow] [--account-from M] [--account-map F] FILE...  load delivery records ('-' = stdin)" },
	{ "lookup", cmd_lookup, "lookup --message-id ID | --queue-id ID | --recipient ADDR [--since DATE] [--account NAME] [--transcripts] [--json] [--limit N]" },
	{ "log", cmd_log, "log [--since DURATION|DATE] [--outcome O] [--requester ADDR] [--account A] [--limit N] [--json] | log show ID [--json]" },
	{ "stats", cmd_stats, "stats [--since DURATION] [--json]    counts per outcome and reason" },
	{ "report", cmd_report, "report --html FILE [--since DURATION]  one self-contained HTML page" },
	{ "resend", cmd_resend, "resend ID                            retry a failed reply" },
	{ "requeue", cmd_requeue, "requeue ID                           handle a complaint again" },
	{ "release", cmd_release, "release ID                           handle a quarantined complaint once more" },
	{ "web", cmd_web, "web [--listen HOST:PORT]             the admin console (docs/web.md); also inside run with [web] listen" },
	{ "migrate-store", cmd_migrate_store, "migrate-store --from URL --to URL  copy a store (sqlite:PATH, postgresql://...), resumable" },
	{ "purge", cmd_purge, "purge                                delete what retention allows" },
	{ "check-config", cmd_check_config, "check-config [--connect] [--quiet]   validate config, templates, store, secrets; print effective settings" },
	{ "classify", cmd_classify, "classify [--json] [--mx HOST] [--status S] TEXT|-  reason, provider, remote queue ID of an SMTP reply" },
};
/* clang-format on */

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: responder [-c FILE] COMMAND [ARGS]\n"
		"       responder --help | --version\n\n"
		"Answers \"I never got your email\" complaints with the delivery record.\n\n"
		"options:\n"
		"  -c FILE     config file (else $RESPONDER_CONFIG, else %s)\n"
		"  -v          more logging (debug)\n"
		"  -h, --help  this text\n"
		"  -V, --version\n\n"
		"commands:\n",
		RESPONDER_DEFAULT_CONFIG);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %s\n", commands[i].usage);
	fprintf(fp, "\nexit status: 0 ok, 64 usage, 65 bad input data, 66 missing input,\n"
		    "69 server unavailable, 70 internal error, 78 bad config\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli;
	const char *env;
	int c, verbose = 0, r, idx;

	/* libetpan and curl write to sockets without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);
	log_init("responder", LOG_LVL_INFO, 0);
	memset(&cli, 0, sizeof(cli));
	env = getenv("RESPONDER_CONFIG");
	cli.config_path = env && *env ? env : RESPONDER_DEFAULT_CONFIG;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:hvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("responder %s\n", RESPONDER_VERSION);
			return 0;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "responder: see 'responder --help'\n");
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		if (commands[i].fn == NULL) {
			fprintf(stderr, "responder %s: not implemented in this version yet\n",
				commands[i].name);
			return EX_SOFTWARE;
		}
		cli.verbose = verbose;
		if (verbose)
			log_set_level(LOG_LVL_DEBUG);
		/* Each command parses its own options with getopt from argv[0];
		 * optind = 0 makes glibc's getopt start afresh. */
		idx = optind;
		optind = 0;
		r = commands[i].fn(&cli, argc - idx, argv + idx);
		if (cli.settings_loaded)
			config_free(&cli.settings);
		return r;
	}
	fprintf(stderr, "responder: unknown command '%s' (see 'responder --help')\n", argv[optind]);
	return EX_USAGE;
}
