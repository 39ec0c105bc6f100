/*
 * test_pipeline.c - one complaint, start to end, through the public
 * pipeline API (responder/decide/pipeline.h): every fixture of
 * tests/fixtures/complaints on a fresh store holding the sample records
 * (store/samples/records.jsonl), with PIPELINE_DRY_RUN and without.
 *
 * For each fixture the table says the outcome, a piece of the "why" and,
 * for found, the matched queue ID, and whether a reply is composed.  A dry
 * run must decide the same and record nothing; a real run must write the
 * request-log row (outcome, why, requester, account, match, source, times)
 * and, exactly when there is a reply, one queued outbox row, in the same
 * call.  Then: a complaint answered once is not answered again, and a dry
 * run before the real one does not count as an answer.
 */
#include "tests/unit/testutil.h"
#include "responder/decide/pipeline.h"
#include "common/timeutil.h"
#include "common/xalloc.h"
#include "store/admin.h"
#include "store/import/import.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pl_case {
	const char *file; /* under tests/fixtures/complaints */
	enum outcome outcome;
	const char *why;      /* a part of the why */
	const char *queue_id; /* the match of a found, else NULL */
	int reply;	      /* a reply is composed (and queued) */
} CASES[] = {
	{ "attached.eml", OUTCOME_FOUND, "matched Message-ID <inv-1042@acme.example> (attached)",
	  "4XbQ1m0vG7z1aa", 1 },
	{ "attached_base64.eml", OUTCOME_FOUND, "(attached)", "4XbR2n1wH8a2bb", 1 },
	{ "nested.eml", OUTCOME_FOUND, "matched Message-ID <inv-1043@acme.example> (attached)",
	  "4XbS3p2xJ9b3cc", 1 },
	{ "inline_gmail.eml", OUTCOME_FOUND, "by recipient", "4XbS3p2xJ9b3cc", 1 },
	{ "html_only.eml", OUTCOME_FOUND, "by recipient", "4XbR2n1wH8a2bb", 1 },
	{ "references.eml", OUTCOME_FOUND, "(references)", "4XbR2n1wH8a2bb", 1 },
	{ "subject_id.eml", OUTCOME_FOUND, "(subject)", "4XbT4q3yK0c4dd", 1 },
	{ "body_id.eml", OUTCOME_FOUND, "(body)", "4XbQ1m0vG7z1aa", 1 },
	{ "qp_latin1.eml", OUTCOME_FOUND, "(body)", "4XbQ1m0vG7z1aa", 1 },
	{ "unknown_charset.eml", OUTCOME_FOUND, "(body)", "4XbQ1m0vG7z1aa", 1 },
	/* forwarded delivery notices (issue 11): attached with a report,
	 * inline with the notice's text only, a delay warning pasted */
	{ "bounce_attached_dsn.eml", OUTCOME_FOUND,
	  "matched Message-ID <quote-77@acme.example> (attached)", "4XbR2n1wH8a2bb", 1 },
	{ "bounce_inline_text.eml", OUTCOME_FOUND, "by recipient", "4XbR2n1wH8a2bb", 1 },
	{ "bounce_delay_pasted.eml", OUTCOME_FOUND, "the only message to the named recipient",
	  "4XbR2n1wH8a2bb", 1 },
	/* a boundary quoted in a text body is text, not MIME (issue 11) */
	{ "pasted_boundary.eml", OUTCOME_FOUND, "(body)", "4XbQ1m0vG7z1aa", 1 },
	{ "invalid_base64.eml", OUTCOME_FOUND, "by subject", "4XbQ1m0vG7z1aa", 1 },
	{ "truncated.eml", OUTCOME_FOUND, "by recipient", "4XbQ1m0vG7z1aa", 1 },
	{ "authres_pass.eml", OUTCOME_FOUND, "(references)", "4XbQ1m0vG7z1aa", 1 },
	{ "authres_fail.eml", OUTCOME_FOUND, "(references)", "4XbQ1m0vG7z1aa", 1 },
	{ "robot_auto_submitted_no.eml", OUTCOME_FOUND, "(references)", "4XbQ1m0vG7z1aa", 1 },
	{ "ambiguous.eml", OUTCOME_AMBIGUOUS, "3 candidate(s), none clearly best", NULL, 1 },
	{ "not_found.eml", OUTCOME_NOT_FOUND, "no message of the account matches", NULL, 1 },
	{ "other_account.eml", OUTCOME_NOT_FOUND, "no message of the account matches", NULL, 1 },
	{ "unauthorized.eml", OUTCOME_UNAUTHORIZED, "mallory@nowhere.example owns no account", NULL,
	  0 },
	{ "reply_to.eml", OUTCOME_UNAUTHORIZED, "mallory@nowhere.example owns no account", NULL,
	  0 },
	{ "robot_auto_submitted.eml", OUTCOME_IGNORED, "Auto-Submitted: auto-replied", NULL, 0 },
	{ "robot_list_id.eml", OUTCOME_IGNORED, "List-Id", NULL, 0 },
	{ "robot_list_unsubscribe.eml", OUTCOME_IGNORED, "List-Unsubscribe", NULL, 0 },
	{ "robot_mailer_daemon.eml", OUTCOME_IGNORED, "mailer-daemon@acme.example", NULL, 0 },
	{ "robot_null_return_path.eml", OUTCOME_IGNORED, "Return-Path <>", NULL, 0 },
	{ "robot_own_address.eml", OUTCOME_IGNORED, "our own support address", NULL, 0 },
	{ "robot_own_message_id.eml", OUTCOME_IGNORED, "was made by us", NULL, 0 },
	{ "robot_postmaster_return_path.eml", OUTCOME_IGNORED, "postmaster@acme.example", NULL, 0 },
	{ "robot_precedence.eml", OUTCOME_IGNORED, "Precedence: bulk", NULL, 0 },
	{ "robot_report.eml", OUTCOME_IGNORED, "multipart/report", NULL, 0 },
	{ "robot_x_auto_response_suppress.eml", OUTCOME_IGNORED, "X-Auto-Response-Suppress", NULL,
	  0 },
	{ "robot_x_loop.eml", OUTCOME_IGNORED, "X-Loop names us", NULL, 0 },
	/* robots without RFC 3834's fields (issue 11), each with its rule */
	{ "robot_apple_vacation.eml", OUTCOME_IGNORED, "robot (vacation): X-Apple-Action: VACATION",
	  NULL, 0 },
	{ "robot_x_autoresponder.eml", OUTCOME_IGNORED, "robot (autoresponder): X-Autoresponder",
	  NULL, 0 },
	{ "robot_x_autoreply.eml", OUTCOME_IGNORED, "X-Autoreply/X-Autorespond: yes", NULL, 0 },
	{ "robot_x_autorespond.eml", OUTCOME_IGNORED, "X-Autoreply/X-Autorespond: Thank you", NULL,
	  0 },
	{ "robot_autoreply_subject.eml", OUTCOME_IGNORED,
	  "robot (autoreply-subject): the subject opens with \"abwesenheit", NULL, 0 },
	{ "robot_amazon_sns.eml", OUTCOME_IGNORED, "robot (amazon-sns): x-amz-sns-message-type",
	  NULL, 0 },
	{ "robot_hotmail_jmrp.eml", OUTCOME_IGNORED, "robot (hotmail-jmrp): From staff@hotmail.com",
	  NULL, 0 },
	{ "robot_list_manager.eml", OUTCOME_IGNORED, "robot (list-manager): X-List-Administrivia",
	  NULL, 0 },
	{ "robot_noreply_sender.eml", OUTCOME_IGNORED,
	  "robot (robot-sender): From no-reply@northwind.example", NULL, 0 },
	/* Poison: the pre-scan refuses them before any parser runs. */
	{ "boundary_crash.eml", OUTCOME_ERROR, "unsafe MIME boundary", NULL, 0 },
	{ "boundary_crash_2047.eml", OUTCOME_ERROR, "unsafe MIME boundary", NULL, 0 },
};
#define NCASES (sizeof(CASES) / sizeof(CASES[0]))

