/*
 * sandbox.c - runs complaint_parse() in a forked child under resource
 * limits and reads its result back as capped JSON over a pipe.
 *
 * The child sets RLIMIT_CPU, RLIMIT_AS (not under AddressSanitizer, which
 * reserves terabytes of address space), RLIMIT_STACK and RLIMIT_CORE=0,
 * parses, writes "<length>\n<json>" and _exit()s (no atexit handlers, no
 * stdio flushes of the parent's buffers, no SQLite).  The parent polls the
 * pipe until the wall-clock deadline, then SIGKILLs.
 *
 * SECURITY: the child's output is untrusted too: capped at
 * SANDBOX_MAX_OUTPUT and validated by complaint_from_json().
 */
#include "responder/sandbox.h"
#include "common/buf.h"
#include "common/log.h"

#include <errno.h>
#include <iconv.h>
#include <libxml/parser.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

void
parse_limits_from_settings(const struct settings *s, struct parse_limits *l)
{
	l->max_message_size = s->max_message_size;
	l->cpu_seconds = s->parse_cpu_seconds;
	l->memory_mb = s->parse_memory_mb;
	l->timeout = s->parse_timeout;
}

/* Loads, once in the parent, what every child would otherwise load again
 * (gconv modules of the charsets libetpan uses by default, libxml2's
 * tables): the children inherit them through fork. */
static iconv_t warm_cd[3];

static void
warm_up(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	warm_cd[0] = iconv_open("UTF-8", "ISO-8859-1");
	warm_cd[1] = iconv_open("UTF-8", "WINDOWS-1252");
	warm_cd[2] = iconv_open("UTF-8", "UTF-8");
	xmlInitParser();
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		n -= (size_t)w;
	}
}

static void
set_limit(int resource, rlim_t v)
{
	struct rlimit rl = { v, v };

	setrlimit(resource, &rl);
}

__attribute__((noreturn)) static void
child(int fd, const char *raw, size_t len, const struct parse_limits *lim)
{
	struct complaint c;
	char err[256], head[32];
	json_t *j;
	char *s;
	int n;

	set_limit(RLIMIT_CORE, 0);
	if (lim->cpu_seconds > 0) {
		struct rlimit rl = { (rlim_t)lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1 };

		setrlimit(RLIMIT_CPU, &rl);
	}
	if (!UNDER_ASAN && lim->memory_mb > 0)
		set_limit(RLIMIT_AS, (rlim_t)lim->memory_mb * 1024 * 1024);
	set_limit(RLIMIT_STACK, (rlim_t)8 * 1024 * 1024);
	if (complaint_parse(raw, len, &c, err, sizeof(err)) != 0)
		_exit(4);
	j = complaint_to_json(&c);
	s = json_dumps(j, JSON_COMPACT);
	if (!s)
		_exit(5);
	n = snprintf(head, sizeof(head), "%zu\n", strlen(s));
	write_all(fd, head, (size_t)n);
	write_all(fd, s, strlen(s));
	_exit(0);
}

static enum sandbox_status
decode_output(struct buf *b, struct complaint *out, char *why, size_t whylen)
{
	char *nl = b->data ? memchr(b->data, '\n', b->len) : NULL;
	unsigned long long n;
	json_error_t jerr;
	json_t *j;
	char *end;

	if (!nl) {
		snprintf(why, whylen, "parser produced no result");
		return SANDBOX_ERROR;
	}
	n = strtoull(b->data, &end, 10);
	if (end != nl || n != (unsigned long long)(b->len - (size_t)(nl + 1 - b->data))) {
		snprintf(why, whylen, "parser result truncated");
		return SANDBOX_ERROR;
	}
	j = json_loadb(nl + 1, (size_t)n, 0, &jerr);
	if (!j || complaint_from_json(j, out) != 0) {
		json_decref(j);
		snprintf(why, whylen, "parser result not valid");
		return SANDBOX_ERROR;
	}
	json_decref(j);
	return SANDBOX_OK;
}

enum sandbox_status
sandbox_run_parser(const char *raw, size_t len, const struct parse_limits *lim,
		   struct complaint *out, char *why, size_t whylen)
{
	int fds[2], status = 0, killed = 0, too_big = 0;
	int64_t deadline;
	struct buf b;
	pid_t pid;
	enum sandbox_status st;

	memset(out, 0, sizeof(*out));
	warm_up();
	if (pipe(fds) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return SANDBOX_ERROR;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return SANDBOX_ERROR;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], raw, len, lim);
	}
	close(fds[1]);
	buf_init(&b, SANDBOX_MAX_OUTPUT);
	deadline = now_ms() + (int64_t)(lim->timeout > 0 ? lim->timeout : 10) * 1000;
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		int64_t left = deadline - now_ms();
		char chunk[65536];
		ssize_t r;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		r = read(fds[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf_append(&b, chunk, (size_t)r) != 0) {
			kill(pid, SIGKILL);
			too_big = 1;
			break;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		snprintf(why, whylen, "parser timed out after %d s and was killed",
			 lim->timeout > 0 ? lim->timeout : 10);
		st = SANDBOX_TIMEOUT;
	} else if (too_big) {
		snprintf(why, whylen, "parser result larger than %zu bytes", SANDBOX_MAX_OUTPUT);
		st = SANDBOX_LIMIT;
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGXCPU || sig == SIGKILL) {
			snprintf(why, whylen, "parser exceeded its CPU limit of %d s", lim->cpu_seconds);
			st = SANDBOX_LIMIT;
		} else {
			snprintf(why, whylen, "parser crashed (signal %d, %s) on malformed MIME",
				 sig, strsignal(sig));
			st = SANDBOX_CRASH;
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "parser failed (exit %d; out of memory under the %d MB limit?)",
			 WEXITSTATUS(status), lim->memory_mb);
		st = WEXITSTATUS(status) == 4 ? SANDBOX_LIMIT : SANDBOX_CRASH;
	} else {
		st = decode_output(&b, out, why, whylen);
	}
	buf_free(&b);
	if (st != SANDBOX_OK)
		log_warn("complaint parser: %s", why);
	return st;
}

enum sandbox_status
sandbox_parse(const char *raw, size_t len, const struct parse_limits *lim, int in_process,
	      struct complaint *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (prescan(raw, len, lim->max_message_size, why, whylen) != 0) {
		log_info("complaint refused before parsing: %s", why);
		return SANDBOX_REJECTED;
	}
	if (in_process) {
		if (complaint_parse(raw, len, out, why, whylen) != 0)
			return SANDBOX_ERROR;
		return SANDBOX_OK;
	}
	return sandbox_run_parser(raw, len, lim, out, why, whylen);
}
