/*
 * bounce.c - a delivery notice read as text (see bounce.h).
 *
 * The text is taken line by line.  A first pass finds the header blocks
 * quoted in it: runs of "Name: value" lines (with continuation lines,
 * quote marks and a common indent allowed) holding a Message-ID or two of
 * From, To, Subject and Date.  A block whose From is a robot is the
 * notice's own header block (an inline forward shows it); the others are
 * the original's.  A second pass takes the recipients: an address counts
 * when its line says something about delivery (a status or reply code, a
 * failure word, "RCPT TO", "rfc822;") or comes under a heading that
 * announces recipients ("The following address(es) failed:"); addresses
 * inside the original's quoted headers, robots, the original's sender and
 * Message-IDs never count.
 *
 * SECURITY: the text is anyone's.  Each line is looked at a bounded number
 * of times (at most BOUNCE_MAX_INPUT bytes, LINE_MAX_LOOK bytes of a line
 * for the word tests), nothing is kept but capped copies, and every list
 * stops at its cap.
 */
#include "responder/forward/bounce.h"
#include "responder/forward/forward.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/subject.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LOOK 1000 /* bytes of a line searched for words */
#define FIELD_MAX 1000	   /* bytes of a quoted header value */
#define DIAG_MAX 200	   /* bytes of a diagnostic line */
#define HEADING_REACH 8	   /* lines under a heading whose addresses count */

struct line {
	const char *s;
	size_t n;
};

/* ---- small helpers ------------------------------------------------------ */

#define WORDS_MAX 255 /* words in one list (the longest here has 42) */

/* A list of words (ASCII, any case; NULL ends the list) and its index:
 * the words chained by their first byte, lower case.  Every list of this
 * file has one, built once for all (words_init, at the end of the file). */
struct words {
	const char *const *list;
	const char *const *list2; /* NULL, or a second list read in the same pass */
	size_t shortest;	  /* (size_t)-1: the lists are empty */
	size_t n;		  /* words in both */
	const char *word[WORDS_MAX];
	unsigned char head[256]; /* 1 + the last word beginning with the byte; 0: none */
	unsigned char next[WORDS_MAX];
	unsigned char bit[WORDS_MAX]; /* 1: from list, 2: from list2 */
	unsigned short len[WORDS_MAX];
};

static pthread_once_t words_once = PTHREAD_ONCE_INIT;
static void words_init(void);

static void
words_add(struct words *w, const char *const *list, unsigned char bit)
{
	for (size_t k = 0; list != NULL && list[k] != NULL; k++) {
		size_t wl = strlen(list[k]);
		int c = tolower((unsigned char)list[k][0]);

		/* lists of this file too long, or an empty word: a
		 * programming error */
		if (w->n == WORDS_MAX || wl == 0 || wl >= LINE_MAX_LOOK)
			abort();
		w->word[w->n] = list[k];
		w->len[w->n] = (unsigned short)wl;
		w->bit[w->n] = bit;
		w->next[w->n] = w->head[c];
		w->head[c] = (unsigned char)(w->n + 1);
		w->n++;
		if (wl < w->shortest)
			w->shortest = wl;
	}
}

static void
words_index(struct words *w)
{
	w->shortest = (size_t)-1;
	w->n = 0;
	memset(w->head, 0, sizeof(w->head));
	words_add(w, w->list, 1);
	words_add(w, w->list2, 2);
}

/* Which lists of `w` have a word in s[0..n) (bit 1: list, bit 2:
 * list2), looking at the first LINE_MAX_LOOK bytes and stopping once every
 * bit of `want` is found.  The line is read once: a position is tried
 * only for the words that begin with its byte, the second byte before the
 * rest.  A scan of the whole line for each of dozens of words, over every
 * line, was most of the time spent on a forwarded bounce; building the
 * index at every call (a strlen of every word, for every line) was most
 * of what was left (docs/fuzzing.md). */
