/*
 * test_complaint.c - parsing complaints (complaint.c, html_text.c,
 * complaint_json.c): headers, decoding, charsets, HTML, attached originals,
 * the JSON round trip of the sandbox pipe, and garbage that must parse to
 * something without crashing.  Runs in-process (the sandbox is
 * test_sandbox.c's).
 */
#include "tests/unit/testutil.h"
#include "responder/parse/complaint.h"
#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
parse_fixture(const char *name, struct complaint *c)
{
	char *path, *raw, err[256];
	size_t len;

	path = tu_fixture(name);
	raw = tu_read_file(path, &len);
	assert_non_null(raw);
	assert_int_equal(complaint_parse(raw, len, c, err, sizeof(err)), 0);
	free(raw);
	free(path);
}

static void
test_attached(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/attached.eml", &c);
	assert_string_equal(c.from.address, "billing@acme.example");
	assert_string_equal(c.from.name, "Acme Billing");
	assert_int_equal(c.n_from, 1);
	assert_string_equal(c.subject, "Fwd: Invoice 1042");
	assert_string_equal(c.message_id, "<c-attached@acme.example>");
	assert_true(c.has_date);
	assert_int_equal(c.date, 1795600800); /* 2026-11-25T10:00:00Z */
	assert_string_equal(c.content_type, "multipart/mixed");
	assert_non_null(c.text);
	assert_non_null(strstr(c.text, "never got this invoice"));
	assert_null(strstr(c.text, "Please find invoice")); /* the original's text is not ours */
	assert_int_equal(c.n_originals, 1);
	assert_int_equal(c.originals[0].depth, 1);
	assert_string_equal(c.originals[0].message_id, "<inv-1042@acme.example>");
	assert_string_equal(c.originals[0].from.address, "billing@acme.example");
	assert_int_equal(c.originals[0].to.n, 1);
	assert_string_equal(c.originals[0].to.v[0].address, "bob@northwind.example");
	assert_string_equal(c.originals[0].subject, "Invoice 1042");
	assert_int_equal(c.originals[0].date, 1795166042); /* 2026-11-20T09:14:02Z */
	assert_false(c.is_report);
	complaint_free(&c);
}

static void
test_attached_base64(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/attached_base64.eml", &c);
	assert_int_equal(c.n_originals, 1);
	assert_string_equal(c.originals[0].message_id, "<quote-77@acme.example>");
	assert_int_equal(c.originals[0].to.n, 2);
	assert_string_equal(c.originals[0].to.v[1].address, "dave@contoso.example");
	complaint_free(&c);
}

static void
test_nested(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/nested.eml", &c);
	assert_int_equal(c.n_originals, 2);
	assert_int_equal(c.originals[0].depth, 1);
	assert_string_equal(c.originals[0].from.address, "bob@northwind.example");
	assert_int_equal(c.originals[1].depth, 2);
	assert_string_equal(c.originals[1].message_id, "<inv-1043@acme.example>");
	assert_int_equal(c.date, 1795600800 + 3600 - 3600); /* 11:00 +0100 */
	complaint_free(&c);
}

static void
test_headers_robot(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/robot_auto_submitted.eml", &c);
	assert_string_equal(c.auto_submitted, "auto-replied");
	assert_int_equal(c.in_reply_to.n, 1);
	assert_string_equal(c.in_reply_to.v[0], "<inv-1042@acme.example>");
	complaint_free(&c);
	parse_fixture("complaints/robot_list_id.eml", &c);
	assert_int_equal(c.list_headers.n, 1);
	assert_string_equal(c.list_headers.v[0], "List-Id");
	complaint_free(&c);
	parse_fixture("complaints/robot_null_return_path.eml", &c);
	assert_non_null(c.return_path);
	assert_string_equal(c.return_path, "<>");
	complaint_free(&c);
	parse_fixture("complaints/robot_report.eml", &c);
	assert_true(c.is_report);
	assert_string_equal(c.content_type, "multipart/report");
	complaint_free(&c);
	parse_fixture("complaints/reply_to.eml", &c);
	assert_string_equal(c.from.address, "mallory@nowhere.example");
	assert_string_equal(c.reply_to.address, "billing@acme.example");
	assert_string_equal(c.sender.address, "billing@acme.example");
	complaint_free(&c);
	parse_fixture("complaints/authres_pass.eml", &c);
	assert_int_equal(c.auth_results.n, 2);
	complaint_free(&c);
}

static void
test_qp_latin1_and_2047(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/qp_latin1.eml", &c);
	assert_string_equal(c.from.name, "Fran\xc3\xa7ois Billing");
	assert_string_equal(c.subject, "WG: Invoice 1042 \xe2\x80\x93 nicht erhalten");
	assert_non_null(strstr(c.text, "Gr\xc3\xbc\xc3\x9f"
				       "e, Fran\xc3\xa7ois"));
	complaint_free(&c);
}

