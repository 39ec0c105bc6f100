/*
 * worker.c - the parser worker (worker.h): the program responder-parse,
 * which sandbox.c starts with fork + exec and feeds complaints over a
 * pipe, one after another.
 *
 * At its start it sets RLIMIT_CORE=0, RLIMIT_AS (not under
 * AddressSanitizer, which reserves terabytes of address space) and
 * RLIMIT_STACK, loads the charsets and libxml2's tables it could not load
 * later, and contains itself (contain.h: every descriptor but its pipes
 * closed, NO_NEW_PRIVS, the seccomp filter).  Before each job it moves its
 * RLIMIT_CPU soft limit to "CPU used so far + cpu_seconds".  The parent
 * enforces the wall-clock deadline and kills a worker that misses it.
 *
 * SECURITY: everything it reads is hostile; it can read its input pipe,
 * write its output pipe and compute, nothing else (contain.c).
 */
#include "responder/parse/worker.h"
#include "responder/parse/complaint.h"
#include "responder/parse/contain.h"
#include "common/buf.h"
#include "common/log.h"

#include <errno.h>
#include <iconv.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Charsets whose gconv modules the worker loads before it is contained: it
 * cannot open files afterwards (contain.h), so a charset not loaded here
 * converts as an unknown one (windows-1252).  ASCII, Latin-1 and UTF-8 are
 * built in. */
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

/* Loads what the parse would otherwise load on its first use, when the
 * worker can no longer open files: the gconv modules of the charsets
 * libetpan uses by default, libxml2's tables. */
static void
warm_up(void)
{
	for (size_t i = 0; i < sizeof(warm_charsets) / sizeof(warm_charsets[0]); i++)
		warm_cd[i] = iconv_open("UTF-8", warm_charsets[i]);
	xmlInitParser();
}

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
worker_main(int in, int out, int memory_mb, int cpu_seconds)
{
	set_limit(RLIMIT_CORE, 0);
	if (!UNDER_ASAN && memory_mb > 0)
		set_limit(RLIMIT_AS, (rlim_t)memory_mb * 1024 * 1024);
	set_limit(RLIMIT_STACK, (rlim_t)8 * 1024 * 1024);
	warm_up();
	/* Whatever the exec left open is closed, and only the pipes can be
	 * used (contain.h). */
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
		cpu_budget(cpu_seconds);
		if (complaint_parse(raw, len, &c, err, sizeof(err)) != 0)
			_exit(WORKER_EXIT_NOMEM);
		free(raw);
		/* "<20 digits>\n" then the complaint, written at once; an
		 * answer over SANDBOX_MAX_OUTPUT is the parent's to refuse */
		buf_init(&ans, 0);
		buf_append(&ans, "00000000000000000000\n", WORKER_ANSWER_HEAD);
		if (complaint_encode(&c, &ans) != 0)
			_exit(WORKER_EXIT_ENCODE);
		complaint_free(&c);
		snprintf(head, sizeof(head), "%020zu", ans.len - WORKER_ANSWER_HEAD);
		memcpy(ans.data, head, WORKER_ANSWER_HEAD - 1);
		if (w_write_all(out, ans.data, ans.len) != 0)
			_exit(WORKER_EXIT_OUTPUT);
		buf_free(&ans);
	}
}


/* A whole decimal number in [lo, hi], or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

void
worker_run(int argc, char **argv)
{
	long memory_mb, cpu_seconds;

	log_init(WORKER_PROGRAM, LOG_LVL_WARN, 0);
	memory_mb = argc == 3 ? number(argv[1], 0, 1L << 20) : -1;
	cpu_seconds = argc == 3 ? number(argv[2], 0, 86400) : -1;
	if (memory_mb < 0 || cpu_seconds < 0) {
		fprintf(stderr,
			"usage: %s MEMORY_MB CPU_SECONDS\n"
			"(started by responder with its parse limits; reads complaints on standard "
			"input)\n",
			WORKER_PROGRAM);
		exit(WORKER_EXIT_USAGE);
	}
	worker_main(STDIN_FILENO, STDOUT_FILENO, (int)memory_mb, (int)cpu_seconds);
}
