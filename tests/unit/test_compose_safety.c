/*
 * test_compose_safety.c - the reply under hostile input: CR/LF, controls,
 * non-ASCII, HTML, "\r\n.\r\n" and "From " lines in every field that
 * comes from a complaint or a remote server; bad message-ids and long
 * threads; random Message-IDs; and template errors reported as file:line
 * by templates_load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/compose_fixture.h"
#include "responder/reply/compose_int.h"
#include "common/xalloc.h"

/* ---- hostile input ------------------------------------------------------ */

static void
test_injection(void **state)
{
	struct fixture *f = *state;
	static const struct att_spec evil_atts[] = {
		{ "2026-11-20T09:14:03Z", "delivered", "mx.evil.example\r\nX-Injected: mx",
		  "192.0.2.1", 250, "2.0.0",
		  "250 2.0.0 Ok: queued as 4Xq\r\nX-Injected: 1 <script>alert(1)</script>\x1b[31m",
		  "220 hi\r\n.\r\nFrom the start of a line\r\n.\r\nFrom \r\n\x01\x7f binary \xff\xfe\r\n" },
	};
	const struct rcpt_spec r[] = { { "zoë@evil.example", evil_atts, 1 } };
	struct store_message_list l = { xcalloc(1, sizeof(struct store_message)), 1 };
	build_msg(&l.v[0], "Q\r\nBcc: x@y", "<m@x>\r\nBcc: a@b", "billing@acme.example",
		  "Résumé <b>bold</b>\r\nBcc: victim@example.com", "2026-11-20T09:14:02Z", r, 1);

	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = l.v;
	in.n_matches = 1;
	in.requester_name = "Evil\r\nBcc: victim@example.com \"quoted\" Ünïcödé";
	in.complaint_subject = "Grüße\r\nBcc: victim@example.com\r\n\r\n<html>";
	in.complaint_message_id = "<c@x>\r\nBcc: victim@example.com";
	const char *const bad_refs[] = { "<ok@x>",	"no-brackets@x",     "<sp ace@x>",
					 "<a@b>\nX: y", "<a@b>\r\nBcc: v@x", "a@b> <c" };
	in.complaint_references = bad_refs;
	in.n_references = 6;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	const char *const att[] = { "zoë@evil.example" };
	struct expect e = { "Re: Grüße  Bcc: victim@example.com    <html>",
			    "billing@acme.example",
			    NULL,
			    1,
			    &l.v[0],
			    att };
	check_reply(msg, len, &e, &text, &html);

	/* The header section: only our own header lines. */
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	static const char *const allowed[] = { "From:",
					       "To:",
					       "Subject:",
					       "Date:",
					       "Message-ID:",
					       "Content-Language:",
					       "References:",
					       "Auto-Submitted:",
					       "X-Auto-Response-Suppress:",
					       "MIME-Version:",
					       "Content-Type:",
					       " ",
					       NULL };
	for (const char *line = msg; line < end; line = strstr(line, "\r\n") + 2) {
		int ok = 0;
		for (size_t i = 0; allowed[i]; i++)
			ok |= strncmp(line, allowed[i], strlen(allowed[i])) == 0;
		if (!ok)
			fail_msg("unexpected header line: %.60s", line);
	}
	assert_non_null(strstr(msg, "References: <ok@x> <no-brackets@x>\r\n"));
	/* Nothing in the text and HTML parts carries a control character. */
	for (const char *p = text; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\r' || *p == '\n' || *p == '\t');
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "Résumé &lt;b&gt;bold&lt;/b&gt;"));
	assert_null(strstr(text, "\x1b"));
	/* The mailbox header kept its quotes and its CR/LF out. */
	assert_null(strstr(msg, "\r\nBcc:"));
	free(text);
	free(html);
	free(msg);
	store_message_list_free(&l);
}

/* A transcript longer than the inline cap: cut in the body, whole in the
 * attachment. */
static void
test_big_transcript(void **state)
{
	struct fixture *f = *state;
	size_t big = 100 * 1024;
	char *tr = xmalloc(big + 1);
	for (size_t i = 0; i < big; i++)
		tr[i] = (i % 64 == 63) ? '\n' : (char)('a' + (char)(i % 26));
	tr[big] = '\0';
	struct att_spec a[] = { { "2026-11-20T09:14:03Z", "bounced", "mx.big.example", NULL, 552,
				  "5.3.4", "552 5.3.4 Message too big", tr } };
	const struct rcpt_spec r[] = { { "big@big.example", a, 1 } };
	struct store_message_list l = { xcalloc(1, sizeof(struct store_message)), 1 };
	build_msg(&l.v[0], "QBIG", "<big@acme.example>", "billing@acme.example", "Big one",
		  "2026-11-20T09:14:02Z", r, 1);
	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = l.v;
	in.n_matches = 1;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	const char *const att[] = { "big@big.example" };
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived",
			    "billing@acme.example",
			    "c-2@acme.example",
			    1,
			    &l.v[0],
			    att };
	check_reply(msg, len, &e, &text, &html);
	assert_non_null(
	    strstr(text, "(Shortened here; the attachment holds the complete transcript.)"));
	assert_true(strlen(text) < big);
	free(text);
	free(html);
	free(msg);
	store_message_list_free(&l);
	free(tr);
}

/* Every key the model holds is one templates may name (and so is in the
 * list templates_load checks names against). */
static void
walk_keys(json_t *v)
{
	const char *key;
	json_t *val;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, key, val)
		{
			if (!compose_model_knows(key, NULL) && strcmp(key, "name") != 0 &&
			    strcmp(key, "address") != 0)
				fail_msg("model key '%s' is not in compose_model_knows()", key);
			walk_keys(val);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, val) walk_keys(val);
	}
}

