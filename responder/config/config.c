/*
 * config.c - responder.conf: a table of typed keys, parsed with inih.
 *
 * To add a key: one line in `keys` and a member in struct settings.  The
 * default goes through the same parser as a configured value, so defaults
 * are checked too.
 */
#include "responder/config/config.h"
#include "responder/config/secret.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum ktype { K_STR, K_INT, K_BOOL, K_ENUM, K_ADDR, K_URL, K_LEVEL };

/* A K_ENUM word in the file and the enum value it stands for (named, so
 * that neither list depends on the other's order); for K_URL a scheme
 * (value unused). */
struct choice {
	const char *name;
	int value;
};

struct key {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;
	long min, max;		      /* K_INT */
	const struct choice *choices; /* K_ENUM or K_URL; { NULL } ends */
};

static const struct choice tls_modes[] = {
	{ "required", TLS_REQUIRED },
	{ "none", TLS_NONE },
	{ NULL, 0 },
};
static const struct choice auth_modes[] = {
	{ "password", IMAP_AUTH_PASSWORD },
	{ "xoauth2", IMAP_AUTH_XOAUTH2 },
	{ NULL, 0 },
};
static const struct choice account_from_modes[] = {
	{ "sasl_username", ACCOUNT_FROM_SASL },
	{ "sender_domain", ACCOUNT_FROM_SENDER_DOMAIN },
	{ NULL, 0 },
};
static const struct choice log_formats[] = {
	{ "postfix", LOG_FORMAT_POSTFIX },
	{ "exim", LOG_FORMAT_EXIM },
	{ NULL, 0 },
};
/* The reply languages (responder/lang/lang.h has the same codes). */
static const struct choice languages[] = {
	{ "en", 0 }, { "de", 1 }, { "fr", 2 }, { "es", 3 }, { "it", 4 },
	{ "nl", 5 }, { "pt", 6 }, { "pl", 7 }, { NULL, 0 },
};
static const struct choice imap_schemes[] = { { "imap", 0 }, { "imaps", 0 }, { NULL, 0 } };
static const struct choice smtp_schemes[] = { { "smtp", 0 }, { "smtps", 0 }, { NULL, 0 } };

#define OFF(m) offsetof(struct settings, m)

