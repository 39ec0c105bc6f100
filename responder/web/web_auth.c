/*
 * web_auth.c - the console's credentials, sessions, CSRF tokens and login
 * rate limit (see web_auth.h).
 */
#include "responder/web/web_auth.h"
#include "responder/config/secret.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAX_SESSIONS 256
#define SESSION_SECONDS (12 * 3600)
#define RATE_SLOTS 64
#define RATE_WINDOW 60
#define RATE_MAX_FAILURES 5
#define RATE_BLOCK_SECONDS 60
#define HTPASSWD_MAX_LINE 1024

struct htuser {
	char name[WEB_USER_MAX];
	char *hash;
	enum web_role role;
};

struct session {
	struct web_principal p;
	int64_t expires; /* 0: free slot */
};

struct rate {
	char peer[48];
	int64_t window_start, blocked_until;
	int failures;
};

struct web_auth {
	unsigned char token_sha[SHA256_DIGEST_LENGTH];
	int have_token;
	struct htuser *users;
	size_t n_users;
	unsigned char key[32]; /* HMAC key of header-auth CSRF tokens */
	struct session sessions[MAX_SESSIONS];
	struct rate rates[RATE_SLOTS];
};

static void
random_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t k = getrandom(c, n, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* no randomness: no sessions worth having */
		}
		c += k;
		n -= (size_t)k;
	}
}

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
user_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) >= WEB_USER_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._@-", *s)))
			return 0;
	return 1;
}

static int
load_htpasswd(struct web_auth *a, const char *path, char *err, size_t errlen)
{
	char line[HTPASSWD_MAX_LINE];
	long lineno = 0;
	FILE *fp;

	if (secret_check_file(path, err, errlen) < 0)
		return -1;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *user, *hash, *role, *t;
		struct htuser *u;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%ld: line too long", path, lineno);
			goto fail;
		}
		t = str_trim(line);
		if (*t == '\0' || *t == '#')
			continue;
		user = t;
		if ((hash = strchr(user, ':')) == NULL) {
			snprintf(err, errlen, "%s:%ld: want user:hash[:role]", path, lineno);
			goto fail;
		}
		*hash++ = '\0';
		if ((role = strchr(hash, ':')) != NULL)
			*role++ = '\0';
		if (!user_name_ok(user)) {
			snprintf(err, errlen,
				 "%s:%ld: a user name is letters, digits and . _ @ - (at most %d)",
				 path, lineno, WEB_USER_MAX - 1);
			goto fail;
		}
		/* crypt(3) hashes only ($y$ yescrypt, $6$ SHA-512, $5$, $2b$
		 * bcrypt, ...): never a plaintext password. */
		if (hash[0] != '$' || strlen(hash) < 20 || strchr(hash + 1, '$') == NULL) {
			snprintf(err, errlen,
				 "%s:%ld: the password of '%s' is not a crypt(3) hash "
				 "(make one with `mkpasswd -m yescrypt` or `openssl passwd -6`)",
				 path, lineno, user);
			goto fail;
		}
		if (role != NULL && strcmp(role, "admin") != 0 && strcmp(role, "read") != 0) {
			snprintf(err, errlen, "%s:%ld: role '%s': want admin or read", path, lineno,
				 role);
			goto fail;
		}
		a->users = xreallocarray(a->users, a->n_users + 1, sizeof(*a->users));
		u = &a->users[a->n_users++];
		str_copy(u->name, user, sizeof(u->name));
		u->hash = xstrdup(hash);
		u->role = role && strcmp(role, "admin") == 0 ? WEB_ROLE_ADMIN : WEB_ROLE_READ;
	}
	fclose(fp);
	if (a->n_users == 0) {
		snprintf(err, errlen, "%s: no user in the file", path);
		return -1;
	}
	return 0;
fail:
	fclose(fp);
	return -1;
}

struct web_auth *
web_auth_load(const char *token_file, const char *htpasswd_file, char *err, size_t errlen)
{
	struct web_auth *a;
	char *token = NULL;

	if ((token_file == NULL || !*token_file) && (htpasswd_file == NULL || !*htpasswd_file)) {
		snprintf(err, errlen, "no credentials: set [web] token_file or htpasswd_file");
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	random_bytes(a->key, sizeof(a->key));
	if (token_file && *token_file) {
		if (secret_read_file(token_file, &token, err, errlen) < 0) {
			web_auth_free(&a);
			return NULL;
		}
		if (strlen(token) < 16) {
			snprintf(err, errlen, "%s: a token of at least 16 characters, please",
				 token_file);
			secret_free(&token);
			web_auth_free(&a);
			return NULL;
		}
		SHA256((const unsigned char *)token, strlen(token), a->token_sha);
		a->have_token = 1;
		secret_free(&token);
	}
	if (htpasswd_file && *htpasswd_file && load_htpasswd(a, htpasswd_file, err, errlen) < 0) {
		web_auth_free(&a);
		return NULL;
	}
	return a;
}

void
web_auth_free(struct web_auth **ap)
{
	struct web_auth *a = *ap;

	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_users; i++)
		free(a->users[i].hash);
	free(a->users);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
	*ap = NULL;
}

