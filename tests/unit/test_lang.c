/*
 * test_lang.c - responder/lang: codes, Content-Language, the word-list
 * detector on one complaint text per language, dates per language, and
 * the follow-up words.
 */
#include "tests/unit/testutil.h"
#include "responder/lang/lang.h"
#include "common/timeutil.h"

#include <string.h>

static void
test_codes(void **state)
{
	enum lang l;

	(void)state;
	for (int i = 0; i < LANG_COUNT; i++) {
		assert_int_equal(lang_parse(lang_code((enum lang)i), &l), 0);
		assert_int_equal(l, i);
	}
	assert_int_equal(lang_parse("DE-at", &l), 0);
	assert_int_equal(l, LANG_DE);
	assert_int_equal(lang_parse("pt_BR", &l), 0);
	assert_int_equal(l, LANG_PT);
	assert_int_equal(lang_parse("xx", &l), -1);
	assert_int_equal(lang_parse("deu", &l), -1);
	assert_int_equal(lang_parse("", &l), -1);
	assert_int_equal(lang_from_content_language("ja, fr-CA, en", &l), 0);
	assert_int_equal(l, LANG_FR);
	assert_int_equal(lang_from_content_language("ja", &l), -1);
}

static void
test_words(void **state)
{
	static const struct {
		const char *text;
		enum lang want;
	} cases[] = {
		{ "Hello, our customer says he never got the invoice we sent. Can you check?",
		  LANG_EN },
		{ "Hallo, unser Kunde sagt, dass die Rechnung nicht angekommen ist. Bitte prüfen.",
		  LANG_DE },
		{ "Bonjour, notre client n'a jamais reçu la facture. Pouvez-vous vérifier ? Merci",
		  LANG_FR },
		{ "Hola, nuestro cliente dice que no ha recibido la factura. Gracias por revisar.",
		  LANG_ES },
		{ "Buongiorno, il nostro cliente non ha ricevuto la fattura che abbiamo inviato. Grazie",
		  LANG_IT },
		{ "Goedendag, onze klant heeft de factuur niet ontvangen. Kunt u dat nakijken? Bedankt",
		  LANG_NL },
		{ "Olá, o nosso cliente não recebeu a fatura que enviamos. Obrigado", LANG_PT },
		{ "Dzień dobry, nasz klient nie otrzymał faktury. Czy możecie to sprawdzić? Dziękuję",
		  LANG_PL },
	};
	enum lang l;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (lang_from_words(cases[i].text, &l) != 0 || l != cases[i].want)
			fail_msg("case %zu: want %s", i, lang_code(cases[i].want));
	}
	assert_int_equal(lang_from_words("2", &l), -1);
	assert_int_equal(lang_from_words("", &l), -1);
	assert_int_equal(lang_from_words(NULL, &l), -1);
}

static void
test_dates(void **state)
{
	static const struct {
		enum lang l;
		const char *want;
	} cases[] = {
		{ LANG_EN, "2026-11-20 09:14:03 UTC" },
		{ LANG_DE, "20. November 2026, 09:14 UTC" },
		{ LANG_FR, "20 novembre 2026 à 09:14 UTC" },
		{ LANG_ES, "20 de noviembre de 2026, 09:14 UTC" },
		{ LANG_IT, "20 novembre 2026, 09:14 UTC" },
		{ LANG_NL, "20 november 2026, 09:14 UTC" },
		{ LANG_PT, "20 de novembro de 2026, 09:14 UTC" },
		{ LANG_PL, "20 listopada 2026, 09:14 UTC" },
	};
	int64_t t, first;
	char out[96];

	(void)state;
	assert_int_equal(time_parse_rfc3339("2026-11-20T09:14:03Z", &t), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lang_human_time(cases[i].l, t, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(time_parse_rfc3339("2026-03-01T18:05:00Z", &first), 0);
	lang_human_time(LANG_FR, first, out, sizeof(out));
	assert_string_equal(out, "1er mars 2026 à 18:05 UTC");
	lang_human_time(LANG_PL, first, out, sizeof(out));
	assert_string_equal(out, "1 marca 2026, 18:05 UTC");
	lang_human_time(LANG_DE, 0, out, sizeof(out));
	assert_string_equal(out, "unbekannte Zeit");
}

static void
test_follow_up_words(void **state)
{
	(void)state;
	assert_int_equal(lang_ordinal("Second", 6), 2);
	assert_int_equal(lang_ordinal("zweiten", 7), 2);
	assert_int_equal(lang_ordinal("Fünfte", strlen("Fünfte")), 5);
	assert_int_equal(lang_ordinal("Première", strlen("Première")), 1);
	assert_int_equal(lang_ordinal("tweede", 6), 2);
	assert_int_equal(lang_ordinal("drugą", strlen("drugą")), 2);
	assert_int_equal(lang_ordinal("drug", 4), 0);
	assert_int_equal(lang_ordinal("due", 3), 0);
	assert_int_equal(lang_ordinal("invoice", 7), 0);
	assert_true(lang_says_still_missing("Bob says it is STILL NOT there"));
	assert_true(lang_says_still_missing("Sie hat im Spam nachgesehen, immer noch nicht da."));
	assert_true(lang_says_still_missing("Il n’a toujours pas reçu le message"));
	assert_true(lang_says_still_missing("Nadal nie ma tej wiadomości"));
	assert_false(lang_says_still_missing("Thanks, found it."));
	assert_true(lang_is_thanks_only("Thank you!"));
	assert_true(lang_is_thanks_only("Vielen Dank"));
	assert_false(lang_is_thanks_only("Thanks, but it is still not there."));
	assert_true(lang_is_quote_intro("On Sun, 29 Nov 2026, Relay <s@r.example> wrote:", 48));
	assert_true(lang_is_quote_intro("Am 29.11.2026 um 15:00 schrieb Relay Support:", 45));
	assert_false(lang_is_quote_intro("I wrote to them yesterday.", 26));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_follow_up_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