static unsigned
has_which(const char *s, size_t n, const struct words *w, unsigned want)
{
	unsigned found = 0;

	(void)pthread_once(&words_once, words_init);
	if (n > LINE_MAX_LOOK)
		n = LINE_MAX_LOOK;
	for (size_t i = 0; w->shortest != (size_t)-1 && i + w->shortest <= n; i++) {
		for (unsigned k = w->head[tolower((unsigned char)s[i])]; k != 0;
		     k = w->next[k - 1]) {
			const char *word = w->word[k - 1];
			size_t wl = w->len[k - 1];

			if ((found & w->bit[k - 1]) == 0 && i + wl <= n &&
			    (wl == 1 ||
			     (tolower((unsigned char)s[i + 1]) == tolower((unsigned char)word[1]) &&
			      strncasecmp(s + i + 2, word + 2, wl - 2) == 0))) {
				found |= w->bit[k - 1];
				if ((found & want) == want)
					return found;
			}
		}
	}
	return found;
}

/* 1 when s[0..n) contains one of the words of w's list. */
static int
has_any(const char *s, size_t n, const struct words *w)
{
	return has_which(s, n, w, 1) != 0;
}

static char *
copy_trim(const char *s, size_t n, size_t cap)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > cap)
		n = cap;
	return n ? xstrndup(s, n) : NULL;
}

/* Splits text into at most `max` lines (the rest is not looked at). */
static size_t
split_lines(const char *text, struct line *v, size_t max)
{
	size_t n = 0, len = strnlen(text, BOUNCE_MAX_INPUT);
	const char *p = text, *end = text + len;

	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		v[n].s = p;
		v[n].n = l && p[l - 1] == '\r' ? l - 1 : l;
		n++;
		p += l + (nl ? 1 : 0);
	}
	return n;
}

static size_t
count_lines(const char *text)
{
	size_t n = 1, len = strnlen(text, BOUNCE_MAX_INPUT);

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static int
blank(const struct line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->s[i] != ' ' && l->s[i] != '\t')
			return 0;
	return 1;
}

