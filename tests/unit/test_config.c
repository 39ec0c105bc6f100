/*
 * test_config.c - responder.conf loading and secret files.
 */
#include "tests/unit/testutil.h"
#include "responder/config/config.h"
#include "responder/config/secret.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = tu_tempdir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static void
test_defaults(void **state)
{
	struct settings s;

	(void)state;
	config_defaults(&s);
	assert_string_equal(s.address, "support@relay.example");
	assert_string_equal(s.store_path, "/var/lib/responder/store.db");
	assert_int_equal(s.imap_tls, TLS_REQUIRED);
	assert_int_equal(s.imap_tls_verify, 1);
	assert_string_equal(s.imap_folder, "INBOX");
	assert_string_equal(s.imap_processed_folder, "Processed");
	assert_int_equal(s.imap_poll_interval, 60);
	assert_string_equal(s.smtp_envelope_from, "<>");
	assert_int_equal(s.max_replies_per_hour, 20);
	assert_int_equal(s.match_window_days, 30);
	config_free(&s);
}

/* The example of DESIGN.md, with its inline comments, loads as written. */
static void
test_design_example(void **state)
{
	static const char conf[] =
	    "[responder]\n"
	    "address = support@relay.example        ; our support address\n"
	    "name = Relay Support\n"
	    "[store]\n"
	    "path = /var/lib/responder/store.db\n"
	    "[templates]\n"
	    "dir = /usr/share/responder/templates   ; default: the installed templates\n"
	    "[imap]\n"
	    "url = imaps://imap.example.com:993     ; imaps: implicit TLS\n"
	    "tls = required                         ; required | none\n"
	    "ca_file =                              ; extra CA bundle\n"
	    "tls_verify = yes\n"
	    "username = support@relay.example\n"
	    "auth = password                        ; password | xoauth2\n"
	    "password_file = /etc/responder/imap.secret\n"
	    "token_file =\n"
	    "token_command =\n"
	    "folder = INBOX\n"
	    "processed_folder = Processed\n"
	    "quarantine_folder = Quarantine\n"
	    "poll_interval = 60\n"
	    "[smtp]\n"
	    "url = smtp://127.0.0.1:587\n"
	    "tls = required\n"
	    "ca_file =\n"
	    "username =\n"
	    "password_file =\n"
	    "envelope_from = <>                     ; <> (RFC 3834) or the support address\n"
	    "[policy]\n"
	    "trusted_authserv_id =\n"
	    "max_replies_per_requester_per_hour = 20\n";
	char *path = tu_write_file(dir, "design.conf", conf, 0644);
	struct settings s;
	struct config_errors e;
	int r = config_load(path, &s, &e);

	(void)state;
	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "%s\n", e.v[i]);
	assert_int_equal(r, 0);
	assert_string_equal(s.templates_dir, "/usr/share/responder/templates");
	assert_string_equal(s.imap_url, "imaps://imap.example.com:993");
	assert_string_equal(s.imap_password_file, "/etc/responder/imap.secret");
	assert_string_equal(s.imap_token_file, "");
	assert_string_equal(s.hostname, "relay.example"); /* from address */
	assert_string_equal(s.smtp_envelope_from, "<>");
	config_free(&s);
	config_errors_free(&e);
	free(path);
}

