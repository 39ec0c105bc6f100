/*
 * cmd_log_show.c - responder log show ID [--json] [--full]: one request in
 * full (--full: the whole reply body, not only its first lines).
 *
 * Everything the request row and its outbox rows hold: when and where the
 * complaint came from, its headers, the identifiers extracted and where
 * each came from, the candidates with their scores and recipients, the
 * policy decision and reason, timings (arrival, decision, reply sent; and
 * per stage when the pipeline records "timings"), what admins did, and the
 * reply as queued with the SMTP server's answer.
 *
 * The JSON columns (extracted, matches, detail) are rendered from their
 * known shapes (DESIGN.md `process --json`); keys this file does not know
 * are printed generically, so nothing the pipeline records is hidden.
 *
 * SECURITY: all of it is peer text: cleaned before it reaches the terminal.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/cli/log_json.h"
#include "store/admin.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 12

static void
put_clean(const char *s)
{
	char *c = ao_clean(s);

	fputs(c, stdout);
	free(c);
}

static void
put_scalar(json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		put_clean(json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	put_clean(s ? s : "?");
	free(s);
}

/* Any JSON as indented "key: value" / "- item" lines. */
static void
render(json_t *v, int indent, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > MAX_DEPTH) {
		printf("%*s...\n", indent, "");
		return;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, item)
		{
			printf("%*s", indent, "");
			put_clean(key);
			if (json_is_object(item) || json_is_array(item)) {
				printf(":\n");
				render(item, indent + 2, depth + 1);
			} else {
				printf(": ");
				put_scalar(item);
				putchar('\n');
			}
		}
	} else if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			printf("%*s(none)\n", indent, "");
		json_array_foreach(v, i, item)
		{
			printf("%*s- ", indent, "");
			if (json_is_object(item) || json_is_array(item)) {
				putchar('\n');
				render(item, indent + 2, depth + 1);
			} else {
				put_scalar(item);
				putchar('\n');
			}
		}
	} else {
		printf("%*s", indent, "");
		put_scalar(v);
		putchar('\n');
	}
}

