/*
 * forward_date.c - dates as mail clients write them in forward headers,
 * in the supported languages: "Wed, Oct 27, 2021 at 9:31 AM",
 * "Mi., 27. Okt. 2021 um 09:31 Uhr", "26. října 2021 14:25:08 GMT+3",
 * "2021. okt. 27., Sze, 9:31", "2022年9月19日月曜日 17:55:44 -0400",
 * "28/10/2021, 12:46", "Wed, 3 Nov 2021 15:51:30 +0100" ...
 *
 * One left-to-right pass collects numbers, a time (H:MM[:SS], also with
 * dots), month names (table below, folded case, with the block's language
 * tried first), AM/PM, and a zone (+hhmm, GMT+h, named zones).  Words it
 * does not know (weekdays, "at", "um", "kl.") are skipped.  No zone means
 * UTC.  A numeric date "a/b/c" is day/month/year unless the first number
 * has four digits (year-month-day) or the text has AM/PM (month/day/year,
 * the US form).
 *
 * SECURITY: the text is the complaint's; the pass is linear and bounded
 * by FWD_MAX_DATE bytes.
 */
#include "responder/forward/forward_int.h"
#include "common/timeutil.h"

#include <string.h>

struct month {
	const char *lang;
	const char *name;
	int mon;
	int stem; /* match as a prefix of the word (Finnish cases) */
};

/* Order matters only without a hint: the first match wins, so the shared
 * "listopad(a)" and "lipiec" forms are Czech/Polish unless the block is
 * Croatian. */
