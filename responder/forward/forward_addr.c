/*
 * forward_addr.c - the address lists of forward header blocks.
 *
 * What clients write is not RFC 5322: "John, Doe <j@x>" (a comma in an
 * unquoted name), "'Bessie, Berry' <b@x>", "b@x <b@x>" (Outlook),
 * "Walter [mailto:w@x]" (Outlook 2013), "Walter [w@x]", "w@x<mailto:w@x>" and
 * "Name<mailto:n@x> <n@x<mailto:n@x>> on behalf of t@x" (Outlook web
 * copies of HTML links), "Name (n@x)", and names without any address.
 * Entries are split at ';' always and at ',' only once the entry has an
 * address (or is one), so commas inside names survive.
 *
 * SECURITY: the value is the complaint's.  One linear pass over a value
 * capped at FWD_MAX_FIELD bytes; at most `max` entries; names and
 * addresses capped at FWD_MAX_NAME bytes.
 */
#include "responder/forward/forward_int.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <string.h>

/* Quote characters around display names: " ' « » „ “ ” ‘ ’ */
static size_t
quote_len(const char *s, size_t n)
{
	static const char *const q[] = { "\"", "'", "«", "»", "„", "“", "”", "‘", "’" };

	if (n == 0 || (s[0] != '"' && s[0] != '\'' && s[0] != '\xC2' && s[0] != '\xE2'))
		return 0;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		size_t k = strlen(q[i]);

		if (n >= k && memcmp(s, q[i], k) == 0)
			return k;
	}
	return 0;
}

static int
is_opener(const char *s, size_t q)
{
	return q == 1 || memcmp(s, "«", 2) == 0 ||
	       (q == 3 &&
		(memcmp(s, "„", 3) == 0 || memcmp(s, "“", 3) == 0 || memcmp(s, "‘", 3) == 0));
}

/* Length of the quote at s that closes the opener o (olen bytes), or 0. */
static size_t
closes(const char *o, size_t olen, const char *s, size_t n)
{
	size_t k = quote_len(s, n);

	if (k == 0)
		return 0;
	if (olen == 1) /* " and ' close themselves */
		return k == 1 && s[0] == o[0] ? 1 : 0;
	if (memcmp(o, "«", 2) == 0)
		return memcmp(s, "»", k < 2 ? k : 2) == 0 && k == 2 ? 2 : 0;
	if (k == 3 && (memcmp(o, "„", 3) == 0 || memcmp(o, "“", 3) == 0 || memcmp(o, "‘", 3) == 0))
		return 3; /* „…“ „…” “…” ‘…’ */
	return 0;
}

static int
has_space(const char *s, size_t n)
{
	size_t k;

	for (size_t i = 0; i < n; i++) {
		if (fwd_is_space_at(s + i, n - i, &k))
			return 1;
	}
	return 0;
}

static int
looks_like_addr(const char *s, size_t n)
{
	return n >= 3 && memchr(s, '@', n) != NULL && !has_space(s, n) &&
	       memchr(s, '<', n) == NULL && memchr(s, '"', n) == NULL;
}

int
fwd_addr_make(const char *name, size_t nlen, const char *addr, size_t alen, struct fwd_address *a)
{
	char *ad = NULL, *nm = NULL;

	a->name = a->address = NULL;
	if (addr != NULL) {
		fwd_trim(&addr, &alen);
		if (alen >= 7 && fwd_prefix_fold(addr, alen, "mailto:") == 7) {
			addr += 7;
			alen -= 7;
		}
		while (alen > 0 && (addr[0] == '<' || quote_len(addr, alen) == 1)) {
			addr++;
			alen--;
		}
		while (alen > 0 &&
		       (addr[alen - 1] == '>' || addr[alen - 1] == '\'' || addr[alen - 1] == '"'))
			alen--;
		fwd_trim(&addr, &alen);
		if (alen > 0 && alen <= FWD_MAX_NAME && memchr(addr, '@', alen) != NULL) {
			ad = xstrndup(addr, alen);
			for (char *p = ad; *p; p++) {
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			}
		}
	}
	if (name != NULL) {
		/* strip quotes at both ends, repeatedly ("'x'" inside "...") */
		for (int round = 0; round < 4; round++) {
			size_t k;

			fwd_trim(&name, &nlen);
			if (nlen == 0)
				break;
			k = quote_len(name, nlen);
			if (k == 0)
				break;
			name += k;
			nlen -= k;
			for (size_t j = 1; j <= 3 && j <= nlen; j++) {
				if (quote_len(name + nlen - j, j) == j) {
					nlen -= j;
					break;
				}
			}
		}
		fwd_trim(&name, &nlen);
		if (nlen > FWD_MAX_NAME)
			nlen = FWD_MAX_NAME;
		if (nlen > 0 && ad == NULL && looks_like_addr(name, nlen)) {
			/* a bare address where the name would be */
			return fwd_addr_make(NULL, 0, name, nlen, a);
		}
		if (nlen > 0 && !(ad != NULL && strlen(ad) == nlen && fwd_eq_fold(name, nlen, ad)))
			nm = xstrndup(name, nlen);
	}
	if (ad == NULL && nm == NULL)
		return -1;
	a->name = nm;
	a->address = ad;
	return 0;
}

