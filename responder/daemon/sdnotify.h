/*
 * sdnotify.h - telling systemd how the daemon is doing (Type=notify).
 *
 * READY once the first IMAP session is up, RELOADING / READY around a
 * SIGHUP reload, STOPPING on SIGTERM, and WATCHDOG keep-alives at half of
 * WatchdogSec.  Through libsystemd's sd_notify() when the build found it
 * (cmake/Systemd.cmake defines RESPONDER_HAVE_LIBSYSTEMD), otherwise by
 * writing the same datagram to $NOTIFY_SOCKET here.  Without systemd
 * (no NOTIFY_SOCKET) every call does nothing and returns 0.
 *
 * Never fails the caller: a notification that cannot be sent is logged
 * at debug level and forgotten.
 */
#ifndef RESPONDER_SDNOTIFY_H
#define RESPONDER_SDNOTIFY_H

#include <stdint.h>

/* Each returns 1 when a notification was sent, 0 when there is no
 * systemd to tell, -1 when sending failed. */
int sdnotify_ready(void);
int sdnotify_reloading(void);
int sdnotify_stopping(void);
int sdnotify_watchdog(void);
/* "STATUS=..." free text shown by systemctl status (one line, sanitised). */
int sdnotify_status(const char *status);

/* How often to call sdnotify_watchdog(), in microseconds: half of
 * WatchdogSec when the watchdog is on for this process, else 0. */
uint64_t sdnotify_watchdog_interval_usec(void);

#endif
