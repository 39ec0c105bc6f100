/*
 * progress.c - the progress line (progress.h).
 */
#include "common/progress.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define REDRAW_US 200000

struct progress {
	char what[64];
	enum progress_unit unit;
	uint64_t total, done;
	int64_t start_us, drawn_us;
	int width; /* characters of the last line drawn, to clear it */
};

struct progress *
progress_new(const char *what, enum progress_unit unit, uint64_t total, int quiet)
{
	struct progress *p;

	if (quiet || !isatty(STDERR_FILENO))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	str_copy(p->what, what, sizeof(p->what));
	/* The label may come from a file name: no control bytes on the
	 * terminal. */
	str_sanitize_line(p->what);
	p->unit = unit;
	p->total = total;
	p->start_us = time_mono_us();
	return p;
}

/* "12.3 MiB" or "4.5 M": a quantity in the meter's unit. */
static void
amount(char *out, size_t outlen, enum progress_unit unit, double v)
{
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const rows[] = { "", "k", "M", "G", "T" };
	double step = unit == PROGRESS_BYTES ? 1024 : 1000;
	int i = 0;

	while (v >= step && i < 4) {
		v /= step;
		i++;
	}
	if (unit == PROGRESS_BYTES)
		snprintf(out, outlen, i ? "%.1f %s" : "%.0f %s", v, bytes[i]);
	else
		snprintf(out, outlen, i ? "%.1f%s" : "%.0f%s", v, rows[i]);
}

static void
draw(struct progress *p, int64_t now)
{
	char line[200], d[32], t[32], r[32], eta[32] = "";
	double secs = (double)(now - p->start_us) / 1e6;
	double rate = secs > 0 ? (double)p->done / secs : 0;
	int n;

	amount(d, sizeof(d), p->unit, (double)p->done);
	amount(r, sizeof(r), p->unit, rate);
	if (p->total > 0) {
		amount(t, sizeof(t), p->unit, (double)p->total);
		if (rate > 0 && p->done <= p->total) {
			long left = (long)((double)(p->total - p->done) / rate);

			snprintf(eta, sizeof(eta), ", %ld:%02ld left", left / 60, left % 60);
		}
		n = snprintf(line, sizeof(line), "%s: %s of %s (%.0f%%), %s/s%s", p->what, d, t,
			     100.0 * (double)p->done / (double)p->total, r, eta);
	} else {
		n = snprintf(line, sizeof(line), "%s: %s, %s/s", p->what, d, r);
	}
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	/* Pad over the remains of a longer line drawn before. */
	fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
	fflush(stderr);
	p->width = n;
	p->drawn_us = now;
}

void
progress_update(struct progress *p, uint64_t done)
{
	int64_t now;

	if (p == NULL)
		return;
	p->done = done;
	now = time_mono_us();
	if (now - p->drawn_us >= REDRAW_US)
		draw(p, now);
}

void
progress_set_total(struct progress *p, uint64_t total)
{
	if (p != NULL)
		p->total = total;
}

void
progress_end(struct progress **pp)
{
	struct progress *p = *pp;

	if (p == NULL)
		return;
	if (p->width > 0) {
		fprintf(stderr, "\r%*s\r", p->width, "");
		fflush(stderr);
	}
	free(p);
	*pp = NULL;
}
