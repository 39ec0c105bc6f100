/*
 * test_compose.c - the reply message.
 *
 *  - golden replies: fixed delivery records + reply_input with a fixed
 *    clock and Message-ID seed -> the exact bytes of
 *    tests/fixtures/golden/<case>.eml.  Regenerate after an intended
 *    change with RESPONDER_UPDATE_GOLDEN=1 (then review the diff);
 *  - every generated reply is parsed back with libetpan: headers, MIME
 *    structure, CRLF and line lengths, and each transcript attachment
 *    decodes to the stored transcripts byte for byte;
 *  - header injection and hostile text (CR/LF, controls, non-ASCII, HTML,
 *    "\r\n.\r\n", "From " lines) in every field that comes from outside;
 *  - template errors reported as file:line by templates_load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "tests/testutil.h"

#include "common/timeutil.h"
#include "common/xalloc.h"
#include "responder/compose.h"

/* ---- fixtures ----------------------------------------------------------- */

struct att_spec {
	const char *at, *status, *mx_host, *mx_ip;
	int code;
	const char *enhanced, *response, *transcript;
};

struct rcpt_spec {
	const char *address;
	const struct att_spec *atts;
	size_t n;
};

static int64_t
t_of(const char *s)
{
	int64_t t = 0;
	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	return t;
}

static void
build_msg(struct store_message *m, const char *qid, const char *mid, const char *from,
	  const char *subject, const char *submitted, const struct rcpt_spec *r, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->account = xstrdup("acme");
	m->queue_id = xstrdup(qid);
	m->message_id = xstrdup_or_null(mid);
	m->from = xstrdup_or_null(from);
	m->subject = xstrdup_or_null(subject);
	m->submitted_at = submitted ? t_of(submitted) : 0;
	m->rcpts = xcalloc(n, sizeof(*m->rcpts));
	m->n_rcpts = n;
	for (size_t i = 0; i < n; i++) {
		struct store_recipient *sr = &m->rcpts[i];
		sr->address = xstrdup(r[i].address);
		sr->status = xstrdup(r[i].n ? r[i].atts[r[i].n - 1].status : "pending");
		sr->attempts = xcalloc(r[i].n ? r[i].n : 1, sizeof(*sr->attempts));
		sr->n_attempts = r[i].n;
		for (size_t k = 0; k < r[i].n; k++) {
			const struct att_spec *a = &r[i].atts[k];
			struct store_attempt *sa = &sr->attempts[k];
			sa->at = t_of(a->at);
			sa->status = xstrdup(a->status);
			sa->mx_host = xstrdup_or_null(a->mx_host);
			sa->mx_ip = xstrdup_or_null(a->mx_ip);
			sa->smtp_code = a->code;
			sa->enhanced_status = xstrdup_or_null(a->enhanced);
			sa->response = xstrdup_or_null(a->response);
			sa->transcript = xstrdup_or_null(a->transcript);
			sa->transcript_kind = xstrdup("full");
			sr->last_attempt_at = sa->at;
		}
	}
}

#define GOOGLE_ACK "250 2.0.0 OK  1763630045 5b1f17b1804b1-47a8e6a0f0asi1234567f.12 - gsmtp"
static const char google_transcript[] =
	"Connected to aspmx.l.google.com[142.250.27.26]:25\r\n"
	"<<< 220 mx.google.com ESMTP 5b1f17b1804b1-47a8e6a0f0asi1234567f.12 - gsmtp\r\n"
	">>> EHLO relay.example\r\n"
	"<<< 250-mx.google.com at your service, [203.0.113.9]\r\n"
	"<<< 250 SMTPUTF8\r\n"
	">>> MAIL FROM:<billing@acme.example> SIZE=48213\r\n"
	"<<< 250 2.1.0 OK\r\n"
	">>> RCPT TO:<bob@northwind.example>\r\n"
	"<<< 250 2.1.5 OK\r\n"
	">>> DATA\r\n"
	"<<< 354 Go ahead\r\n"
	">>> .\r\n"
	"<<< " GOOGLE_ACK "\r\n"
	">>> QUIT\r\n"
	"<<< 221 2.0.0 closing connection\r\n";

