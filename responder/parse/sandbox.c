/*
 * sandbox.c - runs complaint_parse() in a forked worker process under
 * resource limits and reads each result back, capped, over a pipe in the
 * binary form of complaint_wire.c (a JSON round trip cost more than the
 * parse itself).
 *
 * The worker is forked once and parses complaints one after another
 * (forking per complaint cost ~40x the parse itself): the parent writes
 * "<length>\n<bytes>", the worker answers "<length>\n<encoded complaint>"
 * in one write (the length zero-padded to 20 digits).  Before each
 * job the worker moves its RLIMIT_CPU soft limit to "CPU used so far +
 * parse_cpu_seconds"; RLIMIT_AS, RLIMIT_STACK and RLIMIT_CORE=0 are set
 * once (RLIMIT_AS not under AddressSanitizer, which reserves terabytes of
 * address space).  The parent enforces the wall-clock deadline per job and
 * SIGKILLs a worker that misses it.  A worker that crashed, hit a limit,
 * timed out or answered garbage is reaped and replaced by a fresh one for
 * the next complaint; a worker is also replaced after WORKER_MAX_JOBS jobs
 * and when the limits change (config reload).
 *
 * One worker per process; not for concurrent use from several threads.
 *
 * SECURITY: the worker's output is untrusted too: capped at
 * SANDBOX_MAX_OUTPUT and validated by complaint_decode().  The pipes
 * are close-on-exec; the worker exits when the parent goes away (EOF).
 */
#include "responder/parse/sandbox.h"
#include "responder/parse/prescan.h"
#include "responder/parse/contain.h"
#include "common/timeutil.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libxml/parser.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/uio.h>
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

#define WORKER_MAX_JOBS 1000

/* How a worker ends other than by a signal: its exit status, which the
 * parent reads in classify(). */
enum worker_exit {
	WORKER_EXIT_DONE = 0,	 /* the parent went away (EOF) or announced more
				 * than WORKER_MAX_INPUT bytes */
	WORKER_EXIT_INPUT = 3,	 /* the complaint could not be read (or held) */
	WORKER_EXIT_NOMEM = 4,	 /* complaint_parse() failed, which it does only
				 * when libetpan ran out of memory */
	WORKER_EXIT_ENCODE = 5,	 /* the result could not be encoded */
	WORKER_EXIT_OUTPUT = 6,	 /* the result could not be written back */
	WORKER_EXIT_CONTAIN = 7, /* the containment could not be set up */
};
#define WORKER_MAX_INPUT ((size_t)1100 * 1024 * 1024) /* above max_message_size's maximum */
#define ANSWER_HEAD 21				      /* "<20 digits>\n" before each answer */

struct worker {
	pid_t pid;    /* 0: none */
	int to, from; /* our ends of the pipes */
	unsigned jobs;
	struct parse_limits lim; /* what it was started with */
};

static struct worker w;

/* Charsets whose gconv modules the parent loads before forking: the worker
 * cannot open files (contain.h), so a charset not loaded here converts as
 * an unknown one (windows-1252).  ASCII, Latin-1 and UTF-8 are built in. */
static const char *const warm_charsets[] = {
	"WINDOWS-1252",	 "ISO-8859-2",	 "ISO-8859-3",	 "ISO-8859-4",	 "ISO-8859-5",
	"ISO-8859-6",	 "ISO-8859-7",	 "ISO-8859-8",	 "ISO-8859-9",	 "ISO-8859-10",
	"ISO-8859-13",	 "ISO-8859-14",	 "ISO-8859-15",	 "ISO-8859-16",	 "WINDOWS-1250",
	"WINDOWS-1251",	 "WINDOWS-1253", "WINDOWS-1254", "WINDOWS-1255", "WINDOWS-1256",
	"WINDOWS-1257",	 "WINDOWS-1258", "KOI8-R",	 "KOI8-U",	 "ISO-2022-JP",
	"ISO-2022-JP-2", "EUC-JP",	 "SHIFT_JIS",	 "CP932",	 "GB2312",
	"GBK",		 "GB18030",	 "BIG5",	 "BIG5-HKSCS",	 "EUC-KR",
	"ISO-2022-KR",	 "UTF-16",	 "UTF-16LE",	 "UTF-16BE",	 "UTF-32",
	"UTF-7",	 "CP850",	 "CP437",	 "CP866",	 "TIS-620",
	"MACINTOSH",	 "ISO-8859-1",	 "UTF-8",
};
static iconv_t warm_cd[sizeof(warm_charsets) / sizeof(warm_charsets[0])];

/* Loads, once in the parent, what the worker would otherwise load for
 * itself (gconv modules of the charsets libetpan uses by default, libxml2's
 * tables): it inherits them through fork. */
static void
warm_up(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	for (size_t i = 0; i < sizeof(warm_charsets) / sizeof(warm_charsets[0]); i++)
		warm_cd[i] = iconv_open("UTF-8", warm_charsets[i]);
	xmlInitParser();
}

/* ---- the worker ---------------------------------------------------------- */

static int
w_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* What the worker has read from the parent and not used yet: a job comes
 * as one write ("<length>\n" and the bytes), read here in one call
 * instead of a call per digit. */
static struct {
	char data[65536];
	size_t off, len;
} w_in;

