/*
 * cmd_lookup.c - responder lookup --message-id ID | --queue-id ID |
 *                --recipient ADDR [--since DATE] [--account NAME]
 *                [--transcripts] [--json]
 *
 * Shows each matching message with every recipient's current status (its
 * latest attempt) and the attempts.  Human-readable by default; one JSON
 * object per message with --json.
 *
 * SECURITY: everything shown was stored from peers (JSONL import keeps
 * control characters: "\u001b" is valid JSON).  Every stored string that
 * reaches the terminal, transcripts included, goes through the terminal
 * cleaner (ao_clean, ao_clean_text: utf8_clean_terminal); --json
 * output is JSON-escaped ASCII.
 */
#include "responder/cli/cli_out.h"
#include "responder/cli/cli.h"
#include "responder/decide/record_json.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Prints peer text on one line, cleaned for the terminal, cut to `max`
 * bytes on a character boundary ("..." marks a cut). */
static void
print_clean(const char *label, const char *s, size_t max)
{
	char *c = ao_clean(s);
	size_t n = strlen(c), cut = n;

	if (cut > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)c[cut] & 0xc0) == 0x80)
			cut--;
	}
	printf("%s%.*s%s\n", label, (int)cut, c, n > max ? "..." : "");
	free(c);
}

/* A stored text of several lines, each indented, cleaned for the
 * terminal. */
static void
print_transcript(const char *text)
{
	char *c = ao_clean_text(text, strlen(text));

	for (const char *p = c; *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		printf("        %.*s\n", len, p);
		p += len + (nl != NULL);
	}
	free(c);
}

static void
print_message(const struct store_message *m, int transcripts)
{
	char t[TIME_RFC3339_LEN];
	char *mid = ao_clean(m->message_id), *qid = ao_clean(m->queue_id),
	     *acct = ao_clean(m->account);

	printf("Message %s  queue %s  account %s\n", mid, qid, acct);
	free(mid);
	free(qid);
	free(acct);
	print_clean("  From:      ", m->from, 200);
	print_clean("  Subject:   ", m->subject, 200);
	printf("  Submitted: %s\n",
	       m->submitted_at ? time_format_rfc3339(m->submitted_at, t) : "-");
	for (size_t i = 0; i < m->n_rcpts; i++) {
		const struct store_recipient *r = &m->rcpts[i];
		char *addr = ao_clean(r->address), *status = ao_clean(r->status);

		printf("  %-40s %-9s %s\n", addr, status,
		       r->last_attempt_at ? time_format_rfc3339(r->last_attempt_at, t) : "");
		free(addr);
		free(status);
		for (size_t k = 0; k < r->n_attempts; k++) {
			const struct store_attempt *a = &r->attempts[k];
			char code[16] = "";
			char *ast = ao_clean(a->status), *host = ao_clean(a->mx_host),
			     *ip = ao_clean(a->mx_ip), *enh = ao_clean(a->enhanced_status);

			if (a->smtp_code)
				snprintf(code, sizeof(code), "%d", a->smtp_code);
			printf("    %s  %-9s %s [%s] %s %s\n", time_format_rfc3339(a->at, t), ast,
			       host, ip, code, enh);
			free(ast);
			free(host);
			free(ip);
			free(enh);
			print_clean("      reply: ", a->response, 300);
			if (transcripts && a->transcript) {
				char *kind = ao_clean(a->transcript_kind);

				printf("      transcript (%s):\n", kind);
				free(kind);
				print_transcript(a->transcript);
			}
		}
	}
}

int
cmd_lookup(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message-id", required_argument, NULL, 'm' },
		{ "queue-id", required_argument, NULL, 'q' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 's' },
		{ "account", required_argument, NULL, 'a' },
		{ "transcripts", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mid = NULL, *qid = NULL, *rcpt = NULL, *account = NULL;
	int64_t since = 0, account_id = 0;
	int c, json = 0, transcripts = 0, kinds = 0, r;
	long limit = 100;
	struct store_message_list l;
	struct store *st;

	while ((c = getopt_long(argc, argv, "m:q:r:s:a:tjn:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mid = optarg;
			kinds++;
			break;
		case 'q':
			qid = optarg;
			kinds++;
			break;
		case 'r':
			rcpt = optarg;
			kinds++;
			break;
		case 'a':
			account = optarg;
			break;
		case 't':
			transcripts = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			if ((r = ao_parse_since("lookup", optarg, &since)) != 0)
				return r;
			break;
		case 'n': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 100000)
				return cli_usage("lookup",
						 "--limit wants a number from 1 to 100000");
			break;
		}
		case 'h':
			printf("usage: responder lookup --message-id ID | --queue-id ID | "
			       "--recipient ADDR [--since DATE] [--account NAME] [--transcripts] "
			       "[--json] [--limit N]\n");
			return 0;
		default:
			return cli_usage("lookup", "bad option");
		}
	}
	if (kinds != 1)
		return cli_usage("lookup",
				 "give exactly one of --message-id, --queue-id, --recipient");
	if (optind < argc)
		return cli_usage("lookup", "unexpected argument '%s'", argv[optind]);
	if (since && !rcpt)
		return cli_usage("lookup", "--since goes with --recipient");

	st = cli_store(cli, 1);
	if (account && store_account_id(st, account, &account_id) != STORE_OK) {
		cli_error("lookup", "no account named '%s'", account);
		store_close(&st);
		return EX_DATAERR;
	}
	if (mid)
		r = store_find_by_message_id(st, mid, account_id, STORE_WITH_TRANSCRIPTS,
					     (size_t)limit, &l);
	else if (qid)
		r = store_find_by_queue_id(st, qid, account_id, STORE_WITH_TRANSCRIPTS, &l);
	else
		r = store_find_by_recipient(st, rcpt, account_id, since, 0, STORE_WITH_TRANSCRIPTS,
					    (size_t)limit, &l);
	if (r < 0) {
		cli_error("lookup", "%s", store_errmsg(st));
		store_close(&st);
		return EX_SOFTWARE;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (json) {
			json_t *o = record_message_json(&l.v[i], transcripts);
			char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
			puts(s);
			free(s);
			json_decref(o);
		} else {
			if (i)
				putchar('\n');
			print_message(&l.v[i], transcripts);
		}
	}
	if (l.n == 0 && !json)
		fprintf(stderr, "responder lookup: no matching message\n");
	store_message_list_free(&l);
	store_close(&st);
	return 0;
}