static void
test_unknown_charset(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/unknown_charset.eml", &c);
	assert_non_null(c.text);
	assert_non_null(strstr(c.text, "Caf\xc3\xa9")); /* read as windows-1252 */
	assert_int_equal(c.notes.n, 1);
	assert_non_null(strstr(c.notes.v[0], "unknown charset"));
	complaint_free(&c);
}

static void
test_html_only(void **state)
{
	struct complaint c;

	(void)state;
	parse_fixture("complaints/html_only.eml", &c);
	assert_true(c.text_from_html);
	assert_non_null(c.text);
	assert_null(strstr(c.text, "color:red"));
	assert_null(strstr(c.text, "<div>"));
	assert_non_null(strstr(c.text, "never got our quote \xe2\x80\x94 caf\xc3\xa9 & co."));
	assert_non_null(strstr(c.text, "\nFrom: sales@acme.example\n"));
	assert_non_null(strstr(c.text, "\nSubject: Quote for 40 pallets\n"));
	assert_non_null(strstr(c.text, "Here is the quote.\nRegards"));
	complaint_free(&c);
}

static void
test_html_to_text(void **state)
{
	static const char html[] = "<p>a&nbsp;b&lt;c&gt;</p><table><tr><td>x</td><td>y</td></tr>"
				   "<tr><td>z</td></tr></table><ul><li>one<li>two</ul>"
				   "<script>alert(1)</script>end<br/>";
	char *t;

	(void)state;
	t = html_to_text(html, strlen(html));
	assert_string_equal(t, "a\xc2\xa0"
			       "b<c>\nx y\nz\none\ntwo\nend\n");
	free(t);
	t = html_to_text("", 0);
	assert_string_equal(t, "");
	free(t);
}

/* c and d give the same JSON (complaint_to_json, keys sorted). */
static void
assert_same_json(const struct complaint *c, const struct complaint *d)
{
	json_t *j = complaint_to_json(c), *k = complaint_to_json(d);
	char *s1 = json_dumps(j, JSON_SORT_KEYS), *s2 = json_dumps(k, JSON_SORT_KEYS);

	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	json_decref(j);
	json_decref(k);
}

static void
test_json_round_trip(void **state)
{
	struct complaint c, d;
	json_t *j;

	(void)state;
	parse_fixture("complaints/nested.eml", &c);
	j = complaint_to_json(&c);
	assert_int_equal(complaint_from_json(j, &d), 0);
	json_decref(j);
	assert_same_json(&c, &d);
	complaint_free(&c);
	complaint_free(&d);
	/* not a complaint */
	j = json_pack("{s:i}", "x", 1);
	assert_int_equal(complaint_from_json(j, &d), -1);
	json_decref(j);
	complaint_free(&d);
}

/* The pipe's binary form (complaint_wire.c): what the parent decodes is
 * what the child encoded (the same JSON of both, the same bytes again). */
static void
test_wire_round_trip(void **state)
{
	static const char *const fixtures[] = { "complaints/nested.eml", "complaints/attached.eml",
						"complaints/html_only.eml",
						"complaints/bounce_attached_dsn.eml" };

	(void)state;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		struct complaint c, d;
		struct buf b1, b2;

		parse_fixture(fixtures[f], &c);
		buf_init(&b1, 0);
		buf_init(&b2, 0);
		assert_int_equal(complaint_encode(&c, &b1), 0);
		assert_int_equal(complaint_decode(b1.data, b1.len, &d), 0);
		assert_int_equal(complaint_encode(&d, &b2), 0);
		assert_int_equal(b1.len, b2.len);
		assert_memory_equal(b1.data, b2.data, b1.len);
		assert_same_json(&c, &d);
		complaint_free(&d);
		/* cut anywhere, or with a byte more: refused, nothing kept */
		for (size_t n = 0; n < b1.len; n++)
			assert_int_equal(complaint_decode(b1.data, n, &d), -1);
		buf_putc(&b1, 0);
		assert_int_equal(complaint_decode(b1.data, b1.len, &d), -1);
		/* every byte changed: refused or accepted, never a CR/LF in a
		 * header field (ASan/valgrind see the rest) */
		b1.len--;
		for (size_t n = 0; n < b1.len; n++) {
			char was = b1.data[n];

			b1.data[n] = (char)(was ^ (n % 2 ? 0x0d : 0xff));
			if (complaint_decode(b1.data, b1.len, &d) == 0) {
				assert_true(!d.subject || !strpbrk(d.subject, "\r\n"));
				assert_true(!d.from.name || !strpbrk(d.from.name, "\r\n"));
				complaint_free(&d);
			}
			b1.data[n] = was;
		}
		buf_free(&b1);
		buf_free(&b2);
		complaint_free(&c);
	}
}

/* A compromised child: CR/LF in a header, a count larger than the bytes
 * that follow. */
