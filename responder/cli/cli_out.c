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
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	size_t n;
	unsigned min;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1fu, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0fu, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Copies len bytes of s, fixing UTF-8 and replacing controls; keeps LF and
 * TAB when `multiline`. */
static char *
clean(const char *s, size_t len, int multiline)
{
	char *out = xmalloc(len + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n = utf8_seq(p, (size_t)(end - p));

		if (n == 0) {
			*o++ = '?';
			p++;
		} else if (n > 1) {
			/* C1 controls (U+0080..U+009F) act as escapes on some
			 * terminals. */
			if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
				*o++ = ' ';
			} else {
				memcpy(o, p, n);
				o += n;
			}
			p += n;
		} else if (*p == '\r' && multiline) {
			p++;
		} else if ((*p == '\n' || *p == '\t') && multiline) {
			*o++ = (char)*p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			*o++ = ' ';
			p++;
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = '\0';
	return out;
}

char *
ao_clean(const char *s)
{
	if (s == NULL)
		s = "-";
	return clean(s, strlen(s), 0);
}

char *
ao_clean_text(const char *s, size_t len)
{
	return clean(s ? s : "", s ? len : 0, 1);
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
	const unsigned char *p;
	size_t len;

	if (s == NULL)
		return json_null();
	/* Fix only the UTF-8; JSON escapes control characters itself. */
	len = strlen(s);
	c = xmalloc(len + 1);
	p = (const unsigned char *)s;
	for (size_t i = 0, o = 0; i <= len;) {
		size_t n = i < len ? utf8_seq(p + i, len - i) : 1;
		if (n == 0) {
			c[o++] = '?';
			i++;
		} else {
			memcpy(c + o, p + i, n);
			o += n;
			i += n;
		}
	}
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

const char *
ao_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	return buf;
}

int
ao_parse_since(const char *cmd, const char *arg, int64_t *since_r)
{
	if (time_parse_since(arg, (int64_t)time(NULL), since_r) < 0)
		return cli_usage(cmd, "--since wants a duration (7d, 24h, 30m) or a date "
				 "(2026-11-20, RFC 3339), not '%s'", arg);
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
		return cli_usage(cmd, "ID must be a request number (see 'responder log'), "
				 "not '%s'", arg);
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
