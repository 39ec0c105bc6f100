/*
 * test_followup.c - a reply to our reply continues the conversation
 * (responder/decide/followup.h), through the public pipeline on a store
 * holding the sample records:
 *
 *   - "2" above the quoted candidate list answers for candidate 2 (the
 *     quote, which holds every candidate's Message-ID, chooses nothing);
 *   - a stranger replying to someone else's thread gets nothing;
 *   - a not_found followed by a reply naming the recipient is matched
 *     again with both complaints' identifiers;
 *   - a not_found followed by a reply giving only the date it was sent
 *     (18 November 2026, 18.11.2026, 18/11/2026, 2026-11-18) is found
 *     when one message of the first complaint's subject fits that date,
 *     and stays not_found when none does;
 *   - "still not there" after a found gets the next step, a thank-you
 *     gets nothing, and a follow-up after the window is not answered;
 *   - autoresponder_ping_pong: robots replying to our reply (X-Autoreply,
 *     X-Autorespond, Precedence: auto_reply, a qmail text bounce without
 *     Return-Path, an out-of-office subject, a reply to an id of ours the
 *     log does not know) are `ignored` and never restart the full answer.
 *
 * And followup_choice()/followup_strip() on their own.
 */
#include "tests/unit/testutil.h"
#include "responder/decide/followup.h"
#include "responder/decide/pipeline.h"
#include "common/buf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"
#include "store/admin.h"
#include "store/import/import.h"
#include "store/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct tu_store *ts;
	struct settings s;
	struct pipeline *p;
	int64_t now;
	int seq;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct import_stats stats;
	const char *src = getenv("RESPONDER_SRC");
	char err[512] = "", path[4096];
	void *ts = NULL;

	tu_store_setup(&ts);
	f->ts = ts;
	snprintf(path, sizeof(path), "%s/store/samples/records.jsonl", src ? src : ".");
	memset(&stats, 0, sizeof(stats));
	if (import_jsonl(f->ts->st, path, &stats, NULL, NULL, err, sizeof(err)) != IMPORT_OK)
		fail_msg("import_jsonl %s: %s", path, err);
	config_defaults(&f->s);
	free(f->s.address);
	f->s.address = xstrdup("support@relay.example");
	free(f->s.hostname);
	f->s.hostname = xstrdup("relay.example");
	free(f->s.templates_dir);
	snprintf(path, sizeof(path), "%s/templates", src ? src : ".");
	f->s.templates_dir = xstrdup(path);
	f->p = pipeline_new(&f->s, f->ts->st, err, sizeof(err));
	if (f->p == NULL)
		fail_msg("pipeline_new: %s", err);
	assert_int_equal(time_parse_rfc3339("2026-11-29T15:00:00Z", &f->now), 0);
	pipeline_set_now(f->p, f->now);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	void *ts = f->ts;

	pipeline_free(&f->p);
	config_free(&f->s);
	tu_store_teardown(&ts);
	free(f);
	return 0;
}

static void
handle_raw(struct fx *f, const char *raw, struct pipeline_result *r)
{
	char err[512] = "";

	if (pipeline_handle(f->p, raw, strlen(raw), "file:test", f->now - 60, 0, r, err,
			    sizeof(err)) != 0)
		fail_msg("pipeline_handle: %s", err);
}

static void
handle_fixture(struct fx *f, const char *file, struct pipeline_result *r)
{
	char name[256], *path, *raw, err[512] = "";
	size_t len;

	snprintf(name, sizeof(name), "complaints/%s", file);
	path = tu_fixture(name);
	raw = tu_read_file(path, &len);
	if (raw == NULL)
		fail_msg("cannot read %s", path);
	if (pipeline_handle(f->p, raw, len, "file:x", f->now - 60, 0, r, err, sizeof(err)) != 0)
		fail_msg("%s: pipeline_handle: %s", file, err);
	free(raw);
	free(path);
}

/* A reply to `irt` from `from` with `headers` (each ending in \n) and
 * `body`.  Caller frees. */
static char *
reply_to(struct fx *f, const char *from, const char *irt, const char *subject, const char *headers,
	 const char *body)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b,
		   "From: %s\nTo: support@relay.example\nSubject: %s\n"
		   "Date: Sun, 29 Nov 2026 14:58:00 +0000\nMessage-ID: <fu-%d@x.example>\n"
		   "In-Reply-To: %s\nReferences: <c-0@acme.example> %s\n%s"
		   "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s",
		   from, subject, ++f->seq, irt, irt, headers ? headers : "", body);
	return buf_steal(&b, NULL);
}