enum web_role
web_auth_token(struct web_auth *a, const char *token)
{
	unsigned char sha[SHA256_DIGEST_LENGTH];

	if (!a->have_token || token == NULL)
		return WEB_ROLE_NONE;
	SHA256((const unsigned char *)token, strlen(token), sha);
	return CRYPTO_memcmp(sha, a->token_sha, sizeof(sha)) == 0 ? WEB_ROLE_ADMIN : WEB_ROLE_NONE;
}

enum web_role
web_auth_password(struct web_auth *a, const char *user, const char *password)
{
	struct crypt_data *cd;
	const struct htuser *u = NULL;
	const char *h;
	enum web_role role = WEB_ROLE_NONE;

	if (a->n_users == 0 || user == NULL || password == NULL)
		return WEB_ROLE_NONE;
	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, user) == 0)
			u = &a->users[i];
	cd = xcalloc(1, sizeof(*cd));
	/* An unknown user costs one hash too, so timing does not tell. */
	h = crypt_r(password, u ? u->hash : a->users[0].hash, cd);
	if (u != NULL && h != NULL && h[0] != '*' && strlen(h) == strlen(u->hash) &&
	    CRYPTO_memcmp(h, u->hash, strlen(h)) == 0)
		role = u->role;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return role;
}

void
web_session_new(struct web_auth *a, struct web_principal *p, int64_t now)
{
	unsigned char b[32];
	struct session *slot = &a->sessions[0];

	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &a->sessions[i];
		if (s->expires <= now) {
			slot = s;
			break;
		}
		if (s->expires < slot->expires)
			slot = s; /* full: the one closest to expiry goes */
	}
	random_bytes(b, sizeof(b));
	to_hex(b, sizeof(b), p->session);
	random_bytes(b, sizeof(b));
	to_hex(b, sizeof(b), p->csrf);
	slot->p = *p;
	slot->expires = now + SESSION_SECONDS;
}

int
web_session_get(struct web_auth *a, const char *id, int64_t now, struct web_principal *p_r)
{
	if (id == NULL || strlen(id) != WEB_TOKEN_HEX - 1)
		return -1;
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &a->sessions[i];
		if (s->expires > now && web_token_equal(id, s->p.session)) {
			*p_r = s->p;
			return 0;
		}
	}
	return -1;
}

void
web_session_end(struct web_auth *a, const char *id)
{
	if (id == NULL)
		return;
	for (size_t i = 0; i < MAX_SESSIONS; i++)
		if (a->sessions[i].expires != 0 && web_token_equal(id, a->sessions[i].p.session))
			memset(&a->sessions[i], 0, sizeof(a->sessions[i]));
}

void
web_csrf_for(struct web_auth *a, struct web_principal *p)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char msg[WEB_USER_MAX + 16];

	snprintf(msg, sizeof(msg), "%d:%s", (int)p->role, p->user);
	HMAC(EVP_sha256(), a->key, (int)sizeof(a->key), (const unsigned char *)msg, strlen(msg),
	     mac, &n);
	to_hex(mac, 32, p->csrf);
	p->session[0] = '\0';
}

int
web_token_equal(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (got == NULL || strlen(got) != n || n == 0)
		return 0;
	return CRYPTO_memcmp(got, want, n) == 0;
}

static struct rate *
rate_slot(struct web_auth *a, const char *peer, int create, int64_t now)
{
	struct rate *old = &a->rates[0];

	for (size_t i = 0; i < RATE_SLOTS; i++) {
		if (strcmp(a->rates[i].peer, peer) == 0)
			return &a->rates[i];
		if (a->rates[i].window_start < old->window_start)
			old = &a->rates[i];
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	str_copy(old->peer, peer, sizeof(old->peer));
	old->window_start = now;
	return old;
}

int
web_rate_blocked(struct web_auth *a, const char *peer, int64_t now)
{
	struct rate *r = rate_slot(a, peer, 0, now);

	return r != NULL && r->blocked_until > now;
}

void
web_rate_failed(struct web_auth *a, const char *peer, int64_t now)
{
	struct rate *r = rate_slot(a, peer, 1, now);

	if (now - r->window_start >= RATE_WINDOW) {
		r->window_start = now;
		r->failures = 0;
	}
	if (++r->failures >= RATE_MAX_FAILURES)
		r->blocked_until = now + RATE_BLOCK_SECONDS;
}
