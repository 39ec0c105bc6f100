/*
 * test_import_jsonl.c - the JSONL importer: valid, duplicate, every kind of
 * bad line (reported with its line number, good lines kept), huge lines,
 * invalid UTF-8, gzip input.
 */
#include "tests/unit/testutil.h"
#include "store/import/import.h"
#include "store/requests.h"
#include "common/buf.h"
#include "common/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

struct fx {
	char *dir;
	struct store *st;
	struct buf reports; /* "line: why\n" per bad line */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *path, err[256];

	f->dir = tu_tempdir();
	path = tu_store_target(f->dir);
	f->st = store_open(path, err, sizeof(err));
	free(path);
	assert_non_null(f->st);
	buf_init(&f->reports, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(&f->st);
	buf_free(&f->reports);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
report(void *ctx, const char *file, long line, const char *why)
{
	struct fx *f = ctx;

	assert_non_null(file);
	buf_printf(&f->reports, "%ld: %s\n", line, why);
}

static int
run_import(struct fx *f, const char *name, const char *data, struct import_stats *s)
{
	char *path = tu_write_file(f->dir, name, data, 0644), err[512];
	int r;

	memset(s, 0, sizeof(*s));
	buf_reset(&f->reports);
	r = import_jsonl(f->st, path, s, report, f, err, sizeof(err));
	free(path);
	return r;
}

static int64_t
count(struct fx *f, const char *what)
{
	int64_t n = -1;

	assert_int_equal(store_count(f->st, what, &n), STORE_OK);
	return n;
}

#define ACCOUNT \
	"{\"type\":\"account\",\"account\":\"acme\",\"addresses\":[\"billing@acme.example\",\"@acme.example\"]}\n"
#define MESSAGE \
	"{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"message_id\":\"<inv-1042@acme.example>\",\"from\":\"billing@acme.example\",\"subject\":\"Invoice 1042\",\"submitted_at\":\"2026-11-20T09:14:02Z\",\"recipients\":[\"bob@northwind.example\"]}\n"
#define ATTEMPT \
	"{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"bob@northwind.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\",\"mx_host\":\"aspmx.l.google.com\",\"mx_ip\":\"142.250.27.26\",\"smtp_code\":250,\"enhanced_status\":\"2.0.0\",\"response\":\"250 2.0.0 OK 1763630045 - gsmtp\",\"transcript\":\"< 220 mx.google.com\\n> EHLO relay\\n\"}\n"

static void
test_valid_and_idempotent(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct store_message_list l;

	assert_int_equal(run_import(f, "a.jsonl", ACCOUNT MESSAGE ATTEMPT "\n   \n", &s),
			 IMPORT_OK);
	assert_int_equal(s.lines, 5);
	assert_int_equal(s.accounts, 1);
	assert_int_equal(s.addresses, 2);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.attempts, 1);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(f->reports.len, 0);

	/* Importing the same file again changes nothing. */
	assert_int_equal(run_import(f, "a.jsonl", ACCOUNT MESSAGE ATTEMPT, &s), IMPORT_OK);
	assert_int_equal(s.accounts + s.addresses + s.messages + s.attempts, 0);
	assert_int_equal(s.unchanged, 3);
	assert_int_equal(count(f, "messages"), 1);
	assert_int_equal(count(f, "attempts"), 1);
	assert_int_equal(count(f, "account_addresses"), 2);

	assert_int_equal(store_find_by_message_id(f->st, "<inv-1042@acme.example>", 0,
						  STORE_WITH_TRANSCRIPTS, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].rcpts[0].status, "delivered");
	assert_int_equal(l.v[0].rcpts[0].attempts[0].smtp_code, 250);
	assert_string_equal(l.v[0].rcpts[0].attempts[0].mx_ip, "142.250.27.26");
	assert_string_equal(l.v[0].rcpts[0].attempts[0].transcript,
			    "< 220 mx.google.com\n> EHLO relay\n");
	store_message_list_free(&l);
}

/* An account's optional "language" is kept; a malformed one refuses the
 * line with its reason; an empty one clears it. */
static void
test_account_language(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	int64_t id = 0;
	char *lang = NULL;

	assert_int_equal(
	    run_import(f, "l.jsonl",
		       "{\"type\":\"account\",\"account\":\"acme\",\"language\":\"de\","
		       "\"addresses\":[\"billing@acme.example\"]}\n"
		       "{\"type\":\"account\",\"account\":\"other\",\"language\":\"German\","
		       "\"addresses\":[\"x@other.example\"]}\n",
		       &s),
	    IMPORT_OK);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(buf_cstr(&f->reports), "2: \"language\" must be a two-letter code"));
	assert_int_equal(store_account_id(f->st, "acme", &id), STORE_OK);
	assert_int_equal(store_account_language(f->st, id, &lang), STORE_OK);
	assert_string_equal(lang, "de");
	free(lang);
	assert_int_equal(store_account_id(f->st, "other", &id), STORE_ENOTFOUND);
	assert_int_equal(run_import(f, "l2.jsonl",
				    "{\"type\":\"account\",\"account\":\"acme\",\"language\":\"\","
				    "\"addresses\":[\"billing@acme.example\"]}\n",
				    &s),
			 IMPORT_OK);
	assert_int_equal(store_account_id(f->st, "acme", &id), STORE_OK);
	assert_int_equal(store_account_language(f->st, id, &lang), STORE_OK);
	assert_null(lang);
}

