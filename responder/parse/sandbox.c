/*
 * sandbox.c - runs complaint_parse() in a worker process of its own, the
 * program responder-parse (worker.h, worker.c), under resource limits,
 * and reads each result back, capped, over a pipe in the binary form of
 * complaint_wire.c (a JSON round trip cost more than the parse itself).
 *
 * The worker is started once (fork + exec) and parses complaints one after
 * another (a process per complaint cost ~40x the parse itself): the parent
 * writes "<length>\n<bytes>", the worker answers "<length>\n<encoded
 * complaint>" in one write (the length zero-padded to 20 digits).  It sets
 * its own limits and containment (worker.c); the parent enforces the
 * wall-clock deadline per job and SIGKILLs a worker that misses it.  A
 * worker that crashed, hit a limit, timed out or answered garbage is
 * reaped and replaced by a fresh one for the next complaint; a worker is
 * also replaced after WORKER_MAX_JOBS jobs and when the limits change
 * (config reload).
 *
 * One complaint can be handed over ahead (sandbox_parse_next): when the
 * caller names the complaint it will ask for after the current one, it is
 * written to the worker as soon as the current answer is read, so the
 * worker parses it while the caller works on the last one (two cores, the
 * two overlapped).  The parent keeps a copy of what it handed over and
 * gives the early answer only to a request for the same bytes; any other
 * request reads and drops it first.  A job handed
 * over ahead has the same deadline, limits and retries as any other: its
 * deadline runs from the moment it was written.
 *
 * It is exec'd rather than only forked so that nothing of the daemon's
 * memory (credentials, the store's pages, the templates) is in the process
 * that reads hostile MIME, and so that the two do not each hold the
 * other's pages (docs/performance.md, eighth round).  Its environment is
 * fixed (worker_env_init()).
 *
 * One worker per process; not for concurrent use from several threads.
 *
 * SECURITY: the worker's output is untrusted too: capped at
 * SANDBOX_MAX_OUTPUT and validated by complaint_decode().  The pipes
 * are close-on-exec; the worker exits when the parent goes away (EOF).
 */
#include "responder/parse/sandbox.h"
#include "responder/parse/prescan.h"
#include "responder/parse/worker.h"
#include "common/timeutil.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKER_MAX_JOBS 1000
/* The copy of a complaint handed over ahead is kept for the next one up
 * to this size, and freed after a larger one. */
#define AHEAD_KEEP ((size_t)256 * 1024)

struct worker {
	pid_t pid;    /* 0: none */
	int to, from; /* our ends of the pipes */
	unsigned jobs;
	struct parse_limits lim; /* what it was started with */
};

static struct worker w;

/* The complaint the caller will ask for next (sandbox_parse_next).  `raw`
 * is the caller's until it is handed to the worker; then `sent` holds a
 * copy, to know the request for it by its bytes, not by where they were. */
static struct {
	const char *raw; /* named by the caller, not handed over yet; or NULL */
	size_t len;
	int in_flight;	  /* handed over: the worker's answer not read yet */
	int64_t deadline; /* ms, monotonic, of the job in flight */
	struct buf sent;  /* its bytes */
	unsigned long hits;
} ahead;

/* ---- the parent's side ------------------------------------------------------ */

static void
worker_close_fds(void)
{
	if (w.to >= 0)
		close(w.to);
	if (w.from >= 0)
		close(w.from);
	w.to = w.from = -1;
}

/* Kills (when `kill_it`) and reaps the worker; returns its wait status. */
static int
worker_reap(int kill_it)
{
	int status = 0;

	ahead.in_flight = 0; /* a job in flight dies with the worker */
	if (!w.pid)
		return 0;
	worker_close_fds();
	if (kill_it)
		kill(w.pid, SIGKILL);
	while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
		;
	w.pid = 0;
	return status;
}

/* The worker program's path into path[PATH_MAX]: $RESPONDER_PARSER, else
 * responder-parse beside this program (a build tree), else in
 * ../libexec/responder/ from it (an installed tree, whatever its prefix).
 * 0, or -1 with why saying where it looked. */