static const char *
sget(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void
print_extracted(json_t *x)
{
	json_t *v, *item;
	const char *key;
	size_t i;

	printf("\nExtracted identifiers:\n");
	if (!json_is_object(x)) {
		render(x, 2, 0);
		return;
	}
	json_object_foreach(x, key, v)
	{
		if (strcmp(key, "message_ids") == 0 && json_is_array(v)) {
			if (json_array_size(v) == 0)
				printf("  Message-IDs: none found\n");
			json_array_foreach(v, i, item)
			{
				printf("  Message-ID ");
				put_clean(sget(item, "id"));
				printf("  (from ");
				put_clean(sget(item, "source"));
				printf(")\n");
			}
		} else if (strcmp(key, "originals") == 0 && json_is_array(v)) {
			json_array_foreach(v, i, item)
			{
				printf("  forwarded original #%zu (", i + 1);
				put_clean(sget(item, "source"));
				printf("):\n");
				render(item, 4, 1);
			}
		} else {
			printf("  ");
			put_clean(key);
			printf(":\n");
			render(v, 4, 1);
		}
	}
}

/* The scalar members of a candidate not printed above (sub-scores, via,
 * submitted_at), on one line. */
static void
print_other_keys(json_t *c)
{
	static const char *const shown[] = {
		"queue_id", "message_id", "subject", "score", "recipients", NULL,
	};
	const char *key;
	json_t *v;
	int any = 0;

	json_object_foreach(c, key, v)
	{
		int skip = json_is_object(v) || json_is_array(v);
		for (size_t i = 0; shown[i] && !skip; i++)
			skip = strcmp(key, shown[i]) == 0;
		if (skip)
			continue;
		printf(any ? "  " : "     ");
		put_clean(key);
		putchar(' ');
		put_scalar(v);
		any = 1;
	}
	if (any)
		putchar('\n');
}

static void
print_candidates(json_t *m)
{
	json_t *c, *rc, *score;
	size_t i, k;

	printf("\nCandidates:\n");
	if (!json_is_array(m)) {
		render(m, 2, 0);
		return;
	}
	if (json_array_size(m) == 0)
		printf("  (none)\n");
	json_array_foreach(m, i, c)
	{
		if (!json_is_object(c)) {
			render(c, 2, 1);
			continue;
		}
		printf("  %zu. queue ", i + 1);
		put_clean(sget(c, "queue_id"));
		printf("  ");
		put_clean(sget(c, "message_id"));
		score = json_object_get(c, "score");
		if (score != NULL) {
			printf("  score ");
			put_scalar(score);
		}
		printf("\n     subject: ");
		put_clean(sget(c, "subject"));
		putchar('\n');
		print_other_keys(c);
		json_array_foreach(json_object_get(c, "recipients"), k, rc)
		{
			printf("     ");
			ao_put_cell(stdout, sget(rc, "address"), 32, 60);
			printf("  ");
			ao_put_cell(stdout, sget(rc, "status"), 9, 12);
			printf("  ");
			ao_put_cell(stdout, sget(rc, "reason"), 17, 20);
			printf("  ");
			ao_put_cell(stdout, sget(rc, "response"), 0, 100);
			putchar('\n');
		}
	}
}

/* The detail object's keys, grouped under headings; keys of no group are
 * printed last, so nothing recorded is hidden. */
/* clang-format off */
static const struct {
	const char *heading;
	const char *keys[8];
} groups[] = {
	{ "Complaint", { "from", "reply_to", "subject", "date", "content_type",
			 "text_from_html", "headers", NULL } },
	{ "Parsing", { "parse", "notes", NULL } },
	{ "Policy decision", { "policy", NULL } },
	{ "Matching", { "match", "searched", NULL } },
	{ "Timings", { "timings", NULL } },
	{ "Admin actions", { "admin", NULL } },
};
/* clang-format on */
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static int
grouped(const char *key)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t k = 0; groups[g].keys[k]; k++)
			if (strcmp(key, groups[g].keys[k]) == 0)
				return 1;
	return 0;
}

static void
print_detail(json_t *d)
{
	const char *key;
	json_t *v;
	int other = 0;

	if (!json_is_object(d)) {
		printf("\nDetail:\n");
		render(d, 2, 0);
		return;
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		json_t *part = json_object();

		for (size_t k = 0; groups[g].keys[k]; k++)
			if ((v = json_object_get(d, groups[g].keys[k])) != NULL)
				json_object_set(part, groups[g].keys[k], v);
		if (json_object_size(part) > 0) {
			printf("\n%s:\n", groups[g].heading);
			render(part, 2, 0);
		}
		json_decref(part);
	}
	json_object_foreach(d, key, v)
	{
		json_t *one;

		if (grouped(key))
			continue;
		if (!other)
			printf("\nOther detail:\n");
		other = 1;
		one = json_pack("{s:O}", key, v);
		render(one, 2, 0);
		json_decref(one);
	}
}

/* Lines of a reply's body shown unless --full (headers are always shown
 * whole); the rest is mostly the attached transcript, encoded. */
#define BODY_LINES 60

