/*
 * ittool_compose - the reply side of tests/it_reply_roundtrip.sh.
 *
 *   ittool_compose write DIR        composes a "found" reply whose two
 *                                   recipients have hostile transcripts
 *                                   ("\r\n.\r\n", "From " lines, bare CR and
 *                                   LF, 8-bit bytes, a 1200-byte line) and
 *                                   writes DIR/reply.eml and each transcript
 *                                   as DIR/transcript.N.bin (N = 1, 2)
 *   ittool_compose check FILE DIR   parses FILE (the reply as delivered by a
 *                                   real MTA) with libetpan and checks that
 *                                   attachment N still holds
 *                                   DIR/transcript.N.bin byte for byte
 *
 * Templates come from $RESPONDER_SRC/templates.  Exit 0 when all is well,
 * 1 with a message on stderr otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "common/xalloc.h"
#include "responder/reply/compose.h"

static int
die(const char *what)
{
	fprintf(stderr, "ittool_compose: %s\n", what);
	return 1;
}

static const char *
transcript(int n)
{
	static char *t[2];
	if (!t[0]) {
		char *p = xmalloc(4096);
		size_t k = 0;
		const char *head = "220 mx.example ESMTP\r\n>>> DATA\r\n.\r\n..\r\n.leading dot\r\n"
				   "From the start of a line\r\nFrom \r\nbare LF\nbare CR\rend\r\n"
				   "8-bit \xc3\xa4\xff\xfe\x01\x7f\r\n";
		memcpy(p, head, strlen(head));
		k = strlen(head);
		for (int i = 0; i < 1200; i++)
			p[k++] = (char)('a' + i % 26);
		memcpy(p + k, "\r\n.\r\n", 6);
		t[0] = p;
		t[1] = xstrdup("<<< 550 5.1.1 no such user\n.\nFrom x\n\n\n");
	}
	return t[n];
}

static void
build(struct store_message *m, struct store_recipient *r, struct store_attempt *a)
{
	static char qid[] = "4XbQRT1", mid[] = "<rt@acme.example>", from[] = "billing@acme.example",
		    subj[] = "Round trip \xe2\x9c\x93", r1[] = "bob@northwind.example",
		    r2[] = "carol@contoso.example", del[] = "delivered", bnc[] = "bounced",
		    mx1[] = "aspmx.l.google.com", mx2[] = "mx.contoso.example",
		    ok[] = "250 2.0.0 OK 1763630045 abc123 - gsmtp",
		    no[] = "550 5.1.1 no such user";
	memset(m, 0, sizeof(*m));
	memset(r, 0, 2 * sizeof(*r));
	memset(a, 0, 2 * sizeof(*a));
	for (int i = 0; i < 2; i++) {
		a[i].at = 1795964694 - 86400 + i;
		a[i].status = i ? bnc : del;
		a[i].mx_host = i ? mx2 : mx1;
		a[i].smtp_code = i ? 550 : 250;
		a[i].response = i ? no : ok;
		a[i].transcript = (char *)(uintptr_t)transcript(i);
		r[i].address = i ? r2 : r1;
		r[i].status = a[i].status;
		r[i].attempts = &a[i];
		r[i].n_attempts = 1;
	}
	m->queue_id = qid;
	m->message_id = mid;
	m->from = from;
	m->subject = subj;
	m->submitted_at = 1795964694 - 86400;
	m->rcpts = r;
	m->n_rcpts = 2;
}

static int
write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		return die(path);
	return 0;
}

static int
cmd_write(const char *dir)
{
	char tdir[4096], err[512];
	const char *src = getenv("RESPONDER_SRC");
	snprintf(tdir, sizeof(tdir), "%s/templates", src ? src : ".");
	struct templates *t = NULL;
	if (templates_load(tdir, &t, err, sizeof(err)) < 0)
		return die(err);
	struct store_message m;
	struct store_recipient r[2];
	struct store_attempt a[2];
	build(&m, r, a);
	static char name[] = "Relay Support", addr[] = "support@relay.example";
	struct settings s;
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.address = addr;
	struct reply_input in;
	memset(&in, 0, sizeof(in));
	in.outcome = OUTCOME_FOUND;
	in.requester = "outbox@mailstack.test";
	in.requester_name = "Acme Billing";
	in.complaint_subject = "Where is my mail? \xc3\xa4\xc3\xb6\xc3\xbc";
	in.complaint_message_id = "<complaint-rt@acme.example>";
	in.matches = &m;
	in.n_matches = 1;
	in.settings = &s;
	in.now = 1795964694;
	char *msg = NULL;
	size_t len = 0;
	int rc = compose_reply(t, &in, &msg, &len, err, sizeof(err));
	templates_free(&t);
	if (rc < 0)
		return die(err);
	rc = write_file(dir, "reply.eml", msg, len);
	free(msg);
	for (int i = 0; rc == 0 && i < 2; i++) {
		char n[64];
		snprintf(n, sizeof(n), "transcript.%d.bin", i + 1);
		rc = write_file(dir, n, transcript(i), strlen(transcript(i)));
	}
	return rc;
}

static char *
slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	size_t cap = 1 << 16, len = 0, n;
	char *d = xmalloc(cap + 1);
	while ((n = fread(d + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			d = xrealloc(d, cap + 1);
		}
	}
	fclose(fp);
	d[len] = '\0';
	*len_r = len;
	return d;
}

static int
cmd_check(const char *file, const char *dir)
{
	size_t len;
	char *msg = slurp(file, &len);
	if (!msg)
		return die(file);
	size_t idx = 0;
	struct mailmime *root = NULL;
	if (mailmime_parse(msg, len, &idx, &root) != MAILIMF_NO_ERROR)
		return die("the delivered reply does not parse");
	struct mailmime *mixed = root->mm_data.mm_message.mm_msg_mime;
	int rc = 0, k = 0;
	if (!mixed || mixed->mm_type != MAILMIME_MULTIPLE) {
		rc = die("the delivered reply is not multipart");
		goto out;
	}
	clistiter *it = clist_begin(mixed->mm_data.mm_multipart.mm_mp_list);
	for (it = it ? clist_next(it) : NULL; it && rc == 0; it = clist_next(it)) {
		struct mailmime *att = clist_content(it);
		if (att->mm_type != MAILMIME_SINGLE) {
			rc = die("an attachment is not a single part");
			break;
		}
		struct mailmime_data *d = att->mm_data.mm_single;
		size_t i2 = 0, olen = 0;
		char *out = NULL;
		if (mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
					&i2, d->dt_encoding, &out, &olen) != MAILIMF_NO_ERROR) {
			rc = die("an attachment does not decode");
			break;
		}
		char path[4096];
		size_t tlen;
		snprintf(path, sizeof(path), "%s/transcript.%d.bin", dir, ++k);
		char *want = slurp(path, &tlen);
		const char *marker = "as recorded =====\r\n";
		char *p = want ? memmem(out, olen, marker, strlen(marker)) : NULL;
		if (!p) {
			rc = die("attachment without its transcript marker");
		} else {
			p += strlen(marker);
			size_t have = olen - (size_t)(p - out);
			if (have < tlen || memcmp(p, want, tlen) != 0) {
				fprintf(stderr, "ittool_compose: attachment %d differs from %s\n",
					k, path);
				rc = 1;
			}
		}
		free(want);
		mmap_string_unref(out);
	}
	if (rc == 0 && k != 2)
		rc = die("expected 2 transcript attachments");
out:
	mailmime_free(root);
	free(msg);
	if (rc == 0)
		printf("ittool_compose: %d transcripts intact in %s\n", k, file);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return cmd_write(argv[2]);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	fprintf(stderr, "usage: ittool_compose write DIR | check FILE DIR\n");
	return 64;
}