/* Each bad config yields errors naming file:line; all are collected. */
static void
test_errors_with_lines(void **state)
{
	static const struct {
		const char *conf;
		const char *want;
	} cases[] = {
		{ "[imap]\nbogus = 1\n", ":2: unknown key 'bogus' in [imap]" },
		{ "[nope]\nx = 1\n", ":2: unknown section [nope]" },
		{ "\n\n[imap]\npoll_interval = 0\n",
		  ":4: poll_interval = 0: must be a whole number from 1 to 86400" },
		{ "[imap]\npoll_interval = ten\n",
		  ":2: poll_interval = ten: must be a whole number" },
		{ "[imap]\ntls = maybe\n", ":2: tls = maybe: must be one of: required none" },
		{ "[imap]\ntls_verify = perhaps\n", ":2: tls_verify = perhaps: must be yes or no" },
		{ "[imap]\nurl = http://x\n",
		  ":2: url = http://x: must start with imap:// or imaps://" },
		{ "[imap]\nurl = imaps://user:pw@host\n", "must not carry credentials" },
		{ "[responder]\naddress = not-an-address\n",
		  ":2: address = not-an-address: is not a mail address" },
		{ "[responder]\nlog_level = loud\n",
		  ":2: log_level = loud: must be error, warn, info or debug" },
		{ "[imap]\nfolder = A\nfolder = B\n", ":3: folder is set twice in [imap]" },
		{ "[imap]\nthis line has no equals sign\n", ":2: syntax error" },
		{ "[imap]\nurl = imaps://h:993\ntls = none\n",
		  "tls = none contradicts url imaps://h:993" },
		{ "[imap]\nauth = xoauth2\n", "auth = xoauth2 needs token_file or token_command" },
		{ "[smtp]\nenvelope_from = nobody\n",
		  "envelope_from must be <> or a mail address" },
		{ "[imap]\nfolder = INBOX\nprocessed_folder = INBOX\n",
		  "processed_folder must differ from folder" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = tu_write_file(dir, "bad.conf", cases[i].conf, 0644);
		struct settings s;
		struct config_errors e;
		int found = 0;

		assert_int_equal(config_load(path, &s, &e), -1);
		for (size_t k = 0; k < e.n; k++) {
			if (strncmp(e.v[k], path, strlen(path)) == 0 &&
			    strstr(e.v[k], cases[i].want))
				found = 1;
		}
		if (!found) {
			for (size_t k = 0; k < e.n; k++)
				fprintf(stderr, "  got: %s\n", e.v[k]);
			fail_msg("case %zu: no error containing \"%s\"", i, cases[i].want);
		}
		config_free(&s);
		config_errors_free(&e);
		free(path);
	}
}

static void
test_many_errors_collected(void **state)
{
	char *path =
	    tu_write_file(dir, "multi.conf",
			  "[imap]\nbogus = 1\npoll_interval = -5\n[smtp]\nalso_bogus = 2\n", 0644);
	struct settings s;
	struct config_errors e;

	(void)state;
	assert_int_equal(config_load(path, &s, &e), -1);
	assert_int_equal(e.n, 3);
	assert_non_null(strstr(e.v[0], ":2:"));
	assert_non_null(strstr(e.v[1], ":3:"));
	assert_non_null(strstr(e.v[2], ":5:"));
	config_free(&s);
	config_errors_free(&e);
	free(path);
}

static void
test_missing_file(void **state)
{
	struct settings s;
	struct config_errors e;

	(void)state;
	assert_int_equal(config_load("/nonexistent/responder.conf", &s, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.v[0], "/nonexistent/responder.conf: cannot read config"));
	config_free(&s);
	config_errors_free(&e);
}

static void
test_secret_file(void **state)
{
	char *good = tu_write_file(dir, "good.secret", "s3cret\n", 0600);
	char *open_ = tu_write_file(dir, "open.secret", "s3cret\n", 0644);
	char *grp = tu_write_file(dir, "grp.secret", "s3cret\n", 0640);
	char *empty = tu_write_file(dir, "empty.secret", "\n", 0600);
	char *crlf = tu_write_file(dir, "crlf.secret", "pa ss\r\nsecond line\n", 0400);
	char *secret = NULL, err[512];

	(void)state;
	assert_int_equal(secret_read_file(good, &secret, err, sizeof(err)), 0);
	assert_string_equal(secret, "s3cret");
	secret_free(&secret);
	assert_null(secret);

	assert_int_equal(secret_read_file(open_, &secret, err, sizeof(err)), -1);
	assert_null(secret);
	assert_non_null(strstr(err, "readable by group or others (mode 0644)"));
	assert_null(strstr(err, "s3cret")); /* never the contents */
	assert_int_equal(secret_check_file(grp, err, sizeof(err)), -1);
	assert_int_equal(secret_check_file(good, err, sizeof(err)), 0);

	assert_int_equal(secret_read_file(empty, &secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is empty"));
	assert_int_equal(secret_read_file("/nonexistent/x.secret", &secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(secret_read_file(dir, &secret, err, sizeof(err)), -1);

	assert_int_equal(secret_read_file(crlf, &secret, err, sizeof(err)), 0);
	assert_string_equal(secret, "pa ss");
	secret_free(&secret);
	free(good);
	free(open_);
	free(grp);
	free(empty);
	free(crlf);
}

static void
test_secret_command(void **state)
{
	char *secret = NULL, err[512];

	(void)state;
	assert_int_equal(
	    secret_from_command("printf 'tok-123\\nrest'", 5, &secret, err, sizeof(err)), 0);
	assert_string_equal(secret, "tok-123");
	secret_free(&secret);
	assert_int_equal(secret_from_command("exit 3", 5, &secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exit status 3"));
	assert_int_equal(secret_from_command("true", 5, &secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "printed nothing"));
	assert_int_equal(secret_from_command("sleep 10", 1, &secret, err, sizeof(err)), -1);
	assert_null(secret);
}

/* Issue 15, defect 8: a FIFO as password_file (or as the config) hung
 * open() in check-config and once, immune to SIGTERM.  It is refused at
 * once; the alarm turns a regression (a hang) into a failure. */
static void
test_fifo_password_file_refused(void **state)
{
	char path[4096], conf[4096], *secret = NULL, err[512];
	struct settings s;
	struct config_errors e;

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo.secret", dir);
	snprintf(conf, sizeof(conf), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(mkfifo(conf, 0600), 0);
	alarm(20);
	assert_int_equal(secret_read_file(path, &secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a regular file"));
	assert_null(secret);
	assert_int_equal(secret_check_file(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a regular file"));
	assert_int_equal(config_load(conf, &s, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.v[0], "config is not a regular file"));
	alarm(0);
	config_free(&s);
	config_errors_free(&e);
}

/* Issue 15, defect 9: a config file others may write is refused (whoever
 * writes it chooses the token command the daemon runs). */
static void
test_world_writable_config_refused(void **state)
{
	char *conf = tu_write_file(dir, "open.conf", "[responder]\nname = X\n", 0644);
	struct settings s;
	struct config_errors e;

	(void)state;
	assert_int_equal(config_load(conf, &s, &e), 0);
	config_free(&s);
	config_errors_free(&e);
	assert_int_equal(chmod(conf, 0666), 0);
	assert_int_equal(config_load(conf, &s, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.v[0], "config is writable by others (mode 0666)"));
	config_free(&s);
	config_errors_free(&e);
	free(conf);
}

/* Issue 15, defect 9: a token_command script others may write is refused
 * at load and again before it runs. */
static void
test_world_writable_token_command_refused(void **state)
{
	char *script = tu_write_file(dir, "token.sh", "#!/bin/sh\necho tok\n", 0755);
	char text[8192], *conf, *secret = NULL, err[1024];
	struct settings s;
	struct config_errors e;

	(void)state;
	snprintf(text, sizeof(text),
		 "[imap]\nauth = xoauth2\ntoken_command = %s --flag\n"
		 "[smtp]\nauth = xoauth2\ntoken_command = %s\n",
		 script, script);
	conf = tu_write_file(dir, "tok.conf", text, 0600);
	assert_int_equal(config_load(conf, &s, &e), 0);
	config_free(&s);
	config_errors_free(&e);
	assert_int_equal(secret_from_command(script, 5, &secret, err, sizeof(err)), 0);
	assert_string_equal(secret, "tok");
	secret_free(&secret);

	assert_int_equal(chmod(script, 0757), 0);
	assert_int_equal(config_load(conf, &s, &e), -1);
	assert_int_equal(e.n, 2);
	assert_non_null(strstr(e.v[0], "[imap] token command"));
	assert_non_null(strstr(e.v[0], "is writable by others (mode 0757)"));
	assert_non_null(strstr(e.v[1], "[smtp] token command"));
	assert_int_equal(secret_from_command(script, 5, &secret, err, sizeof(err)), -1);
	assert_null(secret);
	assert_non_null(strstr(err, "writable by others"));
	config_free(&s);
	config_errors_free(&e);
	free(conf);
	free(script);
}

/* Issue 15, defect 9: tls = none towards a host that is not loopback is
 * refused unless allow_plaintext = yes says so. */
static void
test_plaintext_to_non_loopback_refused(void **state)
{
	static const struct {
		const char *conf;
		int ok;
	} cases[] = {
		{ "[imap]\nurl = imap://127.0.0.1:143\ntls = none\n", 1 },
		{ "[imap]\nurl = imap://localhost\ntls = none\n", 1 },
		{ "[imap]\nurl = imap://[::1]:143\ntls = none\n", 1 },
		{ "[imap]\nurl = imap://127.8.9.10/\ntls = none\n", 1 },
		{ "[imap]\nurl = imap://imap.example.com\ntls = none\n", 0 },
		{ "[imap]\nurl = imap://10.0.0.1:143\ntls = none\n", 0 },
		{ "[imap]\nurl = imap://[2001:db8::1]:143\ntls = none\n", 0 },
		{ "[imap]\nurl = imap://127.example.com\ntls = none\n", 0 },
		{ "[imap]\nurl = imap://imap.example.com\ntls = none\nallow_plaintext = yes\n", 1 },
		{ "[imap]\nurl = imap://imap.example.com\n", 1 },
		{ "[smtp]\nurl = smtp://mx.example.com:25\ntls = none\n", 0 },
		{ "[smtp]\nurl = smtp://mx.example.com:25\ntls = none\nallow_plaintext = yes\n",
		  1 },
		{ "[smtp]\nurl = smtp://127.0.0.1:25\ntls = none\n", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *conf = tu_write_file(dir, "pt.conf", cases[i].conf, 0600);
		struct settings s;
		struct config_errors e;
		int r = config_load(conf, &s, &e);

		if ((r == 0) != cases[i].ok)
			fail_msg("case %zu: %s -> %d (%s)", i, cases[i].conf, r,
				 e.n ? e.v[0] : "no error");
		if (!cases[i].ok)
			assert_non_null(strstr(e.v[0], "allow_plaintext = yes"));
		config_free(&s);
		config_errors_free(&e);
		free(conf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_errors_with_lines),
		cmocka_unit_test(test_many_errors_collected),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_secret_command),
		cmocka_unit_test(test_fifo_password_file_refused),
		cmocka_unit_test(test_world_writable_config_refused),
		cmocka_unit_test(test_world_writable_token_command_refused),
		cmocka_unit_test(test_plaintext_to_non_loopback_refused),
	};
	log_init("test", LOG_LVL_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
