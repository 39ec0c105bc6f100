/*
 * timeutil.c - RFC 3339 times and durations.
 */
#include "common/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
time_from_utc(int year, int mon, int day, int hour, int min, int sec)
{
	/* In 64 bits: a date read from outside may carry any field (fuzz_imap:
	 * an INTERNALDATE whose minutes overflowed an int times 60). */
	return days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 +
	       sec;
}

static int
digits(const char *s, int n, int *v_r)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

int
time_parse_rfc3339(const char *s, int64_t *t_r)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	const char *p;

	if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (*p == '\0')
		goto done;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (strlen(p) < 8 || digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi) ||
	    p[5] != ':' || digits(p + 6, 2, &se))
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	p += 8;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
done:
	*t_r = time_from_utc(y, mo, d, h, mi, se) - sign * (oh * 3600 + om * 60);
	return 0;
}

char *
time_format_rfc3339(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, TIME_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int
time_parse_duration(const char *s, int64_t *secs_r)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	switch (*end) {
	case '\0':
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	case 'w':
		mult = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v < 0 || v > (long long)(INT64_MAX / mult) / 2)
		return -1;
	*secs_r = (int64_t)v * mult;
	return 0;
}

int
time_parse_since(const char *s, int64_t now, int64_t *t_r)
{
	int64_t d;

	if (time_parse_rfc3339(s, t_r) == 0)
		return 0;
	if (time_parse_duration(s, &d) == 0) {
		*t_r = now - d;
		return 0;
	}
	return -1;
}

int64_t
time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
time_backoff_next(int cur, int max)
{
	if (cur <= 0)
		return 1;
	return cur > max / 2 ? max : cur * 2;
}

const char *
time_format_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	return buf;
}
