/*
 * reason.c - one delivery attempt -> one reason of the DESIGN.md list.
 *
 * The attempt's status decides the family (delivered, deferred, bounced);
 * within the family the tables of reason_tables.c vote: the enhanced status
 * code (given, or read from the text), the basic reply code and the text
 * patterns each add one weighted vote and the heaviest wins (reason.h).
 * The winner is then fitted to the family: a deferred attempt is never
 * "expired" or "other", a bounced one never "deferred" or "greylisted".
 *
 * SECURITY: the reply text comes from a remote server and is hostile.  Only
 * its first REASON_TEXT_MAX bytes are read, into a fixed buffer on the
 * stack; matching is bounded (table size x text size, gaps capped); nothing
 * is allocated and nothing is written outside the caller's struct but the
 * rules' byte pairs, worked out once from the tables (pairs_init).
 */
#include "responder/reason/reason.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

static const char *const reason_names[REASON_COUNT] = {
	"delivered",	   "deferred",		"greylisted",  "user_unknown",	"host_unknown",
	"mailbox_full",	   "message_too_large", "blocklisted", "spam_detected", "auth_failure",
	"policy_rejected", "rate_limited",	"suspended",   "relay_denied",	"network_error",
	"tls_failure",	   "expired",		"other",
};

const char *
reason_name(enum reason r)
{
	return (unsigned)r < REASON_COUNT ? reason_names[r] : "other";
}

int
reason_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < REASON_COUNT; i++)
		if (strcmp(name, reason_names[i]) == 0)
			return i;
	return -1;
}

/* Lower case, control characters and runs of white space squeezed into one
 * space, at most REASON_TEXT_MAX bytes.  Returns the length. */
static size_t
normalise(const char *text, char *out, size_t outsize)
{
	size_t n = 0, seen = 0;
	int space = 1;

	for (const unsigned char *p = (const unsigned char *)text;
	     *p && seen < REASON_TEXT_MAX && n + 1 < outsize; p++, seen++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			if (!space)
				out[n++] = ' ';
			space = 1;
			continue;
		}
		out[n++] = (char)tolower(*p);
		space = 0;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

/* Is this token (no spaces) a host name, an address or a URL?  Host names
 * have two or more dots between letters or digits ("antispam.example.net",
 * "mx.spf.example.org[192.0.2.1]:25"); a single dot is too often a missing
 * space after a full stop. */
static int
is_name_token(const char *t, size_t n)
{
	int dots = 0;

	if (memchr(t, '@', n) || memmem(t, n, "://", 3))
		return 1;
	for (size_t i = 1; i + 1 < n; i++)
		if (t[i] == '.' && isalnum((unsigned char)t[i - 1]) &&
		    isalpha((unsigned char)t[i + 1]))
			dots++;
	return dots >= 2;
}

static int
is_name_char(int c)
{
	return isalnum(c) || (c && strchr(".-_@:/%?=&+~#", c) != NULL);
}

/* The normalised text with host names, addresses and URLs cut out (the
 * spaces and brackets around them stay), so that a server called
 * "antispam.example.net" or "spf1.example.org" does not look like a spam or
 * SPF verdict.  Returns the length. */
static size_t
words_only(const char *norm, size_t len, char *out)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;

		if (!is_name_char((unsigned char)norm[i])) {
			out[n++] = norm[i++];
			continue;
		}
		while (j < len && is_name_char((unsigned char)norm[j]))
			j++;
		if (!is_name_token(norm + i, j - i)) {
			memcpy(out + n, norm + i, j - i);
			n += j - i;
		}
		i = j;
	}
	out[n] = '\0';
	return n;
}

/* Which byte pairs occur in the text: a rule whose pattern has a pair the
 * text lacks cannot match, and most rules are ruled out this way without
 * searching (a classification costs a few microseconds, not a hundred). */
struct bigrams {
	uint64_t bits[65536 / 64];
};

