/*
 * test_mime_out.c - the pieces of outgoing mail: cleaning peer text,
 * folded and RFC 2047-encoded headers, multipart assembly, quoted-printable
 * and base64 (each decoded back with libetpan), dates, message-id checks,
 * attachment names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "tests/unit/testutil.h"

#include "responder/reply/compose_int.h"
#include "responder/reply/mime_out.h"

static void
test_clean(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int multi;
		const char *want;
	} cases[] = {
		{ "plain", 0, "plain" },
		{ "  a\r\nBcc: x\r\n  ", 0, "a  Bcc: x" },
		{ "tab\there", 0, "tab here" },
		{ "bell\x07 esc\x1b[31m del\x7f", 0, "bell esc[31m del" },
		{ "bad \xff\xfe utf8", 0, "bad \xef\xbf\xbd\xef\xbf\xbd utf8" },
		{ "overlong \xc0\xaf", 0, "overlong \xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate \xed\xa0\x80", 0, "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "bidi \xe2\x80\xae"
		  "evil",
		  0, "bidi evil" },
		{ "C1 \xc2\x85 next", 0, "C1  next" },
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x9c\x93",
		  0,
		  "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x9c\x93" },
		{ "a\r\nb\rc\nd\te", 1, "a\nb\nc\nd\te" },
		{ "x\r\n.\r\nFrom y\r\n", 1, "x\n.\nFrom y\n" },
		{ NULL, 0, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = mime_clean(cases[i].in, cases[i].multi);
		assert_string_equal(c, cases[i].want);
		free(c);
	}
	char s[] = "ab\xc3\xbc\xc3\xbc";
	assert_int_equal(mime_utf8_truncate(s, 3), 1);
	assert_string_equal(s, "ab");
	assert_int_equal(mime_utf8_truncate(s, 10), 0);
}

/* Every line CRLF-terminated and at most `max` long. */
static void
check_lines(const char *s, size_t n, size_t max)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < n && s[i + 1] == '\n');
			i++;
			col = 0;
		} else {
			assert_true(s[i] != '\n');
			if (++col > max)
				fail_msg("line over %zu: %s", max, s);
		}
	}
	assert_int_equal(col, 0);
}

/* Unfolds a header written by mime_put_header_text and decodes it. */
static char *
decode_header(const char *hdr, const char *name)
{
	size_t nl = strlen(name);
	assert_int_equal(strncmp(hdr, name, nl), 0);
	assert_int_equal(hdr[nl], ':');
	char *v = strdup(hdr + nl + 1), *w = v;
	for (char *p = v; *p; p++)
		if (*p != '\r' && *p != '\n')
			*w++ = *p;
	*w = '\0';
	size_t idx = 0;
	char *out = NULL;
	assert_int_equal(mailmime_encoded_phrase_parse("utf-8", v, strlen(v), &idx, "utf-8", &out),
			 0);
	free(v);
	char *t = out;
	while (*t == ' ')
		t++;
	char *res = strdup(t);
	free(out);
	return res;
}

static void
test_header_text(void **state)
{
	(void)state;
	static const char *const subjects[] = {
		"Invoice 1042",
		"A rather long subject line that goes on and on and on so that it has to be folded "
		"somewhere before column seventy-eight, twice even, to test folding properly",
		"Gr\xc3\xbc\xc3\x9f"
		"e aus M\xc3\xbcnchen: Rechnung \xe2\x84\x96 1042 \xe2\x9c\x93 "
		"mit sehr langem Betreff, der in mehrere kodierte W\xc3\xb6rter aufgeteilt werden muss",
		"=?UTF-8?Q?looks_encoded?= but is not",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe6\x97\xa5"
		"\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe6\x97\xa5\xe6\x9c\xac"
		"\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		"under_score and ? question = equals",
		"a-single-word-that-is-much-longer-than-any-header-line-can-hold-without-folding-it-x",
	};
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(mime_put_header_text(&b, "Subject", subjects[i]), 0);
		check_lines(b.data, b.len, 78);
		char *dec = decode_header(b.data, "Subject");
		assert_string_equal(dec, subjects[i]);
		free(dec);
		buf_free(&b);
	}
	/* CR/LF never survive into the header. */
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(mime_put_header_text(&b, "Subject", "a\r\nBcc: x@y\r\n"), 0);
	assert_string_equal(b.data, "Subject: a Bcc: x@y\r\n");
	buf_free(&b);
}