static int
local_char(unsigned char c)
{
	return isalnum(c) || strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

static int
domain_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* The next address in s[*pos..n): its span; 0 when none.  *pos moves past
 * it.  An address is local@domain with a dot in the domain. */
static int
next_address(const char *s, size_t n, size_t *pos, size_t *a_r, size_t *len_r)
{
	for (size_t i = *pos; i < n; i++) {
		size_t a, e;

		if (s[i] != '@')
			continue;
		a = i;
		while (a > 0 && local_char((unsigned char)s[a - 1]))
			a--;
		while (a < i && (s[a] == '.' || s[a] == '\''))
			a++;
		e = i + 1;
		while (e < n && domain_char((unsigned char)s[e]))
			e++;
		while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		*pos = e > i + 1 ? e : i + 1;
		if (a == i || e == i + 1 || memchr(s + i + 1, '.', e - i - 1) == NULL)
			continue;
		*a_r = a;
		*len_r = e - a;
		return 1;
	}
	*pos = n;
	return 0;
}

/* A lower-case, valid copy of an address span, or NULL. */
static char *
address_of(const char *s, size_t n)
{
	char *a;

	if (n > 254)
		return NULL;
	a = xstrndup(s, n);
	str_lower(a);
	if (!addr_valid(a)) {
		free(a);
		return NULL;
	}
	return a;
}

int
bounce_robot_address(const char *addr)
{
	static const char *const robots[] = {
		"mailer-daemon", "postmaster",	"post_master", "mail-daemon", "maildaemon",
		"mailerdaemon",	 "mail.daemon", "mdaemon",     "mmdf",	      "smtp",
		"mailer",	 "daemon",	"bounce",      "bounces",     NULL,
	};
	const char *at = addr ? strchr(addr, '@') : NULL;

	if (at == NULL)
		return 0;
	for (size_t i = 0; robots[i] != NULL; i++)
		if ((size_t)(at - addr) == strlen(robots[i]) &&
		    strncasecmp(addr, robots[i], strlen(robots[i])) == 0)
			return 1;
	return 0;
}

/* "5.1.1" at s (not inside a longer number), its length; 0 if none. */
static size_t
enhanced_at(const char *s, size_t n, size_t i)
{
	size_t j = i, parts = 0;

	if (i > 0 && (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		return 0;
	if (j >= n || (s[j] != '2' && s[j] != '4' && s[j] != '5'))
		return 0;
	j++;
	while (parts < 2) {
		size_t d = 0;

		if (j >= n || s[j] != '.')
			return 0;
		j++;
		while (j < n && isdigit((unsigned char)s[j]) && d < 3) {
			j++;
			d++;
		}
		if (d == 0)
			return 0;
		parts++;
	}
	if (j < n && (isdigit((unsigned char)s[j]) ||
		      (s[j] == '.' && j + 1 < n && isdigit((unsigned char)s[j + 1]))))
		return 0;
	return j - i;
}

/* The status a line states: an enhanced code, else "5.0.0"/"4.0.0" for
 * an SMTP reply code of that class.  NULL when none. */
static char *
line_status(const char *s, size_t n)
{
	if (n > LINE_MAX_LOOK)
		n = LINE_MAX_LOOK;
	for (size_t i = 0; i < n; i++) {
		size_t k = enhanced_at(s, n, i);

		if (k > 0)
			return xstrndup(s + i, k);
	}
	for (size_t i = 0; i + 3 <= n; i++)
		if ((s[i] == '4' || s[i] == '5') && isdigit((unsigned char)s[i + 1]) &&
		    isdigit((unsigned char)s[i + 2]) &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
		    (i + 3 == n || !isalnum((unsigned char)s[i + 3])) && s[i + 1] <= '5')
			return xstrdup(s[i] == '4' ? "4.0.0" : "5.0.0");
	return NULL;
}

static int
has_status(const char *s, size_t n)
{
	char *st = line_status(s, n);

	free(st);
	return st != NULL;
}

static struct bounce_rcpt *
rcpt_get(struct bounce *b, const char *addr)
{
	for (size_t i = 0; i < b->n_rcpts; i++)
		if (strcmp(b->rcpts[i].address, addr) == 0)
			return &b->rcpts[i];
	if (b->n_rcpts >= BOUNCE_MAX_RCPTS)
		return NULL;
	memset(&b->rcpts[b->n_rcpts], 0, sizeof(b->rcpts[0]));
	b->rcpts[b->n_rcpts].address = xstrdup(addr);
	b->rcpts[b->n_rcpts].action = b->delayed ? BOUNCE_DELAYED : BOUNCE_FAILED;
	return &b->rcpts[b->n_rcpts++];
}

/* ---- what reads as a notice ---------------------------------------------- */

static const char *const notice_subjects[] = {
	"undeliver",
	"undelivered",
	"delivery status notification",
	"delivery notification",
	"delivery status",
	"delivery report",
	"delivery failure",
	"delivery failed",
	"delivery has failed",
	"delivery problem",
	"mail delivery",
	"returned mail",
	"returning message",
	"failure notice",
	"non-deliver",
	"nondeliver",
	"not delivered",
	"could not be delivered",
	"mail system error",
	"unzustellbar",
	"nicht zugestellt",
	"non remis",
	"non recapitabile",
	"no se pudo entregar",
	"onbestelbaar",
	"niedostarczalna",
	"warning: message",
	"delayed mail",
	"delivery delayed",
	"delivery incomplete",
	"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", /* エラー */
	"\xe9\x85\x8d\xe4\xbf\xa1",		/* 配信 */
	"postmaster notify",
	NULL,
};
static struct words notice_subjects_w = { .list = notice_subjects };

static const char *const notice_phrases[] = {
	"could not be delivered",
	"couldn't be delivered",
	"could not deliver",
	"cannot be delivered",
	"can't be delivered",
	"was not delivered",
	"wasn't delivered",
	"not been delivered",
	"undeliverable",
	"unable to deliver",
	"delivery has failed",
	"delivery to the following",
	"delivery failed",
	"failed permanently",
	"permanent error",
	"permanent fatal error",
	"following address",
	"following recipient",
	"delivery problems",
	"message could not be sent",
	"could not be sent",
	"mail delivery software",
	"this is the mail system at host",
	"qmail-send program",
	"returned mail",
	"non-delivery",
	"nondelivery",
	"delivery status notification",
	"user unknown",
	"unknown user",
	"no such user",
	"mailbox unavailable",
	"recipient address rejected",
	"message non-deliverable",
	"is delayed",
	"has been delayed",
	"not yet been delivered",
	"will retry",
	"still trying",
	"will continue trying",
	"delivery incomplete",
	"final-recipient:",
	NULL,
};
static struct words notice_phrases_w = { .list = notice_phrases };

static const char *const delay_phrases[] = {
	"is delayed",
	"has been delayed",
	"been delayed",
	"delayed for",
	"not yet been delivered",
	"has not been delivered yet",
	"not yet delivered",
	"will retry",
	"will continue to try",
	"still trying",
	"delivery incomplete",
	"temporary failure report",
	"this is only a warning",
	"warning: message",
	"do not need to re-send",
	"do not need to resend",
	NULL,
};

static const char *const final_phrases[] = {
	"failed permanently",
	"permanent error",
	"permanent fatal",
	"will not continue trying",
	"giving up",
	"gave up",
	"undeliverable",
	"user unknown",
	"unknown user",
	"no such user",
	NULL,
};
/* both lists in one pass over a line: bit 1 a delay, bit 2 a final failure */
static struct words delay_final_w = { .list = delay_phrases, .list2 = final_phrases };

int
bounce_looks_like(const char *subject, const char *text)
{
	if (subject != NULL) {
		const char *s = subject_strip_prefixes(subject);

		if (has_any(s, strlen(s), &notice_subjects_w))
			return 1;
	}
	if (text != NULL) {
		size_t len = strnlen(text, BOUNCE_MAX_INPUT), pos = 0;

		while (pos < len) {
			const char *nl = memchr(text + pos, '\n', len - pos);
			size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

			if (has_any(text + pos, l, &notice_phrases_w))
				return 1;
			pos += l + 1;
		}
	}
	return 0;
}

/* ---- quoted header blocks ------------------------------------------------ */

/* The header name at the start of a line (after blanks and '>'): its span
 * and the start of the value; 0 when the line is not "Name: value". */
static int
header_line(const struct line *l, const char **name_r, size_t *nlen_r, size_t *val_r)
{
	size_t i = 0, s;

	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t' || l->s[i] == '>'))
		i++;
	s = i;
	while (i < l->n && i - s <= 40 && (isalnum((unsigned char)l->s[i]) || l->s[i] == '-'))
		i++;
	if (i == s || i >= l->n || l->s[i] != ':' || !isalpha((unsigned char)l->s[s]))
		return 0;
	*name_r = l->s + s;
	*nlen_r = i - s;
	*val_r = i + 1;
	return 1;
}

static int
name_is(const char *name, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(name, w, n) == 0;
}

enum qfield { Q_NONE, Q_FROM, Q_TO, Q_CC, Q_SUBJECT, Q_DATE, Q_MSGID };

static enum qfield
qfield_of(const char *name, size_t n)
{
	if (name_is(name, n, "From"))
		return Q_FROM;
	if (name_is(name, n, "To"))
		return Q_TO;
	if (name_is(name, n, "Cc"))
		return Q_CC;
	if (name_is(name, n, "Subject"))
		return Q_SUBJECT;
	if (name_is(name, n, "Date"))
		return Q_DATE;
	if (name_is(name, n, "Message-ID") || name_is(name, n, "Message-Id"))
		return Q_MSGID;
	return Q_NONE;
}

/* One block being read: the value of each field (first one wins). */
struct qblock {
	size_t start, end; /* lines */
	struct buf val[Q_MSGID + 1];
	int have[Q_MSGID + 1];
	int fields; /* header lines of any name */
};

static void
qblock_init(struct qblock *q, size_t start)
{
	memset(q, 0, sizeof(*q));
	q->start = start;
	for (int f = 0; f <= Q_MSGID; f++)
		buf_init(&q->val[f], FIELD_MAX);
}

static void
qblock_free(struct qblock *q)
{
	for (int f = 0; f <= Q_MSGID; f++)
		buf_free(&q->val[f]);
}

/* A header block: two of From, To, Subject, Date, or a Message-ID among
 * other header lines (a lone "Message-ID: x" line is only text). */
static int
qblock_counts(const struct qblock *q)
{
	int keys = q->have[Q_FROM] + q->have[Q_TO] + q->have[Q_SUBJECT] + q->have[Q_DATE];

	return keys >= 2 || (q->have[Q_MSGID] && q->fields >= 2);
}

/* "<id>" of a Message-ID value, or NULL. */
static char *
msgid_of(const char *v)
{
	const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	struct buf b;
	size_t n;

	if (lt && gt && gt - lt > 2 && memchr(lt, '@', (size_t)(gt - lt)) != NULL) {
		for (const char *p = lt + 1; p < gt; p++)
			if (*p == ' ' || *p == '\t' || *p == '<')
				return NULL;
		return xstrndup(lt, (size_t)(gt - lt + 1));
	}
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t;,()<>\"");
	if (n < 3 || n > 250 || memchr(v, '@', n) == NULL)
		return NULL;
	buf_init(&b, 260);
	buf_putc(&b, '<');
	buf_append(&b, v, n);
	buf_putc(&b, '>');
	return buf_steal(&b, NULL);
}

static char *
first_address(const char *v)
{
	size_t pos = 0, a, n, len = strlen(v);

	while (next_address(v, len, &pos, &a, &n)) {
		char *addr = address_of(v + a, n);

		if (addr)
			return addr;
	}
	return NULL;
}

/* Turns a block into b->quoted[] (the original's) or, when its From is a
 * robot, leaves it (the notice's own header).  1 when kept as quoted. */
static int
qblock_keep(struct bounce *b, struct qblock *q, const char *self)
{
	struct bounce_quoted *o;
	char *from = q->have[Q_FROM] ? first_address(buf_cstr(&q->val[Q_FROM])) : NULL;
	char *mid = q->have[Q_MSGID] ? msgid_of(buf_cstr(&q->val[Q_MSGID])) : NULL;

	if ((from && bounce_robot_address(from)) || (mid && self && strcmp(mid, self) == 0) ||
	    b->n_quoted >= BOUNCE_MAX_QUOTED) {
		free(from);
		free(mid);
		return 0;
	}
	o = &b->quoted[b->n_quoted++];
	memset(o, 0, sizeof(*o));
	o->from = from;
	o->message_id = mid;
	if (q->have[Q_TO]) {
		const char *v = buf_cstr(&q->val[Q_TO]);
		size_t pos = 0, a, n, len = strlen(v);

		while (o->n_to < BOUNCE_MAX_TO && next_address(v, len, &pos, &a, &n)) {
			char *addr = address_of(v + a, n);

			if (addr)
				o->to[o->n_to++] = addr;
		}
	}
	if (q->have[Q_SUBJECT])
		o->subject = copy_trim(q->val[Q_SUBJECT].data, q->val[Q_SUBJECT].len, FIELD_MAX);
	if (q->have[Q_DATE] && forward_parse_date(buf_cstr(&q->val[Q_DATE]), &o->date) != 0)
		o->date = 0;
	return 1;
}

/* Marks in[] the lines of the original's quoted header blocks. */
static void
find_quoted(struct bounce *b, const struct line *v, size_t n, const char *self, char *in)
{
	size_t i = 0;

	while (i < n) {
		const char *name;
		size_t nl, val;
		struct qblock q;
		enum qfield cur = Q_NONE;

		if (!header_line(&v[i], &name, &nl, &val)) {
			i++;
			continue;
		}
		qblock_init(&q, i);
		for (; i < n && !blank(&v[i]); i++) {
			if (header_line(&v[i], &name, &nl, &val)) {
				q.fields++;
				cur = qfield_of(name, nl);
				if (cur != Q_NONE && q.have[cur])
					cur = Q_NONE; /* the first one counts */
				if (cur != Q_NONE) {
					q.have[cur] = 1;
					buf_append(&q.val[cur], v[i].s + val, v[i].n - val);
				}
			} else if (v[i].s[0] == ' ' || v[i].s[0] == '\t') {
				if (cur != Q_NONE) {
					buf_putc(&q.val[cur], ' ');
					buf_append(&q.val[cur], v[i].s, v[i].n);
				}
			} else {
				break;
			}
		}
		q.end = i;
		if (qblock_counts(&q) && qblock_keep(b, &q, self))
			memset(in + q.start, 1, q.end - q.start);
		qblock_free(&q);
	}
}

/* ---- recipients named in the text --------------------------------------- */

static const char *const rcpt_words[] = {
	"fail",	     "unknown",	 "reject",    "rcpt",	     "recipient", "addressed to",
	"could not", "couldn't", "undeliver", "not deliver", "no such",	  "invalid",
	"unable",    "error",	 "refused",   "denied",	     "not exist", "doesn't exist",
	"not found", "quota",	 "full",      "expired",     "delayed",	  "unavailable",
	"rfc822;",   "said:",	 "reason",    "problem",     "blocked",	  "disabled",
	"inactive",  "bounce",	 "timed out", "deferred",    "temporar",  "connect",
	NULL,
};
static struct words rcpt_words_w = { .list = rcpt_words };

/* "<a@b>:" or "a@b:" opening a line: Postfix and qmail list a failed
 * recipient so. */
static int
address_leads(const struct line *l)
{
	size_t i = 0, pos, a, len;

	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	pos = i;
	if (!next_address(l->s, l->n, &pos, &a, &len) || (a != i && a != i + 1))
		return 0;
	if (a == i + 1 && l->s[i] != '<')
		return 0;
	if (a == i + 1 && (a + len >= l->n || l->s[a + len] != '>'))
		return 0;
	pos = a + len + (a == i + 1);
	return pos < l->n && l->s[pos] == ':';
}

static const char *const heading_words[] = {
	"following address",
	"following recipient",
	"following destination",
	"list of recipients",
	"addresses failed",
	"address(es) failed",
	"recipients failed",
	"had permanent",
	"had transient",
	"delivery problems",
	"could not be delivered to",
	"couldn't be delivered to",
	NULL,
};
static struct words heading_words_w = { .list = heading_words };

static const char *const not_rcpt_words[] = {
	"message-id", "message id", "msgid", "in-reply-to", "references:", "id <", "id=<", NULL,
};
static struct words not_rcpt_words_w = { .list = not_rcpt_words };

/* Adds the recipients of line i (a status from it or the next two lines). */
static void
take_line(struct bounce *b, const struct line *v, size_t n, size_t i, const char *self)
{
	size_t pos = 0, a, len;

	if (has_any(v[i].s, v[i].n, &not_rcpt_words_w))
		return;
	while (next_address(v[i].s, v[i].n, &pos, &a, &len)) {
		char *addr = address_of(v[i].s + a, len);
		struct bounce_rcpt *r;
		int skip = addr == NULL || bounce_robot_address(addr);

		for (size_t k = 0; !skip && k < b->n_quoted; k++)
			skip = b->quoted[k].from && strcmp(b->quoted[k].from, addr) == 0;
		if (!skip && self && strlen(self) == len + 2 &&
		    strncasecmp(self + 1, v[i].s + a, len) == 0)
			skip = 1;
		if (skip || (r = rcpt_get(b, addr)) == NULL) {
			free(addr);
			continue;
		}
		free(addr);
		for (size_t k = i; k < n && k < i + 3 && !r->status; k++) {
			if (k > i && blank(&v[k]))
				break;
			r->status = line_status(v[k].s, v[k].n);
			if (r->status && !r->diagnostic)
				r->diagnostic = copy_trim(v[k].s, v[k].n, DIAG_MAX);
		}
		if (!r->diagnostic)
			r->diagnostic = copy_trim(v[i].s, v[i].n, DIAG_MAX);
	}
}

void
bounce_read_text(struct bounce *b, const char *text, const char *self)
{
	struct line *v;
	char *in;
	size_t n, under = 0;
	int delay = 0, final = 0;

	if (text == NULL)
		return;
	n = count_lines(text);
	v = xcalloc(n, sizeof(*v));
	n = split_lines(text, v, n);
	in = xcalloc(n ? n : 1, 1);
	find_quoted(b, v, n, self, in);
	/* only a notice without recipients so far can turn out delayed, and
	 * one final phrase anywhere settles it */
	for (size_t i = 0; i < n && b->n_rcpts == 0 && !final; i++) {
		unsigned f = has_which(v[i].s, v[i].n, &delay_final_w, delay ? 2 : 3);

		delay |= (f & 1) != 0;
		final = (f & 2) != 0;
	}
	if (delay && !final && b->n_rcpts == 0)
		b->delayed = 1;
	/* a heading's reach ends at its list's end: a blank line after an
	 * address, a separator, or the quoted original */
	for (size_t i = 0, listed = 0; i < n; i++) {
		if (in[i] || (v[i].n > 2 && v[i].s[0] == '-' && v[i].s[1] == '-') ||
		    (listed && blank(&v[i]))) {
			under = listed = 0;
			continue;
		}
		if (memchr(v[i].s, '@', v[i].n) == NULL) {
			if (has_any(v[i].s, v[i].n, &heading_words_w))
				under = HEADING_REACH;
			else if (under > 0 && !blank(&v[i]))
				under--;
			continue;
		}
		if (under > 0 || has_any(v[i].s, v[i].n, &rcpt_words_w) ||
		    has_status(v[i].s, v[i].n) || address_leads(&v[i]))
			take_line(b, v, n, i, self);
		if (under > 0) {
			under--;
			listed = 1;
		}
	}
	for (size_t i = 0; i < n && !b->reporting_mta; i++) {
		/* Postfix: "This is the mail system at host mx.example.net." */
		static const char lead[] = "mail system at host ";
		size_t ll = sizeof(lead) - 1;

		for (size_t k = 0; k + ll < v[i].n && k < LINE_MAX_LOOK; k++)
			if (tolower((unsigned char)v[i].s[k]) == lead[0] &&
			    strncasecmp(v[i].s + k, lead, ll) == 0) {
				size_t s = k + ll, e = s;

				while (e < v[i].n && domain_char((unsigned char)v[i].s[e]))
					e++;
				while (e > s && v[i].s[e - 1] == '.')
					e--;
				if (e > s)
					b->reporting_mta = xstrndup(v[i].s + s, e - s);
				break;
			}
	}
	free(in);
	free(v);
}

/* ---- delivery-status fields ---------------------------------------------- */

/* The value after "Name:" and an optional "type;" ("rfc822;", "dns;",
 * "smtp;"), trimmed, with continuation lines joined. */
static char *
dsn_value(const struct line *v, size_t n, size_t i, size_t val, int typed, size_t cap)
{
	struct buf b;
	const char *s = v[i].s + val;
	size_t len = v[i].n - val;
	char *out;

	if (typed) {
		const char *semi = memchr(s, ';', len);

		if (semi != NULL) {
			len -= (size_t)(semi + 1 - s);
			s = semi + 1;
		}
	}
	buf_init(&b, cap + 1);
	buf_append(&b, s, len < cap ? len : cap);
	for (size_t k = i + 1; k < n && (v[k].s[0] == ' ' || v[k].s[0] == '\t') && !blank(&v[k]);
	     k++) {
		const char *c = v[k].s;
		size_t cn = v[k].n;

		while (cn > 0 && (*c == ' ' || *c == '\t')) {
			c++;
			cn--;
		}
		while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
			b.len--;
		buf_putc(&b, ' ');
		if (buf_append(&b, c, cn) != 0)
			break;
	}
	out = copy_trim(b.data ? b.data : "", b.len, cap);
	buf_free(&b);
	return out;
}

void
bounce_read_dsn(struct bounce *b, const char *dsn)
{
	struct line *v;
	size_t n;
	struct bounce_rcpt *cur = NULL;
	size_t actions = 0, delays = 0;

	if (dsn == NULL)
		return;
	n = count_lines(dsn);
	v = xcalloc(n, sizeof(*v));
	n = split_lines(dsn, v, n);
	for (size_t i = 0; i < n; i++) {
		const char *name;
		size_t nl, val;
		char *x;

		if (blank(&v[i])) {
			cur = NULL;
			continue;
		}
		if (!header_line(&v[i], &name, &nl, &val) || v[i].s[0] == ' ' || v[i].s[0] == '\t')
			continue;
		if (name_is(name, nl, "Reporting-MTA") && !b->reporting_mta) {
			b->reporting_mta = dsn_value(v, n, i, val, 1, 255);
		} else if (name_is(name, nl, "Final-Recipient") ||
			   name_is(name, nl, "Original-Recipient")) {
			x = dsn_value(v, n, i, val, 1, 255);
			if (x != NULL) {
				char *a = addr_normalize(x);

				if (a && addr_valid(a) && !bounce_robot_address(a)) {
					struct bounce_rcpt *r = rcpt_get(b, a);

					if (cur == NULL || name_is(name, nl, "Final-Recipient"))
						cur = r;
				}
				free(a);
			}
			free(x);
		} else if (cur != NULL && name_is(name, nl, "Action")) {
			x = dsn_value(v, n, i, val, 0, 40);
			actions += x != NULL;
			delays += x && strncasecmp(x, "delayed", 7) == 0;
			if (x && strncasecmp(x, "delayed", 7) == 0)
				cur->action = BOUNCE_DELAYED;
			else if (x && (strncasecmp(x, "delivered", 9) == 0 ||
				       strncasecmp(x, "relayed", 7) == 0 ||
				       strncasecmp(x, "expanded", 8) == 0))
				cur->action = BOUNCE_DELIVERED;
			else if (x)
				cur->action = BOUNCE_FAILED;
			free(x);
		} else if (cur != NULL && name_is(name, nl, "Status")) {
			x = dsn_value(v, n, i, val, 0, 40);
			if (x) {
				x[strcspn(x, " \t(")] = '\0';
				if (enhanced_status_valid(x)) {
					free(cur->status);
					cur->status = x;
					x = NULL;
				}
			}
			free(x);
		} else if (cur != NULL && name_is(name, nl, "Diagnostic-Code")) {
			free(cur->diagnostic);
			cur->diagnostic = dsn_value(v, n, i, val, 1, DIAG_MAX);
		}
	}
	if (actions > 0)
		b->delayed = delays == actions;
	free(v);
}

void
bounce_read_failed(struct bounce *b, const char *list)
{
	size_t pos = 0, a, n, len;

	if (list == NULL)
		return;
	len = strnlen(list, 4096);
	while (next_address(list, len, &pos, &a, &n)) {
		char *addr = address_of(list + a, n);

		if (addr && !bounce_robot_address(addr))
			(void)rcpt_get(b, addr);
		free(addr);
	}
}

const char *
bounce_action_name(enum bounce_action a)
{
	switch (a) {
	case BOUNCE_FAILED:
		return "failed";
	case BOUNCE_DELAYED:
		return "delayed";
	case BOUNCE_DELIVERED:
		return "delivered";
	}
	return "failed";
}

void
bounce_free(struct bounce *b)
{
	if (b == NULL)
		return;
	free(b->reporting_mta);
	for (size_t i = 0; i < b->n_rcpts; i++) {
		free(b->rcpts[i].address);
		free(b->rcpts[i].status);
		free(b->rcpts[i].diagnostic);
	}
	for (size_t i = 0; i < b->n_quoted; i++) {
		struct bounce_quoted *q = &b->quoted[i];

		free(q->message_id);
		free(q->from);
		for (size_t k = 0; k < q->n_to; k++)
			free(q->to[k]);
		free(q->subject);
	}
	memset(b, 0, sizeof(*b));
}

static void
words_init(void)
{
	static struct words *const all[] = {
		&notice_subjects_w, &notice_phrases_w, &delay_final_w,
		&rcpt_words_w,	    &heading_words_w,  &not_rcpt_words_w,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		words_index(all[i]);
}