/* clang-format off */
static const struct key keys[] = {
	{ "responder", "address", K_ADDR, OFF(address), "support@relay.example", 0, 0, NULL },
	{ "responder", "name", K_STR, OFF(name), "Relay Support", 0, 0, NULL },
	{ "responder", "hostname", K_STR, OFF(hostname), "", 0, 0, NULL },
	{ "responder", "log_level", K_LEVEL, OFF(log_level), "info", 0, 0, NULL },
	{ "responder", "syslog", K_BOOL, OFF(syslog), "no", 0, 0, NULL },
	{ "responder", "answer_unauthorized", K_BOOL, OFF(answer_unauthorized), "no", 0, 0, NULL },
	{ "responder", "default_language", K_ENUM, OFF(default_language), "en", 0, 0, languages },
	{ "store", "path", K_STR, OFF(store_path), "/var/lib/responder/store.db", 0, 0, NULL },
	{ "store", "retention_days", K_INT, OFF(retention_days), "365", 0, 36500, NULL },
	{ "store", "url", K_STR, OFF(store_url), "", 0, 0, NULL },
	{ "store", "password_file", K_STR, OFF(store_password_file), "", 0, 0, NULL },
	{ "store", "ca_file", K_STR, OFF(store_ca_file), "", 0, 0, NULL },
	{ "store", "node_name", K_STR, OFF(store_node_name), "", 0, 0, NULL },
	{ "store", "lease_seconds", K_INT, OFF(store_lease_seconds), "60", 5, 86400, NULL },
	{ "templates", "dir", K_STR, OFF(templates_dir), "", 0, 0, NULL },
	{ "imap", "url", K_URL, OFF(imap_url), "imaps://imap.example.com:993", 0, 0, imap_schemes },
	{ "imap", "tls", K_ENUM, OFF(imap_tls), "required", 0, 0, tls_modes },
	{ "imap", "allow_plaintext", K_BOOL, OFF(imap_allow_plaintext), "no", 0, 0, NULL },
	{ "imap", "ca_file", K_STR, OFF(imap_ca_file), "", 0, 0, NULL },
	{ "imap", "tls_verify", K_BOOL, OFF(imap_tls_verify), "yes", 0, 0, NULL },
	{ "imap", "username", K_STR, OFF(imap_username), "", 0, 0, NULL },
	{ "imap", "auth", K_ENUM, OFF(imap_auth), "password", 0, 0, auth_modes },
	{ "imap", "password_file", K_STR, OFF(imap_password_file), "", 0, 0, NULL },
	{ "imap", "token_file", K_STR, OFF(imap_token_file), "", 0, 0, NULL },
	{ "imap", "token_command", K_STR, OFF(imap_token_command), "", 0, 0, NULL },
	{ "imap", "folder", K_STR, OFF(imap_folder), "INBOX", 0, 0, NULL },
	{ "imap", "processed_folder", K_STR, OFF(imap_processed_folder), "Processed", 0, 0, NULL },
	{ "imap", "quarantine_folder", K_STR, OFF(imap_quarantine_folder), "Quarantine", 0, 0, NULL },
	{ "imap", "poll_interval", K_INT, OFF(imap_poll_interval), "60", 1, 86400, NULL },
	{ "imap", "timeout", K_INT, OFF(imap_timeout), "60", 1, 3600, NULL },
	{ "smtp", "url", K_URL, OFF(smtp_url), "smtp://127.0.0.1:587", 0, 0, smtp_schemes },
	{ "smtp", "tls", K_ENUM, OFF(smtp_tls), "required", 0, 0, tls_modes },
	{ "smtp", "allow_plaintext", K_BOOL, OFF(smtp_allow_plaintext), "no", 0, 0, NULL },
	{ "smtp", "ca_file", K_STR, OFF(smtp_ca_file), "", 0, 0, NULL },
	{ "smtp", "tls_verify", K_BOOL, OFF(smtp_tls_verify), "yes", 0, 0, NULL },
	{ "smtp", "username", K_STR, OFF(smtp_username), "", 0, 0, NULL },
	{ "smtp", "password_file", K_STR, OFF(smtp_password_file), "", 0, 0, NULL },
	{ "smtp", "auth", K_ENUM, OFF(smtp_auth), "password", 0, 0, auth_modes },
	{ "smtp", "token_file", K_STR, OFF(smtp_token_file), "", 0, 0, NULL },
	{ "smtp", "token_command", K_STR, OFF(smtp_token_command), "", 0, 0, NULL },
	{ "smtp", "envelope_from", K_STR, OFF(smtp_envelope_from), "<>", 0, 0, NULL },
	{ "smtp", "timeout", K_INT, OFF(smtp_timeout), "60", 1, 3600, NULL },
	{ "smtp", "connections", K_INT, OFF(smtp_connections), "1", 1, 16, NULL },
	{ "policy", "trusted_authserv_id", K_STR, OFF(trusted_authserv_id), "", 0, 0, NULL },
	{ "policy", "max_replies_per_requester_per_hour", K_INT, OFF(max_replies_per_hour), "20", 0, 100000, NULL },
	{ "policy", "max_replies_per_account_per_hour", K_INT, OFF(max_replies_per_account_per_hour), "100", 0, 1000000, NULL },
	{ "policy", "max_replies_total_per_hour", K_INT, OFF(max_replies_total_per_hour), "1000", 0, 1000000, NULL },
	{ "policy", "match_window_days", K_INT, OFF(match_window_days), "30", 1, 3650, NULL },
	{ "policy", "follow_up_days", K_INT, OFF(follow_up_days), "14", 0, 3650, NULL },
	{ "policy", "match_found_min", K_INT, OFF(match_found_min), "50", 1, 100, NULL },
	{ "policy", "match_margin", K_INT, OFF(match_margin), "15", 0, 100, NULL },
	{ "policy", "match_subject_agree", K_INT, OFF(match_subject_agree), "80", 1, 100, NULL },
	{ "policy", "match_date_agree_hours", K_INT, OFF(match_date_agree_hours), "72", 1, 8760, NULL },
	{ "policy", "match_candidate_min", K_INT, OFF(match_candidate_min), "30", 0, 100, NULL },
	{ "limits", "max_message_size", K_INT, OFF(max_message_size), "26214400", 1024, 1073741824L, NULL },
	{ "limits", "parse_cpu_seconds", K_INT, OFF(parse_cpu_seconds), "5", 1, 600, NULL },
	{ "limits", "parse_memory_mb", K_INT, OFF(parse_memory_mb), "512", 64, 16384, NULL },
	{ "limits", "parse_timeout", K_INT, OFF(parse_timeout), "10", 1, 3600, NULL },
	{ "import", "account_from", K_ENUM, OFF(import_account_from), "sasl_username", 0, 0, account_from_modes },
	{ "import", "account_map", K_STR, OFF(import_account_map), "", 0, 0, NULL },
	{ "import", "follow", K_STR, OFF(import_follow), "", 0, 0, NULL },
	{ "import", "format", K_ENUM, OFF(import_format), "postfix", 0, 0, log_formats },
	{ "metrics", "listen", K_STR, OFF(metrics_listen), "", 0, 0, NULL },
	{ "metrics", "textfile", K_STR, OFF(metrics_textfile), "", 0, 0, NULL },
	{ "web", "listen", K_STR, OFF(web_listen), "", 0, 0, NULL },
	{ "web", "tls_cert", K_STR, OFF(web_tls_cert), "", 0, 0, NULL },
	{ "web", "tls_key", K_STR, OFF(web_tls_key), "", 0, 0, NULL },
	{ "web", "token_file", K_STR, OFF(web_token_file), "", 0, 0, NULL },
	{ "web", "htpasswd_file", K_STR, OFF(web_htpasswd_file), "", 0, 0, NULL },
	{ "web", "trust_proxy", K_BOOL, OFF(web_trust_proxy), "no", 0, 0, NULL },
};
/* clang-format on */

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Integer-valued members are `int` except max_message_size (long). */
static int
key_is_long(const struct key *k)
{
	return k->off == OFF(max_message_size);
}

