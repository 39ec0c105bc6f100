/*
 * signals.c - the daemon's signal flags and self-pipe (see signals.h).
 *
 * The handler is async-signal-safe: it sets a sig_atomic_t flag and
 * write()s one byte to a non-blocking pipe, keeping errno.  A full pipe
 * means a wake-up is already pending, so a failed write is ignored.
 */
#include "responder/daemon/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag, hup_flag;
static int wake_pipe[2] = { -1, -1 };

int
daemon_stop_requested(void)
{
	return stop_flag != 0;
}

void
daemon_request_stop(void)
{
	stop_flag = 1;
}

int
daemon_reload_requested(void)
{
	return hup_flag != 0;
}

void
daemon_reload_clear(void)
{
	hup_flag = 0;
}

static void
on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	if (sig == SIGHUP)
		hup_flag = 1;
	else
		stop_flag = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = saved;
}

void
signals_wake(void)
{
	char c = 0;

	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
}

int
signals_wake_fd(void)
{
	return wake_pipe[0];
}

void
signals_drain(void)
{
	char buf[64];

	while (wake_pipe[0] >= 0 && read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

int
signals_setup(void)
{
	struct sigaction sa;

	stop_flag = hup_flag = 0;
	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

void
signals_teardown(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (int i = 0; i < 2; i++)
		if (wake_pipe[i] >= 0) {
			close(wake_pipe[i]);
			wake_pipe[i] = -1;
		}
}

void
signals_sleep(int seconds)
{
	struct pollfd p = { .fd = wake_pipe[0], .events = POLLIN };

	if (seconds > 0 && !stop_flag && !hup_flag)
		poll(&p, 1, seconds * 1000);
	signals_drain();
}
