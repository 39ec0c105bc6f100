/*
 * test_bounce.c - delivery notices read as text (responder/forward/
 * bounce.h): one notice of each shape the families write (Exim with its
 * copy of the message, Postfix "<a>: host said:", Sendmail's heading,
 * Gmail's indented address, Exchange's "following recipients", qmail,
 * RCPT TO transcripts), delivery-status fields, X-Failed-Recipients, delay
 * warnings, and what must never be a recipient: robots, the original's
 * sender, Message-IDs.  The notices are written here (issue 11).
 */
#include "tests/unit/testutil.h"
#include "responder/forward/bounce.h"

#include <string.h>

/* The recipient `addr` of b; fails the test when there is none. */
static const struct bounce_rcpt *
rcpt(const struct bounce *b, const char *addr)
{
	static char dash[] = "-";
	static const struct bounce_rcpt none = { .status = dash, .diagnostic = dash };

	for (size_t i = 0; i < b->n_rcpts; i++)
		if (strcmp(b->rcpts[i].address, addr) == 0)
			return &b->rcpts[i];
	fail_msg("no recipient %s", addr);
	return &none;
}

static void
test_exim_copy(void **state)
{
	const char *t =
	    "This message was created automatically by mail delivery software.\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n"
	    "\n"
	    "  erin@initech.example\n"
	    "    SMTP error from remote mail server after RCPT TO:<erin@initech.example>:\n"
	    "    host mx.initech.example [203.0.113.80]: 550 5.1.1 No such user\n"
	    "\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "\n"
	    "Return-path: <billing@acme.example>\n"
	    "Received: from localhost ([127.0.0.1])\n"
	    "\tby relay.example with esmtp id 1abc\n"
	    "\tfor erin@initech.example; Tue, 24 Nov 2026 10:00:00 +0000\n"
	    "Message-Id: <inv-2001@acme.example>\n"
	    "From: Acme Billing <billing@acme.example>\n"
	    "To: Erin <erin@initech.example>, frank@initech.example\n"
	    "Subject: Invoice 2001\n"
	    "Date: Tue, 24 Nov 2026 10:00:00 +0000\n"
	    "\n"
	    "Please pay. Questions: ask accounts@acme.example\n";
	struct bounce b;
	const struct bounce_rcpt *r;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, t, "<E1xyz@relay.example>");
	assert_int_equal(b.n_rcpts, 1);
	r = rcpt(&b, "erin@initech.example");
	assert_string_equal(r->status, "5.1.1");
	assert_int_equal(r->action, BOUNCE_FAILED);
	assert_int_equal(b.delayed, 0);
	assert_int_equal(b.n_quoted, 1);
	assert_string_equal(b.quoted[0].message_id, "<inv-2001@acme.example>");
	assert_string_equal(b.quoted[0].from, "billing@acme.example");
	assert_int_equal(b.quoted[0].n_to, 2);
	assert_string_equal(b.quoted[0].to[1], "frank@initech.example");
	assert_string_equal(b.quoted[0].subject, "Invoice 2001");
	assert_int_equal(b.quoted[0].date, 1795514400); /* 2026-11-24T10:00:00Z */
	bounce_free(&b);
}

static void
test_postfix_and_sendmail(void **state)
{
	const char *pf =
	    "This is the mail system at host relay.example.\n"
	    "\n"
	    "I'm sorry to have to inform you that your message could not\n"
	    "be delivered to one or more recipients.\n"
	    "\n"
	    "                   The mail system\n"
	    "\n"
	    "<bob@northwind.example>: host mx.northwind.example[198.51.100.7] said:\n"
	    "    550 5.7.1 Message rejected as spam (in reply to end of DATA command)\n";
	const char *sm = "   ----- The following addresses had permanent fatal errors -----\n"
			 "<carol@fabrikam.example>\n"
			 "<dave@contoso.example>\n"
			 "    (reason: 550 5.2.2 Mailbox full)\n";
	struct bounce b;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, pf, NULL);
	assert_int_equal(b.n_rcpts, 1);
	assert_string_equal(b.rcpts[0].address, "bob@northwind.example");
	assert_string_equal(b.rcpts[0].status, "5.7.1");
	assert_string_equal(b.reporting_mta, "relay.example");
	bounce_free(&b);
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, sm, NULL);
	assert_int_equal(b.n_rcpts, 2);
	(void)rcpt(&b, "carol@fabrikam.example");
	assert_string_equal(rcpt(&b, "dave@contoso.example")->status, "5.2.2");
	bounce_free(&b);
}