static void
print_reply(const struct admin_request *r, const struct admin_outbox_list *ob, int full)
{
	char t[TIME_RFC3339_LEN], d[32];

	printf("\nReply: %s\n", r->reply_state);
	for (size_t i = 0; i < ob->n; i++) {
		const struct admin_outbox *o = &ob->v[i];
		char *text;

		printf("  outbox row %lld: %s, %d tr%s, to ", (long long)o->id, o->state, o->tries,
		       o->tries == 1 ? "y" : "ies");
		put_clean(o->rcpt);
		printf(", envelope from <");
		put_clean(o->envelope_from);
		printf(">\n  queued %s", ao_time(o->created_at, t));
		if (o->sent_at)
			printf(", sent %s (%s after the complaint arrived)", ao_time(o->sent_at, t),
			       time_format_duration(o->sent_at - r->received_at, d, sizeof(d)));
		else if (strcmp(o->state, "queued") == 0 && o->next_try_at > o->created_at)
			printf(", next try %s", ao_time(o->next_try_at, t));
		else if (strcmp(o->state, "queued") == 0)
			printf(", due now");
		printf("\n  server answer: ");
		put_clean(o->smtp_reply ? o->smtp_reply : "-");
		putchar('\n');
		if (o->last_error) {
			printf("  last error: ");
			put_clean(o->last_error);
			putchar('\n');
		}
		printf("  ---- the reply as queued (%zu bytes) ----\n", o->message_len);
		text = ao_clean_text(o->message, o->message_len);
		{
			int in_body = 0, body = 0, hidden = 0;

			for (const char *p = text; *p;) {
				const char *nl = strchr(p, '\n');
				int len = nl ? (int)(nl - p) : (int)strlen(p);

				if (!in_body || full || body < BODY_LINES)
					printf("  | %.*s\n", len, p);
				else
					hidden++;
				if (in_body)
					body++;
				else if (len == 0)
					in_body = 1;
				p += len + (nl != NULL);
			}
			if (hidden)
				printf("  | ... %d more lines ('responder log show %lld --full')\n",
				       hidden, (long long)r->id);
		}
		free(text);
		printf("  ---- end of reply ----\n");
	}
}

/* The JSON column parsed, or kept as a string when it is not JSON. */
static json_t *
column_json(const char *text)
{
	json_t *j;

	if (text == NULL)
		return json_null();
	j = json_loads(text, JSON_DECODE_ANY, NULL);
	return j ? j : ao_json_str(text);
}

/* The conversation the request belongs to, oldest first (empty when it
 * stands alone). */
static void
load_thread(struct store *st, const struct admin_request *r, struct admin_request_list *l)
{
	struct admin_filter f;

	memset(&f, 0, sizeof(f));
	f.thread_id = r->thread_id ? r->thread_id : r->id;
	f.limit = 200;
	if (admin_requests(st, &f, l) < 0 || l->n < 2)
		admin_request_list_free(l);
}

static void
print_thread_text(const struct admin_request *r, const struct admin_request_list *l)
{
	char t[TIME_RFC3339_LEN];

	if (l->n < 2)
		return;
	printf("  thread:     %zu requests\n", l->n);
	for (size_t i = l->n; i-- > 0;) {
		const struct admin_request *x = &l->v[i];

		printf("    %s %lld  %s  ", x->id == r->id ? "*" : " ", (long long)x->id,
		       time_format_rfc3339(x->decided_at, t));
		put_clean(x->outcome);
		if (x->follow_up_of)
			printf("  follow-up of %lld", (long long)x->follow_up_of);
		printf("  ");
		put_clean(x->why);
		putchar('\n');
	}
}

static json_t *
thread_json(const struct admin_request_list *l)
{
	json_t *a = json_array();

	for (size_t i = l->n; i-- > 0;)
		json_array_append_new(a, log_request_json(&l->v[i]));
	return a;
}

static void
print_json(const struct admin_request *r, const struct admin_outbox_list *ob,
	   const struct admin_request_list *thread)
{
	json_t *o = log_request_json(r), *arr = json_array();

	json_object_set_new(o, "thread", thread_json(thread));

	json_object_set_new(o, "extracted", column_json(r->extracted));
	json_object_set_new(o, "matches", column_json(r->matches));
	json_object_set_new(o, "detail", column_json(r->detail));
	for (size_t i = 0; i < ob->n; i++) {
		const struct admin_outbox *x = &ob->v[i];
		char t[TIME_RFC3339_LEN];
		json_t *e = json_object();

		json_object_set_new(e, "id", json_integer(x->id));
		json_object_set_new(e, "state", ao_json_str(x->state));
		json_object_set_new(e, "rcpt", ao_json_str(x->rcpt));
		json_object_set_new(e, "envelope_from", ao_json_str(x->envelope_from));
		json_object_set_new(e, "created_at", json_string(ao_time(x->created_at, t)));
		json_object_set_new(e, "sent_at",
				    x->sent_at ? json_string(ao_time(x->sent_at, t)) : json_null());
		json_object_set_new(e, "tries", json_integer(x->tries));
		json_object_set_new(e, "last_error", ao_json_str(x->last_error));
		json_object_set_new(e, "smtp_reply", ao_json_str(x->smtp_reply));
		json_object_set_new(e, "message", ao_json_str(x->message));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "outbox", arr);
	ao_print_json(o);
}

