/*
 * metrics.c - counters and their exposition (see metrics.h).
 *
 * Names follow the Prometheus conventions: a responder_ prefix, _total on
 * counters, base units (seconds), a histogram with cumulative buckets,
 * _sum and _count.
 */
#include "responder/metrics/metrics.h"
#include "responder/http/http.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* clang-format off */
static const char *const outcome_names[] = {
	"found", "ambiguous", "not_found", "unauthorized", "ignored", "error",
};
static const int64_t latency_bounds[] = {
	10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400,
};
/* clang-format on */
#define N_OUTCOMES (sizeof(outcome_names) / sizeof(outcome_names[0]))
#define N_BOUNDS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))

static struct {
	atomic_llong complaints[N_OUTCOMES];
	atomic_llong replies_sent, replies_deferred, replies_failed;
	atomic_llong latency_bucket[N_BOUNDS]; /* not cumulative; summed on output */
	atomic_llong latency_sum, latency_count;
	atomic_llong parse_failures, imap_reconnects, smtp_errors;
	atomic_llong outbox_queued, last_pass, started;
} m;

void
metrics_reset(void)
{
	for (size_t i = 0; i < N_OUTCOMES; i++)
		atomic_store(&m.complaints[i], 0);
	for (size_t i = 0; i < N_BOUNDS; i++)
		atomic_store(&m.latency_bucket[i], 0);
	atomic_store(&m.replies_sent, 0);
	atomic_store(&m.replies_deferred, 0);
	atomic_store(&m.replies_failed, 0);
	atomic_store(&m.latency_sum, 0);
	atomic_store(&m.latency_count, 0);
	atomic_store(&m.parse_failures, 0);
	atomic_store(&m.imap_reconnects, 0);
	atomic_store(&m.smtp_errors, 0);
	atomic_store(&m.outbox_queued, 0);
	atomic_store(&m.last_pass, 0);
	atomic_store(&m.started, (long long)time(NULL));
}

void
metrics_complaint(const char *outcome)
{
	size_t i;

	for (i = 0; i < N_OUTCOMES - 1; i++)
		if (outcome != NULL && strcmp(outcome, outcome_names[i]) == 0)
			break;
	atomic_fetch_add(&m.complaints[i], 1);
}

void
metrics_reply(enum metrics_reply state, int64_t latency)
{
	switch (state) {
	case METRICS_REPLY_SENT:
		atomic_fetch_add(&m.replies_sent, 1);
		if (latency < 0)
			break;
		atomic_fetch_add(&m.latency_count, 1);
		atomic_fetch_add(&m.latency_sum, (long long)latency);
		for (size_t i = 0; i < N_BOUNDS; i++)
			if (latency <= latency_bounds[i]) {
				atomic_fetch_add(&m.latency_bucket[i], 1);
				break;
			}
		break;
	case METRICS_REPLY_DEFERRED:
		atomic_fetch_add(&m.replies_deferred, 1);
		break;
	case METRICS_REPLY_FAILED:
		atomic_fetch_add(&m.replies_failed, 1);
		break;
	}
}

void
metrics_parse_failure(void)
{
	atomic_fetch_add(&m.parse_failures, 1);
}

void
metrics_imap_reconnect(void)
{
	atomic_fetch_add(&m.imap_reconnects, 1);
}

void
metrics_smtp_error(void)
{
	atomic_fetch_add(&m.smtp_errors, 1);
}

void
metrics_set_outbox_queued(int64_t n)
{
	atomic_store(&m.outbox_queued, (long long)n);
}