/* Addresses under a heading; RCPT TO in a transcript; "Addressed To". */
static void
test_headings_and_transcripts(void **state)
{
	const char *t = "Delivery to the following recipients failed.\n"
			"\n"
			"       zoe@elsewhere.example\n"
			"\n"
			"Sent <<< RCPT TO:<yann@elsewhere.example>\n"
			"Received >>> 550 5.1.1 <yann@elsewhere.example>... user unknown\n"
			"Addressed To: xavier@elsewhere.example\n";
	struct bounce b;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, t, NULL);
	assert_int_equal(b.n_rcpts, 3);
	(void)rcpt(&b, "zoe@elsewhere.example");
	assert_string_equal(rcpt(&b, "yann@elsewhere.example")->status, "5.1.1");
	(void)rcpt(&b, "xavier@elsewhere.example");
	bounce_free(&b);
}

/* Never a recipient: robots, the original's sender, Message-IDs, an
 * address on a line that says nothing about delivery. */
static void
test_not_recipients(void **state)
{
	const char *t =
	    "From: MAILER-DAEMON@relay.example\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Date: Tue, 24 Nov 2026 10:05:00 +0000\n"
	    "To: billing@acme.example\n"
	    "\n"
	    "Your message could not be delivered: postmaster@relay.example has details.\n"
	    "Message-ID: <20261124100000.ABC@relay.example> failed too\n"
	    "For help write to helpdesk@relay.example\n"
	    "\n"
	    "Original message headers:\n"
	    "From: billing@acme.example\n"
	    "To: erin@initech.example\n"
	    "Subject: Invoice 2002\n"
	    "\n"
	    "billing@acme.example failed to say anything\n";
	struct bounce b;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, t, NULL);
	assert_int_equal(b.n_rcpts, 0);
	/* the robot's own header block is not the original */
	assert_int_equal(b.n_quoted, 1);
	assert_string_equal(b.quoted[0].subject, "Invoice 2002");
	bounce_free(&b);
}

static void
test_dsn_fields(void **state)
{
	const char *dsn = "Reporting-MTA: dns; relay.example\n"
			  "Arrival-Date: Tue, 24 Nov 2026 10:00:00 +0000\n"
			  "\n"
			  "Original-Recipient: rfc822;Erin@Initech.example\n"
			  "Final-Recipient: rfc822; erin@initech.example\n"
			  "Action: failed\n"
			  "Status: 5.1.1 (bad mailbox)\n"
			  "Diagnostic-Code: smtp; 550 5.1.1 <erin@initech.example>:\n"
			  "    Recipient address rejected\n"
			  "\n"
			  "Final-Recipient: rfc822;frank@initech.example\n"
			  "Action: delayed\n"
			  "Status: 4.4.1\n";
	struct bounce b;
	const struct bounce_rcpt *r;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_dsn(&b, dsn);
	assert_string_equal(b.reporting_mta, "relay.example");
	assert_int_equal(b.n_rcpts, 2);
	r = rcpt(&b, "erin@initech.example");
	assert_string_equal(r->status, "5.1.1");
	assert_int_equal(r->action, BOUNCE_FAILED);
	assert_string_equal(r->diagnostic,
			    "550 5.1.1 <erin@initech.example>: Recipient address rejected");
	r = rcpt(&b, "frank@initech.example");
	assert_int_equal(r->action, BOUNCE_DELAYED);
	assert_string_equal(bounce_action_name(r->action), "delayed");
	assert_int_equal(b.delayed, 0); /* one failed for good */
	bounce_free(&b);
	memset(&b, 0, sizeof(b));
	bounce_read_failed(&b,
			   "erin@initech.example, MAILER-DAEMON@x.example, frank@initech.example");
	assert_int_equal(b.n_rcpts, 2);
	bounce_free(&b);
}