/* clang-format off */
static const struct month months[] = {
	/* en */
	{ "en", "january", 1, 0 }, { "en", "february", 2, 0 }, { "en", "march", 3, 0 },
	{ "en", "april", 4, 0 }, { "en", "may", 5, 0 }, { "en", "june", 6, 0 },
	{ "en", "july", 7, 0 }, { "en", "august", 8, 0 }, { "en", "september", 9, 0 },
	{ "en", "october", 10, 0 }, { "en", "november", 11, 0 }, { "en", "december", 12, 0 },
	{ "en", "jan", 1, 0 }, { "en", "feb", 2, 0 }, { "en", "mar", 3, 0 },
	{ "en", "apr", 4, 0 }, { "en", "jun", 6, 0 }, { "en", "jul", 7, 0 },
	{ "en", "aug", 8, 0 }, { "en", "sep", 9, 0 }, { "en", "sept", 9, 0 },
	{ "en", "oct", 10, 0 }, { "en", "nov", 11, 0 }, { "en", "dec", 12, 0 },
	/* de */
	{ "de", "januar", 1, 0 }, { "de", "jänner", 1, 0 }, { "de", "februar", 2, 0 },
	{ "de", "märz", 3, 0 }, { "de", "mär", 3, 0 }, { "de", "mrz", 3, 0 },
	{ "de", "mai", 5, 0 }, { "de", "juni", 6, 0 }, { "de", "juli", 7, 0 },
	{ "de", "oktober", 10, 0 }, { "de", "okt", 10, 0 }, { "de", "dezember", 12, 0 },
	{ "de", "dez", 12, 0 },
	/* fr */
	{ "fr", "janvier", 1, 0 }, { "fr", "janv", 1, 0 }, { "fr", "février", 2, 0 },
	{ "fr", "févr", 2, 0 }, { "fr", "fév", 2, 0 }, { "fr", "mars", 3, 0 },
	{ "fr", "avril", 4, 0 }, { "fr", "avr", 4, 0 }, { "fr", "juin", 6, 0 },
	{ "fr", "juillet", 7, 0 }, { "fr", "juil", 7, 0 }, { "fr", "août", 8, 0 },
	{ "fr", "septembre", 9, 0 }, { "fr", "octobre", 10, 0 },
	{ "fr", "novembre", 11, 0 }, { "fr", "décembre", 12, 0 }, { "fr", "déc", 12, 0 },
	/* es */
	{ "es", "enero", 1, 0 }, { "es", "ene", 1, 0 }, { "es", "febrero", 2, 0 },
	{ "es", "marzo", 3, 0 }, { "es", "abril", 4, 0 }, { "es", "abr", 4, 0 },
	{ "es", "mayo", 5, 0 }, { "es", "junio", 6, 0 }, { "es", "julio", 7, 0 },
	{ "es", "agosto", 8, 0 }, { "es", "ago", 8, 0 }, { "es", "septiembre", 9, 0 },
	{ "es", "setiembre", 9, 0 }, { "es", "octubre", 10, 0 },
	{ "es", "noviembre", 11, 0 }, { "es", "diciembre", 12, 0 }, { "es", "dic", 12, 0 },
	/* it */
	{ "it", "gennaio", 1, 0 }, { "it", "gen", 1, 0 }, { "it", "febbraio", 2, 0 },
	{ "it", "aprile", 4, 0 }, { "it", "maggio", 5, 0 }, { "it", "mag", 5, 0 },
	{ "it", "giugno", 6, 0 }, { "it", "giu", 6, 0 }, { "it", "luglio", 7, 0 },
	{ "it", "lug", 7, 0 }, { "it", "settembre", 9, 0 }, { "it", "set", 9, 0 },
	{ "it", "ottobre", 10, 0 }, { "it", "ott", 10, 0 }, { "it", "dicembre", 12, 0 },
	/* pt */
	{ "pt", "janeiro", 1, 0 }, { "pt", "fevereiro", 2, 0 }, { "pt", "fev", 2, 0 },
	{ "pt", "março", 3, 0 }, { "pt", "maio", 5, 0 }, { "pt", "junho", 6, 0 },
	{ "pt", "julho", 7, 0 }, { "pt", "setembro", 9, 0 }, { "pt", "outubro", 10, 0 },
	{ "pt", "out", 10, 0 }, { "pt", "novembro", 11, 0 }, { "pt", "dezembro", 12, 0 },
	/* nl */
	{ "nl", "januari", 1, 0 }, { "nl", "februari", 2, 0 }, { "nl", "maart", 3, 0 },
	{ "nl", "mrt", 3, 0 }, { "nl", "mei", 5, 0 }, { "nl", "augustus", 8, 0 },
	/* da, no, sv */
	{ "da", "marts", 3, 0 }, { "da", "maj", 5, 0 }, { "no", "desember", 12, 0 },
	{ "no", "des", 12, 0 }, { "sv", "augusti", 8, 0 },
	/* et */
	{ "et", "jaanuar", 1, 0 }, { "et", "jaan", 1, 0 }, { "et", "veebruar", 2, 0 },
	{ "et", "veebr", 2, 0 }, { "et", "märts", 3, 0 }, { "et", "aprill", 4, 0 },
	{ "et", "juuni", 6, 0 }, { "et", "juuli", 7, 0 }, { "et", "oktoober", 10, 0 },
	{ "et", "detsember", 12, 0 }, { "et", "dets", 12, 0 },
	/* fi: stems, also of the partitive ("lokakuuta") and abbreviations ("lokak.") */
	{ "fi", "tammik", 1, 1 }, { "fi", "helmik", 2, 1 }, { "fi", "maalisk", 3, 1 },
	{ "fi", "huhtik", 4, 1 }, { "fi", "toukok", 5, 1 }, { "fi", "kesäk", 6, 1 },
	{ "fi", "heinäk", 7, 1 }, { "fi", "elok", 8, 1 }, { "fi", "syysk", 9, 1 },
	{ "fi", "lokak", 10, 1 }, { "fi", "marrask", 11, 1 }, { "fi", "jouluk", 12, 1 },
	/* cs (nominative and genitive) */
	{ "cs", "leden", 1, 0 }, { "cs", "ledna", 1, 0 }, { "cs", "únor", 2, 0 },
	{ "cs", "února", 2, 0 }, { "cs", "březen", 3, 0 }, { "cs", "března", 3, 0 },
	{ "cs", "duben", 4, 0 }, { "cs", "dubna", 4, 0 }, { "cs", "květen", 5, 0 },
	{ "cs", "května", 5, 0 }, { "cs", "červen", 6, 0 }, { "cs", "června", 6, 0 },
	{ "cs", "červenec", 7, 0 }, { "cs", "července", 7, 0 }, { "cs", "srpen", 8, 0 },
	{ "cs", "srpna", 8, 0 }, { "cs", "září", 9, 0 }, { "cs", "říjen", 10, 0 },
	{ "cs", "října", 10, 0 }, { "cs", "listopad", 11, 0 }, { "cs", "listopadu", 11, 0 },
	{ "cs", "prosinec", 12, 0 }, { "cs", "prosince", 12, 0 },
	/* sk */
	{ "sk", "január", 1, 0 }, { "sk", "januára", 1, 0 }, { "sk", "február", 2, 0 },
	{ "sk", "februára", 2, 0 }, { "sk", "marec", 3, 0 }, { "sk", "marca", 3, 0 },
	{ "sk", "apríl", 4, 0 }, { "sk", "apríla", 4, 0 }, { "sk", "máj", 5, 0 },
	{ "sk", "mája", 5, 0 }, { "sk", "jún", 6, 0 }, { "sk", "júna", 6, 0 },
	{ "sk", "júl", 7, 0 }, { "sk", "júla", 7, 0 }, { "sk", "augusta", 8, 0 },
	{ "sk", "septembra", 9, 0 }, { "sk", "október", 10, 0 }, { "sk", "októbra", 10, 0 },
	{ "sk", "novembra", 11, 0 }, { "sk", "decembra", 12, 0 },
	/* pl */
	{ "pl", "styczeń", 1, 0 }, { "pl", "stycznia", 1, 0 }, { "pl", "sty", 1, 0 },
	{ "pl", "luty", 2, 0 }, { "pl", "lutego", 2, 0 }, { "pl", "lut", 2, 0 },
	{ "pl", "marzec", 3, 0 }, { "pl", "kwiecień", 4, 0 }, { "pl", "kwietnia", 4, 0 },
	{ "pl", "kwi", 4, 0 }, { "pl", "maja", 5, 0 }, { "pl", "czerwiec", 6, 0 },
	{ "pl", "czerwca", 6, 0 }, { "pl", "cze", 6, 0 }, { "pl", "lipiec", 7, 0 },
	{ "pl", "lipca", 7, 0 }, { "pl", "lip", 7, 0 }, { "pl", "sierpień", 8, 0 },
	{ "pl", "sierpnia", 8, 0 }, { "pl", "sie", 8, 0 }, { "pl", "wrzesień", 9, 0 },
	{ "pl", "września", 9, 0 }, { "pl", "wrz", 9, 0 }, { "pl", "październik", 10, 0 },
	{ "pl", "października", 10, 0 }, { "pl", "paź", 10, 0 }, { "pl", "listopada", 11, 0 },
	{ "pl", "lis", 11, 0 }, { "pl", "grudzień", 12, 0 }, { "pl", "grudnia", 12, 0 },
	{ "pl", "gru", 12, 0 },
	/* hr (after cs/pl: "listopad" is October here, November there) */
	{ "hr", "siječanj", 1, 0 }, { "hr", "siječnja", 1, 0 }, { "hr", "sij", 1, 0 },
	{ "hr", "veljača", 2, 0 }, { "hr", "veljače", 2, 0 }, { "hr", "velj", 2, 0 },
	{ "hr", "ožujak", 3, 0 }, { "hr", "ožujka", 3, 0 }, { "hr", "ožu", 3, 0 },
	{ "hr", "travanj", 4, 0 }, { "hr", "travnja", 4, 0 }, { "hr", "tra", 4, 0 },
	{ "hr", "svibanj", 5, 0 }, { "hr", "svibnja", 5, 0 }, { "hr", "svi", 5, 0 },
	{ "hr", "lipanj", 6, 0 }, { "hr", "lipnja", 6, 0 }, { "hr", "lip", 6, 0 },
	{ "hr", "srpanj", 7, 0 }, { "hr", "srpnja", 7, 0 }, { "hr", "srp", 7, 0 },
	{ "hr", "kolovoz", 8, 0 }, { "hr", "kolovoza", 8, 0 }, { "hr", "kol", 8, 0 },
	{ "hr", "rujan", 9, 0 }, { "hr", "rujna", 9, 0 }, { "hr", "ruj", 9, 0 },
	{ "hr", "listopad", 10, 0 }, { "hr", "listopada", 10, 0 }, { "hr", "lis", 10, 0 },
	{ "hr", "studeni", 11, 0 }, { "hr", "studenoga", 11, 0 }, { "hr", "studenog", 11, 0 },
	{ "hr", "stu", 11, 0 }, { "hr", "prosinac", 12, 0 }, { "hr", "prosinca", 12, 0 },
	{ "hr", "pro", 12, 0 },
	/* hu */
	{ "hu", "január", 1, 0 }, { "hu", "február", 2, 0 }, { "hu", "febr", 2, 0 },
	{ "hu", "március", 3, 0 }, { "hu", "márc", 3, 0 }, { "hu", "április", 4, 0 },
	{ "hu", "ápr", 4, 0 }, { "hu", "május", 5, 0 }, { "hu", "június", 6, 0 },
	{ "hu", "július", 7, 0 }, { "hu", "augusztus", 8, 0 }, { "hu", "szeptember", 9, 0 },
	{ "hu", "szept", 9, 0 }, { "hu", "október", 10, 0 },
	/* ro */
	{ "ro", "ianuarie", 1, 0 }, { "ro", "ian", 1, 0 }, { "ro", "februarie", 2, 0 },
	{ "ro", "martie", 3, 0 }, { "ro", "aprilie", 4, 0 }, { "ro", "iunie", 6, 0 },
	{ "ro", "iun", 6, 0 }, { "ro", "iulie", 7, 0 }, { "ro", "iul", 7, 0 },
	{ "ro", "septembrie", 9, 0 }, { "ro", "octombrie", 10, 0 },
	{ "ro", "noiembrie", 11, 0 }, { "ro", "noi", 11, 0 }, { "ro", "decembrie", 12, 0 },
	/* tr */
	{ "tr", "ocak", 1, 0 }, { "tr", "oca", 1, 0 }, { "tr", "şubat", 2, 0 },
	{ "tr", "şub", 2, 0 }, { "tr", "mart", 3, 0 }, { "tr", "nisan", 4, 0 },
	{ "tr", "nis", 4, 0 }, { "tr", "mayıs", 5, 0 }, { "tr", "haziran", 6, 0 },
	{ "tr", "haz", 6, 0 }, { "tr", "temmuz", 7, 0 }, { "tr", "tem", 7, 0 },
	{ "tr", "ağustos", 8, 0 }, { "tr", "ağu", 8, 0 }, { "tr", "eylül", 9, 0 },
	{ "tr", "eyl", 9, 0 }, { "tr", "ekim", 10, 0 }, { "tr", "eki", 10, 0 },
	{ "tr", "kasım", 11, 0 }, { "tr", "kas", 11, 0 }, { "tr", "aralık", 12, 0 },
	{ "tr", "ara", 12, 0 },
	/* ru */
	{ "ru", "январь", 1, 0 }, { "ru", "января", 1, 0 }, { "ru", "янв", 1, 0 },
	{ "ru", "февраль", 2, 0 }, { "ru", "февраля", 2, 0 }, { "ru", "февр", 2, 0 },
	{ "ru", "фев", 2, 0 }, { "ru", "март", 3, 0 }, { "ru", "марта", 3, 0 },
	{ "ru", "мар", 3, 0 }, { "ru", "апрель", 4, 0 }, { "ru", "апреля", 4, 0 },
	{ "ru", "апр", 4, 0 }, { "ru", "май", 5, 0 }, { "ru", "мая", 5, 0 },
	{ "ru", "июнь", 6, 0 }, { "ru", "июня", 6, 0 }, { "ru", "июн", 6, 0 },
	{ "ru", "июль", 7, 0 }, { "ru", "июля", 7, 0 }, { "ru", "июл", 7, 0 },
	{ "ru", "август", 8, 0 }, { "ru", "августа", 8, 0 }, { "ru", "авг", 8, 0 },
	{ "ru", "сентябрь", 9, 0 }, { "ru", "сентября", 9, 0 }, { "ru", "сент", 9, 0 },
	{ "ru", "сен", 9, 0 }, { "ru", "октябрь", 10, 0 }, { "ru", "октября", 10, 0 },
	{ "ru", "окт", 10, 0 }, { "ru", "ноябрь", 11, 0 }, { "ru", "ноября", 11, 0 },
	{ "ru", "нояб", 11, 0 }, { "ru", "ноя", 11, 0 }, { "ru", "декабрь", 12, 0 },
	{ "ru", "декабря", 12, 0 }, { "ru", "дек", 12, 0 },
	/* uk */
	{ "uk", "січень", 1, 0 }, { "uk", "січня", 1, 0 }, { "uk", "січ", 1, 0 },
	{ "uk", "лютий", 2, 0 }, { "uk", "лютого", 2, 0 }, { "uk", "лют", 2, 0 },
	{ "uk", "березень", 3, 0 }, { "uk", "березня", 3, 0 }, { "uk", "бер", 3, 0 },
	{ "uk", "квітень", 4, 0 }, { "uk", "квітня", 4, 0 }, { "uk", "квіт", 4, 0 },
	{ "uk", "травень", 5, 0 }, { "uk", "травня", 5, 0 }, { "uk", "трав", 5, 0 },
	{ "uk", "червень", 6, 0 }, { "uk", "червня", 6, 0 }, { "uk", "черв", 6, 0 },
	{ "uk", "липень", 7, 0 }, { "uk", "липня", 7, 0 }, { "uk", "лип", 7, 0 },
	{ "uk", "серпень", 8, 0 }, { "uk", "серпня", 8, 0 }, { "uk", "серп", 8, 0 },
	{ "uk", "вересень", 9, 0 }, { "uk", "вересня", 9, 0 }, { "uk", "вер", 9, 0 },
	{ "uk", "жовтень", 10, 0 }, { "uk", "жовтня", 10, 0 }, { "uk", "жовт", 10, 0 },
	{ "uk", "листопад", 11, 0 }, { "uk", "листопада", 11, 0 }, { "uk", "лист", 11, 0 },
	{ "uk", "грудень", 12, 0 }, { "uk", "грудня", 12, 0 }, { "uk", "груд", 12, 0 },
};
/* clang-format on */