static void
test_model_names(void **state)
{
	struct fixture *f = *state;
	const enum outcome outs[] = { OUTCOME_FOUND, OUTCOME_AMBIGUOUS, OUTCOME_NOT_FOUND,
				      OUTCOME_UNAUTHORIZED };
	const char *const searched[] = { "Message-ID <x@y>" };
	for (size_t k = 0; k < 4; k++) {
		struct reply_input in = base_input(f, outs[k]);
		in.matches = f->msgs.v;
		in.n_matches = f->msgs.n;
		in.searched = searched;
		in.n_searched = 1;
		struct compose_atts atts = { 0 };
		json_t *m = compose_model(&in, outs[k] == OUTCOME_FOUND ? &atts : NULL);
		walk_keys(m);
		assert_true(outs[k] != OUTCOME_FOUND || atts.n > 0);
		json_decref(m);
		compose_atts_free(&atts);
	}
}

/* A random reply (no seed) has its own Message-ID every time. */
static void
test_random_ids(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_NOT_FOUND);
	in.seed = NULL;
	size_t l1, l2;
	char *a = compose_ok(f, &in, &l1), *b = compose_ok(f, &in, &l2);
	const char *ma = strstr(a, "Message-ID: "), *mb = strstr(b, "Message-ID: ");
	assert_non_null(ma);
	assert_non_null(mb);
	assert_true(strncmp(ma, mb, 40) != 0);
	free(a);
	free(b);
	/* A long thread: the root and the latest 19 references are kept. */
	char refbuf[30][32];
	const char *many[30];
	for (int i = 0; i < 30; i++) {
		snprintf(refbuf[i], sizeof(refbuf[i]), "<r%d@t.example>", i);
		many[i] = refbuf[i];
	}
	in.seed = "refs";
	in.complaint_references = many;
	in.n_references = 30;
	a = compose_ok(f, &in, &l1);
	const char *hend = strstr(a, "\r\n\r\n");
	const char *rs = strstr(a, "References: <r0@t.example> <r11@t.example>");
	assert_true(rs && rs < hend);
	assert_null(strstr(a, "<r10@t.example>"));
	const char *last = strstr(a, "<r29@t.example>");
	assert_true(last && last < hend);
	assert_non_null(strstr(last, " <c-2@acme.example>\r\n"));
	free(a);
	/* A requester that is not a plain address is refused. */
	char *msg = NULL, err[256];
	in.requester = "a@b.example\r\nBcc: c@d.example";
	assert_int_equal(compose_reply(f->t, &in, &msg, &l1, err, sizeof(err)), -1);
	assert_null(msg);
}

/* ---- template errors ---------------------------------------------------- */

static char *
copy_templates(void)
{
	char *dir = tu_tempdir(), cmd[8192];
	const char *src = getenv("RESPONDER_SRC");
	snprintf(cmd, sizeof(cmd), "cp '%s'/templates/*.mustache '%s'/", src ? src : ".", dir);
	assert_int_equal(system(cmd), 0);
	return dir;
}

static void
test_template_errors(void **state)
{
	(void)state;
	static const struct {
		const char *file, *text, *want;
	} cases[] = {
		{ "found.txt.mustache", "Hello\n{{#messages}}\nno end\n",
		  "/found.txt.mustache:2: section is never closed: 'messages'" },
		{ "found.html.mustache", "<p>\n\n{{> no_such_partial}}\n",
		  "/found.html.mustache:3: unknown partial 'no_such_partial'" },
		{ "reason_mailbox_full.txt.mustache", "a\n{{#x}}\n{{/y}}\n",
		  "/reason_mailbox_full.txt.mustache:3: closing tag does not match section 'x' opened on line 2: 'y'" },
		{ "subject.mustache", "Re: {{reply_subject\n",
		  "/subject.mustache:1: unclosed tag, missing '}}'" },
		{ "signature.txt.mustache", "ok\nLatin-1 \xe9t\xe9\n",
		  "/signature.txt.mustache:2: not valid UTF-8" },
		{ "reason_delivered.txt.mustache", "Queue ID:\n{{remote_queueid}}\n",
		  "/reason_delivered.txt.mustache:2: unknown name 'remote_queueid'" },
		{ "unauthorized.html.mustache", NULL,
		  "/unauthorized.html.mustache: required template is missing" },
		{ "reason_expired.html.mustache", NULL,
		  "/reason_expired.html.mustache: required template is missing" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = copy_templates(), path[4096], err[512] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		if (cases[i].text)
			free(tu_write_file(dir, cases[i].file, cases[i].text, 0644));
		else
			assert_int_equal(unlink(path), 0);
		struct templates *t = NULL;
		assert_int_equal(templates_load(dir, &t, err, sizeof(err)), -1);
		assert_null(t);
		char want[4096];
		snprintf(want, sizeof(want), "%s%s", dir, cases[i].want);
		assert_string_equal(err, want);
		tu_rmtree(dir);
		free(dir);
	}
	char err[256] = "";
	struct templates *t = NULL;
	assert_int_equal(templates_load("/nonexistent-dir", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_injection),	cmocka_unit_test(test_big_transcript),
		cmocka_unit_test(test_model_names),	cmocka_unit_test(test_random_ids),
		cmocka_unit_test(test_template_errors),
	};
	return cmocka_run_group_tests(tests, compose_fixture_setup, compose_fixture_teardown);
}