static const struct att_spec bob_atts[] = {
	{ "2026-11-20T09:14:03Z", "delivered", "aspmx.l.google.com", "142.250.27.26", 250,
	  "2.0.0", GOOGLE_ACK, google_transcript },
};

static const struct att_spec carol_atts[] = {
	{ "2026-11-20T09:14:04Z", "bounced", "contoso-com.mail.protection.outlook.com",
	  "52.101.68.14", 550, "5.1.10",
	  "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient carol@contoso.example not found by SMTP address lookup",
	  "<<< 220 AM4PEPF00027A65.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready\n"
	  ">>> RCPT TO:<carol@contoso.example>\n"
	  "<<< 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient carol@contoso.example not found by SMTP address lookup\n" },
};

static const struct att_spec dave_atts[] = {
	{ "2026-11-20T09:14:05Z", "deferred", "mx.fabrikam.example", "198.51.100.7", 451, "4.7.1",
	  "451 4.7.1 <dave@fabrikam.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/fabrikam.example.html",
	  "<<< 220 mx.fabrikam.example ESMTP Postfix\r\n>>> RCPT TO:<dave@fabrikam.example>\r\n"
	  "<<< 451 4.7.1 <dave@fabrikam.example>: Recipient address rejected: Greylisted\r\n" },
	{ "2026-11-20T09:19:05Z", "deferred", "mx.fabrikam.example", "198.51.100.7", 451, "4.7.1",
	  "451 4.7.1 <dave@fabrikam.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/fabrikam.example.html",
	  "<<< 451 4.7.1 Greylisted (second try)\r\n" },
};

struct fixture {
	struct settings settings;
	struct store_message_list msgs;
	struct templates *t;
};

static char s_name[] = "Relay Support", s_addr[] = "support@relay.example",
	    s_host[] = "relay.example";

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	f->settings.name = s_name;
	f->settings.address = s_addr;
	f->settings.hostname = s_host;
	f->settings.answer_unauthorized = 1;
	char *src = getenv("RESPONDER_SRC"), dir[4096], err[512] = "";
	snprintf(dir, sizeof(dir), "%s/templates", src ? src : ".");
	if (templates_load(dir, &f->t, err, sizeof(err)) < 0)
		fail_msg("templates_load: %s", err);

	const struct rcpt_spec r1[] = { { "bob@northwind.example", bob_atts, 1 } };
	const struct rcpt_spec r2[] = {
		{ "bob@northwind.example", bob_atts, 1 },
		{ "carol@contoso.example", carol_atts, 1 },
		{ "dave@fabrikam.example", dave_atts, 2 },
		{ "erin@pending.example", NULL, 0 },
	};
	f->msgs.v = xcalloc(4, sizeof(*f->msgs.v));
	f->msgs.n = 4;
	build_msg(&f->msgs.v[0], "4XbQ1m0vG7z1aa", "<inv-1042@acme.example>", "billing@acme.example",
		  "Invoice 1042", "2026-11-20T09:14:02Z", r1, 1);
	build_msg(&f->msgs.v[1], "4XbQ2p7Hk3z9bb", "<news-77@acme.example>", "billing@acme.example",
		  "November newsletter", "2026-11-20T09:14:02Z", r2, 4);
	build_msg(&f->msgs.v[2], "4XbQ3c1Lm5z2cc", "<inv-1043@acme.example>", "billing@acme.example",
		  "Invoice 1043", "2026-11-21T10:00:00Z", r1, 1);
	build_msg(&f->msgs.v[3], "4XbQ4d2Nn6z3dd", NULL, "billing@acme.example",
		  NULL, "2026-11-22T11:30:00Z", r1, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	templates_free(&f->t);
	store_message_list_free(&f->msgs);
	free(f);
	return 0;
}