#define N_MONTHS (sizeof(months) / sizeof(months[0]))

static int
month_match(const struct month *m, const char *w, size_t n)
{
	if (!fwd_first_may_match(m->name, w[0]))
		return 0;
	if (m->stem)
		return fwd_prefix_fold(w, n, m->name) != 0;
	return fwd_eq_fold(w, n, m->name);
}

/* Month 1-12 of a word, the hinted language first; 0 when none. */
static int
month_lookup(const char *w, size_t n, const char *lang)
{
	if (lang != NULL) {
		for (size_t i = 0; i < N_MONTHS; i++) {
			if (month_match(&months[i], w, n) && strcmp(months[i].lang, lang) == 0)
				return months[i].mon;
		}
	}
	for (size_t i = 0; i < N_MONTHS; i++) {
		if (month_match(&months[i], w, n))
			return months[i].mon;
	}
	return 0;
}

/* Zone abbreviations in English, German (MEZ, OESZ) and Czech/Slovak (SEČ). */
/* clang-format off */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "gmt", 0 }, { "utc", 0 }, { "ut", 0 }, { "z", 0 }, { "wet", 0 },
	{ "west", 60 }, { "bst", 60 }, { "cet", 60 }, { "cest", 120 },
	{ "mez", 60 }, { "mesz", 120 }, { "eet", 120 }, { "eest", 180 },
	{ "oez", 120 }, { "oesz", 180 }, { "seč", 60 }, { "selč", 120 },
	{ "msk", 180 }, { "est", -300 }, { "edt", -240 }, { "cst", -360 },
	{ "cdt", -300 }, { "mst", -420 }, { "mdt", -360 }, { "pst", -480 },
	{ "pdt", -420 }, { "jst", 540 }, { "ist", 330 }, { "aest", 600 },
};
/* clang-format on */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads up to 9 digits at *p; returns the value, sets *nd_r. */
static long
read_num(const char **p, const char *end, int *nd_r)
{
	long v = 0;
	int nd = 0;

	while (*p < end && is_digit(**p)) {
		if (nd < 9)
			v = v * 10 + (**p - '0');
		nd++;
		(*p)++;
	}
	*nd_r = nd;
	return v;
}

