/*
 * test_web_auth.c - responder/web/web_auth.c: the htpasswd file (crypt(3)
 * hashes only: plaintext, bad roles and bad names refused with file:line),
 * passwords and roles, the bearer token (too short, readable by others:
 * refused), sessions (made, found, ended, expired), CSRF tokens, and the
 * login-failure limit per address.
 */
#include "tests/unit/testutil.h"
#include "responder/web/web_auth.h"

#include <stdio.h>
#include <string.h>

#define ALICE \
	"$6$saltsaltAB$YufF9t7yC0cvKmqopUupaIr4bSXftxOt6/pGOSE3NAaWfeXacx4J90nYfTaWy5nUZaWf0g.nFGabStIzkBMUu/"
#define BOB \
	"$6$saltsaltCD$jv8g0GVx.dkQ4YL4Sh.FD5gru7WeLgMtj3E4GSPf9V0oPrTedLiCVwuvrXnKbjrkWU.9.Ru19Ey6LEF/VbVmZ/"

static struct web_auth *
load(const char *dir, const char *token, const char *htpasswd, char *err, size_t errlen)
{
	char *tp = NULL, *hp = NULL;
	struct web_auth *a;

	if (token)
		tp = tu_write_file(dir, "token", token, 0600);
	if (htpasswd)
		hp = tu_write_file(dir, "htpasswd", htpasswd, 0600);
	a = web_auth_load(tp, hp, err, errlen);
	free(tp);
	free(hp);
	return a;
}

