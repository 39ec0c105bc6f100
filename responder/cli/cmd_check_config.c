/*
 * cmd_check_config.c - responder check-config [--connect] [--quiet]
 *
 * Validates what the daemon needs before it runs:
 *   - the config file (every error as file:line; exit 78),
 *   - secret files: regular, non-empty, readable by the owner only
 *     (their contents are never printed), the console's too,
 *   - [metrics] and [web] listen addresses (the console: loopback, TLS or
 *     a proxy, and credentials),
 *   - every template in the templates directory (syntax, partials),
 *   - the store: opens read-only and shows its schema version (a store
 *     that does not exist yet is fine: the first writer creates it; a
 *     PostgreSQL URL where no server answers: exit 69),
 *   - with --connect: logs into IMAP and SMTP and reports success or the
 *     exact failure (exit 69 when a server refuses or cannot be reached).
 * Then prints the effective settings (secrets are never part of them:
 * only the paths of the files that hold them).  --quiet prints problems
 * only (for ExecStartPre).
 */
#include "responder/cli/cli.h"
#include "responder/decide/store_settings.h"
#include "responder/reply/compose.h"
#include "responder/imap/imap_source.h"
#include "responder/config/secret.h"
#include "responder/http/http.h"
#include "responder/smtp/smtp_send.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct check {
	int quiet;
	int bad_config;	 /* -> 78 */
	int unavailable; /* -> 69 */
};