/* A word character: ASCII letter, or a non-ASCII letter below the CJK
 * blocks that is not punctuation or a space. */
static int
word_char(const char *p, const char *end, size_t *len_r)
{
	const char *q = p;
	uint32_t c = utf8_next(&q, end);

	*len_r = (size_t)(q - p);
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	if (c == 0xA0 || c == 0xAB || c == 0xBB || c == 0xFFFD || c == 0xFEFF)
		return 0;
	if (c >= 0x2000 && c <= 0x206F)
		return 0;
	return c < 0x2E80;
}

/* "+0100", "-04:00", "+3" at p (p at the sign); minutes into *z_r. */
static int
read_offset(const char **p, const char *end, int *z_r)
{
	const char *q = *p + 1;
	int sign = **p == '-' ? -1 : 1, nd, nd2;
	long h, m = 0;

	if (q >= end || !is_digit(*q))
		return -1;
	h = read_num(&q, end, &nd);
	if (nd == 4) {
		m = h % 100;
		h /= 100;
	} else if (nd <= 2) {
		if (q + 1 < end && *q == ':' && is_digit(q[1])) {
			q++;
			m = read_num(&q, end, &nd2);
		}
	} else {
		return -1;
	}
	if (h > 14 || m > 59)
		return -1;
	*z_r = sign * (int)(h * 60 + m);
	*p = q;
	return 0;
}