static void
bigrams_add(struct bigrams *bg, const char *t, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned k = (unsigned)(unsigned char)t[i] << 8 | (unsigned char)t[i + 1];

		bg->bits[k >> 6] |= (uint64_t)1 << (k & 63);
	}
}

static int
bigrams_may_match(const struct bigrams *bg, const char *pat)
{
	for (size_t i = 0; pat[i] && pat[i + 1]; i++) {
		unsigned k;

		if (pat[i] == '*' || pat[i + 1] == '*')
			continue;
		k = (unsigned)(unsigned char)pat[i] << 8 | (unsigned char)pat[i + 1];
		if (!(bg->bits[k >> 6] & ((uint64_t)1 << (k & 63))))
			return 0;
	}
	return 1;
}

/* Each text rule's byte pairs ('*' gaps left out), worked out once per
 * process: reading every pattern again byte by byte at each
 * classification, for its pairs, was most of the time of one (the
 * fuzz_reason target, which classifies every input three times).  The
 * pairs of rule i are pairs[rule_first[i] .. rule_first[i + 1]).  Fixed arrays,
 * nothing allocated; tables too large for them keep the byte-by-byte
 * test (pairs_ready stays 0). */
#define PAIRS_MAX 16384
#define RULES_MAX 1024

static uint16_t pairs[PAIRS_MAX];
static uint16_t rule_first[RULES_MAX + 1];
static int pairs_ready;
static pthread_once_t pairs_once = PTHREAD_ONCE_INIT;

static void
pairs_init(void)
{
	size_t k = 0;

	if (reason_n_text_rules > RULES_MAX)
		return;
	for (size_t i = 0; i < reason_n_text_rules; i++) {
		const char *pat = reason_text_rules[i].pattern;

		rule_first[i] = (uint16_t)k;
		for (size_t j = 0; pat[j] && pat[j + 1]; j++) {
			if (pat[j] == '*' || pat[j + 1] == '*')
				continue;
			if (k == PAIRS_MAX)
				return;
			pairs[k++] = (uint16_t)((unsigned)(unsigned char)pat[j] << 8 |
						(unsigned char)pat[j + 1]);
		}
	}
	rule_first[reason_n_text_rules] = (uint16_t)k;
	pairs_ready = 1;
}

/* bigrams_may_match() for rule i, from its pairs worked out once. */
static int
rule_may_match(const struct bigrams *bg, size_t i)
{
	if (!pairs_ready)
		return bigrams_may_match(bg, reason_text_rules[i].pattern);
	for (unsigned j = rule_first[i]; j < rule_first[i + 1]; j++) {
		unsigned k = pairs[j];

		if (!(bg->bits[k >> 6] & ((uint64_t)1 << (k & 63))))
			return 0;
	}
	return 1;
}

/* Does `pat` ('*' = gap of at most REASON_GAP_MAX) occur in text[0..len)? */
static int
pattern_match(const char *text, size_t len, const char *pat)
{
	const char *star = strchr(pat, '*');
	size_t first = star ? (size_t)(star - pat) : strlen(pat);
	const char *from = text, *end = text + len;

	for (;;) {
		const char *hit = memmem(from, (size_t)(end - from), pat, first);
		const char *pos, *frag;
		int ok = 1;

		if (hit == NULL)
			return 0;
		if (star == NULL)
			return 1;
		pos = hit + first;
		frag = star + 1;
		while (ok && *frag) {
			const char *next = strchr(frag, '*');
			size_t flen = next ? (size_t)(next - frag) : strlen(frag);
			size_t window = (size_t)(end - pos);
			const char *h2;

			if (window > REASON_GAP_MAX + flen)
				window = REASON_GAP_MAX + flen;
			h2 = flen ? memmem(pos, window, frag, flen) : pos;
			if (h2 == NULL)
				ok = 0;
			else
				pos = h2 + flen;
			frag = next ? next + 1 : frag + flen;
		}
		if (ok)
			return 1;
		from = hit + 1;
	}
}

