/*
 * cmd_process.c - responder process [--dry-run] [--json] FILE...
 *
 * Handles complaint files exactly as the daemon handles fetched mail
 * (pipeline.h): '-' reads stdin.  Without --dry-run each complaint is
 * recorded in the request log, with its reply queued in the outbox in the
 * same transaction (the daemon sends it); --dry-run decides everything and
 * records nothing.  --json prints one DESIGN.md object per file per line.
 *
 * Exit status: 0 every file handled; 65 at least one file's outcome was
 * "error" (unparseable or refused input: it is still recorded); 66 a file
 * could not be read (the others are still handled); 70 the store failed;
 * 78 bad config or templates.
 *
 * SECURITY: the files are complaints, i.e. anyone's mail: read with a cap
 * (max_message_size + 1, beyond which the pipeline refuses it) and only
 * ever parsed in the sandbox.
 */
#include "responder/cli/cli.h"
#include "responder/cli/cli_out.h"
#include "responder/cli/json_line.h"
#include "responder/decide/pipeline.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reads at most max bytes (more are not needed to refuse it). */
static int
read_capped(FILE *fp, size_t max, struct buf *b)
{
	char chunk[65536];
	size_t n;

	buf_init(b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		size_t room = max - b->len;

		if (buf_append(b, chunk, n < room ? n : room) != 0 || n > room)
			break;
	}
	return ferror(fp) ? -1 : 0;
}

/* One complaint file, read before its turn: its bytes, or why it cannot
 * be handled (said at its turn, so that the messages keep the order of
 * the files). */
struct input {
	const char *file;
	struct buf raw;
	int status; /* 0, or the exit status its error gives */
	struct buf err;
};

static void
input_read(struct input *in, const char *file, size_t max, int *stdin_used)
{
	FILE *fp;
	int rc;

	memset(in, 0, sizeof(*in));
	in->file = file;
	buf_init(&in->err, 8192);
	if (!strcmp(file, "-")) {
		if ((*stdin_used)++) {
			buf_puts(&in->err, "'-' given twice");
			in->status = EX_USAGE;
			return;
		}
		fp = stdin;
	} else if (!(fp = fopen(file, "rb"))) {
		buf_printf(&in->err, "%s: %s", file, strerror(errno));
		in->status = EX_NOINPUT;
		return;
	}
	rc = read_capped(fp, max, &in->raw);
	if (fp != stdin)
		fclose(fp);
	if (rc != 0) {
		buf_printf(&in->err, "%s: read error", file);
		in->status = EX_NOINPUT;
	}
}

static void
input_free(struct input *in)
{
	buf_free(&in->raw);
	buf_free(&in->err);
}

static void
print_line(const char *label, const char *s)
{
	char *c = ao_clean(s);

	printf("%s%.300s\n", label, c);
	free(c);
}

static void
print_human(const char *file, const struct pipeline_result *r, int dry_run)
{
	const json_t *m, *x = json_object_get(r->json, "extracted");
	size_t i, k;

	printf("%s: %s\n", file, outcome_name(r->outcome));
	print_line("  why:        ", r->why);
	if (r->requester)
		printf("  requester:  %s (account %s)\n", r->requester,
		       r->account ? r->account : "-");
	json_array_foreach(json_object_get(x, "message_ids"), i, m)
	    printf("  id:         %s (%s)\n", json_string_value(json_object_get(m, "id")),
		   json_string_value(json_object_get(m, "source")));
	json_array_foreach(json_object_get(r->json, "matches"), i, m)
	{
		const json_t *rc;

		/* stored text (a JSONL import keeps controls): cleaned */
		char *qid = ao_clean(json_string_value(json_object_get(m, "queue_id"))),
		     *mid = ao_clean(json_string_value(json_object_get(m, "message_id")));

		printf("  match:      %s %s\n", qid, mid);
		free(qid);
		free(mid);
		print_line("    subject:  ", json_string_value(json_object_get(m, "subject")));
		json_array_foreach(json_object_get(m, "recipients"), k, rc)
		{
			char *addr = ao_clean(json_string_value(json_object_get(rc, "address"))),
			     *st = ao_clean(json_string_value(json_object_get(rc, "status")));

			printf("    %-36s %-9s %s\n", addr, st,
			       json_is_string(json_object_get(rc, "reason")) ?
				   json_string_value(json_object_get(rc, "reason")) :
				   "-");
			free(addr);
			free(st);
		}
	}
	if (r->reply)
		printf("  reply:      %s to %s (%zu bytes)\n",
		       dry_run	       ? "composed, not queued (dry run)" :
		       r->reply_queued ? "queued" :
					 "not queued",
		       r->requester, r->reply_len);
	else
		printf("  reply:      none\n");
	if (r->request_id)
		printf("  request:    %lld\n", (long long)r->request_id);
}

