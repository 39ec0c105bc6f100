/*
 * test_extract.c - identifiers and their sources: attached (also nested),
 * inline forward blocks, References/In-Reply-To, subject, body; the
 * recipient rules (forwarded To/Cc, the recipient's own complaint's From,
 * never our or the requester's addresses); the "extracted" JSON contract.
 */
#include "tests/unit/testutil.h"
#include "responder/decide/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
own_acme(const char *addr, void *ctx)
{
	size_t n = strlen(addr);

	(void)ctx;
	return (n > 13 && strcmp(addr + n - 13, "@acme.example") == 0) ||
	       strcmp(addr, "support@relay.example") == 0;
}

static void
extract_fixture(const char *name, struct complaint *c, struct extracted *x)
{
	struct fwd_original f[4];
	size_t nf = 0;
	char *path = tu_fixture(name), *raw, err[128];
	size_t len;

	raw = tu_read_file(path, &len);
	assert_non_null(raw);
	assert_int_equal(complaint_parse(raw, len, c, err, sizeof(err)), 0);
	if (c->text)
		nf = forward_parse_all(c->text, c->subject, f, 4);
	extract_identifiers(c, f, nf, own_acme, NULL, x);
	for (size_t i = 0; i < nf; i++)
		forward_free(&f[i]);
	free(raw);
	free(path);
}

struct id_case {
	const char *fixture;
	const char *id; /* first id expected, or NULL for none */
	const char *source;
	const char *recipient; /* first recipient expected, or NULL for none */
};

/* clang-format off */
static const struct id_case id_cases[] = {
	{ "complaints/attached.eml", "<inv-1042@acme.example>", "attached", "bob@northwind.example" },
	{ "complaints/attached_base64.eml", "<quote-77@acme.example>", "attached",
	  "carol@fabrikam.example" },
	{ "complaints/nested.eml", "<bob-complaint-1@northwind.example>", "attached",
	  "bob@northwind.example" },
	{ "complaints/references.eml", "<quote-77@acme.example>", "references", NULL },
	{ "complaints/subject_id.eml", "<inv-1044@acme.example>", "subject", NULL },
	{ "complaints/body_id.eml", "<inv-1042@acme.example>", "body", NULL },
	{ "complaints/qp_latin1.eml", "<inv-1042@acme.example>", "body", NULL },
	{ "complaints/unknown_charset.eml", "<inv-1042@acme.example>", "body", NULL },
	{ "complaints/inline_gmail.eml", NULL, NULL, "bob@northwind.example" },
	{ "complaints/html_only.eml", NULL, NULL, "carol@fabrikam.example" },
	{ "complaints/ambiguous.eml", NULL, NULL, "bob@northwind.example" },
};
/* clang-format on */

static void
test_sources_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
		const struct id_case *t = &id_cases[i];
		struct complaint c;
		struct extracted x;

		extract_fixture(t->fixture, &c, &x);
		if (t->id) {
			if (x.n_ids == 0)
				fail_msg("%s: no id", t->fixture);
			assert_string_equal(x.ids[0].id, t->id);
			assert_string_equal(ext_source_name(x.ids[0].source), t->source);
		} else if (x.n_ids) {
			fail_msg("%s: unexpected id %s", t->fixture, x.ids[0].id);
		}
		if (t->recipient) {
			if (x.n_recipients == 0)
				fail_msg("%s: no recipient", t->fixture);
			assert_string_equal(x.recipients[0], t->recipient);
		} else if (x.n_recipients) {
			fail_msg("%s: unexpected recipient %s", t->fixture, x.recipients[0]);
		}
		extracted_free(&x);
		complaint_free(&c);
	}
}

static void
test_nested_order_and_recipients(void **state)
{
	struct complaint c;
	struct extracted x;

	(void)state;
	extract_fixture("complaints/nested.eml", &c, &x);
	assert_int_equal(x.n_ids, 2);
	assert_string_equal(x.ids[1].id, "<inv-1043@acme.example>");
	assert_int_equal(x.n_originals, 2);
	/* outermost first: bob's complaint, then the invoice inside it */
	assert_string_equal(x.originals[0].from, "bob@northwind.example");
	assert_string_equal(x.originals[1].subject, "Invoice 1043");
	/* bob is the recipient (his complaint's From; the invoice's To);
	 * billing@acme.example (To of bob's mail) is the account's own */
	assert_int_equal(x.n_recipients, 1);
	assert_string_equal(x.recipients[0], "bob@northwind.example");
	extracted_free(&x);
	complaint_free(&c);
}