/* The quoted candidate list of an ambiguous reply, as a mail client
 * quotes it below the answer. */
static char *
quoted_list(const json_t *cands)
{
	struct buf b;
	size_t i;
	const json_t *c;

	buf_init(&b, 0);
	buf_puts(&b, "On Sun, 29 Nov 2026 at 15:00, Relay Support <support@relay.example> wrote:\n"
		     "> More than one message fits what you wrote:\n>\n");
	json_array_foreach(cands, i, c)
	{
		buf_printf(&b, ">   %zu. %s\n>      Message-ID: %s\n>      Queue ID:   %s\n", i + 1,
			   json_string_value(json_object_get(c, "subject")),
			   json_string_value(json_object_get(c, "message_id")),
			   json_string_value(json_object_get(c, "queue_id")));
	}
	buf_puts(&b, ">\n> Simply reply to this message with its number, for example \"2\".\n");
	return buf_steal(&b, NULL);
}

static void
check_row(struct fx *f, int64_t id, int64_t thread, int64_t of, const char *lang)
{
	struct admin_request r;

	assert_int_equal(admin_request_get(f->ts->st, id, &r, NULL), STORE_OK);
	assert_int_equal(r.thread_id, thread);
	assert_int_equal(r.follow_up_of, of);
	if (lang)
		assert_string_equal(r.language, lang);
	admin_request_free(&r);
}

static void
test_reply_two_picks_candidate_two(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2;
	const json_t *cands;
	const char *want;
	char *quote, *body, *raw;
	struct buf bb;

	handle_fixture(f, "ambiguous.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_AMBIGUOUS);
	assert_non_null(r1.reply_message_id);
	assert_non_null(strstr(r1.reply_message_id, "@relay.example>"));
	assert_non_null(strstr(r1.reply, r1.reply_message_id));
	cands = json_object_get(r1.json, "matches");
	assert_true(json_array_size(cands) >= 3);
	want = json_string_value(json_object_get(json_array_get(cands, 1), "queue_id"));

	quote = quoted_list(cands);
	buf_init(&bb, 0);
	buf_printf(&bb, "2\n\nThanks, Anna\n\n%s", quote);
	body = buf_steal(&bb, NULL);
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice", NULL,
		       body);
	handle_raw(f, raw, &r2);
	if (r2.outcome != OUTCOME_FOUND)
		fail_msg("outcome %s: %s", outcome_name(r2.outcome), r2.why);
	assert_non_null(strstr(r2.why, "chose candidate 2"));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(r2.json, "matches"), 0), "queue_id")),
	    want);
	assert_non_null(r2.reply);
	assert_non_null(strstr(r2.reply, want));
	assert_int_equal(r2.reply_queued, 1);
	check_row(f, r2.request_id, r1.request_id, r1.request_id, "en");
	check_row(f, r1.request_id, r1.request_id, 0, "en");
	assert_int_equal(json_integer_value(json_object_get(r2.json, "follow_up_of")),
			 r1.request_id);
	free(raw);
	free(body);

	/* The same quote under "the second one": the ordinal chooses too. */
	buf_init(&bb, 0);
	buf_printf(&bb, "The second one, please.\n\n%s", quote);
	body = buf_steal(&bb, NULL);
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice", NULL,
		       body);
	pipeline_result_free(&r2);
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_FOUND);
	assert_non_null(strstr(r2.why, "chose candidate 2"));
	free(raw);
	free(body);
	free(quote);
	pipeline_result_free(&r1);
	pipeline_result_free(&r2);
}

static void
test_stranger_gets_nothing(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2;
	char *raw;

	handle_fixture(f, "ambiguous.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_AMBIGUOUS);
	/* another account's address */
	raw =
	    reply_to(f, "ops@globex.example", r1.reply_message_id, "Re: Fwd: Invoice", NULL, "2\n");
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_UNAUTHORIZED);
	assert_non_null(strstr(r2.why, "another requester"));
	assert_null(r2.reply);
	assert_int_equal(r2.reply_queued, 0);
	free(raw);
	pipeline_result_free(&r2);
	/* no account at all */
	raw = reply_to(f, "mallory@nowhere.example", r1.reply_message_id, "Re: Fwd: Invoice", NULL,
		       "2\n");
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_UNAUTHORIZED);
	assert_null(r2.reply);
	free(raw);
	pipeline_result_free(&r2);
	pipeline_result_free(&r1);
}

