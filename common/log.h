/*
 * log.h - the one logging module.
 *
 * Messages go to stderr (journald picks them up under systemd) and, when
 * enabled, to syslog.  Every call is printf-checked.  Secrets never reach
 * this module: settings hold only the paths or commands that produce them
 * (config/config.h), config/secret.c reads them, and check-config masks
 * them.
 *
 * Two words for the two kinds of failure that end the process (Postfix's
 * msg_fatal / msg_panic, Dovecot's i_fatal / i_panic):
 *   fatal()  the environment is wrong (config, disk, a missing file): one
 *            line "responder: what" (the CLI's form of an error, also to
 *            syslog when enabled), then exit with a sysexits.h status.
 *            Never for peer input.
 *   panic()  a bug: an invariant does not hold.  One line, then abort() so
 *            that a core dump or the sanitizer shows where.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* ident: program name shown in each line and given to openlog().
 * use_syslog: also send to syslog(LOG_MAIL).  Safe to call again (SIGHUP). */
void log_init(const char *ident, enum log_level level, int use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int log_level_parse(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A line that may come again and again (a reconnect, a refused login, a
 * full disk): written when it is new, or when LOG_REPEAT_SECONDS passed
 * since the last one written from the same struct; the repeats in between
 * go to debug level and are counted in the next line written ("N more like
 * it").  A repeat is the same text.  One struct per call site, zeroed;
 * log_repeat_reset() when the condition ends, so the next occurrence is
 * shown at once. */
#define LOG_REPEAT_SECONDS 60
struct log_repeat {
	char last[512];
	long long at; /* time of the last line written; 0: none */
	unsigned long suppressed;
};
void log_repeat(struct log_repeat *r, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_repeat_reset(struct log_repeat *r);

/* One line "ident: what" on stderr (and syslog), then exit(status), a
 * sysexits.h value. */
void fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* One line ("panic: ...") at error level, then abort(). */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
