/*
 * daemon_release.c - complaints released from quarantine by an admin
 * (`responder release`, the console; store/admin.h: admin_release) go
 * back to the watched folder.  The daemon owns the IMAP session, so the
 * console and the CLI only mark the request; this runs at the start of a
 * pass: it finds the released complaints in [imap] quarantine_folder by
 * their complaint key, moves them back without $Responded, and marks the
 * releases done.  The pass that follows handles them as new (the released
 * request row no longer counts as "already recorded"); a second failure
 * makes a new row and quarantines them again.
 *
 * SECURITY: message bytes go only to pipeline_complaint_key (a bounded
 * scan and a hash).
 */
#include "responder/daemon/daemon_int.h"
#include "responder/decide/pipeline.h"
#include "responder/imap/imap_source.h"
#include "store/admin.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

struct want {
	struct admin_release *v;
	size_t n;
	int *found;
};

static int
want_released(void *arg, const char *data, size_t len)
{
	struct want *w = arg;
	char *key = pipeline_complaint_key(data, len);
	int hit = 0;

	for (size_t i = 0; key != NULL && i < w->n; i++) {
		if (strcmp(w->v[i].complaint_key, key) == 0) {
			w->found[i] = 1;
			hit = 1;
		}
	}
	free(key);
	return hit;
}

void
daemon_release_quarantined(struct daemon *d)
{
	struct want w = { NULL, 0, NULL };
	const char *qf = d->s->imap_quarantine_folder;
	char err[1024];
	size_t moved = 0;
	int r;

	if (admin_releases_pending(d->st, &w.v, &w.n) < 0) {
		log_error("store: %s", store_errmsg(d->st));
		return;
	}
	if (w.n == 0)
		return;
	w.found = calloc(w.n, sizeof(*w.found));
	if (w.found == NULL) {
		log_error("release: out of memory");
		goto out;
	}
	r = imap_take_back(d->imap, qf, want_released, &w, &moved, err, sizeof(err));
	if (r != IMAP_OK) {
		/* Still pending: tried again on the next pass. */
		log_warn("release: %s", err);
		goto out;
	}
	for (size_t i = 0; i < w.n; i++) {
		if (w.found[i])
			log_info("release: request %lld: complaint moved from %s back to %s",
				 (long long)w.v[i].request_id, qf, d->s->imap_folder);
		else
			log_warn("release: request %lld: complaint not found in %s (moved "
				 "elsewhere by hand?); handled again if it comes back to %s",
				 (long long)w.v[i].request_id, qf, d->s->imap_folder);
		if (admin_release_moved(d->st, w.v[i].request_id) < 0)
			log_error("store: %s", store_errmsg(d->st));
	}
out:
	free(w.found);
	admin_releases_free(w.v, w.n);
}
