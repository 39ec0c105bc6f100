/*
 * timeutil.h - RFC 3339 times, durations, and "since" arguments.
 * All times are seconds since the epoch, UTC, as int64_t.
 */
#ifndef COMMON_TIMEUTIL_H
#define COMMON_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIME_RFC3339_LEN 32

/* Parses "2026-11-20T09:14:02Z", "2026-11-20T09:14:02.123+01:00",
 * "2026-11-20 09:14:02Z" and a bare date "2026-11-20" (midnight UTC).
 * Fractions are dropped.  0 on success, -1 on anything else. */
int time_parse_rfc3339(const char *s, int64_t *t_r);
/* "2026-11-20T09:14:02Z" into buf (at least TIME_RFC3339_LEN bytes). */
char *time_format_rfc3339(int64_t t, char *buf);
/* A duration for people: "42s", "3m 5s", "2h 10m", "4d 3h"; "-" when
 * negative (unknown).  Returns buf. */
const char *time_format_duration(int64_t secs, char *buf, size_t len);
/* "90s", "30m", "24h", "7d", "2w", or a bare number of seconds.
 * 0 on success, -1 otherwise. */
int time_parse_duration(const char *s, int64_t *secs_r);
/* A --since argument: a duration before `now`, or an RFC 3339 time/date. */
int time_parse_since(const char *s, int64_t now, int64_t *t_r);
/* Microseconds on the monotonic clock (deadlines, stage timings). */
int64_t time_mono_us(void);
/* The next wait of an exponential backoff: 1 after 0, then double, never
 * above max.  Pure. */
int time_backoff_next(int cur, int max);
/* timegm() for broken-down UTC fields, without touching TZ. */
int64_t time_from_utc(int year, int mon, int day, int hour, int min, int sec);

#endif
