/*
 * provider.c - who runs the receiving mail service (from the MX host name,
 * else from markers in the reply text), and the remote queue ID of a final
 * 2xx reply: the "receipt acknowledgement" that the recipient's IT
 * department can look up in its own logs.
 *
 * Both are data: a suffix table for MX hosts, a marker table for texts, and
 * a table of queue-ID extractors tried in order (most specific first).
 *
 * SECURITY: MX host names and reply texts come from DNS and remote servers.
 * Host names are compared case-insensitively without copying; texts are
 * scanned for at most REASON_TEXT_MAX bytes; an extracted ID is cut at the
 * first character outside [A-Za-z0-9._:@+=/-] and at the caller's buffer
 * size, so it is safe in a header, a log line or HTML.
 */
#include "responder/reason/reason.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct provider {
	const char *key;
	const char *name;
};

static const struct provider providers[] = {
	{ "google", "Google Workspace / Gmail" },
	{ "microsoft", "Microsoft 365 / Outlook.com" },
	{ "yahoo", "Yahoo / AOL" },
	{ "apple", "Apple iCloud Mail" },
	{ "zoho", "Zoho Mail" },
	{ "proton", "Proton Mail" },
	{ "gmx", "GMX / WEB.DE / mail.com" },
	{ "orange", "Orange / Wanadoo" },
	{ "yandex", "Yandex Mail" },
	{ "mimecast", "Mimecast" },
	{ "proofpoint", "Proofpoint" },
	{ "barracuda", "Barracuda" },
};

/* MX host suffixes ("google.com" matches "google.com" and "*.google.com"). */
static const struct {
	const char *suffix;
	const char *key;
} mx_suffixes[] = {
	{ "google.com", "google" }, /* aspmx.l., smtp., gmail-smtp-in.l. */
	{ "googlemail.com", "google" },
	{ "protection.outlook.com", "microsoft" }, /* M365 and Outlook.com (olc.) */
	{ "outlook.com", "microsoft" },
	{ "hotmail.com", "microsoft" },
	{ "msn.com", "microsoft" },
	{ "yahoodns.net", "yahoo" }, /* mta5.am0., mx-aol.mail.gm0. */
	{ "yahoo.com", "yahoo" },
	{ "aol.com", "yahoo" },
	{ "icloud.com", "apple" },
	{ "me.com", "apple" },
	{ "me.com.akadns.net", "apple" },
	{ "mac.com", "apple" },
	{ "apple.com", "apple" },
	{ "zoho.com", "zoho" },
	{ "zohomail.com", "zoho" },
	{ "zoho.eu", "zoho" },
	{ "zohomail.eu", "zoho" },
	{ "zoho.in", "zoho" },
	{ "zoho.com.au", "zoho" },
	{ "zoho.jp", "zoho" },
	{ "protonmail.ch", "proton" }, /* mail., mailsec. */
	{ "protonmail.com", "proton" },
	{ "proton.me", "proton" },
	{ "gmx.net", "gmx" },
	{ "gmx.de", "gmx" },
	{ "gmx.com", "gmx" },
	{ "gmx.at", "gmx" },
	{ "gmx.ch", "gmx" },
	{ "web.de", "gmx" },
	{ "mail.com", "gmx" },
	{ "orange.fr", "orange" }, /* smtp-in.orange.fr */
	{ "wanadoo.fr", "orange" },
	{ "yandex.net", "yandex" },
	{ "yandex.ru", "yandex" },
	{ "yandex.com", "yandex" },
	{ "mimecast.com", "mimecast" },
	{ "mimecast.co.za", "mimecast" },
	{ "mimecast-offshore.com", "mimecast" },
	{ "pphosted.com", "proofpoint" },
	{ "ppe-hosted.com", "proofpoint" },
	{ "proofpoint.com", "proofpoint" },
	{ "barracudanetworks.com", "barracuda" }, /* *.ess.barracudanetworks.com */
	{ "barracuda.com", "barracuda" },
};

/* Markers in a reply text (lower case) that name the receiving provider.
 * Only markers the provider's own servers write: a DNSBL name (spamhaus,
 * barracudacentral) says nothing about who runs the receiving server. */
