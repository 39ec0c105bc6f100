/*
 * cli.h - what every command shares: the config path, the settings loaded
 * on first use, the store, and the usage-error convention.
 *
 * A command is `int cmd_NAME(struct cli *cli, int argc, char **argv)`
 * (argv[0] is the command's name) returning a sysexits.h status:
 * 0 success, 64 usage, 65 bad input data, 66 missing input file,
 * 69 a server unavailable, 70 internal error, 78 bad config.
 */
#ifndef RESPONDER_CLI_H
#define RESPONDER_CLI_H

#include <sysexits.h>

#include "responder/config/config.h"
#include "store/store.h"

struct cli {
	const char *config_path; /* -c, $RESPONDER_CONFIG or the default */
	int verbose;		 /* -v: debug logging whatever the config says */
	int settings_loaded;
	struct settings settings; /* valid once settings_loaded */
};

#define RESPONDER_DEFAULT_CONFIG "/etc/responder/responder.conf"

/* Loads the config on first call.  On any config error prints each one on
 * stderr and exits EX_CONFIG (78). */
const struct settings *cli_settings(struct cli *cli);
/* Opens the configured store (read-only when `readonly`).  On failure
 * prints why and exits EX_CONFIG when the store is of a newer schema, or
 * EX_CANTCREAT/EX_SOFTWARE otherwise. */
struct store *cli_store(struct cli *cli, int readonly);
/* Prints "responder CMD: message" and a hint to --help; returns EX_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "responder CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The commands (one file each, cmd_*.c).  main.c's table names each one
 * once its file exists. */
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_once(struct cli *cli, int argc, char **argv);
int cmd_process(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_lookup(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
/* `log show ID [--json] [--full]`, dispatched by cmd_log (argv[0] is "show"). */
int cmd_log_show(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_resend(struct cli *cli, int argc, char **argv);
int cmd_requeue(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_purge(struct cli *cli, int argc, char **argv);
int cmd_migrate_store(struct cli *cli, int argc, char **argv);
int cmd_web(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_classify(struct cli *cli, int argc, char **argv);

#endif
