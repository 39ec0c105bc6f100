/*
 * compose_fixture.c - what test_compose.c and test_compose_safety.c share
 * (compose_fixture.h): fixed delivery records, the reply_input around them,
 * and check_reply(), which parses a reply back with libetpan.
 */
#include "tests/unit/compose_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "common/timeutil.h"
#include "common/xalloc.h"

/* ---- fixtures ----------------------------------------------------------- */

static int64_t
t_of(const char *s)
{
	int64_t t = 0;
	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	return t;
}

void
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
	{ "2026-11-20T09:14:03Z", "delivered", "aspmx.l.google.com", "142.250.27.26", 250, "2.0.0",
	  GOOGLE_ACK, google_transcript },
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

static const struct att_spec frank_atts[] = {
	{ "2026-11-20T09:14:06Z", "deferred", "mx.slow.example", "203.0.113.77", 421, "4.3.2",
	  "421 4.3.2 Service not available, closing transmission channel",
	  "<<< 421 4.3.2 Service not available, closing transmission channel\r\n" },
};

static char s_name[] = "Relay Support", s_addr[] = "support@relay.example",
	    s_host[] = "relay.example";

int
compose_fixture_setup(void **state)
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
		{ "frank@slow.example", frank_atts, 1 },
	};
	f->msgs.v = xcalloc(4, sizeof(*f->msgs.v));
	f->msgs.n = 4;
	build_msg(&f->msgs.v[0], "4XbQ1m0vG7z1aa", "<inv-1042@acme.example>",
		  "billing@acme.example", "Invoice 1042", "2026-11-20T09:14:02Z", r1, 1);
	build_msg(&f->msgs.v[1], "4XbQ2p7Hk3z9bb", "<news-77@acme.example>", "billing@acme.example",
		  "November newsletter", "2026-11-20T09:14:02Z", r2, 5);
	build_msg(&f->msgs.v[2], "4XbQ3c1Lm5z2cc", "<inv-1043@acme.example>",
		  "billing@acme.example", "Invoice 1043", "2026-11-21T10:00:00Z", r1, 1);
	build_msg(&f->msgs.v[3], "4XbQ4d2Nn6z3dd", NULL, "billing@acme.example", NULL,
		  "2026-11-22T11:30:00Z", r1, 1);
	*state = f;
	return 0;
}

int
compose_fixture_teardown(void **state)
{
	struct fixture *f = *state;
	templates_free(&f->t);
	store_message_list_free(&f->msgs);
	free(f);
	return 0;
}

static const char *const refs[] = { "<thread-root@acme.example>", "<c-1@acme.example>" };

struct reply_input
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
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data,
					     d->dt_data.dt_text.dt_length, &idx, d->dt_encoding,
					     &out, &olen),
			 MAILIMF_NO_ERROR);
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

void
check_reply(const char *msg, size_t len, const struct expect *e, char **text_r, char **html_r)
{
	*text_r = NULL;
	*html_r = NULL;
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
	struct mailimf_mailbox *from =
	    clist_content(clist_begin(sf.fld_from->frm_mb_list->mb_list));
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
						       "utf-8", &subj),
			 MAILIMF_NO_ERROR);
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
	if (!it) {
		fail_msg("multipart/mixed without parts");
		return;
	}
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
			snprintf(marker, sizeof(marker), "===== transcript of attempt %zu (",
				 i + 1);
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

char *
compose_ok(struct fixture *f, const struct reply_input *in, size_t *len_r)
{
	char *msg = NULL, err[512] = "";
	if (compose_reply(f->t, in, &msg, len_r, err, sizeof(err)) < 0)
		fail_msg("compose_reply: %s", err);
	return msg;
}