static void
print_text(const struct admin_request *r, const struct admin_outbox_list *ob,
	   const struct admin_request_list *thread, int full)
{
	char t[TIME_RFC3339_LEN], d[32];
	json_t *j;

	printf("Request %lld", (long long)r->id);
	if (r->requeue_of)
		printf(" (requeue of %lld)", (long long)r->requeue_of);
	printf("\n  received:   %s\n", time_format_rfc3339(r->received_at, t));
	printf("  decided:    %s (%s later)\n", time_format_rfc3339(r->decided_at, t),
	       time_format_duration(r->decided_at - r->received_at, d, sizeof(d)));
	printf("  source:     ");
	put_clean(r->source);
	printf("\n  message-id: ");
	put_clean(r->complaint_message_id);
	printf("\n  subject:    ");
	put_clean(r->subject);
	printf("\n  requester:  ");
	put_clean(r->requester);
	printf("\n  account:    ");
	put_clean(r->account);
	printf("\n  outcome:    ");
	put_clean(r->outcome);
	printf("\n  why:        ");
	put_clean(r->why);
	if (r->matched_queue_id) {
		printf("\n  matched:    queue ");
		put_clean(r->matched_queue_id);
		printf("  \"");
		put_clean(r->matched_subject);
		printf("\"");
	}
	if (r->language) {
		printf("\n  language:   ");
		put_clean(r->language);
	}
	if (r->follow_up_of)
		printf("\n  follow-up:  of request %lld", (long long)r->follow_up_of);
	putchar('\n');
	print_thread_text(r, thread);
	if (r->extracted && (j = column_json(r->extracted)) != NULL) {
		print_extracted(j);
		json_decref(j);
	}
	if (r->matches && (j = column_json(r->matches)) != NULL) {
		print_candidates(j);
		json_decref(j);
	}
	if (r->detail && (j = column_json(r->detail)) != NULL) {
		print_detail(j);
		json_decref(j);
	}
	print_reply(r, ob, full);
}

int
cmd_log_show(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "full", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_request r;
	struct admin_outbox_list ob;
	struct admin_request_list thread;
	struct store *st;
	int64_t id;
	int c, json = 0, full = 0, rc;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":jfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'f':
			full = 1;
			break;
		case 'h':
			printf("usage: responder log show ID [--json] [--full]\n");
			return 0;
		default:
			return ao_bad_option("log show", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("log show", "which request? give its ID (see 'responder log')");
	if (optind + 1 < argc)
		return cli_usage("log show", "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ao_parse_id("log show", argv[optind], &id)) != 0)
		return rc;
	st = cli_store(cli, 1);
	rc = admin_request_get(st, id, &r, &ob);
	if (rc == STORE_ENOTFOUND) {
		cli_error("log show", "no request with ID %lld", (long long)id);
		store_close(&st);
		return EX_DATAERR;
	}
	if (rc < 0) {
		cli_error("log show", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	memset(&thread, 0, sizeof(thread));
	load_thread(st, &r, &thread);
	if (json)
		print_json(&r, &ob, &thread);
	else
		print_text(&r, &ob, &thread, full);
	admin_request_list_free(&thread);
	admin_request_free(&r);
	admin_outbox_list_free(&ob);
	store_close(&st);
	return 0;
}