static int
is_code_sep_before(const char *text, const char *p)
{
	return p == text || strchr(" \t\r\n[('\"#:<,;=", p[-1]) != NULL;
}

/* "550-5.7.26": an enhanced code right after a continued reply code. */
static int
after_reply_code(const char *text, const char *p)
{
	return p - text >= 4 && p[-1] == '-' && isdigit((unsigned char)p[-2]) &&
	       isdigit((unsigned char)p[-3]) && isdigit((unsigned char)p[-4]);
}

/* "d.ddd.ddd" at p with sane borders; returns its length or 0. */
static size_t
enhanced_at(const char *text, const char *p)
{
	size_t i = 1, k;

	if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
		return 0;
	if (!is_code_sep_before(text, p) && !after_reply_code(text, p))
		return 0;
	for (int part = 0; part < 2; part++) {
		if (p[i] != '.')
			return 0;
		i++;
		for (k = 0; k < 3 && isdigit((unsigned char)p[i]); k++)
			i++;
		if (k == 0 || isdigit((unsigned char)p[i]))
			return 0;
	}
	if (p[i] == '.' && isdigit((unsigned char)p[i + 1]))
		return 0; /* a version or an IP address */
	if (isalpha((unsigned char)p[i]))
		return 0;
	return i;
}

/* "ddd" reply code at p; returns the code or 0.  Of the 2xx codes only
 * those that end a transaction (250-252) count: "X-Unix; 255" is an exit
 * status, "220" a greeting. */
