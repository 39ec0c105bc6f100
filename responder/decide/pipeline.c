/*
 * pipeline.c - one complaint from raw bytes to a recorded decision:
 * key -> sandboxed parse -> inline forwards -> policy -> extraction ->
 * match -> reply -> request row (+ outbox row) in one transaction.
 *
 * SECURITY: raw bytes are only parsed in the sandbox child; what comes back
 * is validated there (complaint_from_json).  The reply goes only to the
 * checked From address of a requester who owns the account (policy.c).
 */
#include "responder/decide/pipeline.h"
#include "responder/reply/compose.h"
#include "responder/decide/extract.h"
#include "responder/decide/followup.h"
#include "responder/forward/forward.h"
#include "responder/lang/lang.h"
#include "responder/decide/match.h"
#include "responder/decide/pipeline_int.h"
#include "responder/decide/policy.h"
#include "responder/parse/sandbox.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/strutil.h"
#include "common/utf8.h"
#include "common/xalloc.h"
#include "store/requests.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_FORWARDS 8

struct pipeline {
	const struct settings *s;
	struct store *st;
	struct templates *tpl;
	struct parse_limits lim;
	int64_t now;
};

/* The sandbox's limits from the [limits] section: parse/ knows nothing of
 * the config. */
static void
parse_limits_from_settings(const struct settings *s, struct parse_limits *l)
{
	l->max_message_size = s->max_message_size;
	l->cpu_seconds = s->parse_cpu_seconds;
	l->memory_mb = s->parse_memory_mb;
	l->timeout = s->parse_timeout;
}

/* Why the parser produced nothing, as the daemon counts it. */
static enum parse_failure
parse_failure_of(enum sandbox_status ss)
{
	switch (ss) {
	case SANDBOX_OK:
		return PARSE_FAIL_NONE;
	case SANDBOX_REJECTED:
		return PARSE_FAIL_REJECTED;
	case SANDBOX_CRASH:
		return PARSE_FAIL_CRASH;
	case SANDBOX_TIMEOUT:
		return PARSE_FAIL_TIMEOUT;
	case SANDBOX_LIMIT:
		return PARSE_FAIL_LIMIT;
	case SANDBOX_ERROR:
		/* fork/pipe failed or the output was not valid: counted with
		 * the crashes (a worker that answers garbage is broken) */
		return PARSE_FAIL_CRASH;
	}
	return PARSE_FAIL_CRASH;
}

/* Adds the microseconds since *mark as `stage` (shown by `log show`). */
static void
timing(json_t *t, const char *stage, int64_t *mark)
{
	int64_t now = time_mono_us();

	json_object_set_new(t, stage, json_integer((json_int_t)(now - *mark)));
	*mark = now;
}

struct pipeline *
pipeline_new(const struct settings *s, struct store *st, char *err, size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	char t[1024];

	p->s = s;
	p->st = st;
	parse_limits_from_settings(s, &p->lim);
	if (sandbox_check(err, errlen) != 0) {
		free(p);
		return NULL;
	}
	if (templates_load(config_templates_dir(s), &p->tpl, t, sizeof(t)) != 0) {
		snprintf(err, errlen, "templates: %s", t);
		free(p);
		return NULL;
	}
	return p;
}

void
pipeline_free(struct pipeline **pp)
{
	if (!pp || !*pp)
		return;
	templates_free(&(*pp)->tpl);
	sandbox_shutdown();
	free(*pp);
	*pp = NULL;
}

void
pipeline_set_now(struct pipeline *p, int64_t now)
{
	p->now = now;
}

static int64_t
now_of(const struct pipeline *p)
{
	return p->now ? p->now : (int64_t)time(NULL);
}

/* ---- complaint key ----------------------------------------------------- */

/* The Message-ID of the top header block, found without a MIME parser:
 * "<...>" or NULL.  Caller frees. */
