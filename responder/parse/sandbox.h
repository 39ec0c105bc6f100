/*
 * sandbox.h - parsing a complaint without trusting libetpan: a cheap
 * pre-scan (prescan.h) that refuses what is known to break the parser, then
 * the parse itself in a worker process of its own, the program
 * responder-parse (worker.h), under setrlimit (CPU seconds per complaint,
 * address space, stack), contained (contain.h), with a wall-clock timeout
 * per complaint, its result coming back capped, in a binary form, over a
 * pipe (sandbox.c, complaint_wire.c).
 * The worker is kept for the next complaints and replaced after any
 * failure; the caller may hand it the next complaint ahead
 * (sandbox_parse_next).  One worker per process: not for concurrent use by threads.
 * The caller ignores SIGPIPE (main.c does): a worker that dies while its
 * input is written shows up as EPIPE.
 *
 * SECURITY: the child may crash, loop or exhaust memory; the parent only
 * ever reads at most SANDBOX_MAX_OUTPUT bytes from it, validates what it
 * reads (complaint_decode) and kills it at the deadline.
 */
#ifndef RESPONDER_SANDBOX_H
#define RESPONDER_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "responder/parse/complaint.h"

#define SANDBOX_MAX_OUTPUT ((size_t)16 * 1024 * 1024)

/* The limits of one parse; the caller fills them (the pipeline from the
 * [limits] section of the config). */
struct parse_limits {
	long max_message_size; /* bytes; [limits] max_message_size */
	int cpu_seconds;       /* RLIMIT_CPU of the child */
	int memory_mb;	       /* RLIMIT_AS of the child (not under ASan) */
	int timeout;	       /* wall-clock seconds before SIGKILL */
};

enum sandbox_status {
	SANDBOX_OK = 0,
	SANDBOX_REJECTED, /* the pre-scan refused it (why says what) */
	SANDBOX_CRASH,	  /* the child died from a signal or exited badly */
	SANDBOX_TIMEOUT,  /* killed at the wall-clock deadline */
	SANDBOX_LIMIT,	  /* CPU limit (SIGXCPU) or out of memory */
	SANDBOX_ERROR,	  /* fork/exec/pipe failed, or the output was not valid */
};

/* Pre-scan (prescan.h, capped at lim->max_message_size), then parse in
 * the worker.  On SANDBOX_OK *out is filled (complaint_free it); otherwise
 * *out is empty and `why` says what happened.  (Fuzzing and tests call
 * complaint_parse() in their own process; the responder never does, and
 * does not link it.) */
enum sandbox_status sandbox_parse(const char *raw, size_t len, const struct parse_limits *lim,
				  struct complaint *out, char *why, size_t whylen);

/* Names the complaint the caller will ask for after the next one: once
 * the worker has answered the next request, this one is handed to it
 * (pre-scanned first), so it is parsed while the caller works on that
 * answer.  The bytes must stay where they are until that request returns
 * (or until another call here, or sandbox_shutdown()); a request for
 * other bytes reads and drops the early answer first, so the answer to a
 * request is always that of its own bytes.  NULL forgets it. */
void sandbox_parse_next(const char *raw, size_t len);

/* How many requests were answered from a job handed over ahead (tests and
 * diagnostics). */
unsigned long sandbox_ahead_hits(void);

/* Finds the worker program (worker.h says where it is looked for) and
 * opens it, once per process: every worker is started from that file,
 * whatever is put at its path later (an upgrade).  0, or -1 with why.
 * pipeline_new() calls it, so that a broken install stops the daemon at
 * its start instead of failing every complaint. */
int sandbox_check(char *why, size_t whylen);

/* The running worker's pid, 0 when none (tests and diagnostics). */
pid_t sandbox_worker_pid(void);

/* Stops the parser worker (it is started on first use and kept for the
 * next complaints); pipeline_free() calls it.  Safe to call any time. */
void sandbox_shutdown(void);

/* The contained, limited parse alone, without the pre-scan (tests use it to
 * show that a parser crash, loop or blow-up never reaches the caller). */
enum sandbox_status sandbox_run_parser(const char *raw, size_t len, const struct parse_limits *lim,
				       struct complaint *out, char *why, size_t whylen);

#endif