static int
w_read_all(int fd, char *p, size_t n)
{
	size_t k = w_in.len - w_in.off < n ? w_in.len - w_in.off : n;

	memcpy(p, w_in.data + w_in.off, k);
	w_in.off += k;
	p += k;
	n -= k;
	while (n > 0) {
		ssize_t r;

		if (n < sizeof(w_in.data)) {
			/* the rest of this job, perhaps more: into the buffer */
			r = read(fd, w_in.data, sizeof(w_in.data));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			w_in.off = 0;
			w_in.len = (size_t)r;
			k = w_in.len < n ? w_in.len : n;
			memcpy(p, w_in.data, k);
			w_in.off = k;
		} else {
			r = read(fd, p, n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			k = (size_t)r;
		}
		p += k;
		n -= k;
	}
	return 0;
}

/* "<digits>\n" from fd; -1 at EOF or on anything else. */
static int
w_read_len(int fd, size_t *n_r)
{
	char head[24];
	size_t i = 0;

	while (i < sizeof(head) - 1) {
		if (w_read_all(fd, head + i, 1) != 0)
			return -1;
		if (head[i] == '\n')
			break;
		if (head[i] < '0' || head[i] > '9')
			return -1;
		i++;
	}
	if (i == 0 || head[i] != '\n')
		return -1;
	head[i] = '\0';
	*n_r = (size_t)strtoull(head, NULL, 10);
	return 0;
}

static void
set_limit(int resource, rlim_t v)
{
	struct rlimit rl = { v, v };

	setrlimit(resource, &rl);
}

/* Allows `secs` more CPU seconds from now (soft limit; SIGXCPU at it). */
static void
cpu_budget(int secs)
{
	struct rusage ru;
	struct rlimit rl;
	rlim_t want;

	if (secs <= 0 || getrusage(RUSAGE_SELF, &ru) != 0 || getrlimit(RLIMIT_CPU, &rl) != 0)
		return;
	want = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1 + secs);
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	rl.rlim_cur = want;
	setrlimit(RLIMIT_CPU, &rl);
}

__attribute__((noreturn)) static void
worker_main(int in, int out, const struct parse_limits *lim)
{
	set_limit(RLIMIT_CORE, 0);
	if (!UNDER_ASAN && lim->memory_mb > 0)
		set_limit(RLIMIT_AS, (rlim_t)lim->memory_mb * 1024 * 1024);
	set_limit(RLIMIT_STACK, (rlim_t)8 * 1024 * 1024);
	/* Nothing of the daemon stays within reach: its store, sockets and
	 * files are closed, and only the pipes can be used (contain.h). */
	{
		char why[256];

		if (contain_worker(in, out, UNDER_ASAN, !UNDER_ASAN, why, sizeof(why)) != 0) {
			log_error("sandbox: %s", why);
			_exit(WORKER_EXIT_CONTAIN);
		}
	}
	for (;;) {
		struct complaint c;
		char err[256], head[32];
		struct buf ans;
		size_t len;
		char *raw;

		if (w_read_len(in, &len) != 0 || len > WORKER_MAX_INPUT)
			_exit(WORKER_EXIT_DONE);
		raw = malloc(len + 1);
		if (!raw || w_read_all(in, raw, len) != 0)
			_exit(WORKER_EXIT_INPUT);
		raw[len] = '\0';
		cpu_budget(lim->cpu_seconds);
		if (complaint_parse(raw, len, &c, err, sizeof(err)) != 0)
			_exit(WORKER_EXIT_NOMEM);
		free(raw);
		/* "<20 digits>\n" then the complaint, written at once; an
		 * answer over SANDBOX_MAX_OUTPUT is the parent's to refuse */
		buf_init(&ans, 0);
		buf_append(&ans, "00000000000000000000\n", ANSWER_HEAD);
		if (complaint_encode(&c, &ans) != 0)
			_exit(WORKER_EXIT_ENCODE);
		complaint_free(&c);
		snprintf(head, sizeof(head), "%020zu", ans.len - ANSWER_HEAD);
		memcpy(ans.data, head, ANSWER_HEAD - 1);
		if (w_write_all(out, ans.data, ans.len) != 0)
			_exit(WORKER_EXIT_OUTPUT);
		buf_free(&ans);
	}
}

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

static int
worker_start(const struct parse_limits *lim, char *why, size_t whylen)
{
	int in[2], out[2];
	pid_t pid;

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
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		worker_main(in[0], out[1], lim);
	}
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

void
sandbox_shutdown(void)
{
	if (!w.pid)
		return;
	worker_close_fds(); /* EOF: the worker exits by itself */
	worker_reap(0);
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
		if (left <= 0) {
			*timed_out = 1;
			return -1;
		}
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return -1;
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

enum sandbox_status
sandbox_run_parser(const char *raw, size_t len, const struct parse_limits *lim,
		   struct complaint *out, char *why, size_t whylen)
{
	int timed_out = 0, too_big = 0, timeout = lim->timeout > 0 ? lim->timeout : 10;
	struct iovec iov[2];
	char head[32];
	int64_t deadline;
	struct buf b;
	enum sandbox_status st;
	int n;

	memset(out, 0, sizeof(*out));
	warm_up();
	if (w.pid && (w.jobs >= WORKER_MAX_JOBS || !same_limits(&w.lim, lim)))
		sandbox_shutdown();
	if (!w.pid && worker_start(lim, why, whylen) != 0)
		return SANDBOX_ERROR;
	w.jobs++;
	deadline = time_mono_us() / 1000 + (int64_t)timeout * 1000;
	n = snprintf(head, sizeof(head), "%zu\n", len);
	buf_init(&b, SANDBOX_MAX_OUTPUT + 32);
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = (void *)(uintptr_t)raw; /* writev only reads it */
	iov[1].iov_len = len;
	if (send_all(iov, 2, deadline, &timed_out) != 0 ||
	    recv_answer(&b, deadline, &timed_out, &too_big) != 0) {
		if (timed_out) {
			worker_reap(1);
			snprintf(why, whylen, "parser timed out after %d s and was killed",
				 timeout);
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