char *
pipeline_scan_message_id(const char *raw, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = raw + pos, *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;

		pos += l + (nl ? 1 : 0);
		if (l == 0 || (l == 1 && line[0] == '\r'))
			break; /* end of the header block */
		if (l > 11 && strncasecmp(line, "Message-ID:", 11) == 0) {
			const char *lt, *gt;
			size_t end = l;

			/* the id may sit on the next (folded) line */
			if (!memchr(line, '<', l) && pos < len &&
			    (raw[pos] == ' ' || raw[pos] == '\t')) {
				const char *n2 = memchr(raw + pos, '\n', len - pos);

				end = (n2 ? (size_t)(n2 - line) : len - (size_t)(line - raw));
			}
			lt = memchr(line, '<', end);
			gt = lt ? memchr(lt, '>', end - (size_t)(lt - line)) : NULL;
			if (lt && gt && gt - lt > 1 && gt - lt < 998) {
				char *id = pipeline_clean_id(lt, (size_t)(gt - lt + 1));

				if (id)
					return id;
			}
			return NULL;
		}
	}
	return NULL;
}

/* SHA-256 from Nettle, which GnuTLS (libcurl's TLS) has already mapped:
 * fetching it from OpenSSL's providers brought their algorithm tables into
 * the daemon, 0.5 MB of resident memory for one hash (docs/performance.md,
 * eighth round). */
char *
pipeline_complaint_key(const char *raw, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE];
	char *mid = pipeline_scan_message_id(raw, len);
	struct sha256_ctx h;
	struct buf b;

	sha256_init(&h);
	sha256_update(&h, len, (const uint8_t *)raw);
	sha256_digest(&h, sizeof(md), md);
	for (size_t i = 0; i < sizeof(md); i++) {
		hex[2 * i] = hexd[md[i] >> 4];
		hex[2 * i + 1] = hexd[md[i] & 15];
	}
	buf_init(&b, 2048);
	buf_puts(&b, mid ? mid : "-");
	buf_putc(&b, ' ');
	buf_append(&b, hex, sizeof(hex));
	free(mid);
	return buf_steal(&b, NULL);
}

/* ---- the steps ---------------------------------------------------------- */

struct own_ctx {
	struct pipeline *p;
	const char *requester;
	int64_t account_id;
};

static int
is_own(const char *addr, void *arg)
{
	struct own_ctx *o = arg;
	int64_t id = 0;

	if (o->p->s->address && strcasecmp(addr, o->p->s->address) == 0)
		return 1;
	if (o->requester && strcasecmp(addr, o->requester) == 0)
		return 1;
	if (o->account_id > 0 && store_account_of_address(o->p->st, addr, &id, NULL) == STORE_OK &&
	    id == o->account_id)
		return 1;
	return 0;
}

static void
set_why(struct pipeline_result *out, const char *why)
{
	free(out->why);
	out->why = utf8_clean_line(why, strlen(why), 1000, CPL_CLEAN_LINE);
}

/* Builds the reply when the outcome calls for one. */
static void
compose(struct pipeline *p, const struct complaint *c, const struct policy_decision *d,
	const struct match_result *m, const struct extracted *x, const struct followup *fu,
	enum lang lang, struct pipeline_result *out)
{
	struct reply_input in;
	struct reply_notice notices[EXT_MAX_BOUNCES * BOUNCE_MAX_RCPTS];
	char err[512], mid[300];

	if (!p->tpl || !d->requester || !addr_valid(d->requester) || fu->no_reply)
		return;
	if (out->outcome == OUTCOME_IGNORED || out->outcome == OUTCOME_ERROR)
		return;
	if (out->outcome == OUTCOME_UNAUTHORIZED && !p->s->answer_unauthorized)
		return;
	memset(&in, 0, sizeof(in));
	in.outcome = out->outcome;
	in.requester = d->requester;
	in.requester_name = d->requester_name;
	in.account = d->account;
	in.complaint_subject = c->subject;
	in.complaint_message_id = c->message_id;
	in.complaint_references = (const char *const *)c->references.v;
	in.n_references = c->references.n;
	if (m) {
		in.matches = m->msgs.v;
		in.n_matches = m->msgs.n;
		in.focus_recipients = (const char *const *)m->focus;
		in.n_focus = m->n_focus;
		in.searched = (const char *const *)m->searched;
		in.n_searched = m->n_searched;
		in.only_candidate = m->only_candidate;
	}
	in.n_notices = extract_reply_notices(x, notices, sizeof(notices) / sizeof(notices[0]));
	in.notices = notices;
	in.settings = p->s;
	in.now = now_of(p);
	in.language = lang_code(lang);
	in.next_step = fu->next_step;
	compose_message_id(p->s, NULL, mid, sizeof(mid));
	in.message_id = mid;
	if (compose_reply(p->tpl, &in, &out->reply, &out->reply_len, err, sizeof(err)) != 0) {
		log_error("composing the reply: %s", err);
		out->reply = NULL;
		out->reply_len = 0;
		return;
	}
	out->reply_message_id = xstrdup(mid);
}