static void
test_not_found_then_recipient(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2;
	char *raw;

	handle_fixture(f, "not_found.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_NOT_FOUND);
	raw =
	    reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice 1042", NULL,
		     "Sorry, wrong one: it was the invoice to bob@northwind.example.\n\n"
		     "> We could not find a message sent through our relay\n"
		     ">   - recipient zoe@elsewhere.example since 2026-10-25\n");
	handle_raw(f, raw, &r2);
	if (r2.outcome != OUTCOME_FOUND)
		fail_msg("outcome %s: %s", outcome_name(r2.outcome), r2.why);
	assert_non_null(strstr(r2.why, "matched again with its identifiers"));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(r2.json, "matches"), 0), "queue_id")),
	    "4XbQ1m0vG7z1aa");
	assert_non_null(r2.reply);
	check_row(f, r2.request_id, r1.request_id, r1.request_id, NULL);
	free(raw);
	pipeline_result_free(&r1);
	pipeline_result_free(&r2);
}

/* Three statements of the requester's account whose long subjects the
 * first complaint's "Statement" fits too weakly (0.25) to name one. */
static const char statements[] =
    "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"4XcA1s0aA1a1aa\","
    "\"message_id\":\"<st-1@acme.example>\",\"from\":\"billing@acme.example\","
    "\"subject\":\"Statement of account for the Northwind office\","
    "\"submitted_at\":\"2026-11-10T10:00:00Z\",\"recipients\":[\"bob@northwind.example\"]}\n"
    "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"4XcB2s0bB2b2bb\","
    "\"message_id\":\"<st-2@acme.example>\",\"from\":\"billing@acme.example\","
    "\"subject\":\"Statement of account for the Contoso office\","
    "\"submitted_at\":\"2026-11-14T10:00:00Z\",\"recipients\":[\"dave@contoso.example\"]}\n"
    "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"4XcC3s0cC3c3cc\","
    "\"message_id\":\"<st-3@acme.example>\",\"from\":\"billing@acme.example\","
    "\"subject\":\"Statement of account for the Fabrikam office\","
    "\"submitted_at\":\"2026-11-18T09:14:00Z\",\"recipients\":[\"carol@fabrikam.example\"]}\n";

static const char statement_complaint[] =
    "From: billing@acme.example\nTo: support@relay.example\nSubject: Fwd: Statement\n"
    "Date: Sun, 29 Nov 2026 14:00:00 +0000\nMessage-ID: <c-st@acme.example>\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
    "Our customer says the statement never arrived.\n";

/* A not_found, then a reply with only the date it was sent: the date
 * (written the ways people write it) plus the first complaint's subject
 * name the one statement sent that day; a date no message fits stays
 * not_found. */
static void
test_not_found_then_date(void **state)
{
	struct fx *f = *state;
	static const char *const dates[] = {
		"it was sent on 18 November 2026, in the morning.",
		"Sie ging am 18.11.2026 raus.",
		"Il a été envoyé le 18/11/2026.",
		"Sent 2026-11-18.",
	};
	struct import_stats stats;
	struct pipeline_result r1, r2;
	char *dir, *path, *raw, body[512], err[512] = "";

	dir = tu_tempdir();
	path = tu_write_file(dir, "statements.jsonl", statements, 0600);
	memset(&stats, 0, sizeof(stats));
	if (import_jsonl(f->ts->st, path, &stats, NULL, NULL, err, sizeof(err)) != IMPORT_OK)
		fail_msg("import_jsonl %s: %s", path, err);
	tu_rmtree(dir);
	free(path);
	free(dir);
	handle_raw(f, statement_complaint, &r1);
	if (r1.outcome != OUTCOME_NOT_FOUND)
		fail_msg("first: outcome %s: %s", outcome_name(r1.outcome), r1.why);
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		snprintf(body, sizeof(body),
			 "%s\n\n> We could not find a message sent through our relay\n"
			 "> since 2026-10-30\n",
			 dates[i]);
		raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Statement",
			       NULL, body);
		handle_raw(f, raw, &r2);
		if (r2.outcome != OUTCOME_FOUND)
			fail_msg("[%s]: outcome %s: %s", dates[i], outcome_name(r2.outcome),
				 r2.why);
		assert_string_equal(
		    json_string_value(json_object_get(
			json_array_get(json_object_get(r2.json, "matches"), 0), "queue_id")),
		    "4XcC3s0cC3c3cc");
		check_row(f, r2.request_id, r1.request_id, r1.request_id, NULL);
		free(raw);
		pipeline_result_free(&r2);
	}
	/* a date that fits none of them */
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Statement", NULL,
		       "It was sent on 3 November 2026.\n");
	handle_raw(f, raw, &r2);
	if (r2.outcome != OUTCOME_NOT_FOUND)
		fail_msg("no fit: outcome %s: %s", outcome_name(r2.outcome), r2.why);
	free(raw);
	pipeline_result_free(&r2);
	pipeline_result_free(&r1);
}