struct dstate {
	long nums[6];
	int ndig[6];
	int nnum;
	long grp[3]; /* a/b/c numeric date */
	int grp_nd0, grp_have;
	char grp_sep;
	int year, mon, day, hour, min, sec;
	int ampm; /* -1 none, 0 AM, 1 PM */
	int zone, have_zone;
};

static void
on_word(struct dstate *d, const char *w, size_t n, const char **p, const char *end,
	const char *lang)
{
	int m;

	/* "AM", "PM", "a.m.", "p.m." after a time */
	if (fwd_eq_fold(w, n, "am") || fwd_eq_fold(w, n, "pm") ||
	    ((fwd_eq_fold(w, n, "a") || fwd_eq_fold(w, n, "p")) && *p + 1 < end && (*p)[0] == '.' &&
	     ((*p)[1] == 'm' || (*p)[1] == 'M'))) {
		if (d->hour >= 0)
			d->ampm = (w[0] == 'p' || w[0] == 'P') ? 1 : 0;
		return;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (!fwd_eq_fold(w, n, zones[i].name))
			continue;
		if (!d->have_zone) {
			int z = 0;

			d->zone = zones[i].minutes;
			if (i < 3 && *p < end && (**p == '+' || **p == '-') &&
			    read_offset(p, end, &z) == 0)
				d->zone = z;
			d->have_zone = 1;
		}
		return;
	}
	m = month_lookup(w, n, lang);
	if (m > 0)
		d->mon = m; /* the last month word wins: "mar, 26 oct" */
}

