/*
 * progress.h - one progress line on stderr for long work (import, purge,
 * migrate-store): what is done of the total when it is known, the rate
 * and the time left, redrawn at most five times a second on one line with
 * \r, and cleared at the end so the summary line stands alone.
 *
 * Shown only when stderr is a terminal and the caller did not ask for
 * quiet: under cron, systemd or CI (stderr a file or a pipe) nothing is
 * written, so the logs stay clean.  Every function takes NULL (no meter)
 * and does nothing, so callers never test for it.
 */
#ifndef COMMON_PROGRESS_H
#define COMMON_PROGRESS_H

#include <stdint.h>

enum progress_unit {
	PROGRESS_BYTES, /* shown as KiB/MiB/GiB, rate per second */
	PROGRESS_ROWS,	/* shown as counts (k, M) */
};

struct progress;

/* A meter for `what` (a short label: "import mail.log", "purge"); `total`
 * 0 when unknown (then no percentage and no time left).  NULL when stderr
 * is not a terminal or `quiet` is set. */
struct progress *progress_new(const char *what, enum progress_unit unit, uint64_t total, int quiet);
/* `done` so far (absolute, not an increment).  Cheap: draws only when
 * 200 ms have passed since the last drawing. */
void progress_update(struct progress *p, uint64_t done);
/* A new total (e.g. the next file) without a new meter. */
void progress_set_total(struct progress *p, uint64_t total);
/* Clears the line and frees; *p becomes NULL. */
void progress_end(struct progress **p);

#endif