/* followup_add_dates() alone: which tokens are dates. */
static void
test_add_dates(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* RFC 3339 of the one date, or NULL: none */
	} cases[] = {
		{ "it was sent on 20 November 2026", "2026-11-20T00:00:00Z" },
		{ "November 20, 2026 please", "2026-11-20T00:00:00Z" },
		{ "am 20. November 2026 gesendet", "2026-11-20T00:00:00Z" },
		{ "am 20.11.2026.", "2026-11-20T00:00:00Z" },
		{ "le 20/11/2026", "2026-11-20T00:00:00Z" },
		{ "(2026-11-20)", "2026-11-20T00:00:00Z" },
		{ "wysłane 20 listopada 2026", "2026-11-20T00:00:00Z" },
		{ "Invoice 1042 again", NULL },
		{ "version 1.2.3 of the app", NULL },
		{ "queue 4XbQ1m0vG7z1aa, id <20.11.2026@x.example>", NULL },
		{ "in 2026 sometime", NULL },
		{ "on 20 December 2027", NULL }, /* after now */
		{ "call 0800-555-1234", NULL },
	};
	int64_t now;

	(void)state;
	assert_int_equal(time_parse_rfc3339("2026-11-29T15:00:00Z", &now), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct extracted x;
		char got[TIME_RFC3339_LEN];
		int n;

		memset(&x, 0, sizeof(x));
		n = followup_add_dates(cases[i].in, now, &x);
		if (n != (cases[i].want ? 1 : 0) || (size_t)n != x.n_originals)
			fail_msg("case %zu [%s]: %d date(s)", i, cases[i].in, n);
		if (cases[i].want) {
			time_format_rfc3339(x.originals[0].date, got);
			if (strcmp(got, cases[i].want) != 0)
				fail_msg("case %zu [%s]: %s, want %s", i, cases[i].in, got,
					 cases[i].want);
			assert_null(x.originals[0].subject);
		}
		extracted_free(&x);
	}
}

static void
test_found_then_still_missing(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2, r3;
	char *raw;

	handle_fixture(f, "attached.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_FOUND);
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice 1042",
		       NULL, "Bob says it is still not there, and they checked spam.\n");
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_FOUND);
	assert_non_null(strstr(r2.why, "next step"));
	assert_non_null(strstr(r2.why, "still missing"));
	assert_non_null(r2.reply);
	assert_non_null(strstr(r2.reply, "the next step"));
	assert_non_null(strstr(r2.reply, "Remote queue ID"));
	free(raw);

	/* a reply that names another message is a new question */
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice 1042",
		       NULL, "And what about <inv-1043@acme.example>?\n");
	handle_raw(f, raw, &r3);
	assert_int_equal(r3.outcome, OUTCOME_FOUND);
	assert_null(strstr(r3.why, "next step"));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(r3.json, "matches"), 0), "queue_id")),
	    "4XbS3p2xJ9b3cc");
	free(raw);
	pipeline_result_free(&r3);

	/* a thank-you is not answered */
	raw = reply_to(f, "billing@acme.example", r2.reply_message_id, "Re: Fwd: Invoice 1042",
		       NULL, "Thank you!\n");
	handle_raw(f, raw, &r3);
	assert_int_equal(r3.outcome, OUTCOME_IGNORED);
	assert_non_null(strstr(r3.why, "thank-you"));
	assert_null(r3.reply);
	check_row(f, r3.request_id, r1.request_id, r2.request_id, NULL);
	free(raw);
	pipeline_result_free(&r3);

	/* after the window: not answered again */
	pipeline_set_now(f->p, f->now + 15 * 86400);
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice 1042",
		       NULL, "Still not there.\n");
	handle_raw(f, raw, &r3);
	assert_int_equal(r3.outcome, OUTCOME_IGNORED);
	assert_non_null(strstr(r3.why, "after the follow-up window (14 days)"));
	assert_null(r3.reply);
	free(raw);
	pipeline_result_free(&r1);
	pipeline_result_free(&r2);
	pipeline_result_free(&r3);
}