static int
worker_path(char *path, char *why, size_t whylen)
{
	const char *env = getenv("RESPONDER_PARSER");
	char self[PATH_MAX], *slash;
	ssize_t n;
	int k;

	if (env && *env) {
		if (access(env, X_OK) == 0 && strlen(env) < PATH_MAX) {
			str_copy(path, env, PATH_MAX);
			return 0;
		}
		snprintf(why, whylen, "parser program %s (RESPONDER_PARSER): %s", env,
			 strlen(env) < PATH_MAX ? strerror(errno) : "path too long");
		return -1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(why, whylen,
			 "parser program: cannot find this program (/proc/self/exe: %s)",
			 n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	k = snprintf(path, PATH_MAX, "%s/%s", self, WORKER_PROGRAM);
	if (k > 0 && k < PATH_MAX && access(path, X_OK) == 0)
		return 0;
	k = snprintf(path, PATH_MAX, "%s/../libexec/responder/%s", self, WORKER_PROGRAM);
	if (k > 0 && k < PATH_MAX && access(path, X_OK) == 0)
		return 0;
	snprintf(why, whylen,
		 "parser program %s not found in %s nor in %s/../libexec/responder "
		 "(reinstall, or name it in RESPONDER_PARSER)",
		 WORKER_PROGRAM, self, self);
	return -1;
}

/* The environment every worker gets, made once with the pin below:
 * GNUTLS_NO_IMPLICIT_INIT (libetpan links GnuTLS, whose load-time
 * initialisation reads the PKCS #11 module configuration and loads
 * p11-kit: 0.9 MiB of a worker that never speaks TLS), the sanitizers'
 * options of a test build, and nothing else (no locale, no GCONV_PATH, no
 * LD_* from whoever started the daemon). */
static char *worker_envp[5];

static void
worker_env_init(void)
{
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	static char no_tls[] = "GNUTLS_NO_IMPLICIT_INIT=1";
	size_t n = 0;

	worker_envp[n++] = no_tls;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = getenv(keep[i]);
		struct buf b;

		if (v == NULL)
			continue;
		buf_init(&b, 0);
		buf_printf(&b, "%s=%s", keep[i], v);
		worker_envp[n++] = buf_steal(&b, NULL);
	}
	worker_envp[n] = NULL;
}

/* The worker program, opened once (O_PATH) the first time it is found and
 * then started from this descriptor (fexecve): every worker of this
 * process runs the program that was there when it started, even after a
 * package upgrade puts another file at the path, whose pipe form may
 * differ (complaint_wire.c).  A new program takes effect at the restart
 * that follows an upgrade, with the daemon that goes with it. */
static int worker_prog = -1;

int
sandbox_check(char *why, size_t whylen)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd;

	if (worker_prog >= 0)
		return 0;
	if (worker_path(path, why, whylen) != 0)
		return -1;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "parser program %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "parser program %s is not a regular file", path);
		close(fd);
		return -1;
	}
	worker_prog = fd;
	worker_env_init();
	return 0;
}

/* In the child between fork and exec: the pipe ends onto standard input
 * and output, the signal mask and dispositions as a new program expects
 * (SIGPIPE stays ignored, SIGXCPU must kill), then the program.  Only
 * async-signal-safe calls. */
__attribute__((noreturn)) static void
worker_exec(int in, int out, char *const argv[], char *const env[])
{
	sigset_t none;

	/* neither end may land on the other's number: move both above 2
	 * (close-on-exec, so only the two dup2() copies cross the exec) */
	in = fcntl(in, F_DUPFD_CLOEXEC, 3);
	out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(WORKER_EXIT_EXEC);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGXCPU, SIG_DFL);
	fexecve(worker_prog, argv, env);
	_exit(WORKER_EXIT_EXEC);
}