/* Every kind of bad line is reported with its number; the good ones stay. */
static void
test_bad_lines(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "{not json", "invalid JSON" },
		{ "[1,2,3]", "not a JSON object" },
		{ "{\"account\":\"acme\"}", "missing \"type\"" },
		{ "{\"type\":\"recipe\"}", "unknown \"type\" \"recipe\"" },
		{ "{\"type\":\"account\",\"addresses\":[\"a@b.example\"]}", "missing \"account\"" },
		{ "{\"type\":\"account\",\"account\":\"x\"}", "missing \"addresses\"" },
		{ "{\"type\":\"account\",\"account\":\"x\",\"addresses\":\"a@b.example\"}",
		  "must be an array" },
		{ "{\"type\":\"account\",\"account\":\"x\",\"addresses\":[42]}",
		  "\"addresses\"[0] must be a string" },
		{ "{\"type\":\"account\",\"account\":\"y\",\"addresses\":[\"y@y.example\",\"not valid\"]}",
		  "invalid account address 'not valid'" },
		{ "{\"type\":\"account\",\"account\":\"z\",\"addresses\":[\"billing@acme.example\"]}",
		  "already belongs to another account" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"recipients\":[\"a@b.example\"]}",
		  "missing \"queue_id\"" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"\",\"recipients\":[]}",
		  "\"queue_id\" is empty" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":7,\"recipients\":[]}",
		  "\"queue_id\" must be a string" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\",\"submitted_at\":\"yesterday\",\"recipients\":[]}",
		  "not an RFC 3339 time" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\",\"recipients\":[\"bob\"]}",
		  "invalid recipient address 'bob'" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\"}",
		  "missing \"recipients\"" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"NOPE\",\"recipient\":\"a@b.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\"}",
		  "unknown queue_id NOPE" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a@b.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"lost\"}",
		  "status 'lost' is not delivered, deferred or bounced" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a@b.example\",\"status\":\"delivered\"}",
		  "missing \"at\"" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a@b.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\",\"smtp_code\":\"250\"}",
		  "\"smtp_code\" must be an integer" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a@b.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\",\"smtp_code\":999}",
		  "\"smtp_code\" must be an integer from 200 to 599" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a@b.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\",\"enhanced_status\":\"2.0\"}",
		  "\"enhanced_status\" \"2.0\" is not of the form" },
		{ "{\"type\":\"attempt\",\"queue_id\":\"4XbQ1m0vG7z1aa\",\"recipient\":\"a\\r\\nb@c\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\"}",
		  "invalid recipient address" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\",\"type\":\"x\",\"recipients\":[]}",
		  "invalid JSON" }, /* duplicate key */
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\\u0000x\",\"recipients\":[]}",
		  "contains a NUL" },
		{ "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q\xff\xfe\",\"recipients\":[]}",
		  "invalid JSON" }, /* invalid UTF-8 */
	};
	struct fx *f = *state;
	struct buf in;
	struct import_stats s;
	const char *rep;

	buf_init(&in, 0);
	buf_puts(&in, ACCOUNT MESSAGE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_puts(&in, bad[i].line);
		buf_puts(&in, "\n");
	}
	buf_puts(&in, ATTEMPT); /* a good line after the bad ones */
	assert_int_equal(run_import(f, "bad.jsonl", buf_cstr(&in), &s), IMPORT_OK);
	buf_free(&in);
	assert_int_equal(s.rejected, (long)(sizeof(bad) / sizeof(bad[0])));
	assert_int_equal(s.attempts, 1);
	assert_int_equal(s.messages, 1);
	buf_init(&in, 0);
	buf_printf(&in, "\n%s", buf_cstr(&f->reports)); /* each report starts "\nN: " */
	rep = buf_cstr(&in);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];
		snprintf(want, sizeof(want), "\n%zu: ", i + 3);
		const char *p = strstr(rep, want);
		if (p == NULL || strstr(p, bad[i].why) == NULL ||
		    strchr(p + 1, '\n') < strstr(p, bad[i].why))
			fail_msg("line %zu: want \"%s\", reports:\n%s", i + 3, bad[i].why, rep);
	}
	buf_free(&in);
	/* The account line with one bad address kept its good one. */
	{
		int64_t id;
		assert_int_equal(store_account_of_address(f->st, "y@y.example", &id, NULL),
				 STORE_OK);
	}
	/* Nothing of the refused message lines was stored. */
	assert_int_equal(count(f, "messages"), 1);
}