static void
test_inline_forward(void **state)
{
	struct complaint c;
	struct extracted x;

	(void)state;
	extract_fixture("complaints/inline_gmail.eml", &c, &x);
	assert_int_equal(x.n_originals, 1);
	assert_int_equal(x.originals[0].source, EXT_INLINE);
	assert_string_equal(x.originals[0].from, "billing@acme.example");
	assert_string_equal(x.originals[0].subject, "Invoice 1043");
	assert_true(x.originals[0].has_date);
	/* "<billing@acme.example>" in the block is an address, not an id */
	assert_int_equal(x.n_ids, 0);
	extracted_free(&x);
	complaint_free(&c);
}

/* Built by hand: inline ids below a forward block, duplicates, order. */
static void
test_inline_ids_and_order(void **state)
{
	struct complaint c;
	struct fwd_original f;
	struct extracted x;
	static char text[] = "see <body-1@x.example>\n-----Original Message-----\n"
			     "Message-ID: <fwd-2@x.example>\n";
	static char r1[] = "<ref-old@x.example>", r2[] = "<ref-new@x.example>";
	static char subj[] = "Re: <subj-3@x.example>";
	char *refs[] = { r1, r2 };
	char *irt[] = { r2 };

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	c.text = text;
	c.subject = subj;
	c.references.v = refs;
	c.references.n = 2;
	c.in_reply_to.v = irt;
	c.in_reply_to.n = 1;
	f.block_start = (size_t)(strstr(text, "-----") - text);
	extract_identifiers(&c, &f, 1, NULL, NULL, &x);
	assert_int_equal(x.n_ids, 5);
	assert_string_equal(x.ids[0].id, "<fwd-2@x.example>");
	assert_int_equal(x.ids[0].source, EXT_INLINE);
	assert_string_equal(x.ids[1].id, "<ref-new@x.example>");
	assert_int_equal(x.ids[1].source, EXT_REFERENCES);
	assert_string_equal(x.ids[2].id, "<ref-old@x.example>");
	assert_string_equal(x.ids[3].id, "<subj-3@x.example>");
	assert_int_equal(x.ids[3].source, EXT_SUBJECT);
	assert_string_equal(x.ids[4].id, "<body-1@x.example>");
	assert_int_equal(x.ids[4].source, EXT_BODY);
	extracted_free(&x);
}

static void
test_ids_in_text(void **state)
{
	static const struct {
		const char *text;
		const char *first; /* NULL: none */
	} cases[] = {
		{ "id <abc123@host.example> here", "<abc123@host.example>" },
		{ "Message-ID: plain-1@host.example", "<plain-1@host.example>" },
		{ "message-id:<x@y>", "<x@y>" },
		{ "Bob <bob@northwind.example> wrote", NULL }, /* an address */
		{ "Message-ID: <bob@northwind.example>", "<bob@northwind.example>" },
		{ "<a b@c>", NULL },
		{ "<@c>", NULL },
		{ "<a@b@c1>", NULL },
		{ "<no-at-sign-123>", NULL },
		{ "unterminated <abc123@host", NULL },
		{ "", NULL },
	};
	char *ids[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = extract_ids_in_text(cases[i].text, ids, NULL, 4);

		if (cases[i].first) {
			if (n == 0)
				fail_msg("no id in \"%s\"", cases[i].text);
			assert_string_equal(ids[0], cases[i].first);
		} else if (n) {
			fail_msg("id %s in \"%s\"", ids[0], cases[i].text);
		}
		for (size_t k = 0; k < n; k++)
			free(ids[k]);
	}
}

static void
test_caps(void **state)
{
	char *text = malloc(100 * 40), *ids[EXT_MAX_IDS];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, 40, "<id-%d@x.example> ", i);
	assert_int_equal(extract_ids_in_text(text, ids, NULL, EXT_MAX_IDS), EXT_MAX_IDS);
	for (size_t k = 0; k < EXT_MAX_IDS; k++)
		free(ids[k]);
	free(text);
}

