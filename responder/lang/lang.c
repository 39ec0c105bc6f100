/*
 * lang.c - language codes, detection by Content-Language and by words,
 * dates per language, and the words of a follow-up (see lang.h).
 *
 * Text is compared folded: ASCII and the Latin capitals these languages
 * use (Latin-1, Polish) lower-cased, the typographic apostrophe made
 * ASCII.  Folding works on a bounded copy (LANG_SCAN bytes), so a long
 * complaint costs no more than its first pages.
 *
 * SECURITY: all input is complaint text.  Nothing is allocated; every loop
 * is bounded by the copy's length.
 */
#include "responder/lang/lang.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LANG_SCAN 8192 /* bytes of a text looked at */

const char *
lang_code(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return "en";
	case LANG_DE:
		return "de";
	case LANG_FR:
		return "fr";
	case LANG_ES:
		return "es";
	case LANG_IT:
		return "it";
	case LANG_NL:
		return "nl";
	case LANG_PT:
		return "pt";
	case LANG_PL:
		return "pl";
	}
	return "en";
}

const char *
lang_name(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return "English";
	case LANG_DE:
		return "Deutsch";
	case LANG_FR:
		return "Français";
	case LANG_ES:
		return "Español";
	case LANG_IT:
		return "Italiano";
	case LANG_NL:
		return "Nederlands";
	case LANG_PT:
		return "Português";
	case LANG_PL:
		return "Polski";
	}
	return "English";
}

int
lang_parse(const char *tag, enum lang *l_r)
{
	char c[3];

	if (!tag)
		return -1;
	while (*tag == ' ' || *tag == '\t')
		tag++;
	if (!tag[0] || !tag[1])
		return -1;
	if (tag[2] != '\0' && tag[2] != '-' && tag[2] != '_' && tag[2] != ' ' && tag[2] != ',' &&
	    tag[2] != ';')
		return -1;
	c[0] = (char)(tag[0] | 0x20);
	c[1] = (char)(tag[1] | 0x20);
	c[2] = '\0';
	for (int i = 0; i < LANG_COUNT; i++) {
		if (strcmp(c, lang_code((enum lang)i)) == 0) {
			*l_r = (enum lang)i;
			return 0;
		}
	}
	return -1;
}

int
lang_from_content_language(const char *value, enum lang *l_r)
{
	const char *p = value;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p && lang_parse(p, l_r) == 0)
			return 0;
		p = strchr(p, ',');
	}
	return -1;
}

/* ---- folding ------------------------------------------------------------ */

/* Copies at most size-1 bytes of text folded (see the top) into out. */
static size_t
fold(const char *text, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = 0;

	while (*p && n + 4 < size) {
		unsigned char a = p[0], b = p[1];

		if (a >= 'A' && a <= 'Z') {
			out[n++] = (char)(a + 32);
			p++;
		} else if (a == 0xC3 && b >= 0x80 && b <= 0x9E && b != 0x97) {
			out[n++] = (char)a;
			out[n++] = (char)(b + 0x20);
			p += 2;
		} else if ((a == 0xC4 && (b == 0x84 || b == 0x86 || b == 0x98)) ||
			   (a == 0xC5 &&
			    (b == 0x81 || b == 0x83 || b == 0x9A || b == 0xB9 || b == 0xBB))) {
			/* Ą Ć Ę Ł Ń Ś Ź Ż */
			out[n++] = (char)a;
			out[n++] = (char)(b + 1);
			p += 2;
		} else if (a == 0xE2 && b == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
			out[n++] = '\'';
			p += 3;
		} else if (a == '\n' || a == '\r' || a == '\t') {
			out[n++] = ' ';
			p++;
		} else {
			out[n++] = (char)a;
			p++;
		}
	}
	out[n] = '\0';
	return n;
}

static int
letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* ---- words -------------------------------------------------------------- */

struct lang_words {
	enum lang lang;
	const char *const *words;
};

/* Frequent words that are rare in the other seven languages; a word two
 * languages share counts for both. */
