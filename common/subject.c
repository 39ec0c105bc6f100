/*
 * subject.c - subject normalisation for matching.
 */
#include "common/subject.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/*
 * Reply and forward prefixes as mail clients write them, upper-cased ASCII
 * or UTF-8 as written.  Matching is case-insensitive for ASCII.
 */
/* clang-format off */
static const char *const prefixes[] = {
	"RE", "FW", "FWD", "WG", "AW", "TR", "RV", "RES", "ENC", "R", "I",
	"SV", "VS", "VB", "VL", "FS", "ANTW", "DOORST", "ODP", "PD", "YNT",
	"ILT", "\xC4\xB0LT", "REF", "RIF", "INOLTRO", "TRANS", "TRAD",
	"\xD0\x9F\xD0\x95\xD0\xA0", "\xD0\x9F\xD0\xB5\xD1\x80",		/* ПЕР Пер */
	"\xD0\x9F\xD0\xB5\xD1\x80\xD0\xB5\xD1\x81\xD0\xBB",		/* Пересл */
	"\xD0\x9E\xD0\xA2\xD0\x92", "\xD0\x9E\xD1\x82\xD0\xB2",		/* ОТВ Отв */
	"\xD0\x92\xD0\xA1", "\xD0\x92\xD0\xB8\xD0\xB4\xD0\xBF",		/* ВС Відп */
	"V\xC3\xA1", "TOV\xC3\x81""BB\xC3\x8D""T\xC3\x81S",		/* Vá TOVÁBBÍTÁS */
	"PRZEKAZ", "ATB", "PERS",
};
/* clang-format on */

/* Length of a known prefix at s followed by optional "[n]"/"(n)" and a colon
 * (ASCII or full-width), or 0. */
static size_t
prefix_len(const char *s)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		const char *p;

		if (strncasecmp(s, prefixes[i], n) != 0)
			continue;
		p = s + n;
		if (*p == '[' || *p == '(') {
			char close = *p == '[' ? ']' : ')';
			p++;
			while (isdigit((unsigned char)*p))
				p++;
			if (*p != close)
				continue;
			p++;
		}
		while (*p == ' ')
			p++;
		if (*p == ':')
			return (size_t)(p + 1 - s);
		if (strncmp(p, "\xEF\xBC\x9A", 3) == 0) /* full-width colon */
			return (size_t)(p + 3 - s);
	}
	return 0;
}

const char *
subject_strip_prefixes(const char *s)
{
	for (;;) {
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		n = prefix_len(s);
		if (n == 0 && *s == '[') {
			/* A leading tag such as "[EXTERNAL]" or "[SPAM]", but not a
			 * whole subject that is only a bracketed text. */
			const char *e = strchr(s, ']');
			if (e != NULL && e - s <= 32 && e[1] != '\0')
				n = (size_t)(e + 1 - s);
		}
		if (n == 0)
			return s;
		s += n;
	}
}

char *
subject_normalize(const char *subject)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)subject_strip_prefixes(subject);
	int space = 0;

	buf_init(&b, 0);
	for (; *p; p++) {
		if (*p >= 0x80 || isalnum(*p)) {
			if (space && b.len > 0)
				buf_putc(&b, ' ');
			space = 0;
			buf_putc(&b, (char)tolower(*p));
		} else {
			space = 1;
		}
	}
	return buf_steal(&b, NULL);
}

/* Splits a normalised subject into words (pointers into a copy). */
static size_t
split_words(char *s, char **words, size_t max)
{
	size_t n = 0;

	for (char *tok = s; tok && *tok && n < max;) {
		char *sp = strchr(tok, ' ');
		if (sp)
			*sp = '\0';
		words[n++] = tok;
		tok = sp ? sp + 1 : NULL;
	}
	return n;
}

double
subject_similarity(const char *a_norm, const char *b_norm)
{
	enum { MAXW = 64 };
	char *a = xstrdup(a_norm), *b = xstrdup(b_norm);
	char *wa[MAXW], *wb[MAXW];
	size_t na = split_words(a, wa, MAXW), nb = split_words(b, wb, MAXW), common = 0;
	double r;

	if (na == 0 && nb == 0) {
		r = 1.0;
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++) {
			if (wb[j] != NULL && strcmp(wa[i], wb[j]) == 0) {
				wb[j] = NULL; /* each word counts once */
				common++;
				break;
			}
		}
	}
	r = 2.0 * (double)common / (double)(na + nb);
out:
	free(a);
	free(b);
	return r;
}
