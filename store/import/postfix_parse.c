/*
 * postfix_parse.c - pure parsing of Postfix log lines: the syslog frame
 * (both timestamp forms, any syslog_name prefix), queue IDs, "key=value"
 * fields, delivery lines, remote replies and subjects (their RFC 2047 words
 * decoded by common/rfc2047).
 *
 * Traditional stamps ("Nov 20 09:14:02") have no year and are local time:
 * the year is the reference time's (file mtime or now), one less when the
 * month is later than the reference's, and one more each time the month
 * wraps (Dec -> Jan).  RFC 3339 stamps ("2026-11-20T09:14:02.123456+00:00",
 * also "+0000" as journalctl -o short-iso writes) carry their zone.
 *
 * SECURITY: log lines carry text from remote servers and senders (replies,
 * subjects, addresses).  Every copy here is bounded by the destination
 * size; nothing is trusted to be well-formed, and text is only split, never
 * interpreted.  Subjects are decoded with bounded output, then cleaned.
 */
#include "store/import/postfix_int.h"
#include "common/rfc2047.h"
#include "common/strutil.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int
two_digits(const char *s, int *v)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

int64_t
pf_local_epoch(struct pf_year *y, int year, int mon, int day, int h, int mi, int s)
{
	if (year != y->c_year || mon != y->c_mon || day != y->c_day || h != y->c_hour ||
	    mi != y->c_min) {
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = day;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_isdst = -1;
		y->c_epoch = (int64_t)mktime(&tm);
		y->c_year = year;
		y->c_mon = mon;
		y->c_day = day;
		y->c_hour = h;
		y->c_min = mi;
	}
	return y->c_epoch + s;
}

/* "Nov 20 09:14:02[.123456] " -> *at; returns the length consumed or -1. */
static int
parse_traditional(const char *p, struct pf_year *y, int64_t *at)
{
	const char *m;
	int mon, day, h, mi, s, n;

	if (strlen(p) < 16 || p[3] != ' ')
		return -1;
	m = strstr(months, (char[4]){ p[0], p[1], p[2], '\0' });
	if (m == NULL || (m - months) % 3 != 0)
		return -1;
	mon = (int)(m - months) / 3 + 1;
	day = p[4] == ' ' ? (isdigit((unsigned char)p[5]) ? p[5] - '0' : -1) :
			    (two_digits(p + 4, &day) == 0 ? day : -1);
	if (day < 1 || day > 31 || p[6] != ' ' || two_digits(p + 7, &h) < 0 || p[9] != ':' ||
	    two_digits(p + 10, &mi) < 0 || p[12] != ':' || two_digits(p + 13, &s) < 0 || h > 23 ||
	    mi > 59 || s > 60)
		return -1;
	n = 15;
	if (p[n] == '.')
		for (n++; isdigit((unsigned char)p[n]); n++)
			;
	if (p[n] != ' ')
		return -1;
	if (y->year == 0) {
		time_t ref = (time_t)(y->ref ? y->ref : time(NULL));
		struct tm tm;

		localtime_r(&ref, &tm);
		y->year = tm.tm_year + 1900;
		if (mon > tm.tm_mon + 1)
			y->year--;
	} else if (mon < y->last_mon && y->last_mon - mon >= 6) {
		y->year++; /* Dec -> Jan */
	} else if (mon > y->last_mon && mon - y->last_mon >= 6) {
		y->year--; /* a stray line from before the wrap */
	}
	y->last_mon = mon;
	*at = pf_local_epoch(y, y->year, mon, day, h, mi, s);
	return n + 1;
}

