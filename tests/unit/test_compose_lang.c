/*
 * test_compose_lang.c - replies in every language of responder/lang:
 *
 *   - every template of the English folder (each outcome, next_step,
 *     every reason_<r> and provider_<p> partial, the shared partials) has
 *     its own translation in templates/<lang>/ (nothing falls back), and
 *     renders there with no leftover tag and text that differs from the
 *     English rendering and holds none of the English phrases below;
 *   - whole replies (found, ambiguous, not_found, unauthorized and the
 *     follow-up's next step) in each language parse back as valid MIME,
 *     carry Content-Language, and write dates the language's way;
 *   - a folder that lacks a part falls back to English for that part only
 *     and says so (templates_missing).
 */
#include "tests/unit/compose_fixture.h"
#include "responder/lang/lang.h"
#include "responder/reply/compose_int.h"
#include "common/buf.h"
#include "responder/reason/reason.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Phrases that only the English templates write. */
static const char *const english[] = {
	"thank you for",
	"What to do",
	"Hello",
	"find the message and trust the sender",
	"Delivered on",
	"Delivery attempts",
	"This answer was written automatically",
	"the recipient's IT department",
	"Queue ID:",
	"(no subject)",
	"simply reply",
	"may be held by the organisation",
	"was delivered",
	"could not be reached",
	NULL,
};

/* A context with every field a template may print, all set. */
static json_t *
full_context(void)
{
	return json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,"
	    "s:s},s:s,s:s}",
	    "address", "bob@northwind.example", "from", "billing@acme.example", "attachment",
	    "transcript-bob.txt", "remote_queue_id", "ABC123", "provider_name", "Provider", "at",
	    "20. November 2026, 09:14 UTC", "mx_host", "mx.example", "mx_ip", "192.0.2.1",
	    "response", "550 5.1.1 no", "acknowledgement", "250 ok", "reason_text", "text",
	    "is_delivered", 1, "has_attempts", 0, "status_text", "x", "status", "x",
	    "requester_name", "Anna", "queue_id", "Q1", "subject", "S", "reply_subject", "Re: S",
	    "support", "name", "Relay Support", "address", "support@relay.example", "guidance", "G",
	    "provider_steps", "P");
}

static char *
render_one(const struct mustache_set *set, const char *name, json_t *ctx)
{
	struct buf b;
	char err[512];

	buf_init(&b, 0);
	buf_puts(&b, "");
	if (mustache_render(set, name, &ctx, 1, MUSTACHE_ESCAPE_NONE, &b, err, sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	return buf_steal(&b, NULL);
}

static void
no_english(const char *lang, const char *name, const char *text)
{
	for (size_t i = 0; english[i]; i++)
		if (strstr(text, english[i]))
			fail_msg("%s/%s still says \"%s\"", lang, name, english[i]);
	if (strstr(text, "{{") || strstr(text, "}}"))
		fail_msg("%s/%s has a tag left: %.200s", lang, name, strstr(text, "{{"));
}

/* The parts every language must have: each outcome's reply, the next
 * step, the shared partials, every reason and every provider (a part
 * added later to the English folder only is allowed to fall back: then
 * check-config lists it). */
static size_t
required_parts(char names[][64], size_t max)
{
	static const char *const whole[] = { "found",	  "ambiguous", "not_found", "unauthorized",
					     "next_step", "recipient", "signature" };
	static const char *const providers[] = { "generic",  "google", "microsoft", "yahoo",
						 "apple",    "zoho",   "proton",    "gmx",
						 "orange",   "yandex", "mimecast",  "proofpoint",
						 "barracuda" };
	static const char *const variants[] = { "txt", "html" };
	size_t n = 0;

	snprintf(names[n++], 64, "subject");
	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]) && n < max; i++)
			snprintf(names[n++], 64, "%s.%s", whole[i], variants[v]);
		for (int r = 0; r < REASON_COUNT && n < max; r++)
			snprintf(names[n++], 64, "reason_%s.%s", reason_name((enum reason)r),
				 variants[v]);
		for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]) && n < max; i++) {
			assert_true(strcmp(providers[i], "generic") == 0 ||
				    reason_provider_name(providers[i]) != NULL);
			snprintf(names[n++], 64, "provider_%s.%s", providers[i], variants[v]);
		}
	}
	return n;
}

static void
test_every_part_translated(void **state)
{
	struct fixture *f = *state;
	static char names[200][64];
	json_t *ctx = full_context();
	size_t n_names = required_parts(names, 200), parts = 0;

	assert_int_equal(n_names, 1 + 2 * (7 + REASON_COUNT + 13));
	for (int l = 0; l < LANG_COUNT; l++) {
		const char *code = lang_code((enum lang)l);
		const char *const *missing;
		size_t n;

		if (l == LANG_EN)
			continue;
		if (templates_missing(f->t, code, &missing, &n) != 1)
			fail_msg("templates/%s is missing", code);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < n_names; k++)
				if (strcmp(missing[i], names[k]) == 0)
					fail_msg("templates/%s lacks %s", code, names[k]);
		for (size_t k = 0; k < n_names; k++) {
			char *en = render_one(f->t->set[LANG_EN], names[k], ctx);
			char *tr = render_one(f->t->set[l], names[k], ctx);

			if (strcmp(names[k], "subject") != 0 && strcmp(en, tr) == 0)
				fail_msg("%s/%s renders as the English one", code, names[k]);
			no_english(code, names[k], tr);
			parts++;
			free(en);
			free(tr);
		}
	}
	assert_int_equal(parts, 7 * n_names);
	json_decref(ctx);
}

