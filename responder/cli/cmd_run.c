/*
 * cmd_run.c - `responder run` (the daemon: IDLE or poll until SIGTERM,
 * SIGHUP reloads) and `responder once` (one pass over the mailbox, send
 * what is due, exit; 69 when a server was unavailable).  The loop itself
 * is daemon.c.
 */
#include "responder/cli/cli.h"
#include "responder/daemon/daemon.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int
run_mode(struct cli *cli, int argc, char **argv, enum daemon_mode mode)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: responder [-c FILE] %s\n", argv[0]);
			return 0;
		}
		return cli_usage(argv[0], "unknown option");
	}
	if (optind < argc)
		return cli_usage(argv[0], "takes no arguments");
	cli_settings(cli);
	st = cli_store(cli, 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error(argv[0], "curl_global_init failed");
		store_close(&st);
		return EX_SOFTWARE;
	}
	/* cli->settings is replaced in place on SIGHUP; main.c frees it. */
	r = daemon_main(cli->config_path, &cli->settings, st, mode);
	curl_global_cleanup();
	store_close(&st);
	return r;
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	return run_mode(cli, argc, argv, DAEMON_RUN);
}

int
cmd_once(struct cli *cli, int argc, char **argv)
{
	return run_mode(cli, argc, argv, DAEMON_ONCE);
}