/* "2026-11-20T09:14:02[.frac](Z|+hh:mm|+hhmm) " -> *at. */
static int
parse_iso(const char *p, int64_t *at)
{
	int yr, mo, d, h, mi, s, oh = 0, om = 0, sign = 0, n;

	for (n = 0; n < 4; n++)
		if (!isdigit((unsigned char)p[n]))
			return -1;
	yr = atoi(p);
	if (p[4] != '-' || two_digits(p + 5, &mo) < 0 || p[7] != '-' || two_digits(p + 8, &d) < 0 ||
	    (p[10] != 'T' && p[10] != ' ') || two_digits(p + 11, &h) < 0 || p[13] != ':' ||
	    two_digits(p + 14, &mi) < 0 || p[16] != ':' || two_digits(p + 17, &s) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	n = 19;
	if (p[n] == '.')
		for (n++; isdigit((unsigned char)p[n]); n++)
			;
	if (p[n] == 'Z') {
		n++;
	} else if (p[n] == '+' || p[n] == '-') {
		sign = p[n] == '+' ? 1 : -1;
		if (two_digits(p + n + 1, &oh) < 0)
			return -1;
		n += 3;
		if (p[n] == ':')
			n++;
		if (two_digits(p + n, &om) < 0)
			return -1;
		n += 2;
	} else {
		return -1; /* a zone-less ISO stamp: refuse rather than guess */
	}
	if (p[n] != ' ')
		return -1;
	*at = time_from_utc(yr, mo, d, h, mi, s) - sign * (oh * 3600 + om * 60);
	return n + 1;
}

int
pf_is_queue_id(const char *s, size_t n)
{
	size_t i;

	if (n < 5 || n >= PF_MAX_QID)
		return 0;
	/* Short: upper-case hex.  Long: base-52 time, 'z', base-51 inode. */
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			break;
	if (i == n)
		return 1;
	if (n < 12 || s[10] != 'z')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

int
pf_parse_syslog(char *line, struct pf_year *y, struct pf_line *out)
{
	char *p = line, *prog, *e, *lb;
	int n;

	memset(out, 0, sizeof(*out));
	out->pid = -1;
	if (isdigit((unsigned char)p[0]))
		n = parse_iso(p, &out->at);
	else
		n = parse_traditional(p, y, &out->at);
	if (n < 0)
		return PF_PARSE_GARBAGE;
	p += n;
	/* host */
	e = strchr(p, ' ');
	if (e == NULL || e == p)
		return PF_PARSE_GARBAGE;
	prog = e + 1;
	/* program[pid]: */
	e = strstr(prog, ": ");
	if (e == NULL) {
		size_t l = strlen(prog);
		if (l == 0 || prog[l - 1] != ':')
			return PF_PARSE_GARBAGE;
		e = prog + l - 1;
	}
	*e = '\0';
	p = e[1] ? e + 2 : e + 1;
	out->text = p;
	if ((lb = strchr(prog, '[')) != NULL) {
		char *end;
		long pid = strtol(lb + 1, &end, 10);

		if (*end != ']' || end[1] != '\0' || pid < 0)
			return PF_PARSE_GARBAGE;
		out->pid = pid;
		*lb = '\0';
	}
	/* syslog_name prefix: "postfix/smtp", "postfix-out/submission/smtpd" */
	if (strchr(prog, ' ') != NULL)
		return PF_PARSE_GARBAGE;
	out->program = prog;
	e = strrchr(prog, '/');
	if (e == NULL)
		return PF_PARSE_OTHER;
	out->service = e + 1;
	/* QID: */
	e = strchr(p, ':');
	if (e != NULL && (e[1] == ' ' || e[1] == '\0') && pf_is_queue_id(p, (size_t)(e - p))) {
		*e = '\0';
		out->qid = p;
		out->text = e[1] ? e + 2 : e + 1;
	}
	return PF_PARSE_OK;
}

int
pf_field(const char *text, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);
	const char *p = text, *v, *end;

	out[0] = '\0';
	for (;;) {
		p = strstr(p, key);
		if (p == NULL)
			return 0;
		if (p[kl] == '=' && (p == text || p[-1] == ' '))
			break;
		p += kl;
	}
	v = p + kl + 1;
	if (*v == '<') {
		v++;
		end = strstr(v, ">, ");
		if (end == NULL) {
			end = strrchr(v, '>');
			if (end == NULL)
				end = v + strlen(v);
		}
	} else {
		end = strstr(v, ", ");
		if (end == NULL)
			end = v + strcspn(v, " ");
	}
	if ((size_t)(end - v) >= outlen)
		return 0;
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = '\0';
	return 1;
}

/* relay=host[ip]:port -> host, ip */
static void
split_relay(struct pf_delivery *d)
{
	const char *lb = strchr(d->relay, '['), *rb;

	d->mx_host[0] = d->mx_ip[0] = '\0';
	if (strcmp(d->relay, "none") == 0 || d->relay[0] == '\0')
		return;
	if (lb == NULL || (rb = strchr(lb, ']')) == NULL) {
		str_copy(d->mx_host, d->relay, sizeof(d->mx_host));
		return;
	}
	if ((size_t)(lb - d->relay) < sizeof(d->mx_host)) {
		memcpy(d->mx_host, d->relay, (size_t)(lb - d->relay));
		d->mx_host[lb - d->relay] = '\0';
	}
	if ((size_t)(rb - lb - 1) < sizeof(d->mx_ip)) {
		memcpy(d->mx_ip, lb + 1, (size_t)(rb - lb - 1));
		d->mx_ip[rb - lb - 1] = '\0';
	}
	/* "private/dovecot-lmtp" style relays keep the whole text as host */
}

int
pf_parse_delivery(const char *text, struct pf_delivery *d)
{
	const char *st, *p;
	size_t n;

	memset(d, 0, sizeof(*d));
	if (strncmp(text, "to=<", 4) != 0)
		return -1;
	if (!pf_field(text, "to", d->to, sizeof(d->to)))
		return -1;
	pf_field(text, "orig_to", d->orig_to, sizeof(d->orig_to));
	pf_field(text, "relay", d->relay, sizeof(d->relay));
	pf_field(text, "delay", d->delay, sizeof(d->delay));
	pf_field(text, "delays", d->delays, sizeof(d->delays));
	pf_field(text, "dsn", d->dsn, sizeof(d->dsn));
	st = strstr(text, ", status=");
	if (st == NULL)
		return -1;
	st += 9;
	n = strcspn(st, " ,");
	if (n == 0 || n >= sizeof(d->status))
		return -1;
	memcpy(d->status, st, n);
	d->status[n] = '\0';
	p = st + n;
	if (p[0] == ' ' && p[1] == '(') {
		size_t l = strlen(p + 2);

		d->detail = p + 2;
		d->detail_len = l > 0 && p[2 + l - 1] == ')' ? l - 1 : l;
	} else if (p[0] == ',' && p[1] == ' ') {
		d->detail = p + 2; /* "status=expired, returned to sender" */
		d->detail_len = strlen(p + 2);
	} else {
		d->detail = p;
		d->detail_len = 0;
	}
	split_relay(d);
	return 0;
}

void
pf_reply_text(const char *detail, size_t len, char *out, size_t outlen)
{
	const char *p = detail, *end = detail + len, *said, *irt;

	/* "host H[ip] said: REPLY (in reply to X command)" */
	if (len > 5 && strncmp(p, "host ", 5) == 0 && (said = strstr(p, " said: ")) != NULL &&
	    said < end) {
		p = said + 7;
		irt = NULL;
		for (const char *q = p; q && q < end; q = strstr(q + 1, " (in reply to "))
			if (strncmp(q, " (in reply to ", 14) == 0)
				irt = q;
		if (irt != NULL && irt < end)
			end = irt;
	}
	if ((size_t)(end - p) >= outlen)
		end = p + outlen - 1;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	str_sanitize_line(out);
}

int
pf_reply_code(const char *r)
{
	if (r[0] >= '2' && r[0] <= '5' && isdigit((unsigned char)r[1]) &&
	    isdigit((unsigned char)r[2]) && (r[3] == ' ' || r[3] == '-' || r[3] == '\0'))
		return (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
	return 0;
}

/* ---- RFC 2047 ------------------------------------------------------------ */

char *
pf_decode_header(const char *s, size_t maxlen)
{
	return str_sanitize_line(rfc2047_decode(s, maxlen));
}
