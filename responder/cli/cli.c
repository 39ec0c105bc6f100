/*
 * cli.c - settings, store and error helpers shared by the commands.
 */
#include "responder/cli/cli.h"
#include "responder/decide/store_settings.h"
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct settings *
cli_settings(struct cli *cli)
{
	struct config_errors errs;

	if (cli->settings_loaded)
		return &cli->settings;
	if (config_load(cli->config_path, &cli->settings, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "responder: %s\n", errs.v[i]);
		if (strcmp(cli->config_path, RESPONDER_DEFAULT_CONFIG) == 0)
			fprintf(stderr, "responder: (choose a config with -c FILE or "
					"RESPONDER_CONFIG)\n");
		config_errors_free(&errs);
		exit(EX_CONFIG);
	}
	cli->settings_loaded = 1;
	log_set_level(cli->verbose ? LOG_LVL_DEBUG : (enum log_level)cli->settings.log_level);
	log_init("responder", log_get_level(), cli->settings.syslog);
	return &cli->settings;
}

/* The sysexits status of a store that cannot be opened. */
static int
open_status(int reason, int readonly)
{
	switch (reason) {
	case STORE_ENEWER:
		return EX_CONFIG;
	case STORE_EDATA:
		return EX_DATAERR;
	case STORE_EPERM:
		return EX_NOPERM;
	case STORE_EFULL:
		return EX_TEMPFAIL;
	case STORE_EUNAVAIL:
		return EX_UNAVAILABLE;
	default:
		return readonly ? EX_NOINPUT : EX_CANTCREAT;
	}
}

struct store *
cli_store(struct cli *cli, int readonly)
{
	const struct settings *s = cli_settings(cli);
	char err[1024];
	struct store *st;
	int reason;

	st = store_open_settings(s, readonly ? STORE_OPEN_READONLY : 0, &reason, err, sizeof(err));
	if (st == NULL)
		fatal(open_status(reason, readonly), "%s", err);
	return st;
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "responder %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'responder --help')\n");
	return EX_USAGE;
}

void
cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "responder %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