static void ok(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ok(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	printf("# ok: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* [metrics] listen and [web] listen parse; the console's address is
 * loopback, or has TLS or a proxy, and it has credentials. */
static void
check_listeners(struct check *c, const struct settings *s)
{
	struct http_listen l;
	char err[512];

	if (*s->metrics_listen) {
		if (http_listen_parse(s->metrics_listen, &l, err, sizeof(err)) < 0) {
			fprintf(stderr, "responder: %s: [metrics] listen: %s\n", s->file, err);
			c->bad_config = 1;
		} else {
			ok(c, "[metrics] listen %s%s", l.text,
			   l.loopback ? "" : " (not loopback: firewall it)");
		}
	}
	if (!*s->web_listen)
		return;
	if (http_listen_parse(s->web_listen, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "responder: %s: [web] listen: %s\n", s->file, err);
		c->bad_config = 1;
		return;
	}
	if (!l.loopback && !(*s->web_tls_cert && *s->web_tls_key) && !s->web_trust_proxy) {
		fprintf(stderr,
			"responder: %s: [web] listen %s is not a loopback address: set tls_cert "
			"and tls_key, or trust_proxy = yes\n",
			s->file, l.text);
		c->bad_config = 1;
	} else if (!*s->web_token_file && !*s->web_htpasswd_file) {
		fprintf(stderr,
			"responder: %s: [web] listen is set but neither token_file nor "
			"htpasswd_file\n",
			s->file);
		c->bad_config = 1;
	} else {
		ok(c, "[web] listen %s", l.text);
	}
}

static void
check_secrets(struct check *c, const struct settings *s)
{
	const struct {
		const char *key, *path;
	} secrets[] = {
		{ "[imap] password_file", s->imap_password_file },
		{ "[imap] token_file", s->imap_token_file },
		{ "[smtp] password_file", s->smtp_password_file },
		{ "[smtp] token_file", s->smtp_token_file },
		{ "[web] token_file", s->web_token_file },
		{ "[web] htpasswd_file", s->web_htpasswd_file },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (secrets[i].path == NULL || *secrets[i].path == '\0')
			continue;
		if (secret_check_file(secrets[i].path, err, sizeof(err)) < 0) {
			fprintf(stderr, "responder: %s: %s: %s\n", s->file, secrets[i].key, err);
			c->bad_config = 1;
		} else {
			ok(c, "%s %s is readable by its owner only", secrets[i].key,
			   secrets[i].path);
		}
	}
}

/* Each reply language's templates: complete, or which parts fall back to
 * English (a note, not an error: the reply is still sent). */
static void
check_languages(struct check *c, const struct templates *t, const char *dir)
{
	static const char *const codes[] = { "de", "fr", "es", "it", "nl", "pt", "pl" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *const *names;
		size_t n;
		int has = templates_missing(t, codes[i], &names, &n);

		if (has == 0) {
			printf("# note: templates: no folder %s/%s: replies in %s are in English\n",
			       dir, codes[i], codes[i]);
		} else if (n > 0) {
			printf("# note: templates: %s/%s lacks %zu part%s (English is used):", dir,
			       codes[i], n, n == 1 ? "" : "s");
			for (size_t k = 0; k < n; k++)
				printf(" %s", names[k]);
			putchar('\n');
		} else {
			ok(c, "templates in %s/%s are complete", dir, codes[i]);
		}
	}
}

static void
check_templates(struct check *c, const struct settings *s)
{
	const char *dir = config_templates_dir(s);
	struct templates *t = NULL;
	char err[1024];

	if (templates_load(dir, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "responder: templates: %s\n", err);
		c->bad_config = 1;
		return;
	}
	ok(c, "templates in %s load (syntax and partials)", dir);
	check_languages(c, t, dir);
	templates_free(&t);
}

static void
check_store(struct check *c, const struct settings *s)
{
	char err[1024], dirbuf[1024];
	struct store *st;
	struct stat sb;

	if (*s->store_url) {
		/* PostgreSQL: it must answer, with a schema this responder knows
		 * (a database not yet migrated is made by the first writer). */
		int reason = 0;

		st = store_open_settings(s, STORE_OPEN_READONLY, &reason, err, sizeof(err));
		if (st == NULL && reason != STORE_EINVAL) {
			/* a password_file error names its section already */
			fprintf(stderr, "responder: %s: %s%s\n", s->file,
				strncmp(err, "[store]", 7) == 0 ? "" : "[store] ", err);
			/* no server answers: 69, as for IMAP and SMTP, not 78 */
			if (reason == STORE_EUNAVAIL)
				c->unavailable = 1;
			else
				c->bad_config = 1;
			return;
		}
		if (st == NULL)
			ok(c, "store %s answers; its schema is made or upgraded by the first run",
			   store_display_name_of(s->store_url, dirbuf, sizeof(dirbuf)));
		else
			ok(c, "store %s opens, schema version %d", store_display_name(st),
			   store_schema_version(st));
		store_close(&st);
		return;
	}
	if (stat(s->store_path, &sb) < 0 && errno == ENOENT) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", s->store_path);
		if (access(dirname(dirbuf), W_OK) < 0) {
			snprintf(dirbuf, sizeof(dirbuf), "%s", s->store_path);
			fprintf(stderr,
				"responder: %s: [store] path %s does not exist and its "
				"directory %s is not writable: %s\n",
				s->file, s->store_path, dirname(dirbuf), strerror(errno));
			c->bad_config = 1;
			return;
		}
		ok(c, "store %s does not exist yet (the first run creates it)", s->store_path);
		return;
	}
	st = store_open_readonly(s->store_path, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "responder: %s: [store] %s\n", s->file, err);
		c->bad_config = 1;
		return;
	}
	ok(c, "store %s opens, schema version %d", s->store_path, store_schema_version(st));
	store_close(&st);
}

static void
check_servers(struct check *c, const struct settings *s)
{
	char err[1024];
	int r;

	if ((r = imap_check(s, err, sizeof(err))) != 0) {
		fprintf(stderr, "responder: IMAP %s: %s\n", s->imap_url, err);
		if (r == IMAP_ECONFIG)
			c->bad_config = 1;
		else
			c->unavailable = 1;
	} else {
		ok(c, "IMAP %s: logged in as %s, folder selected", s->imap_url, s->imap_username);
	}
	if (smtp_check(s, err, sizeof(err)) != 0) {
		fprintf(stderr, "responder: SMTP %s: %s\n", s->smtp_url, err);
		c->unavailable = 1;
	} else {
		ok(c, "SMTP %s: connected%s", s->smtp_url,
		   *s->smtp_username ? ", authenticated" : " (no AUTH configured)");
	}
}

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", no_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check c;
	const struct settings *s;
	int connect = 0, o;

	memset(&c, 0, sizeof(c));
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":Cqh", longopts, NULL)) != -1) {
		switch (o) {
		case 'C':
			connect = 1;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
			printf("usage: responder check-config [--connect] [--quiet]\n");
			return 0;
		default:
			return cli_usage("check-config", "unknown option '%s'",
					 optind > 0 ? argv[optind - 1] : "?");
		}
	}
	if (optind < argc)
		return cli_usage("check-config", "unexpected argument '%s'", argv[optind]);
	s = cli_settings(cli); /* exits 78 with file:line errors */
	if (!c.quiet)
		config_print(s, stdout);
	if (!c.quiet)
		printf("\n");
	check_secrets(&c, s);
	check_listeners(&c, s);
	check_templates(&c, s);
	check_store(&c, s);
	if (connect && !c.bad_config)
		check_servers(&c, s);
	if (c.bad_config)
		return EX_CONFIG;
	if (c.unavailable)
		return EX_UNAVAILABLE;
	if (!c.quiet)
		printf("# config OK%s\n", connect ? ", servers reachable" : "");
	return 0;
}