static void add_error(struct config_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_error(struct config_errors *e, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->v = xreallocarray(e->v, e->n + 1, sizeof(char *));
	e->v[e->n++] = xstrdup(str_sanitize_line(msg));
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Sets one key from text; returns NULL or a static description of what is
 * wrong with the value. */
static const char *
set_value(struct settings *s, const struct key *k, const char *v, char *why, size_t whylen)
{
	char *base = (char *)s;
	char *end;
	long n;
	int b;

	switch (k->type) {
	case K_STR:
		if (strpbrk(v, "\r\n") != NULL)
			return "contains a line break";
		free(*(char **)(base + k->off));
		*(char **)(base + k->off) = xstrdup(v);
		return NULL;
	case K_ADDR:
		if (!addr_valid(v))
			return "is not a mail address (local@domain)";
		free(*(char **)(base + k->off));
		*(char **)(base + k->off) = xstrdup(v);
		return NULL;
	case K_URL: {
		const char *sep = strstr(v, "://");
		int ok = 0;
		if (sep != NULL)
			for (const struct choice *c = k->choices; c->name; c++)
				if ((size_t)(sep - v) == strlen(c->name) &&
				    strncasecmp(v, c->name, strlen(c->name)) == 0)
					ok = 1;
		if (!ok) {
			snprintf(why, whylen, "must start with %s:// or %s://", k->choices[0].name,
				 k->choices[1].name);
			return why;
		}
		if (sep[3] == '\0' || sep[3] == ':' || sep[3] == '/')
			return "has no host";
		if (strchr(sep + 3, '@') != NULL)
			return "must not carry credentials (use username and password_file)";
		if (strpbrk(v, " \t\r\n") != NULL)
			return "contains white space";
		free(*(char **)(base + k->off));
		*(char **)(base + k->off) = xstrdup(v);
		return NULL;
	}
	case K_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < k->min || n > k->max) {
			snprintf(why, whylen, "must be a whole number from %ld to %ld", k->min,
				 k->max);
			return why;
		}
		if (key_is_long(k))
			*(long *)(base + k->off) = n;
		else
			*(int *)(base + k->off) = (int)n;
		return NULL;
	case K_BOOL:
		if (parse_bool(v, &b) < 0)
			return "must be yes or no";
		*(int *)(base + k->off) = b;
		return NULL;
	case K_LEVEL:
		if ((b = log_level_parse(v)) < 0)
			return "must be error, warn, info or debug";
		*(int *)(base + k->off) = b;
		return NULL;
	case K_ENUM:
		for (const struct choice *c = k->choices; c->name; c++)
			if (strcasecmp(v, c->name) == 0) {
				*(int *)(base + k->off) = c->value;
				return NULL;
			}
		snprintf(why, whylen, "must be one of:");
		for (const struct choice *c = k->choices; c->name; c++)
			snprintf(why + strlen(why), whylen - strlen(why), " %s", c->name);
		return why;
	}
	return "cannot be set";
}

void
config_defaults(struct settings *s)
{
	char why[256];

	memset(s, 0, sizeof(*s));
	s->file = xstrdup("(defaults)");
	for (size_t i = 0; i < NKEYS; i++) {
		const char *bad = set_value(s, &keys[i], keys[i].def, why, sizeof(why));
		if (bad != NULL) {
			panic("default of %s.%s %s", keys[i].section, keys[i].name, bad);
		}
	}
}

struct parse_ctx {
	struct settings *s;
	struct config_errors *errs;
	const char *file;
	FILE *fp;
	long line;
	unsigned char seen[NKEYS];
};

/* inih calls this for each physical line it reads; counting here gives us
 * the line number of every key (the distro library is built without
 * INI_HANDLER_LINENO). */
static char *
reader(char *str, int num, void *stream)
{
	struct parse_ctx *pc = stream;
	char *r = fgets(str, num, pc->fp);

	if (r != NULL)
		pc->line++;
	return r;
}

static int
section_known(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *pc = user;
	char why[256];

	if (!section_known(section)) {
		add_error(pc->errs, "%s:%ld: unknown section [%s]", pc->file, pc->line, section);
		return 1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const char *bad;

		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
			continue;
		if (pc->seen[i])
			add_error(pc->errs, "%s:%ld: %s is set twice in [%s]", pc->file, pc->line,
				  name, section);
		pc->seen[i] = 1;
		bad = set_value(pc->s, &keys[i], value, why, sizeof(why));
		if (bad != NULL)
			add_error(pc->errs, "%s:%ld: %s = %s: %s", pc->file, pc->line, name, value,
				  bad);
		return 1;
	}
	add_error(pc->errs, "%s:%ld: unknown key '%s' in [%s]", pc->file, pc->line, name, section);
	return 1;
}

/* 1 when the host of `url` (scheme://host[:port][/...]) is a loopback
 * name or address: localhost, 127.0.0.0/8, ::1, or ::ffff:127.x. */
int
config_url_is_loopback(const char *url)
{
	const char *h = strstr(url, "://");
	char host[256];
	size_t n;
	unsigned char a[16];

	if (h == NULL)
		return 0;
	h += 3;
	if (*h == '[') {
		h++;
		n = strcspn(h, "]");
	} else {
		n = strcspn(h, ":/");
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1) {
		static const unsigned char lo[16] = { [15] = 1 };
		static const unsigned char v4mapped[12] = { [10] = 0xff, [11] = 0xff };

		return memcmp(a, lo, 16) == 0 || (memcmp(a, v4mapped, 12) == 0 && a[12] == 127);
	}
	return 0;
}

/* tls = none towards a host that is not loopback: refused unless
 * allow_plaintext = yes, and then a warning at every load. */
static void
check_plaintext(struct config_errors *e, const char *file, const char *section, const char *url,
		int tls, int allow)
{
	if (tls != TLS_NONE || config_url_is_loopback(url))
		return;
	if (!allow)
		add_error(e,
			  "%s: [%s] tls = none would send the password and the mail in clear "
			  "to %s, which is not loopback: use TLS, or set allow_plaintext = yes",
			  file, section, url);
	else
		log_warn("%s: [%s] tls = none with allow_plaintext = yes: the password and the "
			 "mail go in clear to %s",
			 file, section, url);
}

/* Checks that concern more than one key. */
static void
cross_check(struct settings *s, struct config_errors *e, const char *file)
{
	char why[1024];

	if (strncasecmp(s->imap_url, "imaps:", 6) == 0 && s->imap_tls == TLS_NONE)
		add_error(e, "%s: [imap] tls = none contradicts url %s (imaps:// is always TLS)",
			  file, s->imap_url);
	if (strncasecmp(s->smtp_url, "smtps:", 6) == 0 && s->smtp_tls == TLS_NONE)
		add_error(e, "%s: [smtp] tls = none contradicts url %s (smtps:// is always TLS)",
			  file, s->smtp_url);
	if (*s->store_url && strncmp(s->store_url, "postgresql://", 13) != 0 &&
	    strncmp(s->store_url, "postgres://", 11) != 0)
		add_error(e,
			  "%s: [store] url must be postgresql://... or postgres://... (empty: "
			  "SQLite at path)",
			  file);
	check_plaintext(e, file, "imap", s->imap_url, s->imap_tls, s->imap_allow_plaintext);
	check_plaintext(e, file, "smtp", s->smtp_url, s->smtp_tls, s->smtp_allow_plaintext);
	if (*s->imap_token_command &&
	    secret_check_command(s->imap_token_command, why, sizeof(why)) < 0)
		add_error(e, "%s: [imap] %s", file, why);
	if (*s->smtp_token_command &&
	    secret_check_command(s->smtp_token_command, why, sizeof(why)) < 0)
		add_error(e, "%s: [smtp] %s", file, why);
	if (s->imap_auth == IMAP_AUTH_XOAUTH2 && !*s->imap_token_file && !*s->imap_token_command)
		add_error(e, "%s: [imap] auth = xoauth2 needs token_file or token_command", file);
	if (*s->imap_token_file && *s->imap_token_command)
		add_error(e, "%s: [imap] set token_file or token_command, not both", file);
	if (s->smtp_auth == IMAP_AUTH_XOAUTH2 && !*s->smtp_token_file && !*s->smtp_token_command)
		add_error(e, "%s: [smtp] auth = xoauth2 needs token_file or token_command", file);
	if (strcmp(s->smtp_envelope_from, "<>") != 0 && !addr_valid(s->smtp_envelope_from))
		add_error(e, "%s: [smtp] envelope_from must be <> or a mail address, not '%s'",
			  file, s->smtp_envelope_from);
	if (!*s->store_path)
		add_error(e, "%s: [store] path must not be empty", file);
	if (!*s->imap_folder)
		add_error(e, "%s: [imap] folder must not be empty", file);
	if (*s->imap_processed_folder && strcmp(s->imap_processed_folder, s->imap_folder) == 0)
		add_error(e, "%s: [imap] processed_folder must differ from folder", file);
	if (!*s->hostname) {
		free(s->hostname);
		s->hostname = xstrdup(addr_domain(s->address));
	}
}

int
config_load(const char *path, struct settings *s, struct config_errors *errs)
{
	struct parse_ctx pc;
	char why[1024];
	int r, fd;

	errs->v = NULL;
	errs->n = 0;
	config_defaults(s);
	memset(&pc, 0, sizeof(pc));
	pc.s = s;
	pc.errs = errs;
	pc.file = path;
	fd = secret_open_config(path, why, sizeof(why));
	if (fd < 0) {
		add_error(errs, "%s", why);
		return -1;
	}
	pc.fp = fdopen(fd, "r");
	if (pc.fp == NULL) {
		add_error(errs, "%s: cannot read config: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	free(s->file);
	s->file = xstrdup(path);
	r = ini_parse_stream(reader, &pc, handler, &pc);
	fclose(pc.fp);
	if (r > 0)
		add_error(errs, "%s:%d: syntax error (want [section] or key = value)", path, r);
	else if (r < 0)
		add_error(errs, "%s: cannot parse (out of memory)", path);
	cross_check(s, errs, path);
	return errs->n ? -1 : 0;
}

void
config_free(struct settings *s)
{
	char *base = (char *)s;

	for (size_t i = 0; i < NKEYS; i++) {
		enum ktype t = keys[i].type;
		if (t == K_STR || t == K_ADDR || t == K_URL) {
			free(*(char **)(base + keys[i].off));
			*(char **)(base + keys[i].off) = NULL;
		}
	}
	free(s->file);
	s->file = NULL;
}

void
config_errors_free(struct config_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

/* The word of a K_ENUM value ("?" for a value no word stands for). */
static const char *
enum_name(const struct choice *c, int value)
{
	for (; c->name; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

/* The config's name of a log level (what log_level_parse() reads). */
static const char *
level_name(int level)
{
	switch ((enum log_level)level) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARN:
		return "warn";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "info";
}

void
config_print(const struct settings *s, void *fpv)
{
	FILE *fp = fpv;
	const char *section = "";
	const char *base = (const char *)s;

	fprintf(fp, "# effective settings from %s\n", s->file);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (strcmp(section, k->section) != 0) {
			fprintf(fp, "%s[%s]\n", i ? "\n" : "", k->section);
			section = k->section;
		}
		switch (k->type) {
		case K_STR:
		case K_ADDR:
		case K_URL:
			fprintf(fp, "%s = %s\n", k->name, *(char *const *)(base + k->off));
			break;
		case K_INT:
			if (key_is_long(k))
				fprintf(fp, "%s = %ld\n", k->name, *(const long *)(base + k->off));
			else
				fprintf(fp, "%s = %d\n", k->name, *(const int *)(base + k->off));
			break;
		case K_BOOL:
			fprintf(fp, "%s = %s\n", k->name,
				*(const int *)(base + k->off) ? "yes" : "no");
			break;
		case K_ENUM:
			fprintf(fp, "%s = %s\n", k->name,
				enum_name(k->choices, *(const int *)(base + k->off)));
			break;
		case K_LEVEL:
			fprintf(fp, "%s = %s\n", k->name,
				level_name(*(const int *)(base + k->off)));
			break;
		}
	}
}

const char *
config_default_language(const struct settings *s)
{
	for (const struct choice *c = languages; c->name; c++)
		if (c->value == s->default_language)
			return c->name;
	return "en";
}

const char *
config_templates_dir(const struct settings *s)
{
	struct stat sb;

	if (s->templates_dir && *s->templates_dir)
		return s->templates_dir;
	if (stat(RESPONDER_INSTALLED_TEMPLATES, &sb) == 0 && S_ISDIR(sb.st_mode))
		return RESPONDER_INSTALLED_TEMPLATES;
	return RESPONDER_SOURCE_TEMPLATES;
}