static const char *const refs[] = { "<thread-root@acme.example>", "<c-1@acme.example>" };

static struct reply_input
base_input(struct fixture *f, enum outcome o)
{
	struct reply_input in;
	memset(&in, 0, sizeof(in));
	in.outcome = o;
	in.requester = "billing@acme.example";
	in.requester_name = "Acme Billing";
	in.account = "acme";
	in.complaint_subject = "Fwd: Invoice 1042 never arrived";
	in.complaint_message_id = "<c-2@acme.example>";
	in.complaint_references = refs;
	in.n_references = 2;
	in.settings = &f->settings;
	in.now = t_of("2026-11-29T15:04:54Z");
	in.seed = "golden";
	return in;
}

/* ---- parsing a reply back ----------------------------------------------- */

struct expect {
	const char *subject;		/* decoded */
	const char *to;
	const char *in_reply_to;	/* without <>, or NULL for none */
	size_t n_attachments;
	const struct store_message *msg;	/* attachments belong to it */
	const char *const *att_rcpts;	/* recipient of each attachment */
};

static const char *
optional_field(struct mailimf_fields *fields, const char *name)
{
	for (clistiter *it = clist_begin(fields->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fl = clist_content(it);
		if (fl->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
		    strcasecmp(fl->fld_data.fld_optional_field->fld_name, name) == 0)
			return fl->fld_data.fld_optional_field->fld_value;
	}
	return NULL;
}

static int
is_type(struct mailmime *m, int discrete_or_multipart, const char *subtype)
{
	struct mailmime_type *ty = m->mm_content_type->ct_type;
	if (strcasecmp(m->mm_content_type->ct_subtype, subtype) != 0)
		return 0;
	if (discrete_or_multipart == 0)
		return ty->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		       ty->tp_data.tp_discrete_type->dt_type == MAILMIME_DISCRETE_TYPE_TEXT;
	return ty->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	       ty->tp_data.tp_composite_type->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART;
}

/* Decoded body of a single part (caller frees). */
static char *
decode_part(struct mailmime *m, size_t *len_r)
{
	assert_int_equal(m->mm_type, MAILMIME_SINGLE);
	struct mailmime_data *d = m->mm_data.mm_single;
	size_t idx = 0, olen = 0;
	char *out = NULL;
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
					     &idx, d->dt_encoding, &out, &olen), MAILIMF_NO_ERROR);
	char *copy = xmalloc(olen + 1);
	memcpy(copy, out, olen);
	copy[olen] = '\0';
	mmap_string_unref(out);
	if (len_r)
		*len_r = olen;
	return copy;
}

static const char *
disposition_filename(struct mailmime *m)
{
	if (!m->mm_mime_fields)
		return NULL;
	for (clistiter *it = clist_begin(m->mm_mime_fields->fld_list); it; it = clist_next(it)) {
		struct mailmime_field *fl = clist_content(it);
		if (fl->fld_type != MAILMIME_FIELD_DISPOSITION)
			continue;
		for (clistiter *p = clist_begin(fl->fld_data.fld_disposition->dsp_parms); p;
		     p = clist_next(p)) {
			struct mailmime_disposition_parm *dp = clist_content(p);
			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
				return dp->pa_data.pa_filename;
		}
	}
	return NULL;
}