/* A follow-up counts against the requester's rate limit like any
 * complaint. */
static void
test_follow_up_rate_limited(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2;
	char *raw;

	f->s.max_replies_per_hour = 1;
	handle_fixture(f, "ambiguous.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_AMBIGUOUS);
	assert_int_equal(r1.reply_queued, 1);
	raw = reply_to(f, "billing@acme.example", r1.reply_message_id, "Re: Fwd: Invoice", NULL,
		       "2\n");
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_IGNORED);
	assert_non_null(strstr(r2.why, "rate limit"));
	assert_null(r2.reply);
	free(raw);
	pipeline_result_free(&r1);
	pipeline_result_free(&r2);
}

/* Defect 1 of the hardening issue: an auto-responder answering our reply
 * must never get the full answer again (and again). */
static void
test_autoresponder_ping_pong(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r1, r2;
	static const struct {
		const char *subject, *headers, *body, *why;
	} robots[] = {
		{ "Re: Fwd: Invoice 1042",
		  "X-Autoreply: yes\nReturn-Path: <billing@acme.example>\n",
		  "I am away until Monday.\n", "X-Autoreply" },
		{ "Re: Fwd: Invoice 1042",
		  "X-Autorespond: on\nReturn-Path: <billing@acme.example>\n", "I am away.\n",
		  "X-Autoreply" },
		{ "Re: Fwd: Invoice 1042",
		  "Precedence: auto_reply\nReturn-Path: <billing@acme.example>\n", "Away.\n",
		  "Precedence: auto_reply" },
		{ "failure notice", NULL,
		  "Hi. This is the qmail-send program at mx.acme.example.\n"
		  "I'm afraid I wasn't able to deliver your message to the following addresses.\n",
		  "qmail-send" },
		{ "Automatic reply: Re: Fwd: Invoice 1042", "Return-Path: <billing@acme.example>\n",
		  "I am out of the office.\n", "automatic reply" },
	};
	char *raw;

	handle_fixture(f, "attached.eml", &r1);
	assert_int_equal(r1.outcome, OUTCOME_FOUND);
	for (size_t i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		raw = reply_to(f, "billing@acme.example", r1.reply_message_id, robots[i].subject,
			       robots[i].headers, robots[i].body);
		handle_raw(f, raw, &r2);
		if (r2.outcome != OUTCOME_IGNORED || !strstr(r2.why, robots[i].why))
			fail_msg("robot %zu: %s (%s)", i, outcome_name(r2.outcome), r2.why);
		assert_null(r2.reply);
		assert_int_equal(r2.reply_queued, 0);
		free(raw);
		pipeline_result_free(&r2);
	}
	/* A reply to an id of ours the log does not hold (purged, forged):
	 * not the full answer again. */
	raw = reply_to(f, "billing@acme.example", "<0123456789abcdef01234567@relay.example>",
		       "Re: Fwd: Invoice 1042", "Return-Path: <billing@acme.example>\n",
		       "Please check <inv-1042@acme.example> again.\n");
	handle_raw(f, raw, &r2);
	assert_int_equal(r2.outcome, OUTCOME_IGNORED);
	assert_non_null(strstr(r2.why, "does not hold"));
	assert_null(r2.reply);
	free(raw);
	pipeline_result_free(&r2);
	pipeline_result_free(&r1);
}

/* The reply's language, in order: the account's setting, the forward
 * block's labels, Content-Language, the requester's words, the default. */