/* clang-format off */
static const char *const words_en[] = {
	"the", "and", "is", "was", "not", "did", "have", "has", "you", "your", "please", "received",
	"never", "got", "this", "that", "our", "with", "from", "could", "it", "of", "to", "my", "we",
	"they", "hello", "thanks", "customer", "email", "mail", "sent", "but", NULL,
};
static const char *const words_de[] = {
	"der", "die", "das", "und", "ist", "nicht", "ich", "wir", "sie", "mein", "meine", "unser",
	"unsere", "wurde", "bitte", "nachricht", "habe", "hat", "kunde", "kunden", "empfänger",
	"erhalten", "angekommen", "keine", "eine", "ein", "mit", "von", "auf", "für", "noch", "hallo",
	"danke", "guten", "tag", "leider", "nie", "diese", "wurden", NULL,
};
static const char *const words_fr[] = {
	"le", "la", "les", "et", "est", "pas", "je", "nous", "mon", "ma", "mes", "notre", "été",
	"reçu", "merci", "bonjour", "vous", "une", "des", "du", "au", "avec", "pour", "qui", "client",
	"cliente", "jamais", "n'a", "ne", "il", "elle", "ce", "message", "courriel", NULL,
};
static const char *const words_es[] = {
	"el", "los", "las", "y", "es", "mi", "mis", "nuestro", "nuestra", "mensaje", "correo",
	"recibido", "recibió", "gracias", "hola", "que", "una", "del", "con", "por", "para", "cliente",
	"nunca", "ha", "lo", "llegado", "llegó", "enviamos", "envié", "favor", NULL,
};
static const char *const words_it[] = {
	"il", "lo", "gli", "e", "è", "non", "mio", "mia", "nostro", "nostra", "messaggio", "ricevuto",
	"grazie", "buongiorno", "che", "della", "del", "una", "con", "per", "cliente", "mai", "ha",
	"abbiamo", "inviato", "arrivato", "salve", "ciao", NULL,
};
static const char *const words_nl[] = {
	"de", "het", "een", "en", "is", "niet", "mijn", "ons", "onze", "bericht", "ontvangen",
	"bedankt", "geen", "van", "dat", "wij", "hij", "zij", "klant", "nooit", "heeft", "met", "voor",
	"hallo", "goedendag", "aangekomen", "verstuurd", "alstublieft", NULL,
};
static const char *const words_pt[] = {
	"o", "os", "as", "e", "é", "não", "meu", "minha", "nosso", "nossa", "mensagem", "recebeu",
	"recebido", "obrigado", "obrigada", "olá", "que", "um", "uma", "do", "da", "com", "por",
	"para", "cliente", "nunca", "chegou", "enviei", "enviamos", "bom", "dia", NULL,
};
static const char *const words_pl[] = {
	"i", "w", "nie", "jest", "mój", "moja", "moje", "nasz", "nasza", "wiadomość", "wiadomości",
	"otrzymał", "otrzymała", "dziękuję", "dzień", "dobry", "się", "że", "na", "z", "do", "klient",
	"klienta", "nigdy", "czy", "to", "została", "został", "wysłałem", "wysłaliśmy", NULL,
};
static const struct lang_words word_lists[] = {
	{ LANG_EN, words_en }, { LANG_DE, words_de }, { LANG_FR, words_fr },
	{ LANG_ES, words_es }, { LANG_IT, words_it }, { LANG_NL, words_nl },
	{ LANG_PT, words_pt }, { LANG_PL, words_pl },
};
/* clang-format on */

/* The words of every list in one table, built once: each word with the
 * lists (bits, by position in word_lists) that hold it.  Open addressing,
 * at most a quarter full. */
#define WORD_SLOTS 1024
struct word_slot {
	const char *w; /* NULL: free */
	size_t len;
	unsigned lists;
};
static struct word_slot word_table[WORD_SLOTS];
static pthread_once_t word_table_once = PTHREAD_ONCE_INIT;

static size_t
word_hash(const char *w, size_t n)
{
	size_t h = 5381;

	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)w[i];
	return h & (WORD_SLOTS - 1);
}

static void
word_table_build(void)
{
	for (size_t k = 0; k < sizeof(word_lists) / sizeof(word_lists[0]); k++) {
		for (const char *const *l = word_lists[k].words; *l; l++) {
			size_t n = strlen(*l), h = word_hash(*l, n);

			while (word_table[h].w &&
			       !(word_table[h].len == n && memcmp(word_table[h].w, *l, n) == 0))
				h = (h + 1) & (WORD_SLOTS - 1);
			word_table[h].w = *l;
			word_table[h].len = n;
			word_table[h].lists |= 1u << k;
		}
	}
}