/* Records the decision: the request row (with `raw`, the complaint, kept
 * with it) and, when a reply was composed, its outbox row, in one
 * transaction.  c, d and m may be NULL (the parser produced nothing). */
static int
record(struct pipeline *p, const char *raw, size_t raw_len, const struct complaint *c,
       const struct policy_decision *d, const struct match_result *m, const struct followup *fu,
       const char *source, int64_t received_at, int flags, json_t *detail,
       struct pipeline_result *out, char *err, size_t errlen)
{
	struct request_in r;
	struct outbox_in o;
	char *extracted = NULL, *matches = NULL, *det = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	r.complaint_key = out->complaint_key;
	r.complaint_message_id = out->complaint_message_id;
	r.source = source;
	r.received_at = received_at;
	r.decided_at = now_of(p);
	r.requester = out->requester;
	r.account_id = d ? d->account_id : 0;
	r.account = out->account;
	r.outcome = outcome_name(out->outcome);
	r.why = out->why;
	r.subject = c ? c->subject : NULL;
	if (m && out->outcome == OUTCOME_FOUND && m->msgs.n)
		r.matched_queue_id = m->msgs.v[0].queue_id;
	extracted = json_dumps(json_object_get(out->json, "extracted"), JSON_COMPACT);
	if (m && m->candidates)
		matches = json_dumps(m->candidates, JSON_COMPACT);
	det = json_dumps(detail, JSON_COMPACT);
	r.extracted = extracted;
	r.matches = matches;
	r.detail = det;
	if ((flags & PIPELINE_REQUEUE) &&
	    store_request_by_key(p->st, out->complaint_key, &r.requeue_of) != STORE_OK)
		r.requeue_of = 0;
	r.raw = raw;
	r.raw_len = raw_len;
	r.reply_message_id = out->reply ? out->reply_message_id : NULL;
	r.language = out->language;
	r.thread_id = fu ? fu->thread_id : 0;
	r.follow_up_of = fu ? fu->of : 0;
	memset(&o, 0, sizeof(o));
	if (out->reply) {
		const char *ef = p->s->smtp_envelope_from;

		o.created_at = now_of(p);
		o.envelope_from = (!ef || !strcmp(ef, "<>") || !*ef) ? "" : ef;
		o.rcpt = out->requester;
		o.message = out->reply;
		o.len = out->reply_len;
	}
	rc = store_record_request(p->st, &r, out->reply ? &o : NULL, &out->request_id,
				  &out->outbox_id);
	free(extracted);
	free(matches);
	free(det);
	if (rc < 0) {
		snprintf(err, errlen, "recording the request: %s", store_errmsg(p->st));
		out->request_id = out->outbox_id = 0;
		return rc == STORE_ELOST ? PIPELINE_ELSEWHERE : -1;
	}
	out->reply_queued = out->outbox_id > 0;
	return 0;
}

/* The reply's language, in order: the account's setting, the
 * conversation's (a follow-up goes on in its language), the forward
 * block's labels, Content-Language, the words the requester wrote, the
 * configured default.  `own` is the requester's own text (above any
 * forward block, quotes cut off).  Says which in `detail`. */
static enum lang
choose_language(struct pipeline *p, const struct complaint *c, const struct policy_decision *d,
		const struct followup *fu, const struct fwd_original *fwds, size_t n_fwds,
		const char *own, json_t *detail)
{
	enum lang l = LANG_EN;
	const char *by = NULL;
	char *acct = NULL;

	if (d->account_id > 0 && store_account_language(p->st, d->account_id, &acct) == STORE_OK &&
	    acct && lang_parse(acct, &l) == 0)
		by = "account";
	else if (fu->language && lang_parse(fu->language, &l) == 0)
		by = "conversation";
	free(acct);
	for (size_t i = 0; !by && i < n_fwds; i++)
		if (fwds[i].lang && lang_parse(fwds[i].lang, &l) == 0)
			by = "forward labels";
	if (!by && c->content_language && lang_from_content_language(c->content_language, &l) == 0)
		by = "Content-Language";
	if (!by && lang_from_words(own, &l) == 0)
		by = "words";
	if (!by && lang_parse(config_default_language(p->s), &l) == 0)
		by = "default";
	if (!by) {
		l = LANG_EN;
		by = "default";
	}
	json_object_set_new(detail, "language",
			    json_pack("{s:s,s:s}", "code", lang_code(l), "by", by));
	return l;
}

