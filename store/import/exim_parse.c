/*
 * exim_parse.c - pure parsing of Exim 4 mainlog lines: the frame (Exim's
 * own "2026-12-07 05:04:06" stamp, optionally with milliseconds, a zone
 * from log_timezone, the [pid] of +pid, or a syslog prefix in front),
 * message IDs, KEY=value fields (quoted ones unescaped), delivery lines
 * and the remote reply inside Exim's error texts.
 *
 * Exim's stamps are local time unless log_timezone adds a zone; the
 * year is in the stamp, so none is inferred (a syslog prefix's stamp is
 * used only when syslog_timestamp = false left Exim's own out).
 *
 * SECURITY: the text of a line comes from senders (addresses, Message-IDs,
 * subjects) and remote servers (replies, which Exim copies after the
 * fields).  Every copy is bounded by its destination; fields are only
 * looked for before the error text begins, so a reply cannot forge one;
 * quoted values are unescaped with bounds and cleaned by the caller.
 */
#include "store/import/postfix_int.h"
#include "common/strutil.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the frame ------------------------------------------------------------ */

int
ex_is_message_id(const char *s, size_t n)
{
	size_t a;

	/* 4.96: 6-6-2; 4.97 and later: 6-11-4 (base 62; 36 on some hosts) */
	if (n == 16)
		a = 6;
	else if (n == 23)
		a = 11;
	else
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = i == 6 || i == 7 + a;

		if (dash ? s[i] != '-' : !isalnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* "2026-12-07 05:04:06[.123][ +0100] " -> *at; the length consumed
 * (with the space after it), or -1. */
static int
exim_stamp(const char *p, struct pf_year *y, int64_t *at)
{
	int yr, mo, d, h, mi, s, oh, om, n;

	if (digits(p, 4, &yr) < 0 || p[4] != '-' || digits(p + 5, 2, &mo) < 0 || p[7] != '-' ||
	    digits(p + 8, 2, &d) < 0 || p[10] != ' ' || digits(p + 11, 2, &h) < 0 || p[13] != ':' ||
	    digits(p + 14, 2, &mi) < 0 || p[16] != ':' || digits(p + 17, 2, &s) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	n = 19;
	if (p[n] == '.')
		for (n++; isdigit((unsigned char)p[n]); n++)
			;
	if (p[n] != ' ' && p[n] != '\0')
		return -1;
	if (p[n] == ' ' && (p[n + 1] == '+' || p[n + 1] == '-') && digits(p + n + 2, 2, &oh) == 0 &&
	    digits(p + n + 4, 2, &om) == 0 && (p[n + 6] == ' ' || p[n + 6] == '\0')) {
		int sign = p[n + 1] == '+' ? 1 : -1;

		*at = time_from_utc(yr, mo, d, h, mi, s) - sign * (oh * 3600 + om * 60);
		n += 6;
	} else {
		*at = pf_local_epoch(y, yr, mo, d, h, mi, s);
	}
	return p[n] == ' ' ? n + 1 : n;
}

int
ex_parse_line(char *line, struct pf_year *y, struct pf_line *out)
{
	char *p = line;
	int n;

	if ((n = exim_stamp(p, y, &out->at)) < 0) {
		/* syslog: "Dec  7 05:04:06 host exim[123]: [2026-12-07 ...] ..." */
		const char *base;
		int r = pf_parse_syslog(line, y, out);

		if (r == PF_PARSE_GARBAGE || out->program == NULL)
			return PF_PARSE_GARBAGE;
		base = strrchr(out->program, '/');
		base = base ? base + 1 : out->program;
		if (strncmp(base, "exim", 4) != 0)
			return PF_PARSE_OTHER;
		p = line + ((out->qid ? out->qid : out->text) - line);
		/* a line syslog split: "[1\2] first part", "[2\2] the rest" */
		if (p[0] == '[' && isdigit((unsigned char)p[1]) && p[2] == '\\') {
			char *e = strstr(p, "] ");

			if (p[1] != '1' || e == NULL || e - p > 10)
				return PF_PARSE_OTHER;
			p = e + 2;
		}
		if ((n = exim_stamp(p, y, &out->at)) > 0)
			p += n;
	} else {
		out->pid = -1;
		p += n;
	}
	out->program = "exim";
	out->service = "exim";
	out->qid = NULL;
	if (p[0] == '[' && isdigit((unsigned char)p[1])) { /* +pid */
		char *end;
		long pid = strtol(p + 1, &end, 10);

		if (*end != ']' || (end[1] != ' ' && end[1] != '\0'))
			return PF_PARSE_GARBAGE;
		out->pid = pid;
		p = end[1] ? end + 2 : end + 1;
	}
	n = (int)strcspn(p, " ");
	if (ex_is_message_id(p, (size_t)n)) {
		out->qid = p;
		if (p[n] == ' ')
			p[n++] = '\0';
		p += n;
	}
	out->text = p;
	return PF_PARSE_OK;
}

/* ---- fields ----------------------------------------------------------- */

/* The next space-separated token at *pp; a quoted run inside a token
 * ("...", with backslash escapes) is part of it whatever it holds, and so
 * is a parenthesised one at its start or after "=".  NULL at the end. */
static const char *
next_token(const char **pp, size_t *len_r)
{
	const char *p = *pp, *start;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	while (*p != '\0' && *p != ' ') {
		/* "(helo name)", "H=(helo)", "(parent)", "(-44):" */
		if (*p == '(' && (p == start || p[-1] == '=') && strchr(p, ')') != NULL) {
			p = strchr(p, ')') + 1;
			continue;
		}
		if (*p++ != '"')
			continue;
		while (*p != '\0' && *p != '"') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			p++;
		}
		if (*p == '"')
			p++;
	}
	*len_r = (size_t)(p - start);
	*pp = p;
	return start;
}

/* Copies v[0..n) into out, unescaping a value in quotes.  0, or -1 when
 * it does not fit. */
static int
copy_value(const char *v, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
		for (size_t i = 0; i < n; i++) {
			int c = (unsigned char)v[i];

			if (c == '\\' && i + 1 < n) {
				c = (unsigned char)v[++i];
				if (c == 'n')
					c = '\n';
				else if (c == 't')
					c = '\t';
				else if (c == 'r')
					c = '\r';
				else if (c >= '0' && c <= '7' && i + 2 < n && v[i + 1] >= '0' &&
					 v[i + 1] <= '7' && v[i + 2] >= '0' && v[i + 2] <= '7') {
					c = (c - '0') * 64 + (v[i + 1] - '0') * 8 +
					    (v[i + 2] - '0');
					i += 2;
				}
			}
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)(c == 0 ? ' ' : c);
		}
		out[o] = '\0';
		return 0;
	}
	if (n >= outlen)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int
is_key(const char *tok, size_t len, const char *key)
{
	size_t kl = strlen(key);

	return len > kl && strncmp(tok, key, kl) == 0 && tok[kl] == '=';
}

int
ex_field(const char *text, const char *key, char *out, size_t outlen)
{
	const char *p = text, *t;
	size_t len, kl = strlen(key);

	out[0] = '\0';
	while ((t = next_token(&p, &len)) != NULL) {
		if (!is_key(t, len, key))
			continue;
		if (strcmp(key, "H") == 0) {
			/* "H=host [ip]:port", "H=(helo) [ip]", "H=host (helo) [ip]" */
			const char *q = p, *u;
			size_t ul;

			while (t[kl + 1] != '[' && (u = next_token(&q, &ul)) != NULL &&
			       (u[0] == '[' || u[0] == '(')) {
				len = (size_t)(u + ul - t);
				if (u[0] == '[')
					break;
			}
		}
		return copy_value(t + kl + 1, len - kl - 1, out, outlen) == 0;
	}
	return 0;
}

int
ex_flag(const char *text, const char *flag)
{
	const char *p = text, *t;
	size_t len;

	while ((t = next_token(&p, &len)) != NULL)
		if (len == strlen(flag) && strncmp(t, flag, len) == 0)
			return 1;
	return 0;
}

/* ---- arrivals -------------------------------------------------------------- */

int
ex_parse_arrival(const char *text, struct ex_arrival *a)
{
	const char *p, *t;
	size_t len;
	int past_id = 0;

	memset(a, 0, sizeof(*a));
	if (strncmp(text, "<= ", 3) != 0)
		return -1;
	p = text + 3;
	if ((t = next_token(&p, &len)) == NULL ||
	    copy_value(t, len, a->sender, sizeof(a->sender)) < 0)
		return -1;
	if (strcmp(a->sender, "<>") == 0)
		a->sender[0] = '\0';
	while ((t = next_token(&p, &len)) != NULL) {
		if (len == 3 && strncmp(t, "for", 3) == 0)
			a->rcpts = p + strspn(p, " "); /* the last bare "for" wins */
		if (is_key(t, len, "id") || is_key(t, len, "id*")) {
			/* what the sender wrote follows: its Message-ID (which
			 * may hold spaces), its subject; no more account fields */
			size_t kl = t[2] == '*' ? 4 : 3;

			if (!past_id && copy_value(t + kl, len - kl, a->mid, sizeof(a->mid)) < 0)
				a->mid[0] = '\0';
			past_id = 1;
			continue;
		}
		if (is_key(t, len, "T")) {
			if (a->subject_set == 0 &&
			    copy_value(t + 2, len - 2, a->subject, sizeof(a->subject)) == 0)
				a->subject_set = 1;
			continue;
		}
		if (past_id)
			continue;
		if (is_key(t, len, "A"))
			copy_value(t + 2, len - 2, a->auth, sizeof(a->auth));
		else if (is_key(t, len, "U"))
			copy_value(t + 2, len - 2, a->user, sizeof(a->user));
		else if (is_key(t, len, "P"))
			copy_value(t + 2, len - 2, a->proto, sizeof(a->proto));
		else if (is_key(t, len, "R"))
			copy_value(t + 2, len - 2, a->bounce_of, sizeof(a->bounce_of));
	}
	return 0;
}

/* ---- delivery lines ---------------------------------------------------- */

/* "[ip]:port" -> ip, port */
static void
split_ip(const char *v, size_t n, struct ex_delivery *d)
{
	const char *rb = memchr(v, ']', n);

	if (v[0] != '[' || rb == NULL)
		return;
	if ((size_t)(rb - v - 1) < sizeof(d->mx_ip)) {
		memcpy(d->mx_ip, v + 1, (size_t)(rb - v - 1));
		d->mx_ip[rb - v - 1] = '\0';
	}
	if (rb + 1 < v + n && rb[1] == ':' && (size_t)(v + n - rb - 2) < sizeof(d->port)) {
		memcpy(d->port, rb + 2, (size_t)(v + n - rb - 2));
		d->port[v + n - rb - 2] = '\0';
	}
}

/* One field token of a delivery line (without a trailing ':'). */
static void
delivery_field(struct ex_delivery *d, const char *t, size_t len, const char **pp)
{
	static const struct {
		const char *key;
		size_t off, size;
	} plain[] = {
		{ "R", offsetof(struct ex_delivery, router),
		  sizeof(((struct ex_delivery *)0)->router) },
		{ "T", offsetof(struct ex_delivery, transport),
		  sizeof(((struct ex_delivery *)0)->transport) },
		{ "X", offsetof(struct ex_delivery, tls), sizeof(((struct ex_delivery *)0)->tls) },
		{ "CV", offsetof(struct ex_delivery, cv), sizeof(((struct ex_delivery *)0)->cv) },
		{ "DN", offsetof(struct ex_delivery, dn), sizeof(((struct ex_delivery *)0)->dn) },
		{ "C", offsetof(struct ex_delivery, confirm),
		  sizeof(((struct ex_delivery *)0)->confirm) },
		{ "QT", offsetof(struct ex_delivery, qt), sizeof(((struct ex_delivery *)0)->qt) },
		{ "DT", offsetof(struct ex_delivery, dt), sizeof(((struct ex_delivery *)0)->dt) },
	};

	if (is_key(t, len, "H")) {
		const char *v = t + 2, *q = *pp, *u;
		size_t vl = len - 2, ul;

		if (v[0] == '[') {
			split_ip(v, vl, d);
			str_copy(d->mx_host, d->mx_ip, sizeof(d->mx_host));
			return;
		}
		if (vl < sizeof(d->mx_host)) {
			memcpy(d->mx_host, v, vl);
			d->mx_host[vl] = '\0';
		}
		if ((u = next_token(&q, &ul)) != NULL && u[0] == '[') {
			if (ul > 0 && u[ul - 1] == ':')
				ul--; /* the error text follows; the caller sees it */
			else
				*pp = q;
			split_ip(u, ul, d);
		}
		return;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (is_key(t, len, plain[i].key)) {
			char *dst = (char *)d + plain[i].off;
			size_t kl = strlen(plain[i].key) + 1;

			if (copy_value(t + kl, len - kl, dst, plain[i].size) < 0)
				dst[0] = '\0';
			return;
		}
	if (len == 1 && t[0] == 'K')
		d->chunking = 1;
}

/* Exim appends " DT=1.2s" after a failure's text (+deliver_time). */
static void
trailing_dt(struct ex_delivery *d)
{
	char *sp = strrchr(d->error, ' ');

	if (sp != NULL && strncmp(sp, " DT=", 4) == 0 &&
	    strspn(sp + 4, "0123456789.smhdw") == strlen(sp + 4)) {
		str_copy(d->dt, sp + 4, sizeof(d->dt));
		*sp = '\0';
	}
}

int
ex_parse_delivery(const char *text, struct ex_delivery *d)
{
	static const char *const kinds[] = { "=>", "->", ">>", "*>", "**", "==" };
	const char *p, *t;
	size_t len, i;
	int failure;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(text, kinds[i], 2) == 0 && text[2] == ' ')
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -1;
	memcpy(d->kind, text, 2);
	failure = text[0] == '*' && text[1] == '*';
	failure |= text[0] == '=' && text[1] == '=';
	p = text + 3;
	if ((t = next_token(&p, &len)) == NULL)
		return -1;
	if (failure && len > 1 && t[len - 1] == ':') {
		len--; /* "** a@b: Unrouteable address" */
		goto error;
	}
	if (copy_value(t, len, d->addr, sizeof(d->addr)) < 0)
		return -1;
	while ((t = next_token(&p, &len)) != NULL) {
		int last = failure && len > 1 && t[len - 1] == ':' && t[len - 2] != '"';

		if (last)
			len--;
		if (t[0] == '<' && t[len - 1] == '>' && d->orig[0] == '\0' &&
		    len - 2 < sizeof(d->orig)) {
			memcpy(d->orig, t + 1, len - 2);
			d->orig[len - 2] = '\0';
		} else {
			delivery_field(d, t, len, &p);
		}
		if (last)
			goto error;
		/* "H=host [ip]:port:" — the ':' ending the fields was on the
		 * bracket token, which delivery_field left for us */
		if (failure && p[0] == ' ' && p[1] == '[') {
			const char *q = p;
			size_t ul;
			const char *u = next_token(&q, &ul);

			if (u != NULL && u[ul - 1] == ':') {
				p = q;
				goto error;
			}
		}
	}
	if (d->addr[0] == '\0')
		return -1;
	return 0;
error:
	if (d->addr[0] == '\0' && copy_value(t, len, d->addr, sizeof(d->addr)) < 0)
		return -1;
	while (*p == ' ')
		p++;
	str_copy(d->error, p, sizeof(d->error));
	trailing_dt(d);
	return 0;
}

static int
reply_code_at(const char *r)
{
	return r[0] >= '2' && r[0] <= '5' && isdigit((unsigned char)r[1]) &&
	       isdigit((unsigned char)r[2]) && (r[3] == ' ' || r[3] == '-' || r[3] == '\0');
}

void
ex_reply_text(const char *error, char *out, size_t outlen)
{
	const char *p = error;

	/* "SMTP error from remote mail server after RCPT TO:<a@b>: 550 ..."
	 * "LMTP error after end of data: 452 ..." */
	if (strstr(error, "error ") != NULL && strstr(error, " after ") != NULL)
		for (const char *q = error; (q = strstr(q, ": ")) != NULL; q += 2)
			if (reply_code_at(q + 2)) {
				p = q + 2;
				break;
			}
	str_copy(out, p, outlen);
	str_sanitize_line(out);
}

void
ex_enhanced_status(const char *reply, char *out, size_t outlen)
{
	size_t n;

	out[0] = '\0';
	if (!reply_code_at(reply) || reply[3] == '\0')
		return;
	reply += 4;
	n = strcspn(reply, " ");
	if (n == 0 || n >= outlen)
		return;
	memcpy(out, reply, n);
	out[n] = '\0';
	if (!enhanced_status_valid(out) || out[0] != reply[-4])
		out[0] = '\0';
}
