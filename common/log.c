/*
 * log.c - levels, stderr and optional syslog.
 *
 * Each line is "ident: level: text" on stderr.  Text that came from a peer is
 * sanitised by the callers (strutil.h) before it is logged; here we only
 * replace control characters so one log call is always one line.
 */
#include "common/log.h"
#include "common/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

static char log_ident[64] = "responder";
static enum log_level log_level = LOG_LVL_INFO;
static int log_syslog;

/* Each level with its name and syslog priority, keyed by the level. */
static const struct {
	enum log_level level;
	const char *name;
	int prio;
} levels[] = {
	{ LOG_LVL_ERROR, "error", LOG_ERR },
	{ LOG_LVL_WARN, "warn", LOG_WARNING },
	{ LOG_LVL_INFO, "info", LOG_INFO },
	{ LOG_LVL_DEBUG, "debug", LOG_DEBUG },
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

/* In place, so that logging needs no memory (panic() logs on out-of-
 * memory): every control (C0 but TAB, DEL, C1) becomes a space and every
 * byte that does not start valid UTF-8 a '?', so a peer's text in a log
 * line can neither start an escape sequence nor break the line. */
static void
clean_line(char *line)
{
	size_t n = strlen(line), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_decode(line + i, n - i, &cp);
		if (k == 0) {
			line[i++] = '?';
			continue;
		}
		if (cp != '\t' && utf8_is_control(cp))
			memset(line + i, ' ', k);
		i += k;
	}
}

void
log_init(const char *ident, enum log_level level, int use_syslog)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "responder");
	log_level = level;
	if (log_syslog && !use_syslog)
		closelog();
	if (use_syslog && !log_syslog)
		openlog(log_ident, LOG_PID, LOG_MAIL);
	log_syslog = use_syslog;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < NLEVELS; i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return (int)levels[i].level;
	return -1;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	const char *name = "error";
	int prio = LOG_ERR;

	if (level > log_level)
		return;
	for (size_t i = 0; i < NLEVELS; i++)
		if (levels[i].level == level) {
			name = levels[i].name;
			prio = levels[i].prio;
		}
	vsnprintf(line, sizeof(line), fmt, ap);
	clean_line(line);
	fprintf(stderr, "%s: %s: %s\n", log_ident, name, line);
	if (log_syslog)
		syslog(prio, "%s", line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_repeat(struct log_repeat *r, enum log_level level, const char *fmt, ...)
{
	char line[sizeof(r->last)];
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->at != 0 && now >= r->at && now - r->at < LOG_REPEAT_SECONDS &&
	    strcmp(r->last, line) == 0) {
		r->suppressed++;
		log_msg(LOG_LVL_DEBUG, "%s", line);
		return;
	}
	if (r->suppressed > 0)
		log_msg(level, "%s (%lu more like it in the last %d s not shown)", line,
			r->suppressed, (int)(now - r->at));
	else
		log_msg(level, "%s", line);
	memcpy(r->last, line, sizeof(line));
	r->at = now;
	r->suppressed = 0;
}

void
log_repeat_reset(struct log_repeat *r)
{
	r->at = 0;
	r->last[0] = '\0';
	r->suppressed = 0;
}

void
fatal(int status, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clean_line(line);
	fprintf(stderr, "%s: %s\n", log_ident, line);
	if (log_syslog)
		syslog(LOG_ERR, "%s", line);
	exit(status);
}

void
panic(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_ERROR, "panic: %s", line);
	abort();
}