static int
worker_start(const struct parse_limits *lim, char *why, size_t whylen)
{
	static char name[] = WORKER_PROGRAM;
	char mem[24], cpu[24];
	char *argv[] = { name, mem, cpu, NULL };
	int in[2], out[2];
	pid_t pid;

	if (sandbox_check(why, whylen) != 0)
		return -1;
	snprintf(mem, sizeof(mem), "%d", lim->memory_mb > 0 ? lim->memory_mb : 0);
	snprintf(cpu, sizeof(cpu), "%d", lim->cpu_seconds > 0 ? lim->cpu_seconds : 0);
	if (pipe2(in, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0)
		worker_exec(in[0], out[1], argv, worker_envp);
	close(in[0]);
	close(out[1]);
	w.pid = pid;
	w.to = in[1];
	w.from = out[0];
	w.jobs = 0;
	w.lim = *lim;
	fcntl(w.to, F_SETFL, fcntl(w.to, F_GETFL) | O_NONBLOCK);
	return 0;
}

pid_t
sandbox_worker_pid(void)
{
	return w.pid;
}

unsigned long
sandbox_ahead_hits(void)
{
	return ahead.hits;
}

void
sandbox_parse_next(const char *raw, size_t len)
{
	ahead.raw = raw;
	ahead.len = len;
}

void
sandbox_shutdown(void)
{
	ahead.raw = NULL;
	buf_free(&ahead.sent);
	worker_reap(0); /* EOF: the worker exits once its job in hand is done */
}

/* Writes all of iov[0..cnt) within the deadline (tried at once, polled
 * for only when the pipe is full); -1 on timeout (*timed_out) or a dead
 * worker.  Changes iov. */
static int
send_all(struct iovec *iov, int cnt, int64_t deadline, int *timed_out)
{
	while (cnt > 0) {
		struct pollfd pfd = { w.to, POLLOUT, 0 };
		int64_t left;
		ssize_t r;

		if (iov->iov_len == 0) {
			iov++;
			cnt--;
			continue;
		}
		r = writev(w.to, iov, cnt);
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (r == 0)
			return -1;
		if (r > 0) {
			size_t done = (size_t)r;

			while (cnt > 0 && done >= iov->iov_len) {
				done -= iov->iov_len;
				iov++;
				cnt--;
			}
			if (cnt > 0) {
				iov->iov_base = (char *)iov->iov_base + done;
				iov->iov_len -= done;
			}
			continue;
		}
		left = deadline - time_mono_us() / 1000;
		if (left <= 0) {
			*timed_out = 1;
			return -1;
		}
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Reads one "<len>\n<complaint>" answer into b within the deadline.
 * 0 complete; -1 EOF/error; sets *timed_out or *too_big. */
static int
recv_answer(struct buf *b, int64_t deadline, int *timed_out, int *too_big)
{
	size_t want = 0;
	char *nl;

	for (;;) {
		struct pollfd pfd = { w.from, POLLIN, 0 };
		int64_t left = deadline - time_mono_us() / 1000;
		char chunk[65536];
		ssize_t r;

		if (b->len && !want && (nl = memchr(b->data, '\n', b->len)) != NULL) {
			char *end;
			unsigned long long n = strtoull(b->data, &end, 10);

			if (end != nl || n > SANDBOX_MAX_OUTPUT) {
				*too_big = n > SANDBOX_MAX_OUTPUT;
				return -1;
			}
			want = (size_t)(nl + 1 - b->data) + (size_t)n;
		}
		if (want && b->len >= want)
			return b->len == want ? 0 : -1;
		/* Past the deadline the pipe is still looked at once: a job
		 * handed over ahead may have been answered long ago. */
		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && left == 0) {
			*timed_out = 1;
			return -1;
		}
		if (r <= 0)
			continue;
		r = read(w.from, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf_append(b, chunk, (size_t)r) != 0) {
			*too_big = 1;
			return -1;
		}
	}
}

static enum sandbox_status
decode_output(struct buf *b, struct complaint *out, char *why, size_t whylen)
{
	char *nl = memchr(b->data, '\n', b->len);

	if (complaint_decode(nl + 1, b->len - (size_t)(nl + 1 - b->data), out) != 0) {
		snprintf(why, whylen, "parser result not valid");
		return SANDBOX_ERROR;
	}
	return SANDBOX_OK;
}

/* Why the worker ended, from its wait status. */
static enum sandbox_status
classify(int status, const struct parse_limits *lim, char *why, size_t whylen)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGXCPU) {
			snprintf(why, whylen, "parser exceeded its CPU limit of %d s",
				 lim->cpu_seconds);
			return SANDBOX_LIMIT;
		}
		snprintf(why, whylen, "parser crashed (signal %d, %s) on malformed MIME", sig,
			 strsignal(sig));
		return SANDBOX_CRASH;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_CONTAIN) {
		snprintf(why, whylen,
			 "parser could not be contained (seccomp or NO_NEW_PRIVS refused): "
			 "not parsed");
		return SANDBOX_ERROR;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_EXEC) {
		snprintf(why, whylen, "parser program %s could not be started", WORKER_PROGRAM);
		return SANDBOX_ERROR;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_NOMEM) {
		snprintf(why, whylen, "parser ran out of memory (limit %d MB)", lim->memory_mb);
		return SANDBOX_LIMIT;
	}
	snprintf(why, whylen, "parser failed (exit %d)",
		 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return SANDBOX_CRASH;
}

static int
same_limits(const struct parse_limits *a, const struct parse_limits *b)
{
	return a->max_message_size == b->max_message_size && a->cpu_seconds == b->cpu_seconds &&
	       a->memory_mb == b->memory_mb && a->timeout == b->timeout;
}

/* Writes one job to the worker; the caller counted it. */
static int
send_job(const char *raw, size_t len, int64_t deadline, int *timed_out)
{
	struct iovec iov[2];
	char head[32];
	int n = snprintf(head, sizeof(head), "%zu\n", len);

	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = (void *)(uintptr_t)raw; /* writev only reads it */
	iov[1].iov_len = len;
	return send_all(iov, 2, deadline, timed_out);
}

