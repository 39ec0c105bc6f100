/*
 * log.h - the one logging module.
 *
 * Messages go to stderr (journald picks them up under systemd) and, when
 * enabled, to syslog.  Every call is printf-checked.  Secrets never reach
 * this module: settings hold them in struct secret (config.h), which has no
 * printing helper, and check-config masks them.
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

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