static void
test_huge_line_and_crlf(void **state)
{
	struct fx *f = *state;
	size_t huge = (size_t)17 * 1024 * 1024;
	char *data = malloc(huge + 4096), *p = data;
	struct import_stats s;

	memcpy(p, ACCOUNT, strlen(ACCOUNT));
	p += strlen(ACCOUNT);
	memset(p, 'x', huge);
	p += huge;
	*p++ = '\n';
	/* CRLF line ends and no final newline. */
	{
		static const char crlf[] =
		    "{\"type\":\"account\",\"account\":\"b\",\"addresses\":[\"@b.example\"]}\r\n";
		memcpy(p, crlf, sizeof(crlf) - 1);
		p += sizeof(crlf) - 1;
	}
	strcpy(p, "{\"type\":\"account\",\"account\":\"c\",\"addresses\":[\"@c.example\"]}");
	assert_int_equal(run_import(f, "huge.jsonl", data, &s), IMPORT_OK);
	free(data);
	assert_int_equal(s.lines, 4);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.accounts, 3);
	assert_non_null(strstr(buf_cstr(&f->reports), "2: line longer than"));
}

static void
test_gzip_and_missing(void **state)
{
	struct fx *f = *state;
	char path[600], err[512];
	struct import_stats s;
	gzFile gz;

	snprintf(path, sizeof(path), "%s/records.jsonl.gz", f->dir);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	gzputs(gz, ACCOUNT MESSAGE ATTEMPT);
	gzclose(gz);
	memset(&s, 0, sizeof(s));
	assert_int_equal(import_jsonl(f->st, path, &s, report, f, err, sizeof(err)), IMPORT_OK);
	assert_int_equal(s.attempts, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(import_jsonl(f->st, "/nonexistent.jsonl", &s, report, f, err, sizeof(err)),
			 IMPORT_ENOFILE);
	assert_non_null(strstr(err, "/nonexistent.jsonl: No such file"));
}

/* More lines than one batch: every batch is committed. */
static void
test_batches(void **state)
{
	struct fx *f = *state;
	struct buf in;
	struct import_stats s;
	int n = IMPORT_BATCH_LINES * 2 + 17;

	buf_init(&in, 0);
	buf_puts(&in, ACCOUNT);
	for (int i = 0; i < n; i++)
		buf_printf(&in,
			   "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q%d\","
			   "\"subject\":\"S %d\",\"submitted_at\":\"2026-11-20T09:14:02Z\","
			   "\"recipients\":[\"r%d@x.example\"]}\n",
			   i, i, i % 50);
	assert_int_equal(run_import(f, "many.jsonl", buf_cstr(&in), &s), IMPORT_OK);
	buf_free(&in);
	assert_int_equal(s.messages, n);
	assert_int_equal(count(f, "messages"), n);
	assert_int_equal(count(f, "recipients"), n);
}

/* Refusals found by the store (unknown queue ID, a queue ID of another
 * account) among refusals found by the parser, spread over more records
 * than one store batch (on PostgreSQL the results of up to
 * STORE_BATCH_MAX records come back together): every one is reported at
 * its own line, in line order, and every good line around them is kept,
 * a message's attempts in the same batch as the message too. */
static void
test_refusals_in_order(void **state)
{
	struct fx *f = *state;
	struct buf in, want;
	struct import_stats s;
	int n = STORE_BATCH_MAX * 2 + 10, line = 2, bad = 0;

	buf_init(&in, 0);
	buf_init(&want, 0);
	buf_puts(&in, ACCOUNT "{\"type\":\"account\",\"account\":\"other\",\"addresses\":[]}\n");
	line = 3;
	for (int i = 0; i < n; i++) {
		buf_printf(&in,
			   "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q%d\","
			   "\"submitted_at\":\"2026-11-20T09:14:02Z\","
			   "\"recipients\":[\"r%d@x.example\"]}\n",
			   i, i);
		line++;
		buf_printf(&in,
			   "{\"type\":\"attempt\",\"queue_id\":\"Q%d\",\"recipient\":"
			   "\"r%d@x.example\",\"at\":\"2026-11-20T09:14:03Z\",\"status\":"
			   "\"delivered\"}\n",
			   i, i);
		line++;
		if (i % 37 == 5) { /* the store refuses: no such queue ID */
			buf_printf(&in,
				   "{\"type\":\"attempt\",\"queue_id\":\"NONE%d\",\"recipient\":"
				   "\"r@x.example\",\"at\":\"2026-11-20T09:14:03Z\","
				   "\"status\":\"delivered\"}\n",
				   i);
			buf_printf(&want, "%d: unknown queue_id NONE%d\n", line++, i);
			bad++;
		}
		if (i % 53 == 7) { /* the parser refuses */
			buf_puts(&in, "{not json\n");
			buf_printf(&want, "%d: invalid JSON\n", line++);
			bad++;
		}
		if (i % 61 == 11) { /* the store refuses: Q<i> is acme's */
			buf_printf(&in,
				   "{\"type\":\"message\",\"account\":\"other\",\"queue_id\":"
				   "\"Q%d\",\"recipients\":[\"z@x.example\"]}\n",
				   i);
			buf_printf(&want, "%d: queue_id Q%d already belongs to another account\n",
				   line++, i);
			bad++;
		}
	}
	assert_int_equal(run_import(f, "mixed.jsonl", buf_cstr(&in), &s), IMPORT_OK);
	assert_int_equal(s.rejected, bad);
	assert_int_equal(s.messages, n);
	assert_int_equal(s.attempts, n);
	assert_int_equal(count(f, "messages"), n);
	assert_int_equal(count(f, "attempts"), n);
	assert_int_equal(count(f, "recipients"), n); /* z@x.example never stored */
	/* Line by line, the reports in order ("invalid JSON at column ..."
	 * goes on past the part compared). */
	{
		const char *got = buf_cstr(&f->reports), *w = buf_cstr(&want);

		while (*w) {
			size_t n_w = strcspn(w, "\n"), n_g = strcspn(got, "\n");

			if (n_g < n_w || strncmp(got, w, n_w) != 0)
				fail_msg("want \"%.*s\", got \"%.*s\"", (int)n_w, w, (int)n_g, got);
			w += n_w + 1;
			got += n_g + (got[n_g] ? 1 : 0);
		}
		assert_string_equal(got, "");
	}
	/* Again: nothing new, the same refusals. */
	assert_int_equal(run_import(f, "mixed.jsonl", buf_cstr(&in), &s), IMPORT_OK);
	assert_int_equal(s.rejected, bad);
	assert_int_equal(s.messages + s.attempts, 0);
	assert_int_equal(s.unchanged, 2 * n + 2);
	buf_free(&in);
	buf_free(&want);
}

/* The subject-word index after a bulk load (store_begin_bulk: on SQLite
 * the index of a transaction's new messages is written at its commit):
 * every message is found by its subject words, over more than one batch;
 * a message line again in the same batch that fills in the subject, or
 * only the sender (the update trigger deletes the row's old index entry:
 * it must be there), leaves one entry with the right words; on SQLite
 * the FTS5 index matches the table and the trigger is in place after it. */
static void
test_subject_index(void **state)
{
	struct fx *f = *state;
	struct buf in;
	struct import_stats s;
	struct store_message_list l;
	int n = IMPORT_BATCH_LINES + 100;

	buf_init(&in, 0);
	buf_puts(&in, ACCOUNT);
	for (int i = 0; i < n; i++)
		buf_printf(&in,
			   "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q%d\","
			   "\"subject\":\"Invoice %d\",\"submitted_at\":\"2026-11-20T09:14:02Z\","
			   "\"recipients\":[\"r%d@x.example\"]}\n",
			   i, i, i % 50);
	buf_puts(&in, "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QX\","
		      "\"recipients\":[\"x@x.example\"]}\n"
		      "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QX\","
		      "\"subject\":\"Quarterly statement\",\"recipients\":[]}\n"
		      "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QY\","
		      "\"subject\":\"Payroll run\",\"recipients\":[\"y@x.example\"]}\n"
		      "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QY\","
		      "\"from\":\"hr@acme.example\",\"recipients\":[]}\n");
	assert_int_equal(run_import(f, "subjects.jsonl", buf_cstr(&in), &s), IMPORT_OK);
	buf_free(&in);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(count(f, "messages"), n + 2);

	assert_int_equal(store_find_by_subject(f->st, "invoice 17", 0, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "Q17");
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "invoice 5099", 0, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "quarterly statement", 0, 0, 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "QX");
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "payroll", 0, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "QY");
	assert_string_equal(l.v[0].from, "hr@acme.example");
	store_message_list_free(&l);

	if (!tu_store_pg()) {
		char *path = tu_store_target(f->dir);

		/* FTS5 compares its index with the messages table; its
		 * totals (rows, words: for ranking) are what a rebuild from
		 * the table makes, else abs() of the smallest integer fails
		 * the statement (integer overflow) */
		tu_sql_exec(path,
			    "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
		tu_sql_exec(path, "CREATE TEMP TABLE a AS SELECT block FROM messages_fts_data"
				  " WHERE id = 1;"
				  "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');"
				  "SELECT CASE (SELECT block FROM messages_fts_data WHERE id = 1)"
				  " WHEN (SELECT block FROM a) THEN 1"
				  " ELSE abs(-9223372036854775807 - 1) END");
		/* the trigger is there */
		tu_sql_exec(path, "CREATE TEMP TABLE t AS SELECT 1 FROM sqlite_master"
				  " WHERE type = 'trigger' AND name = 'messages_fts_ai';"
				  "SELECT CASE (SELECT count(*) FROM t) WHEN 1 THEN 1"
				  " ELSE abs(-9223372036854775807 - 1) END");
		free(path);
	}
}

/* A message line again, filling in submitted_at, between its attempts in
 * one transaction (a bulk transaction keeps what it wrote: a recipient
 * first seen in a later attempt must get the new time, not the one kept
 * from before): every recipient carries it, and a lookup by recipient and
 * time finds each. */
static void
test_fill_in_same_batch(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct store_message_list l;
	int64_t t = 0;

	assert_int_equal(time_parse_rfc3339("2026-11-20T09:14:02Z", &t), 0);
	assert_int_equal(
	    run_import(f, "fill.jsonl",
		       ACCOUNT
		       "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QF\","
		       "\"recipients\":[\"a@x.example\"]}\n"
		       "{\"type\":\"attempt\",\"queue_id\":\"QF\",\"recipient\":\"a@x.example\","
		       "\"at\":\"2026-11-20T09:15:00Z\",\"status\":\"delivered\"}\n"
		       "{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"QF\","
		       "\"submitted_at\":\"2026-11-20T09:14:02Z\","
		       "\"recipients\":[\"b@x.example\"]}\n"
		       "{\"type\":\"attempt\",\"queue_id\":\"QF\",\"recipient\":\"b@x.example\","
		       "\"at\":\"2026-11-20T09:15:01Z\",\"status\":\"bounced\"}\n"
		       "{\"type\":\"attempt\",\"queue_id\":\"QF\",\"recipient\":\"c@x.example\","
		       "\"at\":\"2026-11-20T09:15:02Z\",\"status\":\"deferred\"}\n",
		       &s),
	    IMPORT_OK);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.messages, 2); /* added, then completed */
	assert_int_equal(s.attempts, 3);
	assert_int_equal(count(f, "recipients"), 3);
	for (int i = 0; i < 3; i++) {
		static const char *const rcpt[] = { "a@x.example", "b@x.example", "c@x.example" };

		assert_int_equal(
		    store_find_by_recipient(f->st, rcpt[i], 0, t, t, STORE_WITH_ATTEMPTS, 0, &l),
		    STORE_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.v[0].submitted_at, t);
		assert_int_equal(l.v[0].n_rcpts, 3);
		store_message_list_free(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_and_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_language, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_line_and_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_in_same_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
