/*
 * test_compose.c - the reply message, outcome by outcome: golden replies
 * (fixed delivery records + reply_input with a fixed clock and Message-ID
 * seed -> the exact bytes of tests/fixtures/golden/<case>.eml; regenerate
 * after an intended change with RESPONDER_UPDATE_GOLDEN=1 and review the
 * diff), each also parsed back with libetpan (compose_fixture.h).
 * Hostile input and template errors: test_compose_safety.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/compose_fixture.h"

/* ---- golden files ------------------------------------------------------- */

static void
golden(const char *name, const char *msg, size_t len)
{
	char *path = NULL, rel[256];
	snprintf(rel, sizeof(rel), "golden/%s.eml", name);
	path = tu_fixture(rel);
	const char *update = getenv("RESPONDER_UPDATE_GOLDEN");
	if (update && strcmp(update, "1") == 0) {
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(msg, 1, len, fp), len);
		fclose(fp);
		printf("updated %s\n", path);
	}
	size_t glen = 0;
	char *want = tu_read_file(path, &glen);
	if (!want)
		fail_msg("%s missing: run with RESPONDER_UPDATE_GOLDEN=1 to create it", path);
	if (glen != len || memcmp(want, msg, len) != 0) {
		size_t i = 0;
		while (i < len && i < glen && want[i] == msg[i])
			i++;
		fail_msg("%s differs at byte %zu: want [%.60s] got [%.60s] "
			 "(RESPONDER_UPDATE_GOLDEN=1 regenerates after an intended change)",
			 path, i, want + i, msg + i);
	}
	free(want);
	free(path);
}

static void
test_found_delivered(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = &f->msgs.v[0];
	in.n_matches = 1;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	const char *const att[] = { "bob@northwind.example" };
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived",
			    "billing@acme.example",
			    "c-2@acme.example",
			    1,
			    &f->msgs.v[0],
			    att };
	check_reply(msg, len, &e, &text, &html);
	/* What the customer must read in a delivered reply. */
	assert_non_null(strstr(text, GOOGLE_ACK));
	assert_non_null(strstr(text, "Remote queue ID: 5b1f17b1804b1-47a8e6a0f0asi1234567f.12"));
	assert_non_null(strstr(text, "spam or junk folder"));
	assert_non_null(strstr(text, "Report not spam")); /* Gmail's steps */
	assert_non_null(strstr(text, "If it is not there either, forward the attached"));
	assert_non_null(strstr(text, "IT department"));
	assert_non_null(strstr(html, "5b1f17b1804b1-47a8e6a0f0asi1234567f.12</span>"));
	assert_null(strstr(text, "Outlook"));
	golden("found_delivered", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_found_mixed(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = &f->msgs.v[1];
	in.n_matches = 1;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	const char *const att[] = { "bob@northwind.example", "carol@contoso.example",
				    "dave@fabrikam.example", "frank@slow.example" };
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived",
			    "billing@acme.example",
			    "c-2@acme.example",
			    4,
			    &f->msgs.v[1],
			    att };
	check_reply(msg, len, &e, &text, &html);
	/* Each recipient has its own section with its own guidance. */
	assert_non_null(strstr(text, "bob@northwind.example: delivered"));
	assert_non_null(strstr(text, "carol@contoso.example: bounced"));
	assert_non_null(strstr(text, "The address does not exist"));
	assert_non_null(strstr(text, "dave@fabrikam.example: deferred"));
	assert_non_null(strstr(text, "greylisting"));
	assert_non_null(strstr(text, "erin@pending.example: pending"));
	assert_non_null(strstr(text, "No delivery attempt has been made yet"));
	assert_non_null(strstr(text, "frank@slow.example: deferred"));
	assert_non_null(strstr(text, "Delivery is delayed; we are still trying."));
	assert_true(strstr(text, "carol@contoso.example: bounced") >
		    strstr(text, "Report not spam"));
	golden("found_mixed", msg, len);
	free(text);
	free(html);
	free(msg);

	/* Focus on one recipient: only that one is reported and attached. */
	const char *const focus[] = { "CAROL@contoso.example" };
	in.focus_recipients = focus;
	in.n_focus = 1;
	msg = compose_ok(f, &in, &len);
	const char *const att2[] = { "carol@contoso.example" };
	struct expect e2 = e;
	e2.n_attachments = 1;
	e2.att_rcpts = att2;
	check_reply(msg, len, &e2, &text, &html);
	assert_null(strstr(text, "bob@northwind.example: delivered"));
	free(text);
	free(html);
	free(msg);
}

static void
test_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_AMBIGUOUS);
	in.matches = &f->msgs.v[0];
	in.n_matches = 4;
	in.complaint_subject = "did bob get my invoice?";
	in.requester_name = NULL;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	struct expect e = { "Re: did bob get my invoice?",
			    "billing@acme.example",
			    "c-2@acme.example",
			    0,
			    NULL,
			    NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_non_null(strstr(text, "  1. Invoice 1042"));
	assert_non_null(strstr(text, "  2. November newsletter"));
	assert_non_null(strstr(text, "  4. (no subject)"));
	assert_non_null(strstr(text, "Forward as attachment"));
	assert_null(strstr(text, "gsmtp")); /* no delivery details yet */
	golden("ambiguous", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_not_found(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_NOT_FOUND);
	const char *const searched[] = { "Message-ID <inv-9999@acme.example>",
					 "recipient bob@northwind.example since 2026-10-30" };
	in.searched = searched;
	in.n_searched = 2;
	in.complaint_references = NULL;
	in.n_references = 0;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived",
			    "billing@acme.example",
			    "c-2@acme.example",
			    0,
			    NULL,
			    NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_non_null(strstr(text, "  - Message-ID <inv-9999@acme.example>\r\n"));
	assert_non_null(strstr(html, "<li>Message-ID &lt;inv-9999@acme.example&gt;</li>"));
	golden("not_found", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_unauthorized(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_UNAUTHORIZED);
	/* Even when the caller hands over records, none of them leaks. */
	in.matches = &f->msgs.v[0];
	in.n_matches = 1;
	in.account = "other-account";
	in.requester = "mallory@evil.example";
	in.requester_name = NULL;
	in.complaint_subject = "Re: what about Invoice 1042?";
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text = NULL, *html = NULL;
	struct expect e = { "Re: what about Invoice 1042?",
			    "mallory@evil.example",
			    "c-2@acme.example",
			    0,
			    NULL,
			    NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_null(strstr(msg, "4XbQ1m0vG7z1aa"));
	assert_null(strstr(msg, "northwind"));
	assert_null(strstr(msg, "other-account"));
	assert_null(strstr(text, "delivered"));
	golden("unauthorized", msg, len);
	free(text);
	free(html);
	free(msg);

	char err[256] = "";
	f->settings.answer_unauthorized = 0;
	assert_int_equal(compose_reply(f->t, &in, &msg, &len, err, sizeof(err)), -1);
	assert_null(msg);
	f->settings.answer_unauthorized = 1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_delivered), cmocka_unit_test(test_found_mixed),
		cmocka_unit_test(test_ambiguous),	cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_unauthorized),
	};
	return cmocka_run_group_tests(tests, compose_fixture_setup, compose_fixture_teardown);
}