/* One date of the fixture's time (2026-11-29T15:04:54Z) per language. */
static const char *const dates[LANG_COUNT] = {
	[LANG_EN] = "2026-11-29 15:04:54 UTC",
	[LANG_DE] = "29. November 2026, 15:04 UTC",
	[LANG_FR] = "29 novembre 2026 à 15:04 UTC",
	[LANG_ES] = "29 de noviembre de 2026, 15:04 UTC",
	[LANG_IT] = "29 novembre 2026, 15:04 UTC",
	[LANG_NL] = "29 november 2026, 15:04 UTC",
	[LANG_PT] = "29 de novembro de 2026, 15:04 UTC",
	[LANG_PL] = "29 listopada 2026, 15:04 UTC",
};

static void
test_whole_replies(void **state)
{
	struct fixture *f = *state;
	static const enum outcome outcomes[] = { OUTCOME_FOUND, OUTCOME_FOUND, OUTCOME_AMBIGUOUS,
						 OUTCOME_NOT_FOUND };
	const char *searched[] = { "recipient zoe@elsewhere.example since 2026-10-30" };

	for (int l = 0; l < LANG_COUNT; l++) {
		for (size_t k = 0; k < sizeof(outcomes) / sizeof(outcomes[0]); k++) {
			struct reply_input in = base_input(f, outcomes[k]);
			char *msg, *text = NULL, *html = NULL, hdr[64];
			size_t len;
			const char *const att[] = { "bob@northwind.example" };
			struct expect e = { "Re: Fwd: Invoice 1042 never arrived",
					    "billing@acme.example",
					    "c-2@acme.example",
					    0,
					    &f->msgs.v[0],
					    att };

			in.language = lang_code((enum lang)l);
			in.next_step = k == 1;
			if (outcomes[k] == OUTCOME_FOUND) {
				in.matches = &f->msgs.v[0];
				in.n_matches = 1;
				e.n_attachments = 1;
			} else if (outcomes[k] == OUTCOME_AMBIGUOUS) {
				in.matches = f->msgs.v;
				in.n_matches = 3;
			} else {
				in.searched = searched;
				in.n_searched = 1;
			}
			msg = compose_ok(f, &in, &len);
			check_reply(msg, len, &e, &text, &html);
			snprintf(hdr, sizeof(hdr), "Content-Language: %s\r\n",
				 lang_code((enum lang)l));
			assert_non_null(strstr(msg, hdr));
			if (l != LANG_EN) {
				no_english(in.language, outcome_name(outcomes[k]), text);
				no_english(in.language, outcome_name(outcomes[k]), html);
			}
			/* dates of the language (found: the attempt times) */
			if (outcomes[k] != OUTCOME_NOT_FOUND) {
				const struct store_recipient *r0 = &f->msgs.v[0].rcpts[0];
				char when[96];

				lang_human_time((enum lang)l,
						outcomes[k] == OUTCOME_AMBIGUOUS ?
						    f->msgs.v[0].submitted_at :
						    r0->attempts[r0->n_attempts - 1].at,
						when, sizeof(when));
				if (!strstr(text, when))
					fail_msg("%s %s: no date \"%s\"", in.language,
						 outcome_name(outcomes[k]), when);
			}
			free(text);
			free(html);
			free(msg);
		}
	}
	/* the table above matches lang_human_time */
	for (int l = 0; l < LANG_COUNT; l++) {
		char when[96];
		int64_t t = base_input(f, OUTCOME_FOUND).now;

		lang_human_time((enum lang)l, t, when, sizeof(when));
		assert_string_equal(when, dates[l]);
	}
}

/* A language folder with one part only: that part is the language's,
 * every other one English, and templates_missing lists them. */
static void
test_fallback_per_part(void **state)
{
	struct fixture *f = *state;
	char *tmp = tu_tempdir(), path[4096], err[512];
	const char *src = getenv("RESPONDER_SRC");
	struct templates *t = NULL;
	const char *const *missing;
	size_t n;
	struct reply_input in = base_input(f, OUTCOME_NOT_FOUND);
	char *msg = NULL;
	size_t len;
	char cmd[8400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "cp %s/templates/*.mustache %s/", src ? src : ".", tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/nl", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	free(tu_write_file(path, "signature.txt.mustache", "Met vriendelijke groet\n", 0644));
	assert_int_equal(templates_load(tmp, &t, err, sizeof(err)), 0);
	assert_int_equal(templates_missing(t, "nl", &missing, &n), 1);
	assert_true(n > 60);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(missing[i], "signature.txt");
	assert_int_equal(templates_missing(t, "pl", &missing, &n), 0);
	assert_int_equal(templates_missing(t, "xx", &missing, &n), -1);
	in.language = "nl";
	assert_int_equal(compose_reply(t, &in, &msg, &len, err, sizeof(err)), 0);
	assert_non_null(strstr(msg, "Met vriendelijke groet"));
	assert_non_null(strstr(msg, "thank you for your message")); /* English body */
	free(msg);
	templates_free(&t);
	tu_rmtree(tmp);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_part_translated, compose_fixture_setup,
						compose_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_whole_replies, compose_fixture_setup,
						compose_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fallback_per_part, compose_fixture_setup,
						compose_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
