/*
 * cmd_web.c - responder web [--listen HOST:PORT]: the admin console on its
 * own (responder/web/), until SIGTERM or SIGINT.
 *
 * The address is --listen, else [web] listen, else 127.0.0.1:8025.  The
 * console has its own store connection; replies it queues again are sent
 * by the daemon on its next pass (inside `run`, with [web] listen set, the
 * console wakes the daemon at once instead).
 */
#include "responder/cli/cli.h"
#include "responder/cli/cli_out.h"
#include "responder/web/web.h"
#include "common/log.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int
cmd_web(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct web_opts o;
	struct web *w;
	sigset_t set;
	char err[1024];
	int c, sig = 0;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 'h':
			printf("usage: responder [-c FILE] web [--listen HOST:PORT]\n");
			return 0;
		default:
			return ao_bad_option("web", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("web", "unexpected argument '%s'", argv[optind]);
	cli_settings(cli);
	o.config_path = cli->config_path;
	/* The server's thread inherits this mask: the signals come here. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((w = web_start(&o, err, sizeof(err))) == NULL) {
		cli_error("web", "%s", err);
		return EX_CONFIG;
	}
	log_info("web: the console is at %s", web_address(w));
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		log_info("web: SIGHUP ignored: restart to read the configuration again");
	log_info("web: stopping on signal %d", sig);
	web_stop(&w);
	return 0;
}
