/*
 * worker.h - the parser worker's side of the sandbox (worker.c), the
 * program responder-parse (parse_main.c) that sandbox.c starts with
 * fork + exec.
 *
 * The protocol on its two descriptors (standard input and output): the
 * parent writes "<length>\n<bytes>", the worker answers "<20 digits>\n"
 * and the complaint in complaint_wire.c's form, in one write, and waits
 * for the next.  It exits at EOF, and with one of enum worker_exit when
 * something else ends it.
 *
 * Why a program of its own rather than a fork of the daemon: a fork
 * carries the daemon's whole memory (the IMAP and SMTP credentials read
 * from their files, the store's pages, the templates) into the process
 * that reads hostile MIME, and doubles its resident size.  An exec'd
 * worker starts empty and maps only libetpan, libxml2 and the C library.
 */
#ifndef RESPONDER_PARSE_WORKER_H
#define RESPONDER_PARSE_WORKER_H

#include <stddef.h>

/* 1 in a build under AddressSanitizer (gcc or clang), whose runtime
 * reserves terabytes of address space and needs more of the kernel: the
 * worker then sets no RLIMIT_AS and installs no seccomp filter (contain.h),
 * and keeps stderr for the sanitizer's reports. */
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

/* How a worker ends other than by a signal: its exit status, which the
 * parent reads (sandbox.c, classify()). */
enum worker_exit {
	WORKER_EXIT_DONE = 0,	 /* the parent went away (EOF) or announced more
				 * than WORKER_MAX_INPUT bytes */
	WORKER_EXIT_INPUT = 3,	 /* the complaint could not be read (or held) */
	WORKER_EXIT_NOMEM = 4,	 /* complaint_parse() failed, which it does only
				 * when libetpan ran out of memory */
	WORKER_EXIT_ENCODE = 5,	 /* the result could not be encoded */
	WORKER_EXIT_OUTPUT = 6,	 /* the result could not be written back */
	WORKER_EXIT_CONTAIN = 7, /* the containment could not be set up */
	WORKER_EXIT_EXEC = 8,	 /* the program could not be started (exec) */
	WORKER_EXIT_USAGE = 64,	 /* started with arguments it does not know */
};
#define WORKER_MAX_INPUT ((size_t)1100 * 1024 * 1024) /* above max_message_size's maximum */
#define WORKER_ANSWER_HEAD 21			      /* "<20 digits>\n" before each answer */

/* The program's name, looked for beside the responder binary (a build
 * tree) and in ../libexec/responder/ from it (an installed tree, any
 * prefix); $RESPONDER_PARSER names it instead. */
#define WORKER_PROGRAM "responder-parse"

/* responder-parse MEMORY_MB CPU_SECONDS: sets its limits, loads what it
 * cannot load once contained, contains itself (contain.h) and parses
 * until EOF on standard input.  Never returns. */
__attribute__((noreturn)) void worker_run(int argc, char **argv);

#endif
