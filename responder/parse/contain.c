/*
 * contain.c - what the parser worker gives up right after fork, the
 * containment OpenSMTPD and Postfix give their parsers (see contain.h).
 *
 * Three steps, in this order: every descriptor but the worker's two pipe
 * ends is closed (the daemon's store, its IMAP socket, log files);
 * PR_SET_NO_NEW_PRIVS (no set-uid gain through exec, and what seccomp
 * needs without CAP_SYS_ADMIN); a seccomp filter written here as classic
 * BPF.  The filter lets through read() on the input pipe, write() on the
 * output pipe, memory management without PROT_EXEC (brk, mmap, mremap,
 * munmap, madvise, mprotect), the limits the worker moves before each job
 * (prlimit64, getrusage), futex, the clocks, signal return and exit.
 * Everything else fails with EPERM: open, socket, connect, exec, kill,
 * ptrace...  An error rather than a kill, so a library that tries to open
 * a file (iconv loading a charset module nobody preloaded) gets a clean
 * failure; a parser taken over by a hostile message can still compute
 * but can read nothing, send nothing and start nothing.
 *
 * Under AddressSanitizer the filter is left out (the sanitizer's runtime
 * needs more of the kernel); the descriptors are closed and NO_NEW_PRIVS
 * is set all the same.
 */
#include "responder/parse/contain.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define CONTAIN_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CONTAIN_ARCH AUDIT_ARCH_AARCH64
#endif

/* Closes every descriptor except those in keep[0..n) (any order). */
static void
close_all_but(const int *keep, size_t n)
{
	unsigned lo = 0;

	for (;;) {
		unsigned next = ~0U;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo && syscall(SYS_close_range, lo, next - 1, 0) != 0) {
			/* an old kernel: one by one, up to a sane bound */
			for (unsigned fd = lo; fd < next && fd < 65536; fd++)
				close((int)fd);
		}
		if (next == ~0U)
			return;
		lo = next + 1;
	}
}

#ifdef CONTAIN_ARCH

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
/* the syscall `nr` passes */
#define PASS(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), ALLOW

static int
install_filter(int in, int out, int err_fd)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONTAIN_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		LD_NR,
#if defined(__x86_64__)
		/* the x32 ABI numbers the same calls differently: none */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		DENY,
#endif
		/* read() on the input pipe only */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 0, 4),
		LD_ARG(0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)in, 0, 1),
		ALLOW,
		DENY,
		/* write() on the output pipe (and stderr when kept) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 5),
		LD_ARG(0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)out, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)err_fd, 1, 0),
		DENY,
		ALLOW,
		/* mmap() and mprotect() without PROT_EXEC */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 0, 4),
		LD_ARG(2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
		ALLOW,
		DENY,
		PASS(SYS_brk),
		PASS(SYS_munmap),
		PASS(SYS_mremap),
		PASS(SYS_madvise),
		PASS(SYS_futex),
		PASS(SYS_prlimit64),
		PASS(SYS_getrusage),
		PASS(SYS_clock_gettime),
		PASS(SYS_gettimeofday),
		PASS(SYS_getpid),
		PASS(SYS_gettid),
		PASS(SYS_rt_sigreturn),
		PASS(SYS_rt_sigprocmask),
		PASS(SYS_exit),
		PASS(SYS_exit_group),
		DENY,
	};
	struct sock_fprog fprog = { .len = (unsigned short)(sizeof(prog) / sizeof(prog[0])),
				    .filter = prog };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
}

#else

static int
install_filter(int in, int out, int err_fd)
{
	(void)in;
	(void)out;
	(void)err_fd;
	errno = ENOSYS;
	return -1;
}

#endif

int
contain_worker(int in, int out, int keep_stderr, int filter, char *why, size_t whylen)
{
	int keep[3] = { in, out, keep_stderr ? STDERR_FILENO : -1 };

	close_all_but(keep, 3);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, whylen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	if (filter && install_filter(in, out, keep_stderr ? STDERR_FILENO : out) != 0) {
		snprintf(why, whylen, "seccomp filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}
