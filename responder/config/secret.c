/*
 * secret.c - reading passwords and tokens from files and commands.
 *
 * SECURITY: the secret is held only as long as needed and wiped when freed;
 * error messages name the file, never its contents.
 */
#include "responder/config/secret.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
check_fd(int fd, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "secret file %s is not a regular file", path);
		return -1;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "secret file %s is readable by group or others (mode %04o): "
			 "chmod 600 it",
			 path, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
secret_check_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	r = check_fd(fd, path, err, errlen);
	close(fd);
	return r;
}

/* Keeps the first line of buf[0..n), without its line end. */
static char *
first_line(char *buf, size_t n)
{
	size_t k = 0;

	while (k < n && buf[k] != '\n' && buf[k] != '\r')
		k++;
	return xstrndup(buf, k);
}

int
secret_read_file(const char *path, char **secret_r, char *err, size_t errlen)
{
	char buf[SECRET_MAX];
	ssize_t n;
	int fd;

	*secret_r = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (check_fd(fd, path, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	*secret_r = first_line(buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (**secret_r == '\0' || memchr(*secret_r, '\0', strlen(*secret_r)) != NULL) {
		secret_free(secret_r);
		snprintf(err, errlen, "secret file %s is empty", path);
		return -1;
	}
	return 0;
}

int
secret_from_command(const char *command, int seconds, char **secret_r, char *err, size_t errlen)
{
	char buf[SECRET_MAX];
	size_t n = 0;
	int pfd[2], status;
	pid_t pid;
	time_t deadline = time(NULL) + seconds;

	*secret_r = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "token command: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		snprintf(err, errlen, "token command: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Its own process group, so a timeout kills what it started too. */
		setpgid(0, 0);
		dup2(pfd[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: whichever runs first wins the race */
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)(deadline - time(NULL));
		ssize_t k;

		if (left <= 0 || poll(&p, 1, left * 1000) <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		k = read(pfd[0], buf + n, sizeof(buf) - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == sizeof(buf))
			break;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_bzero(buf, sizeof(buf));
		if (WIFEXITED(status))
			snprintf(err, errlen, "token command failed with exit status %d",
				 WEXITSTATUS(status));
		else
			snprintf(err, errlen, "token command killed (timeout after %d s?)",
				 seconds);
		return -1;
	}
	*secret_r = first_line(buf, n);
	explicit_bzero(buf, sizeof(buf));
	if (**secret_r == '\0') {
		secret_free(secret_r);
		snprintf(err, errlen, "token command printed nothing");
		return -1;
	}
	return 0;
}

void
secret_free(char **secret)
{
	if (*secret != NULL) {
		explicit_bzero(*secret, strlen(*secret));
		free(*secret);
		*secret = NULL;
	}
}