static int
smtp_code_at(const char *text, const char *p)
{
	if ((*p != '2' && *p != '4' && *p != '5') || p[1] < '0' || p[1] > '5' ||
	    !isdigit((unsigned char)p[2]))
		return 0;
	if (*p == '2' && (p[1] != '5' || p[2] > '2'))
		return 0;
	if (!is_code_sep_before(text, p))
		return 0;
	if (p[3] != '\0' && strchr(" \t\r\n-:,;)", p[3]) == NULL)
		return 0;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

void
reason_parse_codes(const char *text, int *smtp_code_r, char *enhanced_r, size_t enhanced_len)
{
	const char *first_enh = NULL, *match_enh = NULL, *p;
	size_t first_len = 0, match_len = 0;
	int code = 0;

	if (enhanced_r && enhanced_len)
		enhanced_r[0] = '\0';
	if (smtp_code_r)
		*smtp_code_r = 0;
	if (text == NULL)
		return;
	/* The reply code: the first failure code, else the first success. */
	for (p = text; *p && p - text < REASON_TEXT_MAX; p++) {
		int c = smtp_code_at(text, p);

		if (c >= 400) {
			code = c;
			break;
		}
		if (c && code == 0)
			code = c;
	}
	/* The enhanced code: the first of the reply code's class, else the first. */
	for (p = text; *p && p - text < REASON_TEXT_MAX; p++) {
		size_t n = enhanced_at(text, p);

		if (n == 0)
			continue;
		if (first_enh == NULL) {
			first_enh = p;
			first_len = n;
		}
		if (code && *p - '0' == code / 100) {
			match_enh = p;
			match_len = n;
			break;
		}
		p += n - 1;
	}
	if (match_enh == NULL) {
		match_enh = first_enh;
		match_len = first_len;
	}
	if (smtp_code_r)
		*smtp_code_r = code;
	if (match_enh && enhanced_r && enhanced_len > match_len) {
		memcpy(enhanced_r, match_enh, match_len);
		enhanced_r[match_len] = '\0';
	}
}

/* A well-formed enhanced code given by the caller, else "". */
static void
clean_enhanced(const char *in, char *out, size_t outsize)
{
	size_t n;

	out[0] = '\0';
	if (in == NULL)
		return;
	while (*in == ' ')
		in++;
	n = enhanced_at(in, in);
	if (n > 0 && n < outsize && (in[n] == '\0' || in[n] == ' ')) {
		memcpy(out, in, n);
		out[n] = '\0';
	}
}

/* "x.1.1" / "5.7.6*" / "5.7.26" against a code like "5.7.26".  A final
 * '*' stands for one or more further characters. */
static int
code_rule_match(const char *rule, const char *code)
{
	size_t rl = strlen(rule);

	if (rule[0] != 'x' && rule[0] != code[0])
		return 0;
	if (rule[rl - 1] == '*')
		return strlen(code) > rl - 1 && strncmp(rule + 1, code + 1, rl - 2) == 0;
	return strcmp(rule + 1, code + 1) == 0;
}

/* The heaviest vote per reason, and when it came (earlier wins ties). */
struct votes {
	int weight[REASON_COUNT];
	int rank[REASON_COUNT];
	int next_rank;
};

static void
cast(struct votes *v, enum reason r, int weight)
{
	if (weight > v->weight[r]) {
		v->weight[r] = weight;
		v->rank[r] = v->next_rank++;
	}
}

/* The winning reason among those with a bit in `allowed`, with at least
 * `min_weight`; -1 when none. */
static int
winner(const struct votes *v, unsigned allowed, int min_weight)
{
	int best = -1;

	for (int r = 0; r < REASON_COUNT; r++) {
		if (!(allowed & (1u << r)) || v->weight[r] < min_weight || v->weight[r] == 0)
			continue;
		if (best < 0 || v->weight[r] > v->weight[best] ||
		    (v->weight[r] == v->weight[best] && v->rank[r] < v->rank[best]))
			best = r;
	}
	return best;
}

static void
vote_code(struct votes *v, const char *enhanced)
{
	if (enhanced[0] != '4' && enhanced[0] != '5')
		return;
	for (size_t i = 0; i < reason_n_code_rules; i++) {
		if (code_rule_match(reason_code_rules[i].code, enhanced)) {
			cast(v, reason_code_rules[i].reason, reason_code_rules[i].weight);
			return;
		}
	}
}

static void
vote_smtp(struct votes *v, int code)
{
	for (size_t i = 0; i < reason_n_smtp_rules; i++) {
		if (reason_smtp_rules[i].code == code) {
			cast(v, reason_smtp_rules[i].reason, REASON_W_BASIC);
			return;
		}
	}
}

/* norm: the whole normalised text; words: the same without names (most
 * rules look there; REASON_F_NAMES rules look at the whole text). */
static void
vote_text(struct votes *v, const char *norm, size_t len, const char *words, size_t wlen,
	  const char *enhanced)
{
	struct bigrams bg; /* 8 KiB, like the text buffers: reentrant */

	/* both texts: a superset of the pairs of either, so never a false "no" */
	(void)pthread_once(&pairs_once, pairs_init);
	memset(&bg, 0, sizeof(bg));
	bigrams_add(&bg, norm, len);
	bigrams_add(&bg, words, wlen);
	for (size_t i = 0; i < reason_n_text_rules; i++) {
		const struct reason_text_rule *r = &reason_text_rules[i];
		int names = (r->flags & REASON_F_NAMES) != 0;

		if (r->weight <= v->weight[r->reason])
			continue; /* cannot change anything */
		if (!rule_may_match(&bg, i))
			continue;
		if (r->code && !(enhanced[0] && strncmp(enhanced, r->code, strlen(r->code)) == 0))
			continue;
		if (pattern_match(names ? norm : words, names ? len : wlen, r->pattern))
			cast(v, r->reason, r->weight);
	}
}

enum family { FAM_UNKNOWN, FAM_DELIVERED, FAM_DEFERRED, FAM_BOUNCED };

static enum family
family_of_class(int c)
{
	return c == 2 ? FAM_DELIVERED : c == 4 ? FAM_DEFERRED : c == 5 ? FAM_BOUNCED : FAM_UNKNOWN;
}

#define BIT(r) (1u << (r))
#define ALL_REASONS (BIT(REASON_COUNT) - 1)

/* Fits the votes to the attempt's family (see reason.h).  temp_code: the
 * reply code is a 4xx one. */
static enum reason
decide(enum family fam, const struct votes *v, int temp_code)
{
	int r = winner(v, ALL_REASONS, 1);

	switch (fam) {
	case FAM_DELIVERED:
		return REASON_DELIVERED;
	case FAM_DEFERRED:
		if (r < 0 || r == REASON_DELIVERED || r == REASON_OTHER)
			return REASON_DEFERRED;
		if (r == REASON_EXPIRED) {
			/* "expired ... connection timed out" while still queued:
			 * the cause is what the recipient's side can act on. */
			r = winner(v,
				   ALL_REASONS & ~(BIT(REASON_DELIVERED) | BIT(REASON_OTHER) |
						   BIT(REASON_EXPIRED) | BIT(REASON_DEFERRED)),
				   REASON_W_GENERAL);
			return r < 0 ? REASON_DEFERRED : (enum reason)r;
		}
		return (enum reason)r;
	case FAM_BOUNCED:
		if (r < 0 || r == REASON_DELIVERED)
			return REASON_OTHER;
		/* Retried until the queue lifetime ran out, or refused for good. */
		if (r == REASON_DEFERRED)
			return temp_code ? REASON_EXPIRED : REASON_OTHER;
		if (r == REASON_GREYLISTED)
			return temp_code ? REASON_EXPIRED : REASON_POLICY_REJECTED;
		return (enum reason)r;
	case FAM_UNKNOWN:
	default:
		return r < 0 ? REASON_OTHER : (enum reason)r;
	}
}

void
reason_classify(const char *status, int smtp_code, const char *enhanced, const char *text,
		const char *mx_host, struct classification *out)
{
	char norm[REASON_TEXT_MAX + 1], words[REASON_TEXT_MAX + 1], enh[16], text_enh[16];
	struct votes votes;
	enum family fam = FAM_UNKNOWN;
	int text_code = 0, code, klass;
	size_t len = 0, wlen;

	memset(out, 0, sizeof(*out));
	memset(&votes, 0, sizeof(votes));
	reason_parse_codes(text, &text_code, text_enh, sizeof(text_enh));
	clean_enhanced(enhanced, enh, sizeof(enh));
	if (enh[0] == '\0')
		memcpy(enh, text_enh, sizeof(enh));
	code = smtp_code >= 200 && smtp_code <= 599 ? smtp_code : text_code;
	klass = code ? code / 100 : enh[0] ? enh[0] - '0' : 0;

	if (status && strcmp(status, "delivered") == 0)
		fam = FAM_DELIVERED;
	else if (status && strcmp(status, "deferred") == 0)
		fam = FAM_DEFERRED;
	else if (status && strcmp(status, "bounced") == 0)
		fam = FAM_BOUNCED;
	else
		fam = family_of_class(klass);

	if (text)
		len = normalise(text, norm, sizeof(norm));
	if (fam != FAM_DELIVERED) {
		if (enh[0])
			vote_code(&votes, enh);
		if (code)
			vote_smtp(&votes, code);
		if (text) {
			wlen = words_only(norm, len, words);
			vote_text(&votes, norm, len, words, wlen, enh);
		}
	}
	out->reason = decide(fam, &votes, klass == 4);

	out->provider = reason_provider_of_mx(mx_host);
	if (out->provider == NULL && text)
		out->provider = reason_provider_of_lowered(norm, len);
	out->provider_name = reason_provider_name(out->provider);
	if (out->reason == REASON_DELIVERED && text)
		reason_remote_queue_id(text, out->remote_queue_id, sizeof(out->remote_queue_id));
}