void
metrics_set_last_pass(int64_t t)
{
	atomic_store(&m.last_pass, (long long)t);
}

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int
metrics_render(struct buf *b)
{
	long long cum = 0;

	head(b, "responder_build_info", "gauge", "Version of the responder, always 1.");
	buf_printf(b, "responder_build_info{version=\"%s\"} 1\n", RESPONDER_VERSION);
	head(b, "responder_start_time_seconds", "gauge", "When this process started.");
	buf_printf(b, "responder_start_time_seconds %lld\n", atomic_load(&m.started));
	head(b, "responder_complaints_total", "counter",
	     "Complaints recorded in the request log, by outcome.");
	for (size_t i = 0; i < N_OUTCOMES; i++)
		buf_printf(b, "responder_complaints_total{outcome=\"%s\"} %lld\n", outcome_names[i],
			   atomic_load(&m.complaints[i]));
	head(b, "responder_replies_total", "counter",
	     "SMTP answers to replies: sent, deferred (retried later), failed.");
	buf_printf(b, "responder_replies_total{state=\"sent\"} %lld\n",
		   atomic_load(&m.replies_sent));
	buf_printf(b, "responder_replies_total{state=\"deferred\"} %lld\n",
		   atomic_load(&m.replies_deferred));
	buf_printf(b, "responder_replies_total{state=\"failed\"} %lld\n",
		   atomic_load(&m.replies_failed));
	head(b, "responder_outbox_queued", "gauge", "Replies waiting in the outbox.");
	buf_printf(b, "responder_outbox_queued %lld\n", atomic_load(&m.outbox_queued));
	head(b, "responder_reply_latency_seconds", "histogram",
	     "From the complaint's arrival to its reply's acceptance by the SMTP server.");
	for (size_t i = 0; i < N_BOUNDS; i++) {
		cum += atomic_load(&m.latency_bucket[i]);
		buf_printf(b, "responder_reply_latency_seconds_bucket{le=\"%lld\"} %lld\n",
			   (long long)latency_bounds[i], cum);
	}
	buf_printf(b, "responder_reply_latency_seconds_bucket{le=\"+Inf\"} %lld\n",
		   atomic_load(&m.latency_count));
	buf_printf(b, "responder_reply_latency_seconds_sum %lld\n", atomic_load(&m.latency_sum));
	buf_printf(b, "responder_reply_latency_seconds_count %lld\n",
		   atomic_load(&m.latency_count));
	head(b, "responder_parse_failures_total", "counter",
	     "Complaints the sandboxed parser refused, crashed or timed out on.");
	buf_printf(b, "responder_parse_failures_total %lld\n", atomic_load(&m.parse_failures));
	head(b, "responder_imap_reconnects_total", "counter",
	     "IMAP connections made again after one was lost or refused.");
	buf_printf(b, "responder_imap_reconnects_total %lld\n", atomic_load(&m.imap_reconnects));
	head(b, "responder_smtp_errors_total", "counter",
	     "Times the SMTP server could not be reached or answered with an error.");
	buf_printf(b, "responder_smtp_errors_total %lld\n", atomic_load(&m.smtp_errors));
	head(b, "responder_last_pass_timestamp_seconds", "gauge",
	     "When the last pass over the mailbox ended (0: none yet).");
	return buf_printf(b, "responder_last_pass_timestamp_seconds %lld\n",
			  atomic_load(&m.last_pass));
}

int
metrics_write_textfile(const char *path, char *err, size_t errlen)
{
	struct buf b;
	char *tmp;
	size_t n = strlen(path) + 16;
	FILE *fp;
	int fd, ok;

	buf_init(&b, 1024 * 1024);
	metrics_render(&b);
	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		buf_free(&b);
		return -1;
	}
	ok = fwrite(b.data, 1, b.len, fp) == b.len;
	ok = (fclose(fp) == 0) && ok;
	if (!ok || chmod(tmp, 0644) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		buf_free(&b);
		return -1;
	}
	free(tmp);
	buf_free(&b);
	return 0;
}

struct metrics_server {
	struct http_server *h;
};

static void
serve(void *arg, struct http_req *q, struct http_resp *r)
{
	(void)arg;
	if (strcmp(http_req_path(q), "/metrics") != 0) {
		r->status = 404;
		buf_puts(&r->body, "not found: the metrics are at /metrics\n");
		return;
	}
	if (strcmp(http_req_method(q), "GET") != 0 && strcmp(http_req_method(q), "HEAD") != 0) {
		r->status = 405;
		http_resp_header(r, "Allow", "GET, HEAD");
		buf_puts(&r->body, "method not allowed\n");
		return;
	}
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(&r->body);
}

struct metrics_server *
metrics_server_start(const struct http_listen *l, char *err, size_t errlen)
{
	struct http_server_opts o = { .name = "metrics" };
	struct metrics_server *ms = xcalloc(1, sizeof(*ms));

	if ((ms->h = http_server_start(l, &o, serve, ms, err, errlen)) == NULL) {
		free(ms);
		return NULL;
	}
	return ms;
}

void
metrics_server_stop(struct metrics_server **ms)
{
	if (*ms == NULL)
		return;
	http_server_stop(&(*ms)->h);
	free(*ms);
	*ms = NULL;
}