/* CRLF only, lines <= 78. */
static void
check_lines(const char *msg, size_t len)
{
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\r') {
			assert_true(i + 1 < len && msg[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		assert_true(msg[i] != '\n');
		assert_true(msg[i] != '\0');
		if (++col > 78)
			fail_msg("line longer than 78 at byte %zu: %.80s", i, msg + i - 78);
	}
	assert_true(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
}

/* Parses `msg` and checks it against `e`; returns the decoded text and
 * HTML parts through text_r/html_r (caller frees). */
static void
check_reply(const char *msg, size_t len, const struct expect *e, char **text_r, char **html_r)
{
	check_lines(msg, len);
	size_t idx = 0;
	struct mailmime *root = NULL;
	assert_int_equal(mailmime_parse(msg, len, &idx, &root), MAILIMF_NO_ERROR);
	assert_int_equal(root->mm_type, MAILMIME_MESSAGE);
	struct mailimf_fields *fields = root->mm_data.mm_message.mm_fields;
	assert_non_null(fields);
	struct mailimf_single_fields sf;
	mailimf_single_fields_init(&sf, fields);

	assert_non_null(sf.fld_from);
	struct mailimf_mailbox *from = clist_content(clist_begin(sf.fld_from->frm_mb_list->mb_list));
	if (!from)
		fail_msg("no From mailbox");
	else
	assert_string_equal(from->mb_addr_spec, "support@relay.example");
	assert_non_null(sf.fld_to);
	struct mailimf_address *to = clist_content(clist_begin(sf.fld_to->to_addr_list->ad_list));
	if (!to || to->ad_type != MAILIMF_ADDRESS_MAILBOX || !to->ad_data.ad_mailbox)
		fail_msg("To is not one mailbox");
	else
		assert_string_equal(to->ad_data.ad_mailbox->mb_addr_spec, e->to);
	assert_int_equal(clist_count(sf.fld_to->to_addr_list->ad_list), 1);

	assert_non_null(sf.fld_subject);
	char *subj = NULL;
	idx = 0;
	assert_int_equal(mailmime_encoded_phrase_parse("utf-8", sf.fld_subject->sbj_value,
						       strlen(sf.fld_subject->sbj_value), &idx,
						       "utf-8", &subj), MAILIMF_NO_ERROR);
	assert_string_equal(subj, e->subject);
	free(subj);

	assert_non_null(sf.fld_orig_date);
	assert_non_null(sf.fld_message_id);
	const char *mid = sf.fld_message_id->mid_value;
	assert_true(strlen(mid) > 14 && strcmp(mid + strlen(mid) - 14, "@relay.example") == 0);
	if (e->in_reply_to) {
		assert_non_null(sf.fld_in_reply_to);
		assert_string_equal(clist_content(clist_begin(sf.fld_in_reply_to->mid_list)),
				    e->in_reply_to);
		assert_non_null(sf.fld_references);
		assert_string_equal(clist_content(clist_end(sf.fld_references->mid_list)),
				    e->in_reply_to);
	} else {
		assert_null(sf.fld_in_reply_to);
	}
	assert_string_equal(optional_field(fields, "Auto-Submitted"), "auto-replied");
	assert_string_equal(optional_field(fields, "X-Auto-Response-Suppress"), "All");
	/* libetpan takes MIME-Version into the MIME fields: look at the text. */
	const char *hend = strstr(msg, "\r\n\r\n");
	const char *mv = strstr(msg, "\r\nMIME-Version: 1.0\r\n");
	assert_true(mv && hend && mv < hend);

	struct mailmime *mixed = root->mm_data.mm_message.mm_msg_mime;
	assert_non_null(mixed);
	assert_int_equal(mixed->mm_type, MAILMIME_MULTIPLE);
	assert_true(is_type(mixed, 1, "mixed"));
	clist *parts = mixed->mm_data.mm_multipart.mm_mp_list;
	assert_int_equal(clist_count(parts), 1 + e->n_attachments);
	clistiter *it = clist_begin(parts);
	struct mailmime *alt = clist_content(it);
	assert_true(is_type(alt, 1, "alternative"));
	clist *alts = alt->mm_data.mm_multipart.mm_mp_list;
	assert_int_equal(clist_count(alts), 2);
	struct mailmime *text = clist_content(clist_begin(alts));
	struct mailmime *html = clist_content(clist_end(alts));
	assert_true(is_type(text, 0, "plain"));
	assert_true(is_type(html, 0, "html"));
	assert_string_equal(mailmime_content_charset_get(text->mm_content_type), "utf-8");
	assert_string_equal(mailmime_content_charset_get(html->mm_content_type), "utf-8");
	*text_r = decode_part(text, NULL);
	*html_r = decode_part(html, NULL);

	size_t k = 0;
	for (it = clist_next(it); it; it = clist_next(it), k++) {
		struct mailmime *att = clist_content(it);
		assert_true(is_type(att, 0, "plain"));
		const char *fn = disposition_filename(att);
		assert_non_null(fn);
		assert_int_equal(strncmp(fn, "transcript-", 11), 0);
		size_t alen;
		char *data = decode_part(att, &alen);
		/* Each attempt's transcript is in there, whole, after its marker. */
		const struct store_recipient *r = NULL;
		for (size_t i = 0; i < e->msg->n_rcpts; i++)
			if (strcmp(e->msg->rcpts[i].address, e->att_rcpts[k]) == 0)
				r = &e->msg->rcpts[i];
		if (!r) {
			fail_msg("attachment %zu: no recipient %s", k, e->att_rcpts[k]);
			return;
		}
		assert_string_equal(fn + strlen(fn) - 4, ".txt");
		assert_true(strspn(fn, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._@+-") == strlen(fn));
		assert_true(strlen(fn) <= 60);
		for (size_t i = 0; i < r->n_attempts; i++) {
			char marker[64];
			snprintf(marker, sizeof(marker), "===== transcript of attempt %zu (", i + 1);
			const char *p = strstr(data, marker);
			assert_non_null(p);
			p = strstr(p, "=====\r\n");
			assert_non_null(p);
			p += 7;
			const char *tr = r->attempts[i].transcript;
			assert_memory_equal(p, tr, strlen(tr));
		}
		free(data);
	}
	assert_int_equal(k, e->n_attachments);
	mailmime_free(root);
}

/* ---- golden files ------------------------------------------------------- */

static void
golden(const char *name, const char *msg, size_t len)
{
	char *path = NULL, rel[256];
	snprintf(rel, sizeof(rel), "golden/%s.eml", name);
	path = tu_fixture(rel);
	const char *update = getenv("RESPONDER_UPDATE_GOLDEN");
	if (update && strcmp(update, "1") == 0) {
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(msg, 1, len, fp), len);
		fclose(fp);
		printf("updated %s\n", path);
	}
	size_t glen = 0;
	char *want = tu_read_file(path, &glen);
	if (!want)
		fail_msg("%s missing: run with RESPONDER_UPDATE_GOLDEN=1 to create it", path);
	if (glen != len || memcmp(want, msg, len) != 0) {
		size_t i = 0;
		while (i < len && i < glen && want[i] == msg[i])
			i++;
		fail_msg("%s differs at byte %zu: want [%.60s] got [%.60s] "
			 "(RESPONDER_UPDATE_GOLDEN=1 regenerates after an intended change)",
			 path, i, want + i, msg + i);
	}
	free(want);
	free(path);
}

static char *
compose_ok(struct fixture *f, const struct reply_input *in, size_t *len_r)
{
	char *msg = NULL, err[512] = "";
	if (compose_reply(f->t, in, &msg, len_r, err, sizeof(err)) < 0)
		fail_msg("compose_reply: %s", err);
	return msg;
}

static void
test_found_delivered(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = &f->msgs.v[0];
	in.n_matches = 1;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	const char *const att[] = { "bob@northwind.example" };
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived", "billing@acme.example",
			    "c-2@acme.example", 1, &f->msgs.v[0], att };
	check_reply(msg, len, &e, &text, &html);
	/* What the customer must read in a delivered reply. */
	assert_non_null(strstr(text, GOOGLE_ACK));
	assert_non_null(strstr(text, "Remote queue ID: 5b1f17b1804b1-47a8e6a0f0asi1234567f.12"));
	assert_non_null(strstr(text, "spam or junk folder"));
	assert_non_null(strstr(text, "Report not spam"));	/* Gmail's steps */
	assert_non_null(strstr(text, "If it is not there either, forward the attached"));
	assert_non_null(strstr(text, "IT department"));
	assert_non_null(strstr(html, "5b1f17b1804b1-47a8e6a0f0asi1234567f.12</span>"));
	assert_null(strstr(text, "Outlook"));
	golden("found_delivered", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_found_mixed(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = &f->msgs.v[1];
	in.n_matches = 1;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	const char *const att[] = { "bob@northwind.example", "carol@contoso.example",
				    "dave@fabrikam.example" };
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived", "billing@acme.example",
			    "c-2@acme.example", 3, &f->msgs.v[1], att };
	check_reply(msg, len, &e, &text, &html);
	/* Each recipient has its own section with its own guidance. */
	assert_non_null(strstr(text, "bob@northwind.example: delivered"));
	assert_non_null(strstr(text, "carol@contoso.example: bounced"));
	assert_non_null(strstr(text, "The address does not exist"));
	assert_non_null(strstr(text, "dave@fabrikam.example: deferred"));
	assert_non_null(strstr(text, "greylisting"));
	assert_non_null(strstr(text, "erin@pending.example: pending"));
	assert_non_null(strstr(text, "No delivery attempt has been made yet"));
	assert_true(strstr(text, "carol@contoso.example: bounced") > strstr(text, "Report not spam"));
	golden("found_mixed", msg, len);
	free(text);
	free(html);
	free(msg);

	/* Focus on one recipient: only that one is reported and attached. */
	const char *const focus[] = { "CAROL@contoso.example" };
	in.focus_recipients = focus;
	in.n_focus = 1;
	msg = compose_ok(f, &in, &len);
	const char *const att2[] = { "carol@contoso.example" };
	struct expect e2 = e;
	e2.n_attachments = 1;
	e2.att_rcpts = att2;
	check_reply(msg, len, &e2, &text, &html);
	assert_null(strstr(text, "bob@northwind.example: delivered"));
	free(text);
	free(html);
	free(msg);
}

static void
test_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_AMBIGUOUS);
	in.matches = &f->msgs.v[0];
	in.n_matches = 4;
	in.complaint_subject = "did bob get my invoice?";
	in.requester_name = NULL;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	struct expect e = { "Re: did bob get my invoice?", "billing@acme.example",
			    "c-2@acme.example", 0, NULL, NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_non_null(strstr(text, "  1. Invoice 1042"));
	assert_non_null(strstr(text, "  2. November newsletter"));
	assert_non_null(strstr(text, "  4. (no subject)"));
	assert_non_null(strstr(text, "Forward as attachment"));
	assert_null(strstr(text, "gsmtp"));	/* no delivery details yet */
	golden("ambiguous", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_not_found(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_NOT_FOUND);
	const char *const searched[] = { "Message-ID <inv-9999@acme.example>",
					 "recipient bob@northwind.example since 2026-10-30" };
	in.searched = searched;
	in.n_searched = 2;
	in.complaint_references = NULL;
	in.n_references = 0;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	struct expect e = { "Re: Fwd: Invoice 1042 never arrived", "billing@acme.example",
			    "c-2@acme.example", 0, NULL, NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_non_null(strstr(text, "  - Message-ID <inv-9999@acme.example>\r\n"));
	assert_non_null(strstr(html, "<li>Message-ID &lt;inv-9999@acme.example&gt;</li>"));
	golden("not_found", msg, len);
	free(text);
	free(html);
	free(msg);
}

static void
test_unauthorized(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_UNAUTHORIZED);
	/* Even when the caller hands over records, none of them leaks. */
	in.matches = &f->msgs.v[0];
	in.n_matches = 1;
	in.account = "other-account";
	in.requester = "mallory@evil.example";
	in.requester_name = NULL;
	in.complaint_subject = "Re: what about Invoice 1042?";
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	struct expect e = { "Re: what about Invoice 1042?", "mallory@evil.example",
			    "c-2@acme.example", 0, NULL, NULL };
	check_reply(msg, len, &e, &text, &html);
	assert_null(strstr(msg, "4XbQ1m0vG7z1aa"));
	assert_null(strstr(msg, "northwind"));
	assert_null(strstr(msg, "other-account"));
	assert_null(strstr(text, "delivered"));
	golden("unauthorized", msg, len);
	free(text);
	free(html);
	free(msg);

	char err[256] = "";
	f->settings.answer_unauthorized = 0;
	assert_int_equal(compose_reply(f->t, &in, &msg, &len, err, sizeof(err)), -1);
	assert_null(msg);
	f->settings.answer_unauthorized = 1;
}

/* ---- hostile input ------------------------------------------------------ */

static void
test_injection(void **state)
{
	struct fixture *f = *state;
	static const struct att_spec evil_atts[] = {
		{ "2026-11-20T09:14:03Z", "delivered", "mx.evil.example\r\nX-Injected: mx",
		  "192.0.2.1", 250, "2.0.0",
		  "250 2.0.0 Ok: queued as 4Xq\r\nX-Injected: 1 <script>alert(1)</script>\x1b[31m",
		  "220 hi\r\n.\r\nFrom the start of a line\r\n.\r\nFrom \r\n\x01\x7f binary \xff\xfe\r\n" },
	};
	const struct rcpt_spec r[] = { { "zoë@evil.example", evil_atts, 1 } };
	struct store_message_list l = { xcalloc(1, sizeof(struct store_message)), 1 };
	build_msg(&l.v[0], "Q\r\nBcc: x@y", "<m@x>\r\nBcc: a@b", "billing@acme.example",
		  "Résumé <b>bold</b>\r\nBcc: victim@example.com", "2026-11-20T09:14:02Z", r, 1);

	struct reply_input in = base_input(f, OUTCOME_FOUND);
	in.matches = l.v;
	in.n_matches = 1;
	in.requester_name = "Evil\r\nBcc: victim@example.com \"quoted\" Ünïcödé";
	in.complaint_subject = "Grüße\r\nBcc: victim@example.com\r\n\r\n<html>";
	in.complaint_message_id = "<c@x>\r\nBcc: victim@example.com";
	const char *const bad_refs[] = { "<ok@x>", "no-brackets@x", "<sp ace@x>", "<a@b>\nX: y",
					 "<a@b>\r\nBcc: v@x", "a@b> <c" };
	in.complaint_references = bad_refs;
	in.n_references = 6;
	size_t len;
	char *msg = compose_ok(f, &in, &len), *text, *html;
	const char *const att[] = { "zoë@evil.example" };
	struct expect e = { "Re: Grüße  Bcc: victim@example.com    <html>", "billing@acme.example",
			    NULL, 1, &l.v[0], att };
	check_reply(msg, len, &e, &text, &html);

	/* The header section: only our own header lines. */
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	static const char *const allowed[] = { "From:", "To:", "Subject:", "Date:", "Message-ID:",
		"References:", "Auto-Submitted:", "X-Auto-Response-Suppress:", "MIME-Version:",
		"Content-Type:", " ", NULL };
	for (const char *line = msg; line < end; line = strstr(line, "\r\n") + 2) {
		int ok = 0;
		for (size_t i = 0; allowed[i]; i++)
			ok |= strncmp(line, allowed[i], strlen(allowed[i])) == 0;
		if (!ok)
			fail_msg("unexpected header line: %.60s", line);
	}
	assert_non_null(strstr(msg, "References: <ok@x> <no-brackets@x>\r\n"));
	/* Nothing in the text and HTML parts carries a control character. */
	for (const char *p = text; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\r' || *p == '\n' || *p == '\t');
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "Résumé &lt;b&gt;bold&lt;/b&gt;"));
	assert_null(strstr(text, "\x1b"));
	/* The mailbox header kept its quotes and its CR/LF out. */
	assert_null(strstr(msg, "\r\nBcc:"));
	free(text);
	free(html);
	free(msg);
	store_message_list_free(&l);
}

/* A random reply (no seed) has its own Message-ID every time. */
static void
test_random_ids(void **state)
{
	struct fixture *f = *state;
	struct reply_input in = base_input(f, OUTCOME_NOT_FOUND);
	in.seed = NULL;
	size_t l1, l2;
	char *a = compose_ok(f, &in, &l1), *b = compose_ok(f, &in, &l2);
	const char *ma = strstr(a, "Message-ID: "), *mb = strstr(b, "Message-ID: ");
	assert_non_null(ma);
	assert_non_null(mb);
	assert_true(strncmp(ma, mb, 40) != 0);
	free(a);
	free(b);
	/* A long thread: the root and the latest 19 references are kept. */
	char refbuf[30][32];
	const char *many[30];
	for (int i = 0; i < 30; i++) {
		snprintf(refbuf[i], sizeof(refbuf[i]), "<r%d@t.example>", i);
		many[i] = refbuf[i];
	}
	in.seed = "refs";
	in.complaint_references = many;
	in.n_references = 30;
	a = compose_ok(f, &in, &l1);
	const char *hend = strstr(a, "\r\n\r\n");
	const char *rs = strstr(a, "References: <r0@t.example> <r11@t.example>");
	assert_true(rs && rs < hend);
	assert_null(strstr(a, "<r10@t.example>"));
	const char *last = strstr(a, "<r29@t.example>");
	assert_true(last && last < hend);
	assert_non_null(strstr(last, " <c-2@acme.example>\r\n"));
	free(a);
	/* A requester that is not a plain address is refused. */
	char *msg = NULL, err[256];
	in.requester = "a@b.example\r\nBcc: c@d.example";
	assert_int_equal(compose_reply(f->t, &in, &msg, &l1, err, sizeof(err)), -1);
	assert_null(msg);
}

/* ---- template errors ---------------------------------------------------- */

static char *
copy_templates(void)
{
	char *dir = tu_tempdir(), cmd[8192];
	const char *src = getenv("RESPONDER_SRC");
	snprintf(cmd, sizeof(cmd), "cp '%s'/templates/*.mustache '%s'/", src ? src : ".", dir);
	assert_int_equal(system(cmd), 0);
	return dir;
}

static void
test_template_errors(void **state)
{
	(void)state;
	static const struct {
		const char *file, *text, *want;
	} cases[] = {
		{ "found.txt.mustache", "Hello\n{{#messages}}\nno end\n", "/found.txt.mustache:2: section is never closed: 'messages'" },
		{ "found.html.mustache", "<p>\n\n{{> no_such_partial}}\n", "/found.html.mustache:3: unknown partial 'no_such_partial'" },
		{ "reason_mailbox_full.txt.mustache", "a\n{{#x}}\n{{/y}}\n", "/reason_mailbox_full.txt.mustache:3: closing tag does not match section 'x' opened on line 2: 'y'" },
		{ "subject.mustache", "Re: {{reply_subject\n", "/subject.mustache:1: unclosed tag, missing '}}'" },
		{ "unauthorized.html.mustache", NULL, "/unauthorized.html.mustache: required template is missing" },
		{ "reason_expired.html.mustache", NULL, "/reason_expired.html.mustache: required template is missing" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = copy_templates(), path[4096], err[512] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		if (cases[i].text)
			free(tu_write_file(dir, cases[i].file, cases[i].text, 0644));
		else
			assert_int_equal(unlink(path), 0);
		struct templates *t = NULL;
		assert_int_equal(templates_load(dir, &t, err, sizeof(err)), -1);
		assert_null(t);
		char want[4096];
		snprintf(want, sizeof(want), "%s%s", dir, cases[i].want);
		assert_string_equal(err, want);
		tu_rmtree(dir);
		free(dir);
	}
	char err[256] = "";
	struct templates *t = NULL;
	assert_int_equal(templates_load("/nonexistent-dir", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_delivered),
		cmocka_unit_test(test_found_mixed),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_unauthorized),
		cmocka_unit_test(test_injection),
		cmocka_unit_test(test_random_ids),
		cmocka_unit_test(test_template_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