int
pipeline_handle(struct pipeline *p, const char *raw, size_t len, const char *source,
		int64_t received_at, int flags, struct pipeline_result *out, char *err,
		size_t errlen)
{
	struct complaint c;
	struct fwd_original fwds[MAX_FORWARDS];
	size_t n_fwds = 0;
	struct policy_decision d;
	struct match_result m;
	struct extracted x;
	struct own_ctx own;
	struct followup fu;
	enum lang lang = LANG_EN;
	char *stripped = NULL;
	const char *host;
	int is_fu = 0;
	char why[1024];
	enum sandbox_status ss;
	json_t *detail;
	json_t *timings; /* owned until json_object_set_new() hands it to detail */
	int64_t t0, mark;
	int have_match = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	memset(&m, 0, sizeof(m));
	memset(&x, 0, sizeof(x));
	memset(&fu, 0, sizeof(fu));
	if (!received_at)
		received_at = now_of(p);
	out->complaint_key = pipeline_complaint_key(raw, len);
	detail = json_object();
	timings = json_object();
	t0 = mark = time_mono_us();

	ss = sandbox_parse(raw, len, &p->lim, &c, why, sizeof(why));
	if (ss != SANDBOX_OK && ss != SANDBOX_REJECTED) {
		/* A crash, timeout or limit may be the machine's passing trouble
		 * (memory pressure, a stalled CPU): the complaint is given a
		 * second parse in a fresh worker before it is judged poisoned
		 * (DESIGN.md: quarantined after the parser failed twice). */
		log_warn("parser failed on %s (%s); trying once more",
			 source ? source : "complaint", why);
		ss = sandbox_parse(raw, len, &p->lim, &c, why, sizeof(why));
		if (ss != SANDBOX_OK && ss != SANDBOX_REJECTED) {
			char twice[sizeof(why) + 16];
			snprintf(twice, sizeof(twice), "failed twice: %s", why);
			str_copy(why, twice, sizeof(why));
		}
	}
	if (ss != SANDBOX_OK) {
		struct buf w;

		out->parse_failure = parse_failure_of(ss);
		out->outcome = OUTCOME_ERROR;
		out->complaint_message_id = pipeline_scan_message_id(raw, len);
		buf_init(&w, 1100);
		buf_printf(&w, "%s: %s",
			   ss == SANDBOX_REJECTED ? "refused before parsing" : "could not parse",
			   why);
		set_why(out, buf_cstr(&w));
		buf_free(&w);
		out->json = pipeline_json(out, NULL, NULL, &x);
		json_object_set_new(detail, "parse", json_string(why));
		timing(timings, "parse_us", &mark);
		json_object_set_new(detail, "timings", timings);
		timings = NULL;
		if (!(flags & PIPELINE_DRY_RUN))
			rc = record(p, raw, len, NULL, NULL, NULL, NULL, source, received_at, flags,
				    detail, out, err, errlen);
		goto done;
	}
	out->complaint_message_id = xstrdup_or_null(c.message_id);
	timing(timings, "parse_us", &mark);
	/* A reply to our reply: what it quotes (our reply, with every
	 * candidate's ids) must not be read as the requester's words. */
	host = p->s->hostname && *p->s->hostname ? p->s->hostname : addr_domain(p->s->address);
	is_fu = host && policy_names_us(&c, host);
	if (is_fu)
		stripped = followup_strip(c.text);
	if (c.text)
		n_fwds =
		    forward_parse_all(is_fu ? stripped : c.text, c.subject, fwds, MAX_FORWARDS);
	timing(timings, "forwards_us", &mark);

	if (policy_check(&c, out->complaint_key, p->s, p->st, now_of(p),
			 (flags & PIPELINE_REQUEUE) ? POLICY_SKIP_ANSWERED : 0, &d, err,
			 errlen) != 0) {
		rc = -1;
		goto done;
	}
	out->requester = xstrdup_or_null(d.requester);
	out->account = xstrdup_or_null(d.account);
	if (is_fu) {
		/* the robot checks have seen the whole text; the rest sees
		 * only what the requester wrote */
		free(c.text);
		c.text = xstrdup(stripped);
	}
	own.p = p;
	own.requester = d.requester;
	own.account_id = d.account_id;
	extract_identifiers(&c, fwds, n_fwds, is_own, &own, &x);
	timing(timings, "policy_extract_us", &mark);
	json_object_set_new(detail, "policy", json_string(d.why));
	if (!d.proceed) {
		out->outcome = d.outcome;
		set_why(out, d.why);
	} else if (is_fu) {
		enum outcome o = OUTCOME_IGNORED;
		char fwhy[MATCH_WHY_MAX + 200];

		if (followup_decide(p->st, p->s, &c, stripped, &d, &x, now_of(p), &fu, &m, &o, fwhy,
				    sizeof(fwhy), err, errlen) != 0) {
			rc = -1;
			goto done;
		}
		have_match = m.msgs.n > 0 || m.n_searched > 0 || m.candidates != NULL;
		out->outcome = o;
		set_why(out, fwhy);
		json_object_set_new(detail, "follow_up_of", json_integer(fu.of));
	} else {
		struct match_thresholds th;
		struct match_query q = {
			.account_id = d.account_id,
			.x = &x,
			.complaint_subject = c.subject,
			.complaint_date = c.has_date ? c.date : 0,
			.now = now_of(p),
			.window_days = p->s->match_window_days > 0 ? p->s->match_window_days : 30,
			.store_flags = STORE_WITH_TRANSCRIPTS,
			.th = &th,
		};

		match_thresholds_from(p->s, &th);

		if (match_find(p->st, &q, &m, err, errlen) != 0) {
			rc = -1;
			goto done;
		}
		have_match = 1;
		out->outcome = m.outcome;
		set_why(out, m.why);
	}
	timing(timings, "match_us", &mark);
	pipeline_detail(detail, &c, &m, have_match);
	if (d.proceed || d.outcome == OUTCOME_UNAUTHORIZED) {
		lang =
		    choose_language(p, &c, &d, &fu, fwds, n_fwds,
				    n_fwds && fwds[0].message ? fwds[0].message : c.text, detail);
		out->language = xstrdup(lang_code(lang));
	}
	compose(p, &c, &d, have_match ? &m : NULL, &x, &fu, lang, out);
	timing(timings, "compose_us", &mark);
	out->json = pipeline_json(out, &c, have_match ? &m : NULL, &x);
	json_object_set_new(out->json, "language",
			    out->language ? json_string(out->language) : json_null());
	if (fu.of)
		json_object_set_new(out->json, "follow_up_of", json_integer(fu.of));
	json_object_set_new(timings, "total_before_recording_us",
			    json_integer((json_int_t)(time_mono_us() - t0)));
	json_object_set_new(detail, "timings", timings);
	timings = NULL;
	if (!(flags & PIPELINE_DRY_RUN))
		rc = record(p, raw, len, &c, &d, have_match ? &m : NULL, &fu, source, received_at,
			    flags, detail, out, err, errlen);
done:
	json_decref(timings); /* NULL once detail holds it */
	json_decref(detail);
	for (size_t i = 0; i < n_fwds; i++)
		forward_free(&fwds[i]);
	extracted_free(&x);
	followup_free(&fu);
	free(stripped);
	match_result_free(&m);
	policy_decision_free(&d);
	complaint_free(&c);
	if (rc != 0 && !out->why)
		set_why(out, err);
	return rc;
}

void
pipeline_parse_next(struct pipeline *p, const char *raw, size_t len)
{
	(void)p;
	sandbox_parse_next(raw, len);
}

void
pipeline_result_free(struct pipeline_result *r)
{
	if (!r)
		return;
	free(r->why);
	free(r->complaint_key);
	free(r->complaint_message_id);
	free(r->requester);
	free(r->account);
	free(r->reply);
	free(r->reply_message_id);
	free(r->language);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}