/* The lists that hold the word w[0..n), as bits. */
static unsigned
word_lists_of(const char *w, size_t n)
{
	size_t h = word_hash(w, n);

	for (; word_table[h].w; h = (h + 1) & (WORD_SLOTS - 1))
		if (word_table[h].len == n && memcmp(word_table[h].w, w, n) == 0)
			return word_table[h].lists;
	return 0;
}

int
lang_from_words(const char *text, enum lang *l_r)
{
	char buf[LANG_SCAN];
	int score[LANG_COUNT] = { 0 }, best = -1, second = 0;
	size_t n, i = 0;

	if (!text)
		return -1;
	pthread_once(&word_table_once, word_table_build);
	n = fold(text, buf, sizeof(buf));
	while (i < n) {
		size_t start;
		unsigned lists;

		while (i < n && !letter((unsigned char)buf[i]))
			i++;
		start = i;
		while (i < n && (letter((unsigned char)buf[i]) || buf[i] == '\''))
			i++;
		if (i == start || i - start > 24)
			continue;
		lists = word_lists_of(buf + start, i - start);
		for (size_t k = 0; lists && k < sizeof(word_lists) / sizeof(word_lists[0]); k++)
			if (lists & (1u << k))
				score[word_lists[k].lang]++;
	}
	for (int k = 0; k < LANG_COUNT; k++) {
		if (best < 0 || score[k] > score[best]) {
			if (best >= 0)
				second = score[best];
			best = k;
		} else if (score[k] > second) {
			second = score[k];
		}
	}
	/* Two words at least, and a lead: one shared word decides nothing. */
	if (best < 0 || score[best] < 2 || score[best] < second + 2)
		return -1;
	*l_r = (enum lang)best;
	return 0;
}

/* ---- dates -------------------------------------------------------------- */

/* clang-format off */
static const char *const months_de[12] = { "Januar", "Februar", "März", "April", "Mai", "Juni",
	"Juli", "August", "September", "Oktober", "November", "Dezember" };
static const char *const months_fr[12] = { "janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre" };
static const char *const months_es[12] = { "enero", "febrero", "marzo", "abril", "mayo", "junio",
	"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre" };
static const char *const months_it[12] = { "gennaio", "febbraio", "marzo", "aprile", "maggio",
	"giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre" };
static const char *const months_nl[12] = { "januari", "februari", "maart", "april", "mei", "juni",
	"juli", "augustus", "september", "oktober", "november", "december" };
static const char *const months_pt[12] = { "janeiro", "fevereiro", "março", "abril", "maio",
	"junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro" };
/* Polish dates take the month in the genitive. */
static const char *const months_pl[12] = { "stycznia", "lutego", "marca", "kwietnia", "maja",
	"czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia" };
/* clang-format on */

static const char *
unknown_time(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return "unknown time";
	case LANG_DE:
		return "unbekannte Zeit";
	case LANG_FR:
		return "heure inconnue";
	case LANG_ES:
		return "hora desconocida";
	case LANG_IT:
		return "ora sconosciuta";
	case LANG_NL:
		return "onbekend tijdstip";
	case LANG_PT:
		return "hora desconhecida";
	case LANG_PL:
		return "nieznany czas";
	}
	return "unknown time";
}

void
lang_human_time(enum lang l, int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int d, y, hh, mm, m;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(out, size, "%s", unknown_time(l));
		return;
	}
	d = tm.tm_mday;
	m = tm.tm_mon;
	y = tm.tm_year + 1900;
	hh = tm.tm_hour;
	mm = tm.tm_min;
	switch (l) {
	case LANG_EN:
		snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", y, m + 1, d, hh, mm,
			 tm.tm_sec);
		return;
	case LANG_DE:
		snprintf(out, size, "%d. %s %d, %02d:%02d UTC", d, months_de[m], y, hh, mm);
		return;
	case LANG_FR:
		snprintf(out, size, "%d%s %s %d à %02d:%02d UTC", d, d == 1 ? "er" : "",
			 months_fr[m], y, hh, mm);
		return;
	case LANG_ES:
		snprintf(out, size, "%d de %s de %d, %02d:%02d UTC", d, months_es[m], y, hh, mm);
		return;
	case LANG_IT:
		snprintf(out, size, "%d%s %s %d, %02d:%02d UTC", d, d == 1 ? "°" : "", months_it[m],
			 y, hh, mm);
		return;
	case LANG_NL:
		snprintf(out, size, "%d %s %d, %02d:%02d UTC", d, months_nl[m], y, hh, mm);
		return;
	case LANG_PT:
		snprintf(out, size, "%d%s de %s de %d, %02d:%02d UTC", d, d == 1 ? "º" : "",
			 months_pt[m], y, hh, mm);
		return;
	case LANG_PL:
		snprintf(out, size, "%d %s %d, %02d:%02d UTC", d, months_pl[m], y, hh, mm);
		return;
	}
	snprintf(out, size, "%s", unknown_time(l));
}

