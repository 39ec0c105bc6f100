/*
 * cli_out.c - output and argument helpers of the admin commands (see
 * cli_out.h).
 *
 * SECURITY: the text handled here is stored peer text; nothing of it
 * reaches the terminal with control characters or invalid UTF-8.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "common/timeutil.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *
ao_clean(const char *s)
{
	if (s == NULL)
		s = "-";
	return utf8_clean_terminal(s, strlen(s), 0);
}

char *
ao_clean_text(const char *s, size_t len)
{
	return utf8_clean_terminal(s, s ? len : 0, 1);
}

size_t
ao_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
ao_put_cell(FILE *fp, const char *s, size_t width, size_t max)
{
	char *c = ao_clean(s);
	size_t w = ao_width(c);

	if (max >= 4 && w > max) {
		/* cut at a character boundary, leaving room for "..." */
		size_t chars = 0, i = 0;
		while (c[i] && chars < max - 3) {
			i++;
			while (((unsigned char)c[i] & 0xc0) == 0x80)
				i++;
			chars++;
		}
		c[i] = '\0';
		fputs(c, fp);
		fputs("...", fp);
		w = max;
	} else {
		fputs(c, fp);
	}
	for (; w < width; w++)
		fputc(' ', fp);
	free(c);
}

json_t *
ao_json_str(const char *s)
{
	char *c;
	json_t *j;

	if (s == NULL)
		return json_null();
	/* Fix only the UTF-8; JSON escapes control characters itself. */
	c = utf8_make_valid(s, strlen(s), UTF8_QMARK, NULL);
	j = json_string(c);
	free(c);
	return j ? j : json_null();
}

void
ao_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s != NULL)
		puts(s);
	free(s);
	json_decref(o);
}

const char *
ao_time(int64_t t, char *buf)
{
	if (t == 0) {
		buf[0] = '-';
		buf[1] = '\0';
		return buf;
	}
	return time_format_rfc3339(t, buf);
}

int
ao_parse_since(const char *cmd, const char *arg, int64_t *since_r)
{
	if (time_parse_since(arg, (int64_t)time(NULL), since_r) < 0)
		return cli_usage(cmd,
				 "--since wants a duration (7d, 24h, 30m) or a date "
				 "(2026-11-20, RFC 3339), not '%s'",
				 arg);
	return 0;
}

int
ao_parse_id(const char *cmd, const char *arg, int64_t *id_r)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < 1)
		return cli_usage(cmd,
				 "ID must be a request number (see 'responder log'), "
				 "not '%s'",
				 arg);
	*id_r = (int64_t)v;
	return 0;
}

int
ao_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		return cli_usage(cmd, "option '%s' needs a value", arg);
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", arg);
}

int
ao_use_colour(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
}