static void
on_number(struct dstate *d, long a, int nda, const char **p, const char *end)
{
	const char *q = *p;

	/* time: H:MM[:SS] or H.MM[.SS] */
	if (d->hour < 0 && nda <= 2 && q + 2 < end && (*q == ':' || *q == '.') && is_digit(q[1]) &&
	    is_digit(q[2]) && (q + 3 >= end || !is_digit(q[3]))) {
		const char *r = q + 1;
		int ndb, ndc = 0;
		long b = read_num(&r, end, &ndb), c = -1;

		if (r + 1 < end && *r == *q && is_digit(r[1])) {
			const char *s2 = r + 1;

			c = read_num(&s2, end, &ndc);
			/* "14.25.08" is a time, but "20.11.26 09:14" a date */
			if (ndc == 2 && a <= 23 && b <= 59 && c <= 60 &&
			    (*q == ':' || memchr(s2, ':', (size_t)(end - s2)) == NULL)) {
				d->hour = (int)a;
				d->min = (int)b;
				d->sec = (int)c;
				*p = s2;
				return;
			}
		} else if (a <= 23 && b <= 59 &&
			   (*q == ':' || r >= end || *r != '.' || r + 1 >= end ||
			    !is_digit(r[1]))) {
			d->hour = (int)a;
			d->min = (int)b;
			d->sec = 0;
			*p = r;
			return;
		}
	}
	/* numeric date: a/b/c, a-b-c, a.b.c */
	if (!d->grp_have && q + 1 < end && (*q == '/' || *q == '-' || *q == '.') &&
	    is_digit(q[1])) {
		const char *r = q + 1;
		int ndb, ndc;
		long b = read_num(&r, end, &ndb);

		if (r + 1 < end && *r == *q && is_digit(r[1])) {
			const char *s2 = r + 1;
			long c = read_num(&s2, end, &ndc);

			d->grp[0] = a;
			d->grp[1] = b;
			d->grp[2] = c;
			d->grp_nd0 = nda;
			d->grp_sep = *q;
			d->grp_have = 1;
			*p = s2;
			return;
		}
	}
	/* 2022年9月19日 */
	if (q + 3 <= end && memcmp(q, "年", 3) == 0) {
		d->year = (int)a;
		*p = q + 3;
		return;
	}
	if (q + 3 <= end && memcmp(q, "月", 3) == 0) {
		d->mon = (int)a;
		*p = q + 3;
		return;
	}
	if (q + 3 <= end && memcmp(q, "日", 3) == 0) {
		d->day = (int)a;
		*p = q + 3;
		return;
	}
	if (d->nnum < 6) {
		d->nums[d->nnum] = a;
		d->ndig[d->nnum] = nda;
		d->nnum++;
	}
}

