/*
 * test_sdnotify.c - responder/sdnotify.c: with NOTIFY_SOCKET pointing at a
 * datagram socket of ours, each call sends the documented message; without
 * it nothing is sent; the watchdog interval is half of WATCHDOG_USEC and
 * only for our pid.  Runs against whichever implementation the build chose
 * (libsystemd or the built-in one).
 */
#include "tests/unit/testutil.h"
#include "responder/daemon/sdnotify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct fx {
	char *dir;
	int fd;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa;

	f->dir = tu_tempdir();
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", f->dir);
	f->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unsetenv("NOTIFY_SOCKET");
	close(f->fd);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
expect_message(struct fx *f, const char *want)
{
	char buf[512];
	ssize_t n = recv(f->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, want));
}

static void
test_each_state_is_sent(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sdnotify_ready(), 1);
	expect_message(f, "READY=1");
	assert_int_equal(sdnotify_reloading(), 1);
	expect_message(f, "RELOADING=1");
	assert_int_equal(sdnotify_stopping(), 1);
	expect_message(f, "STOPPING=1");
	assert_int_equal(sdnotify_watchdog(), 1);
	expect_message(f, "WATCHDOG=1");
	assert_int_equal(sdnotify_status("two\nlines"), 1);
	expect_message(f, "STATUS=two lines"); /* no line break smuggled in */
}

static void
test_nothing_without_systemd(void **state)
{
	struct fx *f = *state;
	char buf[64];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_ready(), 0);
	assert_true(recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0);
}

static void
test_watchdog_interval(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(sdnotify_watchdog_interval_usec(), 0);
	setenv("WATCHDOG_USEC", "60000000", 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(sdnotify_watchdog_interval_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1); /* meant for another process */
	assert_int_equal(sdnotify_watchdog_interval_usec(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_state_is_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_without_systemd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_interval, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
