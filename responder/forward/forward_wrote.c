/*
 * forward_wrote.c - the one-line quote header that Outlook 2019 (and many
 * clients for replies) writes instead of a header block:
 *   On 28/10/2021 12:46, "John Doe" <john.doe@acme.com> wrote:
 *   Le 28/10/2021 12:46, « John Doe » <john.doe@acme.com> a écrit :
 *   28/10/2021 12:46 időpontban John Doe (john.doe@acme.com) ezt írta:
 *   John Doe <john.doe@acme.com> skrev følgende den 28/10/2021, 12:46:
 * It yields the sender (name and address) and the date; the caller decides
 * whether it is a forward (only with a forward subject).
 *
 * SECURITY: the line is the complaint's; it is looked at only when shorter
 * than WROTE_MAX bytes, in a few linear passes.
 */
#include "responder/forward/forward_wrote.h"
#include "common/xalloc.h"

#include <string.h>

#define WROTE_MAX 512

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The address token: <a@x>, (a@x), (<a@x>) or a bare a@x.  Sets the whole
 * token span [*ts, *te) and the address span. */
static int
find_address(const char *s, size_t n, size_t *ts, size_t *te, const char **a, size_t *an)
{
	const char *at = memchr(s, '@', n);
	size_t i, j;

	if (at == NULL)
		return -1;
	i = (size_t)(at - s);
	j = i;
	while (i > 0 && s[i - 1] != '<' && s[i - 1] != '(' && s[i - 1] != ' ' && s[i - 1] != '"' &&
	       s[i - 1] != ',')
		i--;
	while (j < n && s[j] != '>' && s[j] != ')' && s[j] != ' ' && s[j] != '"' && s[j] != ',' &&
	       s[j] != ':' && s[j] != '<' && s[j] != '[')
		j++;
	*a = s + i;
	*an = j - i;
	/* Outlook's "a@x<mailto:a@x>" and "a@x [mailto:a@x]": the copy goes
	 * with the address */
	if (j < n && (s[j] == '<' || s[j] == '[') && n - j > 8 &&
	    strncmp(s + j + 1, "mailto:", 7) == 0) {
		const char *cl = memchr(s + j, s[j] == '<' ? '>' : ']', n - j);

		if (cl != NULL)
			j = (size_t)(cl - s) + 1;
	}
	/* widen to the brackets around it */
	while (i > 0 && (s[i - 1] == '<' || s[i - 1] == '('))
		i--;
	while (j < n && (s[j] == '>' || s[j] == ')'))
		j++;
	*ts = i;
	*te = j;
	return 0;
}

/* The display name just before position `end`: a quoted string, or the
 * capitalised words back to a comma or a lower-case word. */
static void
find_name(const char *s, size_t end, size_t *ns, size_t *ne)
{
	static const char *const closers[] = { "\"", "»", "”", "“", "'" };
	static const char *const openers[] = { "\"", "«", "„", "“", "'" };
	size_t e = end, k;

	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	for (size_t q = 0; q < sizeof(closers) / sizeof(closers[0]); q++) {
		size_t cl = strlen(closers[q]);

		if (e < cl || memcmp(s + e - cl, closers[q], cl) != 0)
			continue;
		/* search the opener backwards */
		for (size_t i = e - cl; i > 0; i--) {
			for (size_t o = 0; o < sizeof(openers) / sizeof(openers[0]); o++) {
				size_t ol = strlen(openers[o]);

				if (i >= ol && memcmp(s + i - ol, openers[o], ol) == 0 &&
				    (q != 0 || o == 0) && (q == 0 || o != 0)) {
					*ns = i;
					*ne = e - cl;
					return;
				}
			}
		}
	}
	/* unquoted: words starting with a capital (or non-ASCII) letter */
	*ne = e;
	k = e;
	while (k > 0) {
		size_t ws = k;

		while (ws > 0 && s[ws - 1] != ' ' && s[ws - 1] != ',' && s[ws - 1] != '\t')
			ws--;
		if (ws == k)
			break;
		{
			unsigned char c0 = (unsigned char)s[ws];
			int digit = 0;

			for (size_t i = ws; i < k; i++)
				digit |= is_digit(s[i]);
			if (digit || (c0 < 0x80 && !(c0 >= 'A' && c0 <= 'Z')))
				break;
		}
		k = ws;
		if (k > 0 && s[k - 1] == ',')
			break;
		while (k > 0 && s[k - 1] == ' ')
			k--;
	}
	while (k < e && s[k] == ' ')
		k++;
	*ns = k;
}

/* Digits-to-digits span of [a, b) (plus a following AM/PM): the date as
 * written.  Returns 0 when there is no digit. */
static int
date_span(const char *s, size_t a, size_t b, size_t *ds, size_t *de)
{
	size_t i = a, j = b;

	while (i < b && !is_digit(s[i]))
		i++;
	while (j > i && !is_digit(s[j - 1]))
		j--;
	if (i >= j)
		return 0;
	if (j + 3 <= b && s[j] == ' ' &&
	    (s[j + 1] == 'A' || s[j + 1] == 'P' || s[j + 1] == 'a' || s[j + 1] == 'p') &&
	    (s[j + 2] == 'M' || s[j + 2] == 'm'))
		j += 3;
	*ds = i;
	*de = j;
	return 1;
}

/* Japanese and Chinese Gmail write no verb: "2022年1月1日(金) 9:00 田中太郎
 * <taro@example.jp>:".  A line that ends in "<address>:" and has a date
 * with 年 and 月 before it counts. */
static int
cjk_date_line(const char *s, size_t n)
{
	const char *year = "\xE5\xB9\xB4", *month = "\xE6\x9C\x88"; /* 年 月 */
	const char *lt = NULL;

	if (n < 4 || s[n - 2] != '>')
		return 0;
	for (size_t i = n - 2; i > 0; i--)
		if (s[i - 1] == '<') {
			lt = s + i - 1;
			break;
		}
	if (lt == NULL || memchr(lt, '@', (size_t)(s + n - lt)) == NULL)
		return 0;
	return memmem(s, (size_t)(lt - s), year, 3) != NULL &&
	       memmem(s, (size_t)(lt - s), month, 3) != NULL;
}

int
fwd_wrote_parse(const char *s, size_t n, const char *lang, struct fwd_wrote *w)
{
	size_t ts, te, ns, ne, ds1 = 0, de1 = 0, ds2 = 0, de2 = 0, an;
	const char *a;
	int have1, have2;

	memset(w, 0, sizeof(*w));
	if (n == 0 || n > WROTE_MAX)
		return -1;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || s[n - 1] != ':' || (!fwd_has_wrote_verb(s, n) && !cjk_date_line(s, n)))
		return -1;
	if (find_address(s, n, &ts, &te, &a, &an) < 0)
		return -1;
	find_name(s, ts, &ns, &ne);
	if (fwd_addr_make(s + ns, ne - ns, a, an, &w->from) < 0)
		return -1;
	if (w->from.address == NULL) {
		free(w->from.name);
		w->from.name = NULL;
		return -1;
	}
	/* the date is before the name or after the address */
	have1 = date_span(s, 0, ns, &ds1, &de1);
	have2 = date_span(s, te, n, &ds2, &de2);
	if (have1 || have2) {
		size_t ds = have1 ? ds1 : ds2, de = have1 ? de1 : de2;
		size_t from = have1 ? 0 : te, to = have1 ? ns : n;

		w->date_text = xstrndup(s + ds, de - ds);
		if (fwd_parse_date_lang(s + from, to - from, lang, &w->date) < 0)
			w->date = 0;
	}
	return 0;
}