static int
days_in(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int
finish(struct dstate *d, int64_t *t_r)
{
	if (d->grp_have) {
		long a = d->grp[0], b = d->grp[1], c = d->grp[2];

		if (d->grp_nd0 == 4) {
			d->year = (int)a, d->mon = (int)b, d->day = (int)c;
		} else {
			if ((d->grp_sep == '/' && d->ampm >= 0 && a <= 12) || (b > 12 && a <= 12)) {
				long x = a;
				a = b;
				b = x;
			}
			d->day = (int)a, d->mon = (int)b, d->year = (int)c;
			if (d->year < 100)
				d->year += 2000;
		}
	} else {
		int yi = -1;

		for (int i = 0; i < d->nnum && d->year < 0; i++) {
			if (d->ndig[i] == 4) {
				d->year = (int)d->nums[i];
				yi = i;
			}
		}
		for (int i = 0; i < d->nnum; i++) {
			if (i == yi || d->nums[i] < 1 || d->nums[i] > 31)
				continue;
			if (d->mon < 0 && d->day < 0 && yi >= 0 && yi < i && d->nums[i] <= 12) {
				d->mon = (int)d->nums[i]; /* 2021. 10. 27. */
				continue;
			}
			if (d->day < 0) {
				d->day = (int)d->nums[i];
				continue;
			}
			if (d->mon < 0 && d->nums[i] <= 12)
				d->mon = (int)d->nums[i]; /* 27. 10. 2021 */
		}
	}
	if (d->year < 1970 || d->year > 2200 || d->mon < 1 || d->mon > 12 || d->day < 1 ||
	    d->day > days_in(d->year, d->mon))
		return -1;
	if (d->hour < 0)
		d->hour = 0, d->min = 0, d->sec = 0;
	if (d->ampm == 1 && d->hour < 12)
		d->hour += 12;
	else if (d->ampm == 0 && d->hour == 12)
		d->hour = 0;
	*t_r =
	    time_from_utc(d->year, d->mon, d->day, d->hour, d->min, d->sec) - (int64_t)d->zone * 60;
	return 0;
}

int
fwd_parse_date_lang(const char *text, size_t n, const char *lang, int64_t *t_r)
{
	struct dstate d;
	const char *p = text, *end;

	*t_r = 0;
	if (text == NULL)
		return -1;
	if (n > FWD_MAX_DATE)
		n = FWD_MAX_DATE;
	end = text + n;
	memset(&d, 0, sizeof(d));
	d.year = d.mon = d.day = d.hour = -1;
	d.ampm = -1;
	while (p < end) {
		size_t k;

		if (is_digit(*p)) {
			int nd;
			long a = read_num(&p, end, &nd);

			on_number(&d, a, nd, &p, end);
		} else if ((*p == '+' || *p == '-') && p + 1 < end && is_digit(p[1]) &&
			   (p == text || p[-1] == ' ') && d.hour >= 0 && !d.have_zone) {
			int z;

			if (read_offset(&p, end, &z) == 0) {
				d.zone = z;
				d.have_zone = 1;
			} else {
				p++;
			}
		} else if (word_char(p, end, &k)) {
			const char *w = p;

			while (p < end && word_char(p, end, &k))
				p += k;
			on_word(&d, w, (size_t)(p - w), &p, end, lang);
		} else {
			utf8_next(&p, end);
		}
	}
	return finish(&d, t_r);
}

int
forward_parse_date(const char *text, int64_t *t_r)
{
	if (text == NULL) {
		*t_r = 0;
		return -1;
	}
	return fwd_parse_date_lang(text, strnlen(text, FWD_MAX_DATE), NULL, t_r);
}