static void
test_header_mailbox(void **state)
{
	(void)state;
	static const struct {
		const char *display, *want;
	} cases[] = {
		{ "Relay Support", "From: \"Relay Support\" <s@r.example>\r\n" },
		{ "A \"quoted\" back\\slash",
		  "From: \"A \\\"quoted\\\" back\\\\slash\" <s@r.example>\r\n" },
		{ NULL, "From: <s@r.example>\r\n" },
		{ "", "From: <s@r.example>\r\n" },
		{ "Z\xc3\xb6"
		  "e",
		  "From: =?UTF-8?Q?Z=C3=B6e?= <s@r.example>\r\n" },
		{ "Evil\r\nBcc: v@x", "From: \"Evil  Bcc: v@x\" <s@r.example>\r\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(
		    mime_put_header_mailbox(&b, "From", cases[i].display, "s@r.example"), 0);
		assert_string_equal(b.data, cases[i].want);
		buf_free(&b);
	}
	/* A long ASCII name is encoded so that it can fold. */
	struct buf lb;
	buf_init(&lb, 0);
	const char *longname =
	    "Acme Corporation Billing Department of the Northern Region Accounts Payable";
	assert_int_equal(mime_put_header_mailbox(&lb, "To", longname, "ap@acme.example"), 0);
	check_lines(lb.data, lb.len, 78);
	buf_free(&lb);
	/* Parsed back, the address and the display name come out whole. */
	struct buf b;
	buf_init(&b, 0);
	mime_put_header_mailbox(&b, "To",
				"A \"quoted\" Z\xc3\xb6"
				"e",
				"bob@x.example");
	struct mailimf_fields *f = NULL;
	size_t idx = 0;
	assert_int_equal(mailimf_fields_parse(b.data, b.len, &idx, &f), MAILIMF_NO_ERROR);
	struct mailimf_single_fields sf;
	mailimf_single_fields_init(&sf, f);
	assert_non_null(sf.fld_to);
	struct mailimf_address *a = clist_content(clist_begin(sf.fld_to->to_addr_list->ad_list));
	if (!a)
		fail();
	else
		assert_string_equal(a->ad_data.ad_mailbox->mb_addr_spec, "bob@x.example");
	mailimf_fields_free(f);
	buf_free(&b);
}

static char *
qp_decode(const char *s, size_t n, size_t *len_r)
{
	size_t idx = 0, olen = 0;
	char *out = NULL;
	assert_int_equal(
	    mailmime_part_parse(s, n, &idx, MAILMIME_MECHANISM_QUOTED_PRINTABLE, &out, &olen),
	    MAILIMF_NO_ERROR);
	char *copy = malloc(olen + 1);
	memcpy(copy, out, olen);
	copy[olen] = '\0';
	mmap_string_unref(out);
	*len_r = olen;
	return copy;
}

