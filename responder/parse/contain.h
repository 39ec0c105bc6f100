/*
 * contain.h - the parser worker's containment after fork (contain.c):
 * every descriptor closed but its pipe, PR_SET_NO_NEW_PRIVS, and a seccomp
 * filter that allows only reading its input pipe, writing its output pipe,
 * memory management without PROT_EXEC, its resource limits, the clocks
 * and exit.  The resource limits themselves stay in sandbox.c.
 *
 * SECURITY: this is what stands between a parser taken over by a hostile
 * message and the daemon's store, sockets and files.
 */
#ifndef RESPONDER_CONTAIN_H
#define RESPONDER_CONTAIN_H

#include <stddef.h>

/* In the child, right after fork: closes every descriptor but `in`, `out`
 * (and stderr with keep_stderr), sets NO_NEW_PRIVS and, with `filter`,
 * installs the seccomp filter.  0, or -1 with why filled (the child must
 * then exit without parsing). */
int contain_worker(int in, int out, int keep_stderr, int filter, char *why, size_t whylen);

#endif