static const struct {
	const char *marker;
	const char *key;
} text_markers[] = {
	{ "gsmtp", "google" },
	{ "support.google.com/mail", "google" },
	{ "protection.outlook.com", "microsoft" },
	{ "prod.outlook.com", "microsoft" },
	{ "prod.exchangelabs.com", "microsoft" },
	{ "yahoodns.net", "yahoo" },
	{ "postmaster.yahooinc.com", "yahoo" },
	{ "senders.yahooinc.com", "yahoo" },
	{ "postmaster.verizonmedia.com", "yahoo" },
	{ "support.apple.com", "apple" },
	{ "mail.icloud.com", "apple" },
	{ "zohomail.com", "zoho" },
	{ "protonmail.ch", "proton" },
	{ "postmaster.gmx", "gmx" },
	{ "postmaster.web.de", "gmx" },
	{ "smtp-in.orange.fr", "orange" },
	{ "yandex.net", "yandex" },
	{ "mimecast.com", "mimecast" },
	{ "pphosted.com", "proofpoint" },
	{ "ppe-hosted.com", "proofpoint" },
	{ "barracudanetworks.com", "barracuda" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
reason_provider_name(const char *key)
{
	if (key == NULL)
		return NULL;
	for (size_t i = 0; i < NELEM(providers); i++)
		if (strcmp(providers[i].key, key) == 0)
			return providers[i].name;
	return NULL;
}

const char *
reason_provider_of_mx(const char *mx_host)
{
	size_t n;

	if (mx_host == NULL)
		return NULL;
	n = strnlen(mx_host, 256);
	if (n == 256)
		return NULL;
	while (n > 0 && mx_host[n - 1] == '.') /* absolute name */
		n--;
	for (size_t i = 0; i < NELEM(mx_suffixes); i++) {
		size_t m = strlen(mx_suffixes[i].suffix);

		if (n < m || strncasecmp(mx_host + n - m, mx_suffixes[i].suffix, m) != 0)
			continue;
		if (n == m || mx_host[n - m - 1] == '.')
			return mx_suffixes[i].key;
	}
	return NULL;
}

/* Case-insensitive search within the first REASON_TEXT_MAX bytes. */
static const char *
find_nocase(const char *text, const char *needle)
{
	size_t m = strlen(needle);
	int first = tolower((unsigned char)needle[0]);

	for (const char *p = text; *p && p - text < REASON_TEXT_MAX; p++)
		if (tolower((unsigned char)*p) == first && strncasecmp(p, needle, m) == 0)
			return p;
	return NULL;
}

const char *
reason_provider_of_lowered(const char *lower, size_t len)
{
	for (size_t i = 0; i < NELEM(text_markers); i++)
		if (memmem(lower, len, text_markers[i].marker, strlen(text_markers[i].marker)))
			return text_markers[i].key;
	return NULL;
}

const char *
reason_provider_of_text(const char *text)
{
	if (text == NULL)
		return NULL;
	for (size_t i = 0; i < NELEM(text_markers); i++)
		if (find_nocase(text, text_markers[i].marker))
			return text_markers[i].key;
	return NULL;
}

/* --- remote queue IDs ---------------------------------------------------- */

static int
id_char(int c)
{
	return isalnum(c) || (c && strchr("._:@+=/-", c) != NULL);
}

/* Copies the ID token at p; trailing punctuation is not part of it.
 * Returns its length (0: nothing usable). */
static size_t
take_id(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	while (p[n] && id_char((unsigned char)p[n]) && n < 255)
		n++;
	while (n > 0 && strchr(".:,-/", p[n - 1]))
		n--;
	if (n == 0 || outlen == 0)
		return 0;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
has_digit(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s))
			return 1;
	return 0;
}

/* Google: "250 2.0.0 OK  1763630045 5b1f17b1804b1-...si123.45 - gsmtp":
 * the token before " - gsmtp". */
static int
qid_google(const char *text, char *out, size_t outlen)
{
	const char *g = find_nocase(text, "gsmtp"), *e, *s;

	if (g == NULL)
		return 0;
	e = g;
	while (e > text && (e[-1] == ' ' || e[-1] == '-'))
		e--;
	s = e;
	while (s > text && id_char((unsigned char)s[-1]))
		s--;
	if (s == e || (size_t)(e - s) >= outlen)
		return 0;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return has_digit(out);
}

/* Microsoft 365: "[InternalId=12345678901234, Hostname=...]". */
static int
qid_microsoft(const char *text, char *out, size_t outlen)
{
	const char *p = find_nocase(text, "internalid=");

	return p && take_id(p + 11, out, outlen) > 0;
}

/* Yandex: "250 2.0.0 Ok: queued on mail-nwsmtp-mxfront-... 1763630045-AbCdEf12". */
static int
qid_yandex(const char *text, char *out, size_t outlen)
{
	const char *p = find_nocase(text, "queued on ");

	if (p == NULL)
		return 0;
	p = skip_spaces(p + 10);
	while (*p && *p != ' ')
		p++;
	return take_id(skip_spaces(p), out, outlen) > 0;
}

/* Postfix and most others: "250 2.0.0 Ok: queued as 4XbQ1m0vG7z1aa". */
static int
qid_queued_as(const char *text, char *out, size_t outlen)
{
	const char *p = find_nocase(text, "queued as");

	if (p == NULL)
		return 0;
	p = skip_spaces(p + 9);
	if (*p == ':')
		p = skip_spaces(p + 1);
	if (*p == '<')
		p++;
	return take_id(p, out, outlen) > 0;
}

/* Exim, GMX: "250 OK id=1tAbCd-000123-4X". */
static int
qid_id_equals(const char *text, char *out, size_t outlen)
{
	for (const char *p = find_nocase(text, "id="); p; p = find_nocase(p + 3, "id=")) {
		/* "id=" as a word, not "messageid=" or "internalid=" */
		if (p == text || !isalpha((unsigned char)p[-1]))
			return take_id(p + 3, out, outlen) > 0;
	}
	return 0;
}

/* qmail: "250 ok 1763630045 qp 12345". */
static int
qid_qmail(const char *text, char *out, size_t outlen)
{
	const char *p = find_nocase(text, " qp "), *s;
	size_t n;

	if (p == NULL || !isdigit((unsigned char)p[4]))
		return 0;
	s = p;
	while (s > text && isdigit((unsigned char)s[-1]))
		s--;
	if (s == p)
		return 0;
	n = (size_t)(p - s) + 4;
	while (isdigit((unsigned char)s[n]))
		n++;
	if (n >= outlen)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* Sendmail, Proofpoint: "250 2.0.0 4AK9E3xG012345 Message accepted for
 * delivery": the token before the phrase. */
static int
qid_sendmail(const char *text, char *out, size_t outlen)
{
	const char *p = find_nocase(text, "message accepted for delivery"), *e, *s;

	if (p == NULL)
		return 0;
	e = p;
	while (e > text && e[-1] == ' ')
		e--;
	s = e;
	while (s > text && id_char((unsigned char)s[-1]))
		s--;
	if (e - s < 6 || (size_t)(e - s) >= outlen)
		return 0;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	/* not the enhanced code itself ("2.0.0") */
	return has_digit(out) && !(out[1] == '.' && strlen(out) <= 9);
}

/* Amazon SES and similar: "250 Ok 0100018c1f...-000000" - a long token with
 * digits after "ok"; Yahoo's "250 ok dirdel" carries no ID. */
static int
qid_ok_token(const char *text, char *out, size_t outlen)
{
	for (const char *p = find_nocase(text, "ok"); p; p = find_nocase(p + 2, "ok")) {
		const char *q;

		if ((p > text && isalnum((unsigned char)p[-1])) || isalnum((unsigned char)p[2]))
			continue; /* "looks", "okay" */
		q = skip_spaces(p + 2);
		if (*q == ':' || *q == ',')
			q = skip_spaces(q + 1);
		if (take_id(q, out, outlen) >= 10 && has_digit(out))
			return 1;
		out[0] = '\0';
	}
	return 0;
}

static int (*const qid_extractors[])(const char *, char *, size_t) = {
	qid_google,    qid_microsoft, qid_yandex,   qid_queued_as,
	qid_id_equals, qid_qmail,     qid_sendmail, qid_ok_token,
};

int
reason_remote_queue_id(const char *text, char *out, size_t outlen)
{
	if (out == NULL || outlen == 0)
		return 0;
	out[0] = '\0';
	if (text == NULL)
		return 0;
	for (size_t i = 0; i < NELEM(qid_extractors); i++) {
		if (qid_extractors[i](text, out, outlen))
			return 1;
		out[0] = '\0';
	}
	return 0;
}