/* A store with the sample records (tu_store_setup), settings as
 * `responder process` would have them, and a pipeline over both. */
struct fx {
	struct tu_store *ts;
	struct settings s;
	struct pipeline *p;
	int64_t now;
};

static struct fx *
fx_new(void)
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
	assert_int_equal(stats.rejected, 0);

	config_defaults(&f->s);
	free(f->s.address);
	f->s.address = xstrdup("support@relay.example");
	free(f->s.name);
	f->s.name = xstrdup("Relay Support");
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
	return f;
}

static void
fx_free(struct fx *f)
{
	void *ts = f->ts;

	pipeline_free(&f->p);
	config_free(&f->s);
	tu_store_teardown(&ts);
	free(f);
}

static int
setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Handles fixture `file` with `flags`; fills *r (caller frees). */
static void
handle(struct fx *f, const char *file, int flags, struct pipeline_result *r)
{
	char name[256], *path, *raw, err[512] = "";
	size_t len;

	snprintf(name, sizeof(name), "complaints/%s", file);
	path = tu_fixture(name);
	raw = tu_read_file(path, &len);
	if (raw == NULL)
		fail_msg("cannot read %s", path);
	snprintf(name, sizeof(name), "file:%s", file);
	if (pipeline_handle(f->p, raw, len, name, f->now - 60, flags, r, err, sizeof(err)) != 0)
		fail_msg("%s: pipeline_handle: %s", file, err);
	free(raw);
	free(path);
}