/* ---- follow-up words ---------------------------------------------------- */

struct ordinal {
	const char *stem; /* a word that starts with it (ordinals decline) */
	int n;
	int exact; /* 1: the whole word only */
};

/* clang-format off */
static const struct ordinal ordinals[] = {
	/* en */
	{ "first", 1, 1 }, { "second", 2, 1 }, { "third", 3, 1 }, { "fourth", 4, 1 },
	{ "fifth", 5, 1 }, { "1st", 1, 1 }, { "2nd", 2, 1 }, { "3rd", 3, 1 }, { "4th", 4, 1 },
	{ "5th", 5, 1 },
	/* de */
	{ "erste", 1, 0 }, { "zweite", 2, 0 }, { "dritte", 3, 0 }, { "vierte", 4, 0 },
	{ "fünfte", 5, 0 },
	/* fr */
	{ "premier", 1, 0 }, { "première", 1, 0 }, { "deuxième", 2, 0 }, { "seconde", 2, 1 },
	{ "troisième", 3, 0 }, { "quatrième", 4, 0 }, { "cinquième", 5, 0 },
	/* es, pt, it (shared stems first) */
	{ "primer", 1, 0 }, { "segund", 2, 0 }, { "tercer", 3, 0 }, { "cuart", 4, 0 },
	{ "quint", 5, 0 }, { "primeir", 1, 0 }, { "terceir", 3, 0 }, { "quarto", 4, 1 },
	{ "quarta", 4, 1 }, { "primo", 1, 1 }, { "prima", 1, 1 }, { "secondo", 2, 1 },
	{ "seconda", 2, 1 }, { "terzo", 3, 1 }, { "terza", 3, 1 },
	/* nl */
	{ "eerste", 1, 1 }, { "tweede", 2, 1 }, { "derde", 3, 1 }, { "vierde", 4, 1 },
	{ "vijfde", 5, 1 },
	/* pl */
	{ "pierwsz", 1, 0 }, { "drugi", 2, 1 }, { "druga", 2, 1 }, { "drugie", 2, 1 },
	{ "drugą", 2, 1 }, { "trzeci", 3, 0 }, { "czwart", 4, 0 }, { "piąt", 5, 0 },
};
/* clang-format on */

int
lang_ordinal(const char *word, size_t n)
{
	char w[64];
	size_t k, wl;

	if (!word || n == 0 || n >= sizeof(w))
		return 0;
	memcpy(w, word, n);
	w[n] = '\0';
	{
		char f[64];

		wl = fold(w, f, sizeof(f));
		memcpy(w, f, wl + 1);
	}
	for (k = 0; k < sizeof(ordinals) / sizeof(ordinals[0]); k++) {
		size_t sl = strlen(ordinals[k].stem);

		if (ordinals[k].exact ?
			(sl == wl && memcmp(w, ordinals[k].stem, sl) == 0) :
			(wl >= sl && wl <= sl + 3 && memcmp(w, ordinals[k].stem, sl) == 0))
			return ordinals[k].n;
	}
	return 0;
}

