/*
 * daemon.c - the service loop (see daemon.h): connect with backoff,
 * passes, waiting (IDLE or poll), SIGHUP reloads, the Postfix log
 * follower.  One pass is daemon_pass.c; the signal flags and the self-pipe
 * the wait polls are signals.c.
 */
#include "responder/daemon/daemon.h"
#include "responder/daemon/daemon_int.h"
#include "responder/imap/imap_source.h"
#include "responder/decide/pipeline.h"
#include "responder/daemon/sdnotify.h"
#include "responder/metrics/metrics.h"
#include "responder/daemon/signals.h"
#include "store/admin.h"
#include "responder/smtp/outbox_send.h"
#include "store/daemon_state.h"
#include "store/outbox.h"
#include "store/import/import.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#define IDLE_REISSUE_SECONDS (25 * 60)
#define RECONNECT_MAX_SECONDS 300 /* the SMTP side's cap: SMTP_RETRY_MAX_SECONDS */
#define FOLLOW_INTERVAL_SECONDS 2

/* libetpan select()s on its socket: with more than 1024 descriptors open
 * a session could abort the process, so never allow that many. */
static void
limit_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1024)) {
		rl.rlim_cur = 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
with_jitter(int seconds)
{
	return seconds + (int)((unsigned)random() % (unsigned)(seconds / 4 + 1));
}

void
daemon_import_options(const struct settings *s, struct pf_options *o_r)
{
	memset(o_r, 0, sizeof(*o_r));
	switch ((enum account_from)s->import_account_from) {
	case ACCOUNT_FROM_SASL:
		o_r->account_from = PF_ACCOUNT_FROM_SASL;
		break;
	case ACCOUNT_FROM_SENDER_DOMAIN:
		o_r->account_from = PF_ACCOUNT_FROM_SENDER_DOMAIN;
		break;
	}
	o_r->account_map = s->import_account_map;
	switch ((enum log_format)s->import_format) {
	case LOG_FORMAT_POSTFIX:
		o_r->format = PF_FORMAT_POSTFIX;
		break;
	case LOG_FORMAT_EXIM:
		o_r->format = PF_FORMAT_EXIM;
		break;
	}
}

static int
open_follow(struct daemon *d, struct pf_follow **f)
{
	struct pf_options o;
	char err[1024];

	if (*f != NULL)
		pf_follow_close(f);
	if (d->s->import_follow == NULL || !*d->s->import_follow)
		return 0;
	daemon_import_options(d->s, &o);
	*f = pf_follow_open(d->st, d->s->import_follow, &o, err, sizeof(err));
	if (*f == NULL) {
		log_error("import follow %s: %s", d->s->import_follow, err);
		return -1;
	}
	log_info("following %s", d->s->import_follow);
	return 0;
}

static void
step_follow(struct pf_follow *f)
{
	struct import_stats stats;
	char err[1024];
	long n;

	if (f == NULL)
		return;
	do {
		memset(&stats, 0, sizeof(stats));
		n = pf_follow_step(f, 5000, &stats, NULL, NULL, err, sizeof(err));
		if (n < 0 && n != IMPORT_ENOFILE)
			log_error("import follow: %s", err);
	} while (n >= 5000 && !daemon_stop_requested());
}

/* SIGHUP: a new config and templates, or the old ones kept. */
static void
reload(struct daemon *d, const char *config_path, struct settings *s, struct pf_follow **f)
{
	struct settings ns;
	struct config_errors errs;
	struct pipeline *pl;
	char err[1024];

	daemon_reload_clear();
	sdnotify_reloading();
	if (config_load(config_path, &ns, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_error("reload: %s", errs.v[i]);
		log_error("reload: %s has errors; keeping the configuration in effect",
			  config_path);
		config_errors_free(&errs);
		config_free(&ns); /* config_load initialised it even on error */
		sdnotify_ready();
		return;
	}
	/* A trial pipeline proves the templates load; it borrows `ns`, which
	 * lives on this stack, so it is freed before the swap. */
	pl = pipeline_new(&ns, d->st, err, sizeof(err));
	if (pl == NULL) {
		log_error("reload: %s; keeping the configuration in effect", err);
		config_free(&ns);
		sdnotify_ready();
		return;
	}
	pipeline_free(&pl);
	if (strcmp(ns.store_path, s->store_path) != 0)
		log_warn("reload: [store] path changed; it takes effect at the next start");
	if (strcmp(ns.metrics_listen, s->metrics_listen) != 0 ||
	    strcmp(ns.web_listen, s->web_listen) != 0)
		log_warn("reload: [metrics] or [web] listen changed; it takes effect at the next "
			 "start (the console reads its settings when it starts)");
	/* The sessions and the pipeline borrow the old settings: close them
	 * first, then take the new settings in place (same address). */
	imap_close(&d->imap);
	outbox_sender_close(&d->outbox);
	pipeline_free(&d->pl);
	config_free(s);
	*s = ns;
	d->s = s;
	d->outbox.s = s;
	pl = pipeline_new(s, d->st, err, sizeof(err));
	if (pl == NULL) {
		/* The templates changed between the trial and now: nothing to
		 * answer with.  Stop rather than run without a pipeline. */
		log_error("reload: %s; stopping", err);
		daemon_request_stop();
		sdnotify_ready();
		return;
	}
	d->pl = pl;
	d->full_scan = 1;
	d->outbox.retry_at = 0;
	log_set_level((enum log_level)s->log_level);
	open_follow(d, f);
	log_info("reloaded %s", config_path);
	sdnotify_ready();
}

/* The reconnect lines, at most one a minute while the server fails. */
static struct log_repeat connect_error_log, reconnect_log;

static int
connect_imap(struct daemon *d, int *fatal_r)
{
	char err[1024];
	int r = imap_connect(d->s, &d->imap, err, sizeof(err));

	*fatal_r = 0;
	if (r == IMAP_OK) {
		d->full_scan = 1;
		return 0;
	}
	log_repeat(&connect_error_log, LOG_LVL_ERROR, "%s", err);
	if (r == IMAP_ECONFIG)
		*fatal_r = 1;
	return -1;
}

/* Seconds the run loop may wait before something is due. */
static int
wait_budget(struct daemon *d, const struct pf_follow *f)
{
	int64_t now = time(NULL), at;
	int w = d->imap != NULL && imap_has_idle(d->imap) ? IDLE_REISSUE_SECONDS :
							    d->s->imap_poll_interval;

	if (store_outbox_next_due(d->st, &at) == STORE_OK) {
		if (d->outbox.retry_at > at)
			at = d->outbox.retry_at;
		if (at - now < w)
			w = at - now < 1 ? 1 : (int)(at - now);
	}
	if (d->rescan_at > 0 && d->rescan_at - now < w)
		w = d->rescan_at - now < 1 ? 1 : (int)(d->rescan_at - now);
	if (f != NULL && w > FOLLOW_INTERVAL_SECONDS)
		w = FOLLOW_INTERVAL_SECONDS;
	return w;
}

/* Retention, once a day in `run`: purge in bounded steps, each a few short
 * transactions, so complaints never wait long behind it. */
#define PURGE_STEPS_PER_PASS 20
#define PURGE_BATCH 500

static void
purge_if_due(struct daemon *d)
{
	struct admin_purge_counts c;
	time_t now = time(NULL);
	int more = 0;

	if (d->s->retention_days <= 0 || now < d->next_purge_at)
		return;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < PURGE_STEPS_PER_PASS; i++) {
		more = admin_purge_step(d->st, (int64_t)now - (int64_t)d->s->retention_days * 86400,
					PURGE_BATCH, &c);
		if (more <= 0)
			break;
		sdnotify_watchdog();
	}
	if (more < 0)
		log_error("purge: %s", store_errmsg(d->st));
	if (c.attempts + c.messages + c.requests + c.complaints > 0)
		log_info("purge: deleted %lld attempts, %lld messages, %lld requests, %lld "
			 "complaints older than %d days",
			 (long long)c.attempts, (long long)c.messages, (long long)c.requests,
			 (long long)c.complaints, d->s->retention_days);
	/* More left: again on the next pass; done: tomorrow. */
	d->next_purge_at = more > 0 ? now : now + 86400;
}

/* The subject index, once a day in `run`: the follower adds messages one
 * at a time, and FTS5's automerge leaves a dozen segments that every
 * subject search reads (docs/performance.md, eighth round).  Merged in
 * steps of MERGE_STEP_MS, at most MERGE_STEPS_PER_PASS a pass, each step a
 * short transaction of its own. */
#define MERGE_STEP_MS 200
#define MERGE_STEPS_PER_PASS 10

static void
merge_if_due(struct daemon *d)
{
	time_t now = time(NULL);
	int more = 0;

	if (now < d->next_merge_at)
		return;
	for (int i = 0; i < MERGE_STEPS_PER_PASS; i++) {
		more = store_merge_search(d->st, MERGE_STEP_MS);
		if (more <= 0)
			break;
		sdnotify_watchdog();
	}
	if (more < 0)
		log_error("subject index: %s", store_errmsg(d->st));
	d->next_merge_at = more > 0 ? now : now + 86400;
}

/* The wait, capped so that systemd's watchdog hears from us in time. */
static int
cap_to_watchdog(int seconds)
{
	uint64_t usec = sdnotify_watchdog_interval_usec();

	if (usec > 0 && (uint64_t)seconds * 1000000 > usec)
		seconds = usec >= 2000000 ? (int)(usec / 1000000) : 1;
	return seconds;
}

#define DAEMON_CACHE_MB 2

int
daemon_main(const char *config_path, struct settings *s, struct store *st, enum daemon_mode mode)
{
	struct daemon d;
	struct pf_follow *follow = NULL;
	char err[1024];
	int64_t restarted = 0;
	long handled_before = 0;
	int pass_rc = 0, backoff = 0, fatal = 0, ret = 0, ready = 0, proven = 0;

	memset(&d, 0, sizeof(d));
	d.s = s;
	d.st = st;
	outbox_sender_init(&d.outbox, s, st);
	limit_fds();
	/* The daemon's working set is the request log's recent pages and one
	 * chunk's rows: a small page cache keeps its memory flat (a miss is
	 * a read from the OS cache), where an import wants 64 MiB. */
	store_set_cache_mb(st, DAEMON_CACHE_MB);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	d.pl = pipeline_new(s, st, err, sizeof(err));
	if (d.pl == NULL) {
		log_error("%s", err);
		return EX_CONFIG;
	}
	if (signals_setup() < 0) {
		log_error("cannot set up signal handling: %s", strerror(errno));
		pipeline_free(&d.pl);
		return EX_OSERR;
	}
	/* Complaints still in progress were in hand when the last process died. */
	if (store_in_progress_startup(st, &restarted) < 0 ||
	    store_chunk_suspect(st, &d.careful) < 0)
		log_error("store: %s", store_errmsg(st));
	if (d.careful) {
		restarted--; /* the chunk marker (daemon_pass.c) */
		log_warn("the last run ended inside a chunk of complaints: this pass records "
			 "them one at a time");
	}
	if (restarted > 0)
		log_warn("%lld complaint(s) were in progress when the last run ended",
			 (long long)restarted);
	if (daemon_http_start(&d, config_path) < 0) {
		daemon_http_stop(&d);
		pipeline_free(&d.pl);
		signals_teardown();
		return EX_CONFIG;
	}
	open_follow(&d, &follow);

	/* The first purge a minute after start, then daily; the index two. */
	d.next_purge_at = time(NULL) + 60;
	d.next_merge_at = time(NULL) + 120;

	while (!daemon_stop_requested()) {
		sdnotify_watchdog();
		if (daemon_reload_requested())
			reload(&d, config_path, s, &follow);
		step_follow(follow);
		if (mode == DAEMON_RUN) {
			purge_if_due(&d);
			merge_if_due(&d);
		}
		if (d.imap != NULL && imap_broken(d.imap) && !proven && mode == DAEMON_RUN) {
			/* Logged in, then failed before a pass completed (BYE or
			 * garbage after SELECT, a cut literal): the login proved
			 * nothing, so the backoff goes on growing (issue 15 #7). */
			imap_close(&d.imap);
			backoff = time_backoff_next(backoff, RECONNECT_MAX_SECONDS);
			log_repeat(&reconnect_log, LOG_LVL_INFO,
				   "imap: the session failed right after login; reconnecting in "
				   "about %d s",
				   backoff);
			signals_sleep(cap_to_watchdog(with_jitter(backoff)));
			continue;
		}
		if (d.imap == NULL || imap_broken(d.imap)) {
			imap_close(&d.imap);
			proven = 0;
			if (d.imap_connects++ > 0)
				metrics_imap_reconnect();
			if (connect_imap(&d, &fatal) < 0) {
				if (fatal) {
					ret = EX_CONFIG;
					break;
				}
				outbox_send_due(&d.outbox); /* the outbox does not need IMAP */
				if (mode == DAEMON_ONCE) {
					ret = EX_UNAVAILABLE;
					break;
				}
				backoff = time_backoff_next(backoff, RECONNECT_MAX_SECONDS);
				log_repeat(&reconnect_log, LOG_LVL_INFO,
					   "imap: reconnecting in about %d s", backoff);
				signals_sleep(cap_to_watchdog(with_jitter(backoff)));
				continue;
			}
			/* The backoff is reset by a completed pass, not by a login. */
			if (!ready) {
				sdnotify_ready();
				ready = 1;
			}
		}
		handled_before = d.handled;
		daemon_release_quarantined(&d);
		pass_rc = daemon_fetch_and_handle(&d);
		if (!imap_broken(d.imap)) {
			proven = 1;
			backoff = 0;
			log_repeat_reset(&reconnect_log);
			log_repeat_reset(&connect_error_log);
		}
		outbox_send_due(&d.outbox);
		daemon_http_after_pass(&d);
		if (mode == DAEMON_ONCE) {
			if (imap_broken(d.imap) || d.outbox.unavailable)
				ret = EX_UNAVAILABLE;
			break;
		}
		if (daemon_stop_requested())
			break;
		if (daemon_reload_requested() || imap_broken(d.imap))
			continue;
		/* Messages that arrived during a pass were announced (EXISTS)
		 * in the answers to its FETCH and MOVE, not to the IDLE that
		 * follows: after a pass that handled something, search again
		 * at once instead of waiting for the next announcement. */
		if (pass_rc == 0 && d.handled > handled_before)
			continue;
		int w = imap_wait(d.imap, signals_wake_fd(),
				  cap_to_watchdog(wait_budget(&d, follow)), err, sizeof(err));
		if (w < 0)
			log_warn("%s", err);
		signals_drain();
	}
	if (daemon_stop_requested()) {
		sdnotify_stopping();
		log_info("stopping on signal (%ld complaints handled, %ld replies sent)", d.handled,
			 d.outbox.sent);
	}
	if (follow != NULL)
		pf_follow_close(&follow);
	imap_close(&d.imap);
	outbox_sender_close(&d.outbox);
	daemon_http_stop(&d);
	pipeline_free(&d.pl);
	daemon_pass_free(&d);
	signals_teardown();
	return ret;
}