/*
 * Copies the value with the Outlook link forms rewritten: "[mailto:x]" and
 * "<mailto:x>" after a blank become "<x>"; a "<mailto:x>" glued to the
 * previous text (a copy of a link's target) is dropped.
 */
static void
clean_value(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n) {
		int square = s[i] == '[';

		if ((s[i] == '<' || square) && n - i > 8 &&
		    fwd_prefix_fold(s + i + 1, n - i - 1, "mailto:") == 7) {
			char close = square ? ']' : '>';
			const char *e = memchr(s + i, close, n - i);
			size_t end = e ? (size_t)(e - s) : n;
			int glued = !square && i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t' &&
				    s[i - 1] != ',' && s[i - 1] != ';';

			if (!glued) {
				buf_putc(out, '<');
				buf_append(out, s + i + 8, end - i - 8);
				buf_putc(out, '>');
			}
			i = e ? end + 1 : n;
			continue;
		}
		if (square && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			/* "CRM Comments [crm@x]": an address in square brackets */
			const char *e = memchr(s + i, ']', n - i);
			size_t end = e ? (size_t)(e - s) : n;

			if (e && end - i > 3 && end - i < 256 && memchr(s + i, '@', end - i) &&
			    !memchr(s + i, ' ', end - i)) {
				buf_putc(out, '<');
				buf_append(out, s + i + 1, end - i - 1);
				buf_putc(out, '>');
				i = end + 1;
				continue;
			}
		}
		buf_putc(out, s[i]);
		i++;
	}
}

struct entry {
	struct buf name;
	const char *addr; /* into the cleaned value */
	size_t alen;
	int has_addr;
};

static void
entry_reset(struct entry *e)
{
	buf_reset(&e->name);
	e->addr = NULL;
	e->alen = 0;
	e->has_addr = 0;
}

static void
entry_flush(struct entry *e, struct fwd_address **list_r, size_t *n_r, size_t max, size_t *added)
{
	struct fwd_address a;

	if (*added < max &&
	    fwd_addr_make(buf_cstr(&e->name), e->name.len, e->addr, e->alen, &a) == 0) {
		*list_r = xreallocarray(*list_r, *n_r + 1, sizeof(**list_r));
		(*list_r)[(*n_r)++] = a;
		(*added)++;
	}
	entry_reset(e);
}

size_t
fwd_addr_list(const char *s, size_t n, struct fwd_address **list_r, size_t *n_r, size_t max)
{
	struct buf clean;
	struct entry e;
	const char *v;
	size_t vn, i = 0, added = 0;

	if (n > FWD_MAX_FIELD)
		n = FWD_MAX_FIELD;
	buf_init(&clean, FWD_MAX_FIELD * 2);
	buf_init(&e.name, FWD_MAX_FIELD);
	entry_reset(&e);
	clean_value(s, n, &clean);
	v = buf_cstr(&clean);
	vn = clean.len;

	while (i < vn) {
		char c = v[i];
		size_t q = quote_len(v + i, vn - i);

		if (q > 0 && is_opener(v + i, q) && !e.has_addr &&
		    (q > 1 || c == '"' || (c == '\'' && (e.name.len == 0 || v[i - 1] == ' ')))) {
			/* a quoted name: keep it with its quotes, commas inside */
			size_t j = i + q, k;

			while (j < vn && (k = closes(v + i, q, v + j, vn - j)) == 0)
				j++;
			if (j < vn)
				j += k;
			buf_append(&e.name, v + i, j - i);
			i = j;
		} else if (c == '<') {
			const char *gt = memchr(v + i, '>', vn - i);
			size_t end = gt ? (size_t)(gt - v) : vn;

			if (!e.has_addr) {
				e.addr = v + i + 1;
				e.alen = end - i - 1;
				e.has_addr = 1;
			}
			i = gt ? end + 1 : vn;
		} else if (c == '(') {
			const char *cp = memchr(v + i, ')', vn - i);
			size_t end = cp ? (size_t)(cp - v) : vn;

			if (!e.has_addr && memchr(v + i, '@', end - i) != NULL) {
				e.addr = v + i + 1;
				e.alen = end - i - 1;
				e.has_addr = 1;
			}
			i = cp ? end + 1 : vn;
		} else if (c == ';') {
			entry_flush(&e, list_r, n_r, max, &added);
			i++;
		} else if (c == ',') {
			const char *nm = buf_cstr(&e.name);
			size_t nl = e.name.len;

			fwd_trim(&nm, &nl);
			if (e.has_addr || looks_like_addr(nm, nl) || nl == 0)
				entry_flush(&e, list_r, n_r, max, &added);
			else
				buf_putc(&e.name, c);
			i++;
		} else {
			/* text after the address ("on behalf of ...") is dropped */
			if (!e.has_addr)
				buf_putc(&e.name, c);
			i++;
		}
	}
	entry_flush(&e, list_r, n_r, max, &added);
	buf_free(&e.name);
	buf_free(&clean);
	return added;
}