/* clang-format off */
static const char *const still_missing[] = {
	/* en */
	"still not", "not there", "still hasn't", "still haven't", "still no ", "not arrived",
	"hasn't arrived", "didn't arrive", "did not arrive", "not received", "didn't receive",
	"did not receive", "checked spam", "checked their spam", "checked the spam",
	"checked his spam", "checked her spam", "checked junk", "not in spam", "not in their spam",
	"can't find", "cannot find", "can not find", "still missing", "never got",
	/* de */
	"immer noch nicht", "noch immer nicht", "nicht angekommen", "nicht erhalten",
	"spam geprüft", "spam-ordner", "spamordner", "im spam nachgesehen", "nicht gefunden",
	"nicht da", "nie angekommen", "kein eingang",
	/* fr */
	"toujours pas", "pas reçu", "n'a pas reçu", "vérifié les spams", "vérifié ses spams",
	"vérifié le dossier", "dossier spam", "courrier indésirable", "introuvable", "pas arrivé",
	"rien reçu",
	/* es */
	"sigue sin", "todavía no", "aún no", "no ha llegado", "no llegó", "no lo ha recibido",
	"no ha recibido", "revisado el spam", "revisó el spam", "carpeta de spam", "no aparece",
	"no lo encuentra",
	/* it */
	"ancora non", "non ancora", "non è arrivato", "non ha ricevuto", "controllato lo spam",
	"cartella spam", "posta indesiderata", "non lo trova", "non è mai arrivato",
	/* nl */
	"nog steeds niet", "nog niet", "niet aangekomen", "niet ontvangen", "spam gecontroleerd",
	"spammap", "spam-map", "ongewenste e-mail", "kan het niet vinden", "nooit aangekomen",
	/* pt */
	"ainda não", "continua sem", "não chegou", "não recebeu", "verificou o spam",
	"verificaram o spam", "pasta de spam", "lixo eletrônico", "lixo eletrónico", "não encontra",
	/* pl */
	"nadal nie", "wciąż nie", "dalej nie", "nie dotarła", "nie dotarł", "nie otrzymał",
	"sprawdził spam", "sprawdziła spam", "sprawdzili spam", "folder spam", "nie może znaleźć",
	NULL,
};
static const char *const thanks[] = {
	"thank", "thx", "danke", "vielen dank", "merci", "gracias", "grazie", "bedankt", "dank je",
	"dank u", "obrigad", "dziękuj", "dzięki", NULL,
};
/* clang-format on */

static int
contains_any(const char *folded, const char *const *list)
{
	for (; *list; list++)
		if (strstr(folded, *list))
			return 1;
	return 0;
}

int
lang_says_still_missing(const char *text)
{
	char buf[LANG_SCAN];

	if (!text)
		return 0;
	fold(text, buf, sizeof(buf));
	return contains_any(buf, still_missing);
}

int
lang_is_thanks_only(const char *text)
{
	char buf[LANG_SCAN];
	size_t n;

	if (!text)
		return 0;
	n = fold(text, buf, sizeof(buf));
	return n < 160 && contains_any(buf, thanks) && !contains_any(buf, still_missing);
}

/* clang-format off */
static const char *const quote_intros[] = {
	"-----original message-----", "----- original message -----", "ursprüngliche nachricht",
	"message d'origine", "mensaje original", "messaggio originale", "oorspronkelijk bericht",
	"mensagem original", "oryginalna wiadomość", "wiadomość oryginalna", NULL,
};
/* The verb of "On <date>, <name> wrote:" lines ("Am ... schrieb Name:"). */
static const char *const wrote[] = {
	"wrote", "schrieb", "a écrit", "escribió", "ha scritto", "schreef", "escreveu", "napisał",
	NULL,
};
/* clang-format on */

int
lang_is_quote_intro(const char *line, size_t n)
{
	char l[1024], f[1024];
	size_t fl;

	if (!line || n == 0)
		return 0;
	if (n >= sizeof(l))
		n = sizeof(l) - 1;
	memcpy(l, line, n);
	l[n] = '\0';
	fl = fold(l, f, sizeof(f));
	while (fl > 0 && (f[fl - 1] == ' ' || f[fl - 1] == '\r'))
		f[--fl] = '\0';
	if (contains_any(f, quote_intros))
		return 1;
	if (fl == 0 || f[fl - 1] != ':')
		return 0;
	for (const char *const *w = wrote; *w; w++) {
		const char *hit = strstr(f, *w);
		size_t wl = strlen(*w);

		if (hit && (hit == f || hit[-1] == ' ') && !letter((unsigned char)hit[wl]))
			return 1;
	}
	return 0;
}
