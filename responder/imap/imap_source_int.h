/*
 * imap_source_int.h - what imap_source.c (connect, watchdog, errors) and
 * imap_mailbox.c (search, fetch, mark, wait) share.  Not for other files.
 */
#ifndef RESPONDER_IMAP_SOURCE_INT_H
#define RESPONDER_IMAP_SOURCE_INT_H

#include <libetpan/libetpan.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "responder/config/config.h"

/* Longest line the server may send (a UID SEARCH answer of ~1.5 million
 * UIDs), and the body bytes fetched in one command (imap_mailbox.c). */
#define IMAP_GUARD_LINE_MAX ((uint64_t)16 * 1024 * 1024)
#define IMAP_GUARD_BATCH_BYTES ((uint64_t)64 * 1024 * 1024)

/* The reading guard (imap_guard.c): wraps the stream's low-level driver. */
struct imap_guard {
	mailstream_low_driver drv;   /* the wrapper; low->driver points here */
	mailstream_low_driver *orig; /* the driver it calls (libetpan's) */
	uint64_t line_max, literal_max, response_max;
	uint64_t line_len, literal_left, response_len;
	char tail[32]; /* the last bytes of the current line */
	size_t tail_len;
	int tripped;		     /* a cap was passed or EOF came: every read fails */
	unsigned pf_match;	     /* bytes of "[PERMANENTFLAGS (" seen in a row */
	int pf_next;		     /* 1: the first flag's first byte comes, 2: after its \ */
	unsigned al_match, pa_match; /* bytes of "[ALERT]", "[PARSE]" in a row */
	int code_bare;		     /* after one of them: no text yet */
	char why[256];
};

struct imap_source {
	const struct settings *s; /* borrowed */
	mailimap *imap;		  /* owned */
	char host[256];
	uint32_t uidvalidity;
	int has_idle, has_move, has_uidplus;
	int broken; /* the connection must not be used again */
	struct imap_guard guard;

	/* Watchdog: cancels the stream when a call outlives wd_deadline. */
	pthread_t wd_thread;
	int wd_started;
	pthread_mutex_t wd_mu;
	pthread_cond_t wd_cv;
	time_t wd_deadline; /* 0: disarmed */
	int wd_fired, wd_quit;
};

/* Puts the guard between `stream` and libetpan (again after STARTTLS
 * replaced the low-level stream); caps from src->s. */
void imap_guard_install(struct imap_source *src, mailstream *stream);
/* A command starts: its response is counted from zero. */
void imap_guard_new_command(struct imap_source *src);
/* Why the guard cut the stream, or NULL when it did not. */
const char *imap_guard_why(const struct imap_source *src);

/* Arms the watchdog for one libetpan call (2 x [imap] timeout + 5 s). */
void imap_wd_arm(struct imap_source *src);
/* Disarms; 1 (and the session marked broken) when it fired. */
int imap_wd_disarm(struct imap_source *src);
/* libetpan result -> IMAP_EUNAVAIL (session broken) or IMAP_ESERVER. */
int imap_fail(struct imap_source *src, int r, const char *what, char *err, size_t errlen);
/* What mailimap_connect() does (the stream becomes imap's, the greeting
 * is read), without libetpan's greeting parser: 1.9.4 parses the
 * greeting's response codes with no parser context and crashes on
 * "* OK [PERMANENTFLAGS (\Seen)]", which any server, or anyone on the
 * path before the certificate is checked, can send.  Only OK, PREAUTH or
 * BYE is read from it; its codes and text are not used (CAPABILITY is
 * asked for after).  MAILIMAP_NO_ERROR_NON_AUTHENTICATED or
 * _AUTHENTICATED, or a MAILIMAP_ERROR_* (BYE: _DONT_ACCEPT_CONNECTION);
 * on error the stream stays imap's, for imap_close(). */
int imap_greeting(mailimap *imap, mailstream *s);
/* libetpan 1.9.4's mailimap_has_*() walk the stored capability list
 * without looking: a server that sent none, or an empty CAPABILITY, leaves
 * it NULL.  Makes it an empty list instead; call before mailimap_has_*()
 * after any response that may carry capabilities.  0, or -1 (no memory). */
int imap_caps_guard(mailimap *imap);
/* CAPABILITY under the watchdog (not mailimap_capability(), which crashes
 * on the same lists), then imap_caps_guard(): the mailimap_has_*() answer
 * what the server offers now.  IMAP_OK or IMAP_E* with err filled. */
int imap_refresh_caps(struct imap_source *src, char *err, size_t errlen);
/* 1 when v holds no CR/LF/controls (and, with ascii_only, no 8-bit). */
int imap_safe_string(const char *v, int ascii_only);

#endif