static void
test_json_contract(void **state)
{
	struct complaint c;
	struct extracted x;
	json_t *j, *o;

	(void)state;
	extract_fixture("complaints/attached.eml", &c, &x);
	j = extracted_json(&x);
	o = json_array_get(json_object_get(j, "message_ids"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "<inv-1042@acme.example>");
	assert_string_equal(json_string_value(json_object_get(o, "source")), "attached");
	o = json_array_get(json_object_get(j, "originals"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "source")), "attached");
	assert_string_equal(json_string_value(json_object_get(o, "from")), "billing@acme.example");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "to"), 0)),
			    "bob@northwind.example");
	assert_int_equal(json_array_size(json_object_get(o, "cc")), 0);
	assert_string_equal(json_string_value(json_object_get(o, "subject")), "Invoice 1042");
	assert_string_equal(json_string_value(json_object_get(o, "date")), "2026-11-20T09:14:02Z");
	json_decref(j);
	extracted_free(&x);
	complaint_free(&c);
	/* date null when absent */
	extract_fixture("complaints/ambiguous.eml", &c, &x);
	j = extracted_json(&x);
	o = json_array_get(json_object_get(j, "originals"), 0);
	assert_true(json_is_null(json_object_get(o, "date")));
	json_decref(j);
	extracted_free(&x);
	complaint_free(&c);
}

/* A bounce inside the complaint: its failed recipient first, the
 * bounced message's id from text/rfc822-headers, never the notice's own
 * sender or Message-ID; "bounces" in the JSON (DESIGN.md second wave). */
static void
test_bounces(void **state)
{
	struct complaint c;
	struct extracted x;
	json_t *j, *b, *r;

	(void)state;
	extract_fixture("complaints/bounce_attached_dsn.eml", &c, &x);
	assert_int_equal(x.n_bounces, 1);
	assert_string_equal(x.recipients[0], "carol@fabrikam.example");
	for (size_t i = 0; i < x.n_recipients; i++)
		assert_false(bounce_robot_address(x.recipients[i]));
	assert_int_equal(x.n_ids, 1);
	assert_string_equal(x.ids[0].id, "<quote-77@acme.example>");
	j = extracted_json(&x);
	b = json_array_get(json_object_get(j, "bounces"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "source")), "attached");
	assert_string_equal(json_string_value(json_object_get(b, "reporting_mta")),
			    "relay.example");
	assert_string_equal(json_string_value(json_object_get(b, "original_message_id")),
			    "<quote-77@acme.example>");
	r = json_array_get(json_object_get(b, "recipients"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "address")),
			    "carol@fabrikam.example");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "5.1.10");
	assert_string_equal(json_string_value(json_object_get(r, "action")), "failed");
	assert_non_null(json_string_value(json_object_get(r, "diagnostic")));
	json_decref(j);
	extracted_free(&x);
	complaint_free(&c);

	extract_fixture("complaints/bounce_inline_text.eml", &c, &x);
	assert_int_equal(x.n_bounces, 1);
	assert_int_equal(x.bounces[0].source, EXT_BOUNCE_INLINE);
	assert_int_equal(x.n_recipients, 1);
	assert_string_equal(x.recipients[0], "carol@fabrikam.example");
	assert_true(x.originals[0].is_bounce);
	extracted_free(&x);
	complaint_free(&c);

	extract_fixture("complaints/bounce_delay_pasted.eml", &c, &x);
	assert_int_equal(x.n_bounces, 1);
	assert_int_equal(x.bounces[0].source, EXT_BOUNCE_PASTED);
	assert_int_equal(x.bounces[0].b.rcpts[0].action, BOUNCE_DELAYED);
	assert_string_equal(x.bounces[0].b.rcpts[0].status, "4.2.0");
	extracted_free(&x);
	complaint_free(&c);

	/* no notice: no bounces, and the JSON still has the key */
	extract_fixture("complaints/attached.eml", &c, &x);
	assert_int_equal(x.n_bounces, 0);
	j = extracted_json(&x);
	assert_int_equal(json_array_size(json_object_get(j, "bounces")), 0);
	json_decref(j);
	extracted_free(&x);
	complaint_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_table),
		cmocka_unit_test(test_nested_order_and_recipients),
		cmocka_unit_test(test_inline_forward),
		cmocka_unit_test(test_inline_ids_and_order),
		cmocka_unit_test(test_ids_in_text),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_bounces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
