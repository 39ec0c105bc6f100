/*
 * smtp_send.h - sending replies over SMTP (libcurl).
 *
 * [smtp] url smtp://host:port (STARTTLS required: CURLUSESSL_ALL, unless
 * [smtp] tls = none) or smtps://host:port (implicit TLS); certificates are
 * verified as curl does (system store or [smtp] ca_file).  AUTH with
 * username + password_file, or XOAUTH2 (token_file / token_command; the
 * mechanism is pinned with CURLOPT_LOGIN_OPTIONS "AUTH=XOAUTH2").  One
 * sender keeps one easy handle, so consecutive sends reuse one connection.
 *
 * SECURITY: libcurl 7.88 puts MAIL FROM / RCPT TO addresses on the wire as
 * given (CR/LF inject SMTP commands), so both are checked with addr_valid()
 * before they reach curl.  The server's reply lines are sanitised before
 * they are logged or returned.
 */
#ifndef RESPONDER_SMTP_SEND_H
#define RESPONDER_SMTP_SEND_H

#include <stddef.h>

#include "responder/config/config.h"

struct smtp_sender;

enum smtp_result {
	SMTP_SENT = 0,	   /* the server accepted it (2xx after DATA) */
	SMTP_TEMPFAIL = 1, /* the server said 4xx: retry this message later */
	SMTP_PERMFAIL = 2, /* the server said 5xx, or the addresses are bad */
	SMTP_UNAVAIL = 3,  /* no usable connection (connect, TLS, AUTH,
				 * timeout): not this message's fault; stop the
				 * batch and try again later */
};

#define SMTP_REPLY_MAX 512

/* Reads the credentials (password_file / token) now; `s` is borrowed and
 * must outlive the sender.  0 with *sender_r set (free with
 * smtp_sender_free); -1 with *sender_r NULL and err filled (a secret that
 * cannot be read). */
int smtp_sender_new(const struct settings *s, struct smtp_sender **sender_r, char *err,
		    size_t errlen);
/* Closes the connection (QUIT) and frees.  NULL is fine. */
void smtp_sender_free(struct smtp_sender **sp);

/* Sends one message: envelope sender `from` ("" = the null sender <>),
 * one recipient `rcpt`, `msg` a complete RFC 5322 message with CRLF line
 * ends (curl dot-stuffs).  Returns an smtp_result.  `reply` (at least
 * SMTP_REPLY_MAX bytes, may be NULL) gets the server's last reply line,
 * e.g. "250 2.0.0 Ok: queued as 4XbV6s5" or the refusal; `err` a one-line
 * description of any failure. */
enum smtp_result smtp_send(struct smtp_sender *sp, const char *from, const char *rcpt,
			   const char *msg, size_t len, char *reply, char *err, size_t errlen);

/* Several transactions at once ([smtp] connections > 1): n senders, each
 * its own connection, driven together by libcurl's multi interface.  The
 * caller starts a message on a free sender (smtp_pool_start, with a tag
 * of its own) and takes the ends one at a time (smtp_pool_next), so it can
 * record each answer as soon as it is known.  Not for several threads. */
struct smtp_pool;

/* 0 with *pool_r (free with smtp_pool_free), or -1 with err filled (a
 * secret that cannot be read). */
int smtp_pool_new(const struct settings *s, int n, struct smtp_pool **pool_r, char *err,
		  size_t errlen);
/* Ends every transfer without waiting for it (its message was not marked:
 * it is sent again later) and frees.  NULL is fine. */
void smtp_pool_free(struct smtp_pool **pool);
/* Senders with nothing started. */
size_t smtp_pool_free_slots(const struct smtp_pool *p);
/* Starts one message on a free sender: 0, or -1 when none is free.  from,
 * rcpt and msg are borrowed until its end is returned.  A bad address ends
 * it at once (SMTP_PERMFAIL from the next smtp_pool_next). */
int smtp_pool_start(struct smtp_pool *p, const char *from, const char *rcpt, const char *msg,
		    size_t len, size_t tag);
/* Waits for the next end of a started message: 1 with *tag_r, *res_r,
 * reply and err as smtp_send() gives them; 0 when nothing is started. */
int smtp_pool_next(struct smtp_pool *p, size_t *tag_r, enum smtp_result *res_r, char *reply,
		   char *err, size_t errlen);

/* check-config --connect: connects, STARTTLS, EHLO, AUTH, QUIT.  0 fine;
 * -1 with err filled. */
int smtp_check(const struct settings *s, char *err, size_t errlen);

#endif
