/*
 * metrics.h - the daemon's Prometheus metrics: process-wide counters the
 * loop bumps, rendered in the text exposition format (version 0.0.4) for
 * the [metrics] listen endpoint (GET /metrics, served by responder/http/)
 * and the node_exporter textfile ([metrics] textfile, written atomically).
 *
 * Counters live for the process, as Prometheus expects (a restart is a
 * counter reset, which rate() handles).  Every label value comes from a
 * fixed list (outcomes, reply states), never from mail: no address, no
 * subject, nothing unbounded.
 *
 * Thread safety: the counters are C11 atomics; the daemon's thread bumps
 * them while the HTTP thread renders them.
 */
#ifndef RESPONDER_METRICS_H
#define RESPONDER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum metrics_reply { METRICS_REPLY_SENT, METRICS_REPLY_DEFERRED, METRICS_REPLY_FAILED };

/* Zeroes every counter and notes the start time (once per process, before
 * the loop; tests call it between cases). */
void metrics_reset(void);

/* A complaint recorded with this outcome (a contract name; anything else
 * is counted as "error"). */
void metrics_complaint(const char *outcome);
/* A reply's SMTP answer; for SENT, `latency` is arrival -> sent in
 * seconds (negative: unknown, not observed). */
void metrics_reply(enum metrics_reply state, int64_t latency);
void metrics_parse_failure(void);
void metrics_imap_reconnect(void);
/* The SMTP server could not be reached or refused the session. */
void metrics_smtp_error(void);
/* Gauges the loop sets after each pass. */
void metrics_set_outbox_queued(int64_t n);
void metrics_set_last_pass(int64_t unix_seconds);

/* Appends the exposition text.  0, or -1 when `b` is full. */
int metrics_render(struct buf *b);
/* Writes the text to `path` through a temporary file in the same folder
 * and rename(), as node_exporter's textfile collector requires.  0, or -1
 * with why in err. */
int metrics_write_textfile(const char *path, char *err, size_t errlen);

struct http_listen;
struct metrics_server;
/* Serves GET /metrics on `l` (any other path: 404; other methods: 405).
 * NULL with why in err. */
struct metrics_server *metrics_server_start(const struct http_listen *l, char *err, size_t errlen);
void metrics_server_stop(struct metrics_server **m);

#endif