/* The result of one case, whatever the mode. */
static void
check_result(const struct pl_case *c, const struct pipeline_result *r)
{
	json_t *matches;

	if (r->outcome != c->outcome)
		fail_msg("%s: outcome %s, want %s (why: %s)", c->file, outcome_name(r->outcome),
			 outcome_name(c->outcome), r->why ? r->why : "(null)");
	assert_non_null(r->why);
	if (strstr(r->why, c->why) == NULL)
		fail_msg("%s: why \"%s\" lacks \"%s\"", c->file, r->why, c->why);
	assert_non_null(r->complaint_key);
	assert_non_null(r->json);
	assert_string_equal(json_string_value(json_object_get(r->json, "outcome")),
			    outcome_name(c->outcome));
	matches = json_object_get(r->json, "matches");
	if (c->queue_id != NULL) {
		assert_true(json_array_size(matches) >= 1);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(matches, 0), "queue_id")),
		    c->queue_id);
		assert_string_equal(r->account, "acme");
	}
	if (c->reply) {
		assert_non_null(r->reply);
		assert_true(r->reply_len > 0);
		assert_non_null(strstr(r->reply, "Auto-Submitted: auto-replied"));
	} else {
		assert_null(r->reply);
	}
	assert_int_equal(r->parse_failure,
			 c->outcome == OUTCOME_ERROR ? PARSE_FAIL_REJECTED : PARSE_FAIL_NONE);
}

static size_t
count_requests(struct store *st)
{
	struct admin_filter filt;
	struct admin_request_list l;
	size_t n;

	memset(&filt, 0, sizeof(filt));
	filt.limit = 1000;
	assert_int_equal(admin_requests(st, &filt, &l), STORE_OK);
	n = l.n;
	admin_request_list_free(&l);
	return n;
}

/* Every fixture is in the table, so a new one cannot be forgotten. */
static void
test_every_fixture_listed(void **state)
{
	char *dir = tu_fixture("complaints");
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name), i;

		if (len < 5 || strcmp(de->d_name + len - 4, ".eml") != 0)
			continue;
		for (i = 0; i < NCASES; i++)
			if (strcmp(CASES[i].file, de->d_name) == 0)
				break;
		if (i == NCASES)
			fail_msg("complaints/%s is not in CASES", de->d_name);
		n++;
	}
	closedir(d);
	free(dir);
	assert_int_equal(n, NCASES);
}

/* A dry run decides everything and records nothing. */
static void
test_dry_run(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		struct fx *f = fx_new();
		struct pipeline_result r;

		handle(f, CASES[i].file, PIPELINE_DRY_RUN, &r);
		check_result(&CASES[i], &r);
		assert_int_equal(r.request_id, 0);
		assert_int_equal(r.reply_queued, 0);
		assert_int_equal(r.outbox_id, 0);
		assert_int_equal(count_requests(f->ts->st), 0);
		pipeline_result_free(&r);
		fx_free(f);
	}
}

