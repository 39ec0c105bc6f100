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
#include <stdlib.h>
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

/* Opens a file that should be a regular file without blocking: a FIFO
 * opened for reading waits for a writer in open() (and SIGTERM cannot end
 * the wait), so O_NONBLOCK first, the type checked by check_fd(), then
 * back to blocking reads.  -1 with errno when open fails. */
static int
open_nonblock(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	int fl;

	if (fd >= 0 && (fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int
secret_check_file(const char *path, char *err, size_t errlen)
{
	int fd = open_nonblock(path), r;

	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	r = check_fd(fd, path, err, errlen);
	close(fd);
	return r;
}

/* The program a shell command line starts: its first word, looked up in
 * PATH when it has no slash.  0 with path_r filled, -1 when not found (the
 * shell will say so when it runs). */
static int
command_program(const char *command, char *path_r, size_t len)
{
	const char *p = command, *path;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t;&|<>()$`'\"\n");
	if (n == 0 || n >= len)
		return -1;
	if (memchr(p, '/', n) != NULL) {
		snprintf(path_r, len, "%.*s", (int)n, p);
		return 0;
	}
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t dl = strcspn(path, ":");

		snprintf(path_r, len, "%.*s/%.*s", (int)dl, dl ? path : ".", (int)n, p);
		if (access(path_r, X_OK) == 0)
			return 0;
		path += dl;
		if (*path == ':')
			path++;
	}
	return -1;
}

int
secret_check_command(const char *command, char *err, size_t errlen)
{
	char prog[4096], dir[4096];
	struct stat sb;
	char *slash;

	if (command_program(command, prog, sizeof(prog)) < 0 || stat(prog, &sb) < 0)
		return 0;
	if (sb.st_mode & S_IWOTH) {
		snprintf(err, errlen,
			 "token command %s is writable by others (mode %04o): whoever can "
			 "write it runs commands as the responder; chmod o-w it",
			 prog, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", prog);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == 0 && (sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		snprintf(err, errlen,
			 "token command %s lies in %s, which others may write (mode %04o): "
			 "move it, or chmod o-w the directory",
			 prog, dir, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int
is_dev_null(const struct stat *sb)
{
	struct stat null;

	return S_ISCHR(sb->st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	       sb->st_rdev == null.st_rdev;
}

int
secret_open_config(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd = open_nonblock(path);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (is_dev_null(&sb))
		return fd; /* "-c /dev/null": the defaults alone */
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: config is not a regular file", path);
		close(fd);
		return -1;
	}
	if (sb.st_mode & S_IWOTH) {
		snprintf(err, errlen,
			 "%s: config is writable by others (mode %04o): whoever can write it "
			 "runs commands as the responder; chmod o-w it",
			 path, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
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
	fd = open_nonblock(path);
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
	if (secret_check_command(command, err, errlen) < 0)
		return -1;
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