/* [limits] parse_timeout in seconds, 10 when unset. */
static int
timeout_of(const struct parse_limits *lim)
{
	return lim->timeout > 0 ? lim->timeout : 10;
}

static int64_t
deadline_of(const struct parse_limits *lim)
{
	return time_mono_us() / 1000 + (int64_t)timeout_of(lim) * 1000;
}

/* The job in flight ahead is not the one asked for: its answer is read
 * and dropped (the worker is killed when that fails). */
static void
drop_ahead(void)
{
	int timed_out = 0, too_big = 0;
	struct buf b;

	buf_init(&b, SANDBOX_MAX_OUTPUT + 32);
	if (recv_answer(&b, ahead.deadline, &timed_out, &too_big) != 0)
		worker_reap(1);
	ahead.in_flight = 0;
	buf_free(&b);
}

/* After an answer: the complaint the caller named next goes to the worker
 * now (pre-scanned first, so that a refused one never reaches it).  A
 * failed write kills the worker; the request for it starts a fresh one. */
static void
send_ahead(const struct parse_limits *lim)
{
	const char *raw = ahead.raw;
	size_t len = ahead.len;
	char why[256];
	int timed_out = 0;

	ahead.raw = NULL;
	if (raw == NULL || !w.pid || w.jobs >= WORKER_MAX_JOBS ||
	    prescan(raw, len, lim->max_message_size, why, sizeof(why)) != 0)
		return;
	if (ahead.sent.max == 0)
		buf_init(&ahead.sent, 0);
	buf_reset(&ahead.sent);
	if (buf_append(&ahead.sent, raw, len) != 0)
		return;
	w.jobs++;
	ahead.deadline = deadline_of(lim);
	if (send_job(raw, len, ahead.deadline, &timed_out) != 0) {
		worker_reap(1);
		return;
	}
	ahead.in_flight = 1;
}

enum sandbox_status
sandbox_run_parser(const char *raw, size_t len, const struct parse_limits *lim,
		   struct complaint *out, char *why, size_t whylen)
{
	int timed_out = 0, too_big = 0;
	int64_t deadline;
	struct buf b;
	enum sandbox_status st;
	int sent = 0;

	memset(out, 0, sizeof(*out));
	if (ahead.in_flight) {
		if (same_limits(&w.lim, lim) && ahead.sent.len == len &&
		    memcmp(ahead.sent.data, raw, len) == 0) {
			/* handed over ahead: its answer is on its way */
			ahead.in_flight = 0;
			sent = 1;
		} else {
			drop_ahead();
		}
		if (ahead.sent.cap > AHEAD_KEEP)
			buf_free(&ahead.sent); /* one large complaint: not kept for long */
	}
	if (sent) {
		deadline = ahead.deadline;
	} else {
		if (w.pid && (w.jobs >= WORKER_MAX_JOBS || !same_limits(&w.lim, lim)))
			worker_reap(0);
		if (!w.pid && worker_start(lim, why, whylen) != 0)
			return SANDBOX_ERROR;
		w.jobs++;
		deadline = deadline_of(lim);
	}
	buf_init(&b, SANDBOX_MAX_OUTPUT + 32);
	if ((!sent && send_job(raw, len, deadline, &timed_out) != 0) ||
	    recv_answer(&b, deadline, &timed_out, &too_big) != 0) {
		if (timed_out) {
			worker_reap(1);
			snprintf(why, whylen, "parser timed out after %d s and was killed",
				 timeout_of(lim));
			st = SANDBOX_TIMEOUT;
		} else if (too_big) {
			worker_reap(1);
			snprintf(why, whylen, "parser result larger than %zu bytes",
				 SANDBOX_MAX_OUTPUT);
			st = SANDBOX_LIMIT;
		} else {
			/* EOF or a broken pipe: the worker died; its status says how */
			st = classify(worker_reap(0), lim, why, whylen);
		}
	} else {
		st = decode_output(&b, out, why, whylen);
		if (st != SANDBOX_OK)
			worker_reap(1);
	}
	buf_free(&b);
	if (st != SANDBOX_OK) {
		log_warn("complaint parser: %s", why);
		return st;
	}
	if (sent)
		ahead.hits++;
	send_ahead(lim);
	return st;
}

enum sandbox_status
sandbox_parse(const char *raw, size_t len, const struct parse_limits *lim, struct complaint *out,
	      char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (prescan(raw, len, lim->max_message_size, why, whylen) != 0) {
		log_info("complaint refused before parsing: %s", why);
		return SANDBOX_REJECTED;
	}
	return sandbox_run_parser(raw, len, lim, out, why, whylen);
}