static void
test_delay_warning(void **state)
{
	const char *t =
	    "This is the mail system at host relay.example.\n"
	    "\n"
	    "####################################################################\n"
	    "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
	    "####################################################################\n"
	    "\n"
	    "Your message could not be delivered for more than 4 hour(s).\n"
	    "It will be retried until it is 5 day(s) old.\n"
	    "Your message has been delayed; the mail system will retry.\n"
	    "\n"
	    "<bob@northwind.example>: connect to mx.northwind.example: Connection timed out\n"
	    "    (delayed)\n";
	struct bounce b;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, t, NULL);
	assert_int_equal(b.delayed, 1);
	assert_int_equal(b.n_rcpts, 1);
	assert_int_equal(b.rcpts[0].action, BOUNCE_DELAYED);
	bounce_free(&b);
}

/* A list manager quoting the original indented under an mbox From_ line. */
static void
test_indented_quote(void **state)
{
	const char *t = "Duplicated Message-ID in <list@acme.example>.\n"
			"\n"
			"Original mail as follows:\n"
			"\n"
			"   From owner-list@acme.example  Tue Nov 24 10:00:00 2026\n"
			"   Return-Path: <owner-list@acme.example>\n"
			"   Received: from relay.example (relay.example [192.0.2.1])\n"
			"   \tby list.acme.example with ESMTP id 12345\n"
			"   To: <erin@initech.example>\n"
			"   Subject: Minutes\n"
			"   From: <billing@acme.example>\n"
			"   Message-ID:\n"
			"     <minutes-7@acme.example>\n"
			"\n"
			"   the minutes\n";
	struct bounce b;

	(void)state;
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, t, NULL);
	assert_int_equal(b.n_quoted, 1);
	assert_string_equal(b.quoted[0].message_id, "<minutes-7@acme.example>");
	assert_string_equal(b.quoted[0].to[0], "erin@initech.example");
	bounce_free(&b);
}

static void
test_looks_like(void **state)
{
	(void)state;
	assert_true(bounce_looks_like("Undelivered Mail Returned to Sender", NULL));
	assert_true(
	    bounce_looks_like("Fwd: Mail delivery failed: returning message to sender", NULL));
	assert_true(bounce_looks_like("FW: Undeliverable: Invoice 2001", NULL));
	assert_true(bounce_looks_like("Unzustellbar: Rechnung", NULL));
	assert_true(bounce_looks_like("Nyaan", "Hi. This is the qmail-send program at x.\n"));
	assert_false(bounce_looks_like("Invoice 2001", "Please pay by Friday.\n"));
	assert_false(bounce_looks_like(NULL, NULL));
	assert_true(bounce_robot_address("MAILER-DAEMON@relay.example"));
	assert_true(bounce_robot_address("post_master@relay.example"));
	assert_false(bounce_robot_address("erin@initech.example"));
	assert_false(bounce_robot_address("postmasters-friend@relay.example"));
}

/* Garbage: no crash, nothing taken, bounded. */
static void
test_garbage(void **state)
{
	static char big[300000];
	struct bounce b;

	(void)state;
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = "@<>:\n 5.1.1a.b-failed\t"[i % 22];
	big[sizeof(big) - 1] = '\0';
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, big, NULL);
	bounce_read_dsn(&b, big);
	bounce_read_failed(&b, big);
	assert_true(b.n_rcpts <= BOUNCE_MAX_RCPTS);
	bounce_free(&b);
	memset(&b, 0, sizeof(b));
	bounce_read_text(&b, "", NULL);
	bounce_read_text(&b, NULL, NULL);
	bounce_read_dsn(&b, NULL);
	assert_int_equal(b.n_rcpts, 0);
	bounce_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exim_copy),
		cmocka_unit_test(test_postfix_and_sendmail),
		cmocka_unit_test(test_headings_and_transcripts),
		cmocka_unit_test(test_not_recipients),
		cmocka_unit_test(test_dsn_fields),
		cmocka_unit_test(test_delay_warning),
		cmocka_unit_test(test_indented_quote),
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