/* One DESIGN.md object: {"file":...} followed by the result's members, as
 * json_dumps(JSON_COMPACT) writes them (json_line.h, without building the
 * merged object), or through jansson where the result has a "file" of its
 * own (the merge would replace it in place). */
static void
print_json_line(const char *file, json_t *res)
{
	static const char bad_name[] = "(file name not UTF-8)";
	struct buf line;
	json_t *o, *f;
	char *s;

	if (json_is_object(res) && !json_object_get(res, "file")) {
		const char *key;
		size_t key_len;
		json_t *v;
		int rc;

		buf_init(&line, 0);
		rc = buf_puts(&line, "{\"file\":");
		if (rc == 0 && json_line_string(&line, file, strlen(file)) != 0)
			rc = json_line_string(&line, bad_name, sizeof(bad_name) - 1);
		json_object_keylen_foreach(res, key, key_len, v)
		{
			if (rc == 0)
				rc = buf_putc(&line, ',');
			if (rc == 0)
				rc = json_line_string(&line, key, key_len);
			if (rc == 0)
				rc = buf_putc(&line, ':');
			if (rc == 0)
				rc = json_line_append(&line, v);
		}
		if (rc == 0)
			rc = buf_puts(&line, "}\n");
		if (rc == 0)
			fwrite(line.data, 1, line.len, stdout);
		buf_free(&line);
		if (rc == 0)
			return;
	}
	o = json_object();
	f = json_string(file);
	json_object_set_new(o, "file", f ? f : json_string(bad_name));
	json_object_update(o, res);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

int
cmd_process(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct settings *s;
	struct store *st;
	struct pipeline *p;
	struct input cur, next;
	char err[1024];
	int c, dry_run = 0, json = 0, status = 0, stdin_used = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "njh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			printf(
			    "usage: responder process [--dry-run] [--json] FILE...  ('-' = stdin)\n");
			return 0;
		default:
			return cli_usage("process", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage("process", "no complaint file given");
	s = cli_settings(cli);
	st = cli_store(cli, 0);
	p = pipeline_new(s, st, err, sizeof(err));
	if (!p) {
		cli_error("process", "%s", err);
		store_close(&st);
		return EX_CONFIG;
	}
	size_t max = (size_t)s->max_message_size + 1;
	int i = optind, more;

	memset(&next, 0, sizeof(next));
	input_read(&cur, argv[i++], max, &stdin_used);
	do {
		struct pipeline_result r;
		const char *file = cur.file;
		struct buf src;
		int rc;

		/* The next file is read before this one is handled, so that
		 * the parser takes it while this one is decided (sandbox.h). */
		more = i < argc;
		if (more)
			input_read(&next, argv[i++], max, &stdin_used);
		if (cur.status != 0) {
			cli_error("process", "%s", buf_cstr(&cur.err));
			status = cur.status != EX_USAGE ? cur.status : status ? status : EX_USAGE;
			goto next;
		}
		pipeline_parse_next(p, more && next.status == 0 ? next.raw.data : NULL,
				    next.raw.len);
		buf_init(&src, 4200);
		buf_printf(&src, "file:%.4000s", strcmp(file, "-") ? file : "stdin");
		/* A dry run only reads: one snapshot for the complaint's lookups
		 * instead of one per statement (SQLite takes and drops its
		 * read locks for each: a tenth of a dry run's time). */
		if (dry_run && store_begin_read(st) < 0)
			cli_error("process", "store: %s", store_errmsg(st));
		rc = pipeline_handle(p, cur.raw.data ? cur.raw.data : "", cur.raw.len,
				     buf_cstr(&src), (int64_t)time(NULL),
				     dry_run ? PIPELINE_DRY_RUN : 0, &r, err, sizeof(err));
		if (dry_run)
			store_rollback(st);
		buf_free(&src);
		if (rc != 0) {
			cli_error("process", "%s: %s", file, err);
			pipeline_result_free(&r);
			status = EX_SOFTWARE;
			if (more)
				input_free(&next);
			more = 0;
			goto next;
		}
		if (json)
			print_json_line(file, r.json);
		else
			print_human(strcmp(file, "-") ? file : "stdin", &r, dry_run);
		fflush(stdout);
		if (r.outcome == OUTCOME_ERROR && status == 0)
			status = EX_DATAERR;
		pipeline_result_free(&r);
	next:
		input_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	} while (more);
	pipeline_free(&p);
	store_close(&st);
	return status;
}