static void
test_wire_from_hostile_child(void **state)
{
	static const unsigned char head[] = "CPW1\x01\x09\x00\x00\x00"
					    "a\r\nBcc: x\x00";
	static const unsigned char huge[] = "CPW1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
					    "\x00\x00\x00\x00\xff\xff\xff\xff"; /* 2^32-1 To */
	struct complaint c, d;
	struct buf b;

	(void)state;
	memset(&c, 0, sizeof(c));
	buf_init(&b, 0);
	assert_int_equal(complaint_encode(&c, &b), 0);
	/* the empty complaint with the From name replaced by a hostile one */
	assert_true(b.len > 6);
	{
		struct buf h;

		buf_init(&h, 0);
		buf_append(&h, head, sizeof(head) - 1);
		buf_append(&h, b.data + 6, b.len - 6);
		assert_int_equal(complaint_decode(h.data, h.len, &d), 0);
		assert_non_null(d.from.name);
		assert_null(strpbrk(d.from.name, "\r\n"));
		complaint_free(&d);
		buf_free(&h);
	}
	assert_int_equal(complaint_decode(huge, sizeof(huge) - 1, &d), -1);
	assert_int_equal(complaint_decode("JSON", 4, &d), -1);
	buf_free(&b);
}

static void
test_json_from_hostile_child(void **state)
{
	struct complaint d;
	json_t *j;

	(void)state;
	/* a compromised child sends CR/LF in a header and a huge subject */
	j = json_pack("{s:[],s:{s:s,s:s},s:s%}", "originals", "from", "name", "a\r\nBcc: x",
		      "address", "x@y.example", "subject", "0123456789", (size_t)10);
	assert_int_equal(complaint_from_json(j, &d), 0);
	assert_null(strchr(d.from.name, '\n'));
	assert_null(strchr(d.from.name, '\r'));
	json_decref(j);
	complaint_free(&d);
}

static void
test_clean_strings(void **state)
{
	static const char bad[] = "ok\xff\xc3(\x01\r\n\xed\xa0\x80z";
	struct complaint c;
	char err[128], *msg;
	size_t n;

	(void)state;
	/* invalid UTF-8 and controls in a subject */
	msg = malloc(200);
	n = (size_t)snprintf(msg, 200, "From: a@b.example\nSubject: %s\n\nbody\n", bad);
	assert_int_equal(complaint_parse(msg, n, &c, err, sizeof(err)), 0);
	assert_non_null(c.subject);
	for (const unsigned char *p = (const unsigned char *)c.subject; *p; p++)
		assert_true(*p >= 0x20);
	complaint_free(&c);
	free(msg);
}

/* Garbage must give a complaint (possibly empty), never a crash. */
static void
test_garbage_fixtures(void **state)
{
	static const char *const names[] = {
		"complaints/truncated.eml",
		"complaints/invalid_base64.eml",
		"complaints/unknown_charset.eml",
	};
	struct complaint c;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		parse_fixture(names[i], &c);
		assert_string_equal(c.from.address, "billing@acme.example");
		complaint_free(&c);
	}
}

static void
test_nul_bytes(void **state)
{
	static const char msg[] =
	    "From: billing@acme.example\nSubject: a\0b\nMessage-ID: <n@x.example>\n"
	    "\nbody\0with NUL\n";
	struct complaint c;
	char err[128];

	(void)state;
	assert_int_equal(complaint_parse(msg, sizeof(msg) - 1, &c, err, sizeof(err)), 0);
	assert_string_equal(c.subject, "a b");
	assert_string_equal(c.message_id, "<n@x.example>");
	assert_non_null(strstr(c.text, "body with NUL"));
	assert_true(c.notes.n >= 1);
	complaint_free(&c);
}

static void
test_empty_and_headerless(void **state)
{
	struct complaint c;
	char err[128];

	(void)state;
	assert_int_equal(complaint_parse("", 0, &c, err, sizeof(err)), 0);
	assert_null(c.from.address);
	complaint_free(&c);
	assert_int_equal(complaint_parse("just text\n", 10, &c, err, sizeof(err)), 0);
	assert_null(c.from.address);
	complaint_free(&c);
}

/* Many flat parts (below the pre-scan cap) parse, and the walk is capped. */
static void
test_many_parts(void **state)
{
	struct complaint c;
	char err[128];
	size_t cap = 4 * 1024 * 1024, n = 0;
	char *m = malloc(cap);

	(void)state;
	n += (size_t)snprintf(m + n, cap - n,
			      "From: a@b.example\nContent-Type: multipart/mixed;"
			      " boundary=zz\n\n");
	for (int i = 0; i < 900; i++)
		n += (size_t)snprintf(m + n, cap - n, "--zz\nContent-Type: text/plain\n\npart %d\n",
				      i);
	n += (size_t)snprintf(m + n, cap - n, "--zz--\n");
	assert_int_equal(complaint_parse(m, n, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(c.text, "part 899"));
	complaint_free(&c);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attached),
		cmocka_unit_test(test_attached_base64),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_headers_robot),
		cmocka_unit_test(test_qp_latin1_and_2047),
		cmocka_unit_test(test_unknown_charset),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_html_to_text),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_from_hostile_child),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_wire_from_hostile_child),
		cmocka_unit_test(test_clean_strings),
		cmocka_unit_test(test_garbage_fixtures),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_empty_and_headerless),
		cmocka_unit_test(test_many_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
