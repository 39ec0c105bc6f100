/*
 * imap_source.h - the complaints mailbox over IMAP (libetpan).
 *
 * One session: connect (imaps:// implicit TLS; imap:// with STARTTLS,
 * required unless [imap] tls = none), verify the server certificate with
 * OpenSSL (tls_verify.h) before any credential, CAPABILITY again after
 * STARTTLS and after login, LOGIN/AUTHENTICATE PLAIN with the password from
 * password_file or XOAUTH2 with token_file / token_command, SELECT the
 * folder, create processed/quarantine folders when missing.  Then the
 * daemon asks for new UIDs, sizes, bodies, marks what it handled, and waits
 * (IDLE when offered, else a poll interval).
 *
 * Every libetpan call runs under a watchdog that cancels a stream stuck
 * longer than 2 x [imap] timeout (libetpan 1.9.4 can spin forever on a peer
 * that closes inside a literal); the socket has TCP keepalive.  Any error
 * other than a plain NO from the server leaves the session broken: the
 * caller closes it and reconnects (imap_broken() tells).
 *
 * SECURITY: everything sent to libetpan (user name, folder names,
 * keywords) is refused if it holds CR, LF or NUL (IMAP command injection);
 * message bytes from the server are length-bounded by [limits]
 * max_message_size before the body is fetched.
 */
#ifndef RESPONDER_IMAP_SOURCE_H
#define RESPONDER_IMAP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "responder/config/config.h"

struct imap_source;

enum {
	IMAP_OK = 0,
	IMAP_EUNAVAIL = -1, /* network, server gone, timeout: retry later */
	IMAP_EAUTH = -2,    /* credentials refused (or cannot be read) */
	IMAP_ETLS = -3,	    /* TLS failed or the certificate was refused */
	IMAP_ECONFIG = -4,  /* the settings cannot work (bad URL, folder name) */
	IMAP_ESERVER = -5,  /* the server said NO to a command; session still fine */
};

/* The keyword set on every handled message before it is moved. */
#define IMAP_KEYWORD_RESPONDED "$Responded"

/* Connects, verifies, authenticates, SELECTs [imap] folder and makes sure
 * processed_folder and quarantine_folder exist.  `s` is borrowed and must
 * outlive the session.  0 with *src_r (close with imap_close); a negative
 * IMAP_E* with err filled. */
int imap_connect(const struct settings *s, struct imap_source **src_r, char *err, size_t errlen);
/* LOGOUT when the session is healthy, a hard close when broken; frees and
 * sets *src to NULL.  NULL is fine. */
void imap_close(struct imap_source **src);
/* For check-config --connect: connect (as above), log out.  0 or IMAP_E*. */
int imap_check(const struct settings *s, char *err, size_t errlen);

/* 1 after an error that left the connection unusable. */
int imap_broken(const struct imap_source *src);
uint32_t imap_uidvalidity(const struct imap_source *src);
/* 1 when the server offers IDLE. */
int imap_has_idle(const struct imap_source *src);

/* UIDs of messages not yet handled: UID after_uid+1:* (after_uid 0: all)
 * and NOT KEYWORD $Responded, ascending, none <= after_uid.  *uids_r is
 * malloc'd (caller frees; NULL when *n_r is 0). */
int imap_search_new(struct imap_source *src, uint32_t after_uid, uint32_t **uids_r, size_t *n_r,
		    char *err, size_t errlen);

/* UIDs already marked $Responded (and not \Deleted): handled, but left in
 * the folder by a crash between the keyword and the move.  Same contract
 * as imap_search_new. */
int imap_search_marked(struct imap_source *src, uint32_t **uids_r, size_t *n_r, char *err,
		       size_t errlen);
/* Sorts UIDs ascending and drops repeats, in place; returns the count
 * kept.  O(n log n) whatever order the server chose. */
size_t imap_sort_uids(uint32_t *uids, size_t n);

struct imap_msg {
	uint32_t uid;
	uint32_t size;	       /* RFC822.SIZE */
	int64_t internal_date; /* arrival time, epoch; 0 when unknown */
	char *data;	       /* whole message, NUL-terminated; NULL when not
				 * fetched (size above the cap) */
	size_t len;
};

/* UID, RFC822.SIZE and INTERNALDATE of `n` UIDs, then BODY.PEEK[] only of
 * those not larger than `max_size`.  The result has one entry per UID the
 * server still has, in the order asked; free with imap_msgs_free. */
int imap_fetch(struct imap_source *src, const uint32_t *uids, size_t n, long max_size,
	       struct imap_msg **msgs_r, size_t *n_r, char *err, size_t errlen);
void imap_msgs_free(struct imap_msg *msgs, size_t n);

/* After the decision is committed: keyword $Responded first (so a crash
 * between the two steps never answers it again), then UID MOVE to `folder`
 * (COPY + STORE \Deleted + UID EXPUNGE without MOVE; with neither MOVE nor
 * UIDPLUS the message stays flagged \Deleted).  folder NULL or "": keyword
 * only. */
int imap_mark_done(struct imap_source *src, uint32_t uid, const char *folder, char *err,
		   size_t errlen);
/* The same for `n` UIDs at once (one STORE, one MOVE). */
int imap_mark_done_many(struct imap_source *src, const uint32_t *uids, size_t n, const char *folder,
			char *err, size_t errlen);

/* Release from quarantine: SELECTs `from`, fetches its messages (bodies up
 * to [limits] max_message_size), and moves those for which want(arg,
 * bytes, len) returns 1 back to [imap] folder, their $Responded keyword
 * removed so the next search finds them as new; then SELECTs [imap]
 * folder again (a failure there leaves the session broken).  *moved_r
 * gets how many were moved.  0 or IMAP_E*. */
typedef int (*imap_take_fn)(void *arg, const char *data, size_t len);
int imap_take_back(struct imap_source *src, const char *from, imap_take_fn want, void *arg,
		   size_t *moved_r, char *err, size_t errlen);

enum imap_wait_result {
	IMAP_WAIT_NEW = 1,     /* the server said something: search again */
	IMAP_WAIT_TIMEOUT = 2, /* max_seconds passed */
	IMAP_WAIT_WAKE = 3,    /* wake_fd became readable (a signal) */
};
/* Waits for new mail: IDLE when offered (re-issued by the caller; pass
 * max_seconds <= 25 * 60), else sleeps up to max_seconds.  Returns an
 * imap_wait_result or IMAP_EUNAVAIL.  wake_fd < 0: none. */
int imap_wait(struct imap_source *src, int wake_fd, int max_seconds, char *err, size_t errlen);

/* Splits an imap:// or imaps:// URL.  host_r gets at most hostlen-1 bytes.
 * 0 or -1 (err filled). */
int imap_parse_url(const char *url, int *implicit_tls_r, char *host_r, size_t hostlen,
		   uint16_t *port_r, char *err, size_t errlen);

#endif
