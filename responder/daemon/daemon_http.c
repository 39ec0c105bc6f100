/*
 * daemon_http.c - what `run` serves besides its work: the Prometheus
 * endpoint ([metrics] listen), the node_exporter textfile ([metrics]
 * textfile) and the admin console ([web] listen, responder/web/).  Both servers run
 * in libmicrohttpd's thread (responder/http/), so the loop never waits on
 * a client.  Addresses are read at start; a SIGHUP that changes them
 * takes effect at the next start.
 */
#include "responder/daemon/daemon_int.h"
#include "responder/http/http.h"
#include "responder/daemon/signals.h"
#include "responder/metrics/metrics.h"
#include "responder/web/web.h"
#include "store/outbox.h"
#include "common/log.h"

#include <time.h>

int
daemon_http_start(struct daemon *d, const char *config_path)
{
	struct http_listen l;
	char err[1024];

	metrics_reset();
	if (d->s->metrics_listen != NULL && *d->s->metrics_listen) {
		if (http_listen_parse(d->s->metrics_listen, &l, err, sizeof(err)) < 0 ||
		    (d->metrics = metrics_server_start(&l, err, sizeof(err))) == NULL) {
			log_error("[metrics] listen: %s", err);
			return -1;
		}
		if (!l.loopback)
			log_warn("[metrics] listen %s is not a loopback address: anyone who "
				 "reaches it reads the counters",
				 l.text);
		log_info("metrics at http://%s/metrics", l.text);
	}
	if (d->s->web_listen != NULL && *d->s->web_listen) {
		struct web_opts o = { .config_path = config_path, .wake = signals_wake };

		if ((d->web = web_start(&o, err, sizeof(err))) == NULL) {
			log_error("[web]: %s", err);
			return -1;
		}
		log_info("web: the console is at %s", web_address(d->web));
	}
	return 0;
}

void
daemon_http_after_pass(struct daemon *d)
{
	int64_t n;
	char err[1024];

	if (store_outbox_count(d->st, "queued", &n) == STORE_OK)
		metrics_set_outbox_queued(n);
	metrics_set_last_pass((int64_t)time(NULL));
	if (d->s->metrics_textfile != NULL && *d->s->metrics_textfile &&
	    metrics_write_textfile(d->s->metrics_textfile, err, sizeof(err)) < 0)
		log_warn("[metrics] textfile: %s", err);
}

void
daemon_http_stop(struct daemon *d)
{
	metrics_server_stop(&d->metrics);
	web_stop(&d->web);
}