static void
test_htpasswd(void **state)
{
	char *dir = tu_tempdir(), err[512];
	struct web_auth *a;

	(void)state;
	a = load(dir, NULL, "# users\n\nalice:" ALICE ":admin\nbob:" BOB "\n", err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(web_auth_password(a, "alice", "alicepw"), WEB_ROLE_ADMIN);
	assert_int_equal(web_auth_password(a, "bob", "bobpw"), WEB_ROLE_READ);
	assert_int_equal(web_auth_password(a, "alice", "bobpw"), WEB_ROLE_NONE);
	assert_int_equal(web_auth_password(a, "alice", ""), WEB_ROLE_NONE);
	assert_int_equal(web_auth_password(a, "carol", "alicepw"), WEB_ROLE_NONE);
	assert_int_equal(web_auth_password(a, "alice", NULL), WEB_ROLE_NONE);
	/* no token configured: any token is wrong */
	assert_int_equal(web_auth_token(a, "anything-at-all-long"), WEB_ROLE_NONE);
	web_auth_free(&a);
	assert_null(a);

	assert_null(load(dir, NULL, "carol:secret:admin\n", err, sizeof(err)));
	assert_non_null(strstr(err, "htpasswd:1: the password of 'carol' is not a crypt(3) hash"));
	assert_null(load(dir, NULL, "alice:" ALICE ":root\n", err, sizeof(err)));
	assert_non_null(strstr(err, ":1: role 'root'"));
	assert_null(load(dir, NULL, "\nal ice:" ALICE "\n", err, sizeof(err)));
	assert_non_null(strstr(err, ":2: a user name"));
	assert_null(load(dir, NULL, "alice\n", err, sizeof(err)));
	assert_non_null(strstr(err, "want user:hash[:role]"));
	assert_null(load(dir, NULL, "# nobody\n", err, sizeof(err)));
	assert_non_null(strstr(err, "no user"));
	tu_rmtree(dir);
	free(dir);
}

static void
test_token(void **state)
{
	char *dir = tu_tempdir(), err[512], *p;
	struct web_auth *a;

	(void)state;
	a = load(dir, "s3cret-token-0123456789\n", NULL, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(web_auth_token(a, "s3cret-token-0123456789"), WEB_ROLE_ADMIN);
	assert_int_equal(web_auth_token(a, "s3cret-token-012345678"), WEB_ROLE_NONE);
	assert_int_equal(web_auth_token(a, "s3cret-token-01234567890"), WEB_ROLE_NONE);
	assert_int_equal(web_auth_token(a, ""), WEB_ROLE_NONE);
	assert_int_equal(web_auth_password(a, "alice", "alicepw"), WEB_ROLE_NONE);
	web_auth_free(&a);
	assert_null(load(dir, "short\n", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "at least 16"));
	p = tu_write_file(dir, "open", "s3cret-token-0123456789\n", 0644);
	assert_null(web_auth_load(p, NULL, err, sizeof(err)));
	free(p);
	assert_null(web_auth_load(NULL, "", err, sizeof(err)));
	assert_non_null(strstr(err, "no credentials"));
	tu_rmtree(dir);
	free(dir);
}

static void
test_sessions_csrf(void **state)
{
	char *dir = tu_tempdir(), err[512], id[WEB_TOKEN_HEX];
	struct web_auth *a;
	struct web_principal p, got, h1, h2, h3;

	(void)state;
	a = load(dir, NULL, "alice:" ALICE ":admin\n", err, sizeof(err));
	assert_non_null(a);
	memset(&p, 0, sizeof(p));
	strcpy(p.user, "alice");
	p.role = WEB_ROLE_ADMIN;
	web_session_new(a, &p, 1000);
	assert_int_equal(strlen(p.session), 64);
	assert_int_equal(strlen(p.csrf), 64);
	assert_string_not_equal(p.session, p.csrf);
	assert_int_equal(web_session_get(a, p.session, 1001, &got), 0);
	assert_string_equal(got.user, "alice");
	assert_int_equal(got.role, WEB_ROLE_ADMIN);
	assert_string_equal(got.csrf, p.csrf);
	assert_int_equal(web_session_get(a, p.session, 1000 + 13 * 3600, &got), -1);
	strcpy(id, p.session);
	id[0] = id[0] == 'a' ? 'b' : 'a';
	assert_int_equal(web_session_get(a, id, 1001, &got), -1);
	assert_int_equal(web_session_get(a, "short", 1001, &got), -1);
	assert_int_equal(web_session_get(a, NULL, 1001, &got), -1);
	web_session_end(a, p.session);
	assert_int_equal(web_session_get(a, p.session, 1001, &got), -1);

	memset(&h1, 0, sizeof(h1));
	strcpy(h1.user, "alice");
	h1.role = WEB_ROLE_ADMIN;
	h2 = h1;
	h3 = h1;
	h3.role = WEB_ROLE_READ;
	web_csrf_for(a, &h1);
	web_csrf_for(a, &h2);
	web_csrf_for(a, &h3);
	assert_string_equal(h1.csrf, h2.csrf);
	assert_string_not_equal(h1.csrf, h3.csrf);
	assert_string_equal(h1.session, "");
	assert_true(web_token_equal(h1.csrf, h2.csrf));
	assert_false(web_token_equal(NULL, h2.csrf));
	assert_false(web_token_equal("", h2.csrf));
	assert_false(web_token_equal(h3.csrf, h2.csrf));
	web_auth_free(&a);
	tu_rmtree(dir);
	free(dir);
}

static void
test_rate(void **state)
{
	char *dir = tu_tempdir(), err[512];
	struct web_auth *a;

	(void)state;
	a = load(dir, "s3cret-token-0123456789\n", NULL, err, sizeof(err));
	for (int i = 0; i < 4; i++) {
		web_rate_failed(a, "192.0.2.1", 100 + i);
		assert_false(web_rate_blocked(a, "192.0.2.1", 100 + i));
	}
	web_rate_failed(a, "192.0.2.1", 110);
	assert_true(web_rate_blocked(a, "192.0.2.1", 110));
	assert_true(web_rate_blocked(a, "192.0.2.1", 169));
	assert_false(web_rate_blocked(a, "198.51.100.7", 110));
	assert_false(web_rate_blocked(a, "192.0.2.1", 171));
	/* failures spread wider than the window never block */
	for (int i = 0; i < 10; i++) {
		web_rate_failed(a, "198.51.100.8", 1000 + i * 30);
		assert_false(web_rate_blocked(a, "198.51.100.8", 1000 + i * 30));
	}
	web_auth_free(&a);
	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_htpasswd),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_sessions_csrf),
		cmocka_unit_test(test_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