static void
test_qp(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"short\n",
		"trailing space \nand tab\t\n",
		"From the start\n.\n..\nFrom \n",
		"equals = sign and =41 lookalike\n",
		"Gr\xc3\xbc\xc3\x9f"
		"e \xe2\x9c\x93 "
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n",
		"a very long line aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"From inside. .dot\n",
		"\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
		"\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
		"\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\n",
		"crlf already\r\nsecond\r\n",
		"no final newline",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *t = texts[i];
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(mime_put_qp(&b, t, strlen(t)), 0);
		if (t[strlen(t) - 1] != '\n')
			buf_puts(&b, "\r\n");
		check_lines(b.data, b.len, 76);
		/* No encoded line starts with "From " or "." */
		for (const char *p = b.data; p; p = strstr(p, "\r\n")) {
			if (p != b.data)
				p += 2;
			assert_true(strncmp(p, "From ", 5) != 0 && *p != '.');
			if (!*p)
				break;
		}
		/* Decoding gives the text with CRLF line ends. */
		struct buf want;
		buf_init(&want, 0);
		mime_put_crlf(&want, t, strlen(t));
		if (t[strlen(t) - 1] != '\n')
			buf_puts(&want, "\r\n");
		size_t dl;
		char *dec = qp_decode(b.data, b.len, &dl);
		assert_int_equal(dl, want.len);
		assert_memory_equal(dec, want.data, dl);
		free(dec);
		buf_free(&want);
		buf_free(&b);
	}
	assert_true(mime_is_7bit_safe("plain text\nsecond line\n", 23));
	assert_false(mime_is_7bit_safe("From me\n", 8));
	assert_false(mime_is_7bit_safe(".\n", 2));
	assert_false(mime_is_7bit_safe("a=b\n", 4));
	assert_false(mime_is_7bit_safe("trailing \n", 10));
	assert_false(mime_is_7bit_safe("\xc3\xbc\n", 3));
}

static void
test_base64(void **state)
{
	(void)state;
	unsigned char data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(data); n += 7) {
		struct buf b;
		buf_init(&b, 0);
		buf_puts(&b, "");
		assert_int_equal(mime_put_base64(&b, data, n), 0);
		check_lines(b.data, b.len, 76);
		size_t idx = 0, olen = 0;
		char *out = NULL;
		assert_int_equal(mailmime_part_parse(b.data, b.len, &idx, MAILMIME_MECHANISM_BASE64,
						     &out, &olen),
				 MAILIMF_NO_ERROR);
		assert_int_equal(olen, n);
		if (n)
			assert_memory_equal(out, data, n);
		mmap_string_unref(out);
		buf_free(&b);
	}
}

/* The text of a single part, decoded; caller frees. */
static char *
part_decoded(struct mailmime *m, size_t *len_r)
{
	struct mailmime_data *d;
	size_t idx = 0, olen = 0;
	char *out = NULL, *copy;

	assert_int_equal(m->mm_type, MAILMIME_SINGLE);
	d = m->mm_data.mm_single;
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data,
					     d->dt_data.dt_text.dt_length, &idx, d->dt_encoding,
					     &out, &olen),
			 MAILIMF_NO_ERROR);
	copy = malloc(olen + 1);
	memcpy(copy, out, olen);
	copy[olen] = '\0';
	mmap_string_unref(out);
	*len_r = olen;
	return copy;
}

