/*
 * cmd_classify.c - responder classify [--json] [--mx HOST] [--status S] TEXT|-
 *
 * Prints the reason, the provider and the remote queue ID of one SMTP reply
 * text ('-' reads it from stdin), as the responder would see them.  For
 * admins checking a reply, and for tests.  Needs no config file.  A text
 * that starts with '-' goes after "--".
 *
 * SECURITY: the text is whatever a remote server wrote.  stdin is read into
 * a capped buffer; NUL bytes become spaces; the ID printed is restricted to
 * a safe character set by reason_remote_queue_id(); JSON goes through
 * jansson.
 */
#include "responder/cli/cli.h"
#include "responder/reason/reason.h"
#include "common/buf.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLASSIFY_STDIN_MAX ((size_t)4 * 1024 * 1024)

/* Reads all of stdin; NULL (with a message) when it is over the cap. */
static char *
read_stdin(void)
{
	struct buf b;
	char chunk[8192];
	size_t n;

	buf_init(&b, CLASSIFY_STDIN_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (chunk[i] == '\0')
				chunk[i] = ' ';
		if (buf_append(&b, chunk, n) < 0) {
			cli_error("classify", "stdin: more than %zu bytes", CLASSIFY_STDIN_MAX);
			buf_free(&b);
			return NULL;
		}
	}
	if (ferror(stdin)) {
		cli_error("classify", "stdin: read error");
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static int
print_json(const struct classification *c)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "reason", json_string(reason_name(c->reason)));
	json_object_set_new(o, "provider", c->provider ? json_string(c->provider) : json_null());
	json_object_set_new(o, "provider_name",
			    c->provider_name ? json_string(c->provider_name) : json_null());
	json_object_set_new(o, "remote_queue_id",
			    c->remote_queue_id[0] ? json_string(c->remote_queue_id) : json_null());
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL) {
		cli_error("classify", "cannot encode JSON");
		return EX_SOFTWARE;
	}
	puts(s);
	free(s);
	return 0;
}

int
cmd_classify(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mx", required_argument, NULL, 'm' },
		{ "status", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mx = NULL, *status = NULL;
	struct classification c;
	const char *text;
	char *stdin_text = NULL;
	int opt, json = 0;

	(void)cli;  /* classify needs no config */
	opterr = 0; /* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'm':
			mx = optarg;
			break;
		case 's':
			status = optarg;
			if (strcmp(status, "delivered") != 0 && strcmp(status, "deferred") != 0 &&
			    strcmp(status, "bounced") != 0)
				return cli_usage("classify",
						 "--status must be delivered, deferred "
						 "or bounced, not '%s'",
						 status);
			break;
		case 'h':
			printf("usage: responder classify [--json] [--mx HOST] "
			       "[--status delivered|deferred|bounced] TEXT|-\n");
			return 0;
		case ':':
			return cli_usage("classify", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage("classify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("classify", "expects one reply TEXT, or - for stdin");
	if (strcmp(argv[optind], "-") == 0) {
		if ((stdin_text = read_stdin()) == NULL)
			return EX_DATAERR;
		text = stdin_text;
	} else {
		text = argv[optind];
	}

	reason_classify(status, 0, NULL, text, mx, &c);
	free(stdin_text);
	if (json)
		return print_json(&c);
	printf("reason: %s\n", reason_name(c.reason));
	if (c.provider)
		printf("provider: %s (%s)\n", c.provider, c.provider_name);
	else
		printf("provider: -\n");
	printf("remote queue id: %s\n", c.remote_queue_id[0] ? c.remote_queue_id : "-");
	return 0;
}