static void
test_language_choice(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *headers, *body, *want;
	} cases[] = {
		/* labels of a German forward block win over English words */
		{ "",
		  "Hello, please check this one.\n\nVon: billing@acme.example\n"
		  "Gesendet: 2026-11-20 09:14\nAn: bob@northwind.example\nBetreff: Invoice 1042\n\nx\n",
		  "de" },
		{ "Content-Language: fr-FR\n", "Please check <inv-1042@acme.example>.\n", "fr" },
		{ "",
		  "Hola, nuestro cliente dice que no ha recibido la factura "
		  "<inv-1042@acme.example>. Gracias.\n",
		  "es" },
		{ "", "<inv-1042@acme.example>\n", "it" }, /* the default, set below */
	};
	struct pipeline_result r;
	struct buf b;
	char *raw;

	free(f->s.hostname);
	f->s.hostname = xstrdup("relay.example");
	f->s.default_language = 4; /* it, see config.c */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		buf_printf(&b,
			   "From: billing@acme.example\nTo: support@relay.example\n"
			   "Subject: Fwd: Invoice 1042\nMessage-ID: <lc-%zu@acme.example>\n%s"
			   "Content-Type: text/plain; charset=utf-8\n\n%s",
			   i, cases[i].headers, cases[i].body);
		raw = buf_steal(&b, NULL);
		handle_raw(f, raw, &r);
		if (!r.language || strcmp(r.language, cases[i].want) != 0)
			fail_msg("case %zu: language %s, want %s (%s)", i,
				 r.language ? r.language : "(none)", cases[i].want, r.why);
		assert_non_null(r.reply);
		free(raw);
		pipeline_result_free(&r);
	}
	/* the account's own setting beats everything */
	assert_int_equal(store_set_account_language(f->ts->st, "acme", "pl"), STORE_OK);
	raw = reply_to(f, "billing@acme.example", "<x@acme.example>", "Fwd: Invoice 1042",
		       "Content-Language: fr\n", "Bonjour, <inv-1042@acme.example> merci\n");
	handle_raw(f, raw, &r);
	assert_string_equal(r.language, "pl");
	assert_non_null(strstr(r.reply, "Content-Language: pl"));
	free(raw);
	pipeline_result_free(&r);
}

/* ---- the pieces ----------------------------------------------------------- */

static void
test_choice(void **state)
{
	json_t *c = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "queue_id", "4XbQ1m0vG7z1aa",
			      "message_id", "<inv-1042@acme.example>", "queue_id", "4XbS3p2xJ9b3cc",
			      "message_id", "<inv-1043@acme.example>", "queue_id", "4XbT4q3yK0c4dd",
			      "message_id", "<inv-1044@acme.example>");
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "2", 2 },
		{ "#2", 2 },
		{ "number 2 please", 2 },
		{ "Nr. 3", 3 },
		{ "(1)", 1 },
		{ "2.", 2 },
		{ "the second one", 2 },
		{ "The 3rd.", 3 },
		{ "Die zweite, bitte.", 2 },
		{ "la deuxième", 2 },
		{ "La troisième svp", 3 },
		{ "la segunda", 2 },
		{ "la prima", 1 },
		{ "de tweede graag", 2 },
		{ "a segunda, obrigado", 2 },
		{ "Druga, dziękuję", 2 },
		{ "Pierwsza", 1 },
		{ "4XbS3p2xJ9b3cc", 2 },
		{ "it is inv-1044@acme.example", 3 },
		{ "1 or 2?", -1 },
		{ "7", 0 },
		{ "sent on 2026-11-20 at 09:14", 0 },
		{ "", 0 },
		{ "Invoice 1042 please", 0 },
		{ "Hello\nthanks\nfor this\nfar below: 2", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = followup_choice(cases[i].text, c, 3);

		if (got != cases[i].want)
			fail_msg("\"%s\": %d, want %d", cases[i].text, got, cases[i].want);
	}
	json_decref(c);
}

static void
test_strip(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "2\n\nOn Sun, 29 Nov 2026, Relay Support <s@r.example> wrote:\n> 1. x\n",
		  "2\n\n" },
		{ "zwei\nAm 29.11.2026 um 15:00 schrieb Relay Support:\n> 1.\n", "zwei\n" },
		{ "la 2\nLe dim. 29 nov. 2026 à 15:00, Relay Support a écrit :\n> 1\n", "la 2\n" },
		{ "3\n-----Original Message-----\nFrom: x\n1.\n", "3\n" },
		{ "ok 2\n-- \nAnna\n1\n", "ok 2\n" },
		{ "> quoted 1\nmine 2\n", "mine 2\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = followup_strip(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: [%s], want [%s]", i, got, cases[i].want);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reply_two_picks_candidate_two, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stranger_gets_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found_then_recipient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found_then_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_found_then_still_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autoresponder_ping_pong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_up_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_language_choice, setup, teardown),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_add_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