static void
test_multipart(void **state)
{
	static const char text[] = "Gr\xc3\xbc\xc3\x9f"
				   "e = greetings\nsecond line\n";
	static const char want_text[] = "Gr\xc3\xbc\xc3\x9f"
					"e = greetings\r\nsecond line";
	static const unsigned char bytes[] = { 'a', 0, '\r', '\n', 0xff, '-', '-', '=', '_' };
	static const char want_head[] =
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed;\r\n boundary=\"=_t_0123\"\r\n"
	    "\r\n"
	    "This is a message in MIME format.\r\n\r\n"
	    "--=_t_0123\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n";
	static const char want_att[] =
	    "--=_t_0123\r\n"
	    "Content-Type: application/octet-stream;\r\n name=\"t 1.bin\"\r\n"
	    "Content-Disposition: attachment;\r\n filename=\"t 1.bin\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n";
	const struct mime_part txt = {
		.type = "text/plain",
		.charset = "utf-8",
		.encoding = "quoted-printable",
	};
	const struct mime_part att = {
		.type = "application/octet-stream",
		.name = "t 1.bin",
		.disposition = "attachment",
		.filename = "t 1.bin",
		.encoding = "base64",
	};
	struct buf b;
	struct mailmime *msg = NULL, *mp, *parts[2] = { NULL, NULL };
	struct mailmime_single_fields sf;
	clist *list;
	size_t idx = 0, head_len, att_at, dl, n = 0;
	char *dec;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(mime_put_header(&b, "MIME-Version", "1.0"), 0);
	assert_int_equal(
	    mime_multipart_begin(&b, "mixed", "=_t_0123", "This is a message in MIME format."), 0);
	assert_int_equal(mime_part_begin(&b, "=_t_0123", &txt), 0);
	head_len = b.len;
	assert_int_equal(mime_put_qp(&b, text, strlen(text)), 0);
	att_at = b.len;
	assert_int_equal(mime_part_begin(&b, "=_t_0123", &att), 0);
	assert_memory_equal(b.data + att_at, want_att, strlen(want_att));
	assert_int_equal(mime_put_base64(&b, bytes, sizeof(bytes)), 0);
	assert_int_equal(buf_puts(&b, "\r\n"), 0);
	assert_int_equal(mime_multipart_end(&b, "=_t_0123"), 0);
	assert_int_equal(head_len, strlen(want_head));
	assert_memory_equal(b.data, want_head, head_len);
	assert_true(b.len > 16 && memcmp(b.data + b.len - 16, "\r\n--=_t_0123--\r\n", 16) == 0);
	check_lines(b.data, b.len, 78);

	/* libetpan reads it back as two parts with their types and names. */
	assert_int_equal(mailmime_parse(b.data, b.len, &idx, &msg), MAILIMF_NO_ERROR);
	assert_int_equal(msg->mm_type, MAILMIME_MESSAGE);
	mp = msg->mm_data.mm_message.mm_msg_mime;
	assert_non_null(mp);
	assert_int_equal(mp->mm_type, MAILMIME_MULTIPLE);
	assert_string_equal(mp->mm_content_type->ct_subtype, "mixed");
	mailmime_single_fields_init(&sf, mp->mm_mime_fields, mp->mm_content_type);
	assert_string_equal(sf.fld_content_boundary, "=_t_0123");
	list = mp->mm_data.mm_multipart.mm_mp_list;
	assert_int_equal(clist_count(list), 2);
	for (clistiter *it = clist_begin(list); it && n < 2; it = clist_next(it))
		parts[n++] = clist_content(it);
	if (!parts[0] || !parts[1]) {
		fail_msg("two parts expected");
	} else {
		mailmime_single_fields_init(&sf, parts[0]->mm_mime_fields,
					    parts[0]->mm_content_type);
		assert_string_equal(parts[0]->mm_content_type->ct_subtype, "plain");
		assert_string_equal(sf.fld_content_charset, "utf-8");
		assert_int_equal(sf.fld_encoding->enc_type, MAILMIME_MECHANISM_QUOTED_PRINTABLE);
		assert_null(sf.fld_disposition);
		/* The last line break is the delimiter's (RFC 2046 5.1.1). */
		dec = part_decoded(parts[0], &dl);
		assert_string_equal(dec, want_text);
		free(dec);

		mailmime_single_fields_init(&sf, parts[1]->mm_mime_fields,
					    parts[1]->mm_content_type);
		assert_string_equal(parts[1]->mm_content_type->ct_subtype, "octet-stream");
		assert_string_equal(sf.fld_content_name, "t 1.bin");
		assert_string_equal(sf.fld_disposition_filename, "t 1.bin");
		assert_int_equal(sf.fld_encoding->enc_type, MAILMIME_MECHANISM_BASE64);
		dec = part_decoded(parts[1], &dl);
		assert_int_equal(dl, sizeof(bytes));
		assert_memory_equal(dec, bytes, dl);
		free(dec);
	}
	mailmime_free(msg);
	buf_free(&b);
}

