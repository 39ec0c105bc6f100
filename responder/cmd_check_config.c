/*
 * cmd_check_config.c - responder check-config: validate the config and
 * print the effective settings.  Secret files are checked for permissions
 * but never read aloud.  Exit 78 on a bad config.
 */
#include "responder/cli.h"
#include "responder/secret.h"

#include <stdio.h>
#include <string.h>

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
	const struct settings *s;
	const char *secrets[4];
	int bad = 0;

	(void)argv;
	if (argc > 1)
		return cli_usage("check-config", "takes no arguments");
	s = cli_settings(cli);
	secrets[0] = s->imap_password_file;
	secrets[1] = s->imap_token_file;
	secrets[2] = s->smtp_password_file;
	secrets[3] = s->smtp_token_file;
	for (size_t i = 0; i < 4; i++) {
		char err[512];
		if (secrets[i] && *secrets[i] && secret_check_file(secrets[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "responder: %s: %s\n", s->file, err);
			bad = 1;
		}
	}
	config_print(s, stdout);
	if (bad)
		return EX_CONFIG;
	printf("# config OK\n");
	return 0;
}