/* A real run records the request row and, with a reply, its outbox row. */
static void
test_recorded(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct pl_case *c = &CASES[i];
		struct fx *f = fx_new();
		struct pipeline_result r;
		struct admin_request row;
		struct admin_outbox_list ob;
		char source[256];

		handle(f, c->file, 0, &r);
		check_result(c, &r);
		assert_true(r.request_id > 0);
		assert_int_equal(count_requests(f->ts->st), 1);
		assert_int_equal(admin_request_get(f->ts->st, r.request_id, &row, &ob), STORE_OK);
		assert_string_equal(row.outcome, outcome_name(c->outcome));
		assert_string_equal(row.why, r.why);
		snprintf(source, sizeof(source), "file:%s", c->file);
		assert_string_equal(row.source, source);
		assert_int_equal(row.received_at, f->now - 60);
		assert_int_equal(row.decided_at, f->now);
		if (r.requester != NULL) {
			assert_non_null(row.requester);
			assert_string_equal(row.requester, r.requester);
		}
		if (r.account != NULL) {
			assert_non_null(row.account);
			assert_string_equal(row.account, r.account);
		}
		if (c->queue_id != NULL) {
			assert_non_null(row.matched_queue_id);
			assert_string_equal(row.matched_queue_id, c->queue_id);
		} else {
			assert_null(row.matched_queue_id);
		}
		assert_int_equal(r.reply_queued, c->reply);
		assert_int_equal(ob.n, c->reply ? 1 : 0);
		assert_string_equal(row.reply_state, c->reply ? "queued" : "none");
		if (c->reply) {
			assert_int_equal(ob.v[0].id, r.outbox_id);
			assert_string_equal(ob.v[0].state, "queued");
			assert_string_equal(ob.v[0].rcpt, r.requester);
			assert_int_equal(ob.v[0].message_len, r.reply_len);
			assert_memory_equal(ob.v[0].message, r.reply, r.reply_len);
		} else {
			assert_int_equal(r.outbox_id, 0);
		}
		admin_outbox_list_free(&ob);
		admin_request_free(&row);
		pipeline_result_free(&r);
		fx_free(f);
	}
}

/* Answered once, never twice; a dry run is not an answer. */
static void
test_answered_once(void **state)
{
	struct fx *f = *state;
	struct pipeline_result r;
	int64_t first;

	handle(f, "attached.eml", PIPELINE_DRY_RUN, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	pipeline_result_free(&r);

	handle(f, "attached.eml", 0, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_int_equal(r.reply_queued, 1);
	first = r.request_id;
	pipeline_result_free(&r);

	handle(f, "attached.eml", 0, &r);
	assert_int_equal(r.outcome, OUTCOME_IGNORED);
	assert_non_null(strstr(r.why, "already answered"));
	assert_int_equal(r.reply_queued, 0);
	assert_null(r.reply);
	assert_true(r.request_id > first);
	pipeline_result_free(&r);
	assert_int_equal(count_requests(f->ts->st), 2);
}

/* The complaint key is "<Message-ID> sha256-hex", or "- sha256-hex" without
 * one: stored keys from every earlier version must still compare equal, so
 * the digest is checked against FIPS 180-2's examples (the one-block and
 * the two-block message, and a million 'a', which crosses the hash's
 * internal buffer many times) and a Message-ID is taken as it is. */
static void
test_complaint_key(void **state)
{
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *mil = xmalloc(1000000), *k;

	(void)state;
	k = pipeline_complaint_key("abc", 3);
	assert_string_equal(k,
			    "- ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(k);
	k = pipeline_complaint_key(two, strlen(two));
	assert_string_equal(k,
			    "- 248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	free(k);
	memset(mil, 'a', 1000000);
	k = pipeline_complaint_key(mil, 1000000);
	assert_string_equal(k,
			    "- cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(k);
	free(mil);
	k = pipeline_complaint_key("Message-ID: <k1@x.example>\r\n\r\nabc", 33);
	assert_true(strncmp(k, "<k1@x.example> ", 15) == 0 && strlen(k) == 15 + 64);
	free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complaint_key),
		cmocka_unit_test(test_every_fixture_listed),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_recorded),
		cmocka_unit_test_setup_teardown(test_answered_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