/* A boundary, name or filename that could end the quote, the line or the
 * part is refused. */
static void
test_multipart_refuses(void **state)
{
	static const char *const bad_boundaries[] = {
		NULL,
		"",
		"a\"b",
		"a b",
		"a\r\nb",
		"a\\b",
		"a;b",
		"\xc3\xbc",
		"0123456789012345678901234567890123456789012345678901234567890123456",
	};
	static const char *const bad_names[] = {
		"",
		"a\"b",
		"a\r\nContent-Type: x",
		"a\\b",
		"\xc3\xbc.txt",
		"tab\there",
		"0123456789012345678901234567890123456789012345678901234567890123456",
	};
	struct mime_part p = { .type = "text/plain", .disposition = "attachment" };
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(bad_boundaries) / sizeof(bad_boundaries[0]); i++) {
		assert_int_equal(mime_multipart_begin(&b, "mixed", bad_boundaries[i], NULL), -1);
		assert_int_equal(mime_part_begin(&b, bad_boundaries[i], NULL), -1);
		assert_int_equal(mime_multipart_end(&b, bad_boundaries[i]), -1);
	}
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		p.name = bad_names[i];
		p.filename = NULL;
		assert_int_equal(mime_part_begin(&b, "=_b", &p), -1);
		p.name = NULL;
		p.filename = bad_names[i];
		assert_int_equal(mime_part_begin(&b, "=_b", &p), -1);
	}
	assert_int_equal(b.len, 0);
	/* A filename needs a disposition, a part a type. */
	p.disposition = NULL;
	p.filename = "ok.txt";
	assert_int_equal(mime_part_begin(&b, "=_b", &p), -1);
	p.filename = NULL;
	p.type = NULL;
	assert_int_equal(mime_part_begin(&b, "=_b", &p), -1);
	/* The longest allowed fits a 78-character line. */
	p.type = "text/plain";
	p.disposition = "attachment";
	p.filename = "012345678901234567890123456789012345678901234567890123456789012345";
	assert_int_equal(mime_part_begin(&b, "=_b", &p), 0);
	check_lines(b.data, b.len, 78);
	buf_free(&b);
}

static void
test_dates_ids_names(void **state)
{
	(void)state;
	char d[64];
	mime_date(1795964694, d, sizeof(d));
	assert_string_equal(d, "Sun, 29 Nov 2026 15:04:54 +0000");
	mime_human_time(1795964694, d, sizeof(d));
	assert_string_equal(d, "2026-11-29 15:04:54 UTC");

	assert_true(mime_msgid_valid("<a.b-c@d.example>"));
	assert_false(mime_msgid_valid("a@b"));
	assert_false(mime_msgid_valid("<a b@c>"));
	assert_false(mime_msgid_valid("<a@b>\r\nBcc: x"));
	assert_false(mime_msgid_valid("<a<b@c>"));
	assert_false(mime_msgid_valid("<>"));
	assert_false(mime_msgid_valid(NULL));

	char name[64];
	compose_attachment_name("bob@northwind.example", "4XbQ1m0vG7z1aa", name, sizeof(name));
	assert_string_equal(name, "transcript-bob@northwind.example-4XbQ1m0vG7z1aa.txt");
	compose_attachment_name("../../etc/passwd\"; x=\r\n", "q/../..", name, sizeof(name));
	assert_string_equal(name, "transcript-_._.._etc_passwd___x___-q_.._...txt");
	compose_attachment_name(
	    "a-very-long-local-part-that-goes-on-and-on@some.long.domain.example",
	    "QUEUEIDQUEUEIDQUEUEIDQUEUEID", name, sizeof(name));
	assert_true(strlen(name) <= 60);
	compose_attachment_name(NULL, "", name, sizeof(name));
	assert_string_equal(name, "transcript-unknown-_.txt");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_header_mailbox),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_multipart_refuses),
		cmocka_unit_test(test_dates_ids_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
