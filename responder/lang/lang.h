/*
 * lang.h - the languages replies are written in, and the small amount of
 * language knowledge the responder needs around them: which language a
 * complaint is written in (Content-Language, a word-list detector), dates
 * as each language writes them, and the words of a follow-up ("the
 * second one", "still not there", "thanks").
 *
 * Which language a reply gets is decided in responder/decide/ (the order:
 * the account's setting, the forward block's labels, Content-Language, the
 * complaint's own words, the configured default); this module only reads
 * text.  The templates of each language live in templates/<code>/.
 *
 * SECURITY: every text passed in is a complaint's, i.e. anyone's.  Every
 * function is linear in its input, reads at most the bytes it is given
 * (NUL-terminated strings), allocates nothing and keeps no state.
 */
#ifndef RESPONDER_LANG_H
#define RESPONDER_LANG_H

#include <stddef.h>
#include <stdint.h>

enum lang {
	LANG_EN,
	LANG_DE,
	LANG_FR,
	LANG_ES,
	LANG_IT,
	LANG_NL,
	LANG_PT,
	LANG_PL,
};
#define LANG_COUNT 8

/* "en", "de", ... (the templates/<code>/ folder name). */
const char *lang_code(enum lang l);
/* The language's own name ("Deutsch"), for logs and docs. */
const char *lang_name(enum lang l);

/* A language tag or code ("de", "DE", "de-AT", "pt_BR") to a supported
 * language: 0 with *l_r, or -1. */
int lang_parse(const char *tag, enum lang *l_r);

/* The first supported language of a Content-Language value ("fr-CA, en"):
 * 0 with *l_r, or -1. */
int lang_from_content_language(const char *value, enum lang *l_r);

/* A word-list guess at the language of `text` (the complaint's own words,
 * quotes stripped): 0 with *l_r when one language clearly leads, -1 when
 * the text is too short or mixed to tell. */
int lang_from_words(const char *text, enum lang *l_r);

/* A time as the language writes it, always in UTC: "2026-11-20 09:14:03
 * UTC" (en, as before), "20. November 2026, 09:14 UTC" (de), "20 novembre
 * 2026 à 09:14 UTC" (fr), "20 de noviembre de 2026, 09:14 UTC" (es) ...
 * t <= 0 gives the language's "unknown time". */
void lang_human_time(enum lang l, int64_t t, char *out, size_t size);

/* ---- the words of a follow-up (every language at once) ------------------ */

/* The position an ordinal names ("second", "zweite", "deuxième",
 * "segunda", "tweede", "druga", "2nd" ...), 1..5, or 0.  Cardinal words
 * ("two", "due") are not taken: they occur in ordinary sentences.
 * `word` is one word of n bytes, any case. */
int lang_ordinal(const char *word, size_t n);

/* 1 when `text` says the message is still missing ("still not there",
 * "they checked spam", "immer noch nicht angekommen", "toujours pas reçu"
 * ...), else 0. */
int lang_says_still_missing(const char *text);

/* 1 when `text` is a short thank-you and nothing more. */
int lang_is_thanks_only(const char *text);

/* 1 when the line of n bytes introduces quoted text: "On ... wrote:",
 * "Am ... schrieb ...:", "-----Original Message-----", "Le ... a écrit :"
 * ... */
int lang_is_quote_intro(const char *line, size_t n);

#endif
