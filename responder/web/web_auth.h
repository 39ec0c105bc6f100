/*
 * web_auth.h - who may use the console: credentials (the bearer token
 * file, the htpasswd file of crypt(3) hashes), sessions after a login,
 * CSRF tokens, and the per-address limit on login failures.
 *
 * Used from the HTTP thread only (libmicrohttpd calls one handler at a
 * time), so nothing here locks.
 *
 * SECURITY: secrets are compared in constant time (CRYPTO_memcmp); a
 * password file line that is not a crypt(3) hash ("$id$...") is refused at
 * load, so plaintext never works; session ids and the CSRF key come from
 * the kernel's random source.
 */
#ifndef RESPONDER_WEB_AUTH_H
#define RESPONDER_WEB_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum web_role { WEB_ROLE_NONE = 0, WEB_ROLE_READ = 1, WEB_ROLE_ADMIN = 2 };

#define WEB_TOKEN_HEX 65 /* 32 bytes as hex, NUL */
#define WEB_USER_MAX 64

struct web_auth;

struct web_principal {
	char user[WEB_USER_MAX]; /* "token" for the bearer token */
	enum web_role role;
	char csrf[WEB_TOKEN_HEX];
	char session[WEB_TOKEN_HEX]; /* "" when authenticated by a header */
};

/* Reads token_file and/or htpasswd_file (either may be NULL or "";
 * at least one must be given).  NULL with why in err ("file:line: why"
 * for a bad entry). */
struct web_auth *web_auth_load(const char *token_file, const char *htpasswd_file, char *err,
			       size_t errlen);
void web_auth_free(struct web_auth **a);

/* The role of a token or a user's password; WEB_ROLE_NONE when wrong. */
enum web_role web_auth_token(struct web_auth *a, const char *token);
enum web_role web_auth_password(struct web_auth *a, const char *user, const char *password);

/* A new session for p (fills p->session and p->csrf). */
void web_session_new(struct web_auth *a, struct web_principal *p, int64_t now);
/* The session's principal: 0, or -1 when unknown or expired. */
int web_session_get(struct web_auth *a, const char *id, int64_t now, struct web_principal *p_r);
void web_session_end(struct web_auth *a, const char *id);
/* The CSRF token of a header-authenticated principal (no session):
 * HMAC-SHA256(key, role:user), stable for the process. */
void web_csrf_for(struct web_auth *a, struct web_principal *p);
/* Constant-time comparison of a submitted token with the expected one;
 * 1 when equal. */
int web_token_equal(const char *got, const char *want);

/* Login failures per client address: 1 while `peer` may not try again
 * (5 failures within a minute block it for a minute). */
int web_rate_blocked(struct web_auth *a, const char *peer, int64_t now);
void web_rate_failed(struct web_auth *a, const char *peer, int64_t now);

#endif
