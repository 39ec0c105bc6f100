/*
 * sdnotify.c - systemd notifications (see sdnotify.h).
 *
 * The fallback speaks the documented protocol itself: one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (an
 * '@' first means the abstract namespace).  WATCHDOG_USEC is honoured only
 * when WATCHDOG_PID is unset or ours, as sd_watchdog_enabled() does.
 */
#include "responder/daemon/sdnotify.h"
#include "common/log.h"
#include "common/strutil.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef RESPONDER_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static int
notify(const char *state)
{
	int r = sd_notify(0, state);

	if (r < 0)
		log_debug("sd_notify(%s): %s", state, strerror(-r));
	return r < 0 ? -1 : r > 0;
}

uint64_t
sdnotify_watchdog_interval_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec / 2 : 0;
}

#else
#include <sys/socket.h>
#include <sys/un.h>

static int
notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t plen;
	socklen_t salen;
	int fd, r;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return 0;
	plen = strlen(path);
	if (plen >= sizeof(sa.sun_path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	r = (int)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (r < 0)
		log_debug("notify %s: %s", path, strerror(errno));
	close(fd);
	return r < 0 ? -1 : 1;
}

uint64_t
sdnotify_watchdog_interval_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	if (usec == NULL)
		return 0;
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	v = strtoull(usec, &end, 10);
	return *end == '\0' ? (uint64_t)v / 2 : 0;
}
#endif

int
sdnotify_ready(void)
{
	return notify("READY=1\nSTATUS=watching the mailbox");
}

int
sdnotify_reloading(void)
{
	return notify("RELOADING=1\nSTATUS=reloading config and templates");
}

int
sdnotify_stopping(void)
{
	return notify("STOPPING=1\nSTATUS=stopping");
}

int
sdnotify_watchdog(void)
{
	return notify("WATCHDOG=1");
}

int
sdnotify_status(const char *status)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	str_sanitize_line(msg + 7);
	return notify(msg);
}
