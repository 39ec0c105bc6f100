/*
 * test_forward.c - the inline-forward parser (responder/forward*.c).
 *
 * Dates in each supported format and language, address forms, subjects,
 * a nested forward, and garbage (empty input, 1 MB on one line, 100 000
 * "From:" lines, binary noise, unterminated blocks) that must give 0
 * without crashing.  The run over the email-forward-parser cases is
 * test_forward_conformance.c.
 */
#include "tests/unit/testutil.h"
#include "responder/forward/forward.h"
#include "responder/forward/forward_int.h"
#include "common/buf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- dates ------------------------------------------------------------ */

static void
test_dates(void **state)
{
	char *path = tu_fixture("forward/dates.tsv"), *data, *line, *next;
	int n = 0;

	(void)state;
	data = tu_read_file(path, NULL);
	if (data == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		free(path);
		fail();
	}
	for (line = data; line != NULL && *line; line = next) {
		char *tab, *nl = strchr(line, '\n');
		int64_t t = 0, want = 0;
		char got[TIME_RFC3339_LEN];

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		assert_int_equal(time_parse_rfc3339(tab + 1, &want), 0);
		if (forward_parse_date(line, &t) != 0 || t != want) {
			fprintf(stderr, "date \"%s\": got %s, want %s\n", line,
				t ? time_format_rfc3339(t, got) : "(none)", tab + 1);
			fail();
		}
		n++;
	}
	assert_true(n >= 60);
	free(data);
	free(path);
}

static void
test_dates_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"yesterday",
		"31 February 2021 10:00",
		"99/99/9999 99:99",
		"Wed, Oct 2021",
		"at 9:31 AM",
		"12345678901234567890",
		"\xff\xfe\xfd garbage \xc3",
		"2021",
		NULL,
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 1;

		assert_int_equal(forward_parse_date(bad[i], &t), -1);
		assert_true(t == 0);
	}
}

/* A Croatian block settles "listopada" as October (Polish: November). */
static void
test_date_language_hint(void **state)
{
	static const char hr[] = "> Započni proslijeđenu poruku:\n>\n"
				 "> Šalje: Ana <ana@example.hr>\n"
				 "> Predmet: Račun\n"
				 "> Datum: 26. listopada 2021. u 14:25:08 EEST\n"
				 "> Prima: ivo@example.hr\n>\n> Tekst.\n";
	struct fwd_original f;
	int64_t pl;

	(void)state;
	assert_int_equal(forward_parse(hr, NULL, &f), 1);
	assert_true(f.date == time_from_utc(2021, 10, 26, 11, 25, 8));
	forward_free(&f);
	assert_int_equal(forward_parse_date("wtorek, 2 listopada 2021, 09:26:50 CET", &pl), 0);
	assert_true(pl == time_from_utc(2021, 11, 2, 8, 26, 50));
}

/* --- whole forwards ----------------------------------------------------- */

static void
test_addresses(void **state)
{
	static const char body[] =
	    "---------- Forwarded message ---------\n"
	    "From: \"Doe, John\" <John.Doe@Example.COM>\n"
	    "Date: Thu, Nov 20, 2026 at 9:14 AM\n"
	    "Subject: Invoice 1042\n"
	    "To: Bob <bob@northwind.example>, carol@northwind.example <carol@northwind.example>;"
	    " \"dave@x.example\" <dave@x.example>, Eve, E. <eve@x.example>\n"
	    "Cc: Frank [mailto:frank@x.example], grace@x.example<mailto:grace@x.example>,"
	    " Heidi (heidi@x.example)\n"
	    "\nHello\n";
	struct fwd_original f;

	(void)state;
	assert_int_equal(forward_parse(body, NULL, &f), 1);
	assert_string_equal(f.from.name, "Doe, John");
	assert_string_equal(f.from.address, "john.doe@example.com");
	assert_int_equal(f.n_to, 4);
	assert_string_equal(f.to[0].name, "Bob");
	assert_null(f.to[1].name);
	assert_string_equal(f.to[1].address, "carol@northwind.example");
	assert_null(f.to[2].name);
	assert_string_equal(f.to[3].name, "Eve, E.");
	assert_int_equal(f.n_cc, 3);
	assert_string_equal(f.cc[0].name, "Frank");
	assert_string_equal(f.cc[0].address, "frank@x.example");
	assert_null(f.cc[1].name);
	assert_string_equal(f.cc[1].address, "grace@x.example");
	assert_string_equal(f.cc[2].address, "heidi@x.example");
	assert_string_equal(f.subject, "Invoice 1042");
	assert_true(f.date == time_from_utc(2026, 11, 20, 9, 14, 0));
	assert_null(f.message);
	assert_string_equal(f.body, "Hello");
	forward_free(&f);
}

/* Outer Gmail forward of an inner Outlook forward (quoted with '>'). */
static void
test_nested(void **state)
{
	static const char body[] = "Please check this one.\n\n"
				   "---------- Forwarded message ---------\n"
				   "From: Alice <alice@acme.example>\n"
				   "Date: Fri, Nov 21, 2026 at 10:00 AM\n"
				   "Subject: Fwd: Invoice 1042\n"
				   "To: <support@relay.example>\n\n"
				   "See below.\n\n"
				   "> ________________________________\n"
				   "> From: Billing <billing@acme.example>\n"
				   "> Sent: Thursday, 20 November 2026 09:14\n"
				   "> To: bob@northwind.example\n"
				   "> Subject: Invoice 1042\n"
				   ">\n"
				   "> Dear Bob,\n";
	struct fwd_original f[4];
	size_t n;

	(void)state;
	n = forward_parse_all(body, "Fwd: Fwd: Invoice 1042", f, 4);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].from.address, "alice@acme.example");
	assert_string_equal(f[0].message, "Please check this one.");
	assert_string_equal(f[1].from.address, "billing@acme.example");
	assert_int_equal(f[1].n_to, 1);
	assert_string_equal(f[1].to[0].address, "bob@northwind.example");
	assert_string_equal(f[1].subject, "Invoice 1042");
	assert_string_equal(f[1].message, "See below.");
	assert_string_equal(f[1].body, "Dear Bob,");
	assert_true(f[1].date == time_from_utc(2026, 11, 20, 9, 14, 0));
	forward_free(&f[0]);
	forward_free(&f[1]);
	/* max bounds the levels */
	n = forward_parse_all(body, NULL, f, 1);
	assert_int_equal(n, 1);
	forward_free(&f[0]);
}

static void
test_reply_is_not_forward(void **state)
{
	static const char outlook[] =
	    "Thanks!\n\n________________________________\n"
	    "From: John <john@x.example>\nSent: Wednesday, October 27, 2021 15:14\n"
	    "To: ann@x.example\nSubject: Plans\n\nHi\n";
	static const char wrote[] =
	    "Sure.\n\nOn 28/10/2021 12:46, \"John\" <john@x.example> wrote:\n\n    Hi\n";
	struct fwd_original f;

	(void)state;
	assert_int_equal(forward_parse(outlook, "Re: Plans", &f), 0);
	assert_null(f.body);
	assert_int_equal(forward_parse(outlook, "FW: Plans", &f), 1);
	forward_free(&f);
	assert_int_equal(forward_parse(wrote, NULL, &f), 0);
	assert_int_equal(forward_parse(wrote, "Re: Plans", &f), 0);
	assert_int_equal(forward_parse(wrote, "WG: Plans", &f), 1);
	assert_string_equal(f.from.address, "john@x.example");
	assert_string_equal(f.subject, "Plans");
	assert_string_equal(f.body, "Hi");
	assert_string_equal(f.message, "Sure.");
	forward_free(&f);
}

/* --- hand-written fixtures (tests/fixtures/forward) ----------------------- */

/* clang-format off */
static const struct {
	const char *file;
	const char *subject;
	int forwarded;
	const char *from_name, *from_addr, *to0, *subj, *date, *message, *body1;
} fixtures[] = {
	{ "outlook_desktop_de.txt", "WG: Rechnung 1042", 1, "Rechnung",
	  "rechnung@acme.example", "bob@northwind.example", "Rechnung 1042",
	  "2026-11-20T09:14:00Z", "Hallo Support,\nbitte prüfen.", "Sehr geehrter Herr Berg," },
	/* "-----Ursprüngliche Nachricht-----" is a forward whatever the subject */
	{ "outlook_desktop_de.txt", "AW: Rechnung 1042", 1, "Rechnung",
	  "rechnung@acme.example", "bob@northwind.example", "Rechnung 1042",
	  "2026-11-20T09:14:00Z", NULL, NULL },
	{ "outlook_desktop_en.txt", "FW: Invoice 1042", 1, "Billing", "billing@acme.example",
	  "bob@northwind.example", "Invoice 1042", "2026-11-20T09:14:00Z",
	  "Hi, the customer says this never arrived.\n\nRegards,\nAnn", "Dear Bob," },
	{ "outlook_desktop_en.txt", "RE: Invoice 1042", 0, NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "outlook_desktop_es.txt", "RV: Factura 1042", 1, "Facturación", "billing@acme.example",
	  "bob@northwind.example", "Factura 1042", "2026-11-20T09:14:00Z", "Mira abajo.",
	  "Hola Bob," },
	{ "apple_mail_ja.txt", NULL, 1, "請求", "billing@acme.example", "yamada@example.jp",
	  "請求書 1042", "2026-11-20T09:14:02Z", "確認をお願いします。",
	  "いつもお世話になっております。" },
	{ "gmail_ja.txt", NULL, 1, "Billing", "billing@acme.example", "bob@northwind.example",
	  "Invoice 1042", "2026-11-20T09:14:00Z", NULL, "Dear Bob," },
	{ "outlook_fr_from_html.txt", "TR: Facture 1042", 1, "Facturation",
	  "billing@acme.example", "bob@northwind.example", "Facture 1042",
	  "2026-11-20T09:14:00Z", "Voir ci-dessous.", "Bonjour Bob," },
	{ "outlook_2019_ru_reply.txt", "FW: Счёт 1042", 1, "Billing", "billing@acme.example",
	  NULL, "Счёт 1042", "2026-11-20T09:14:00Z", "Спасибо!", "Добрый день." },
	{ "outlook_2019_ru_reply.txt", "Re: Счёт 1042", 0, NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	/* issue 11: blank lines inside the block, a wrapped Subject, bold
	 * labels with "[mailto:" wrapped, mail.ru, QQ Mail, Korean Gmail */
	{ "blackberry_blank_lines.txt", "FW: Invoice 1042", 1, "Acme Billing",
	  "billing@acme.example", "bob@northwind.example", "Invoice 1042",
	  "2026-11-20T09:14:00Z", "Please check, Bob says nothing came.", "Dear Bob," },
	{ "gmail_two_line_subject.txt", "Fwd: Invoice 1042", 1, "Acme Billing",
	  "billing@acme.example", "bob@northwind.example",
	  "Invoice 1042 for the pallets you ordered in October, with the delivery note attached",
	  "2026-11-20T09:14:00Z", "See below.", "Dear Bob," },
	{ "outlook_bold_mailto_wrap.txt", "FW: Invoice 1042", 1, NULL, "billing@acme.example",
	  "bob@northwind.example", "Invoice 1042", "2026-11-20T09:14:00Z", "Hi", "Dear Bob," },
	{ "mailru_ru.txt", "Fwd: Счёт 1042", 1, "Отдел счетов", "billing@acme.example",
	  "bob@northwind.example", "Счёт 1042", "2026-11-20T09:14:00Z", NULL,
	  "Здравствуйте, Боб!" },
	{ "qq_mail_zh.txt", "转发：发票 1042", 1, "Acme Billing", "billing@acme.example",
	  "bob@northwind.example", "发票 1042", "2026-11-20T09:14:00Z", "请查收。", "您好，" },
	{ "gmail_ko.txt", "Fwd: 청구서 1042", 1, "Acme Billing", "billing@acme.example",
	  "bob@northwind.example", "청구서 1042", "2026-11-20T09:14:00Z", "확인 부탁드립니다.",
	  "안녕하세요," },
};
/* clang-format on */

static void
check_opt(const char *what, const char *want, const char *got, const char *file)
{
	if (want == NULL)
		return;
	if (got == NULL || strcmp(want, got) != 0) {
		fprintf(stderr, "%s: %s: want \"%s\", got \"%s\"\n", file, what, want,
			got ? got : "(null)");
		fail();
	}
}

static void
test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char name[128], *path, *text, *body1 = NULL;
		char when[TIME_RFC3339_LEN];
		struct fwd_original f;

		snprintf(name, sizeof(name), "forward/%s", fixtures[i].file);
		path = tu_fixture(name);
		text = tu_read_file(path, NULL);
		if (text == NULL) {
			fprintf(stderr, "cannot read %s\n", path);
			free(path);
			fail();
		}
		assert_int_equal(forward_parse(text, fixtures[i].subject, &f),
				 fixtures[i].forwarded);
		if (fixtures[i].forwarded) {
			check_opt("from name", fixtures[i].from_name, f.from.name, path);
			check_opt("from address", fixtures[i].from_addr, f.from.address, path);
			check_opt("to[0]", fixtures[i].to0, f.n_to ? f.to[0].address : NULL, path);
			check_opt("subject", fixtures[i].subj, f.subject, path);
			check_opt("date", fixtures[i].date,
				  f.date ? time_format_rfc3339(f.date, when) : NULL, path);
			check_opt("message", fixtures[i].message, f.message, path);
			if (f.body != NULL)
				body1 = xstrndup(f.body, strcspn(f.body, "\n"));
			check_opt("body", fixtures[i].body1, body1, path);
		}
		free(body1);
		forward_free(&f);
		free(text);
		free(path);
	}
}

/* A separator with more text on its line: Yahoo's one-line block, fields
 * split between the line and the next ones, or words that are no fields. */
/* A blank line goes on inside a block only to a field the block lacks:
 * a body that opens with "Subject: ..." twice, or text, ends it there. */
static void
test_blank_line_ends_block(void **state)
{
	const char *t = "---------- Forwarded message ---------\n"
			"From: Acme Billing <billing@acme.example>\n"
			"Subject: Invoice 1042\n"
			"To: bob@northwind.example\n"
			"\n"
			"Subject: this is the body, not a field\n"
			"Dear Bob,\n";
	struct fwd_original f;

	(void)state;
	assert_int_equal(forward_parse(t, "Fwd: Invoice 1042", &f), 1);
	assert_string_equal(f.subject, "Invoice 1042");
	assert_non_null(f.body);
	assert_true(strncmp(f.body, "Subject: this is the body", 25) == 0);
	forward_free(&f);
}

/* "wrote" lines of issue 11: Outlook's "<a@x<mailto:a@x>>", Vietnamese,
 * Japanese Gmail without a verb; a "Name [addr]" From. */
static void
test_wrote_shapes(void **state)
{
	static const struct {
		const char *text, *subject, *from, *date;
	} cases[] = {
		{ "Voir plus bas.\n\nLe 20 nov. 2026 à 09:14, Acme Billing "
		  "<billing@acme.example<mailto:billing@acme.example>> a écrit:\n\nBonjour Bob,\n",
		  "TR: Facture 1042", "billing@acme.example", "2026-11-20T09:14:00Z" },
		{ "Xem bên dưới.\n\nVào 09:14 20 tháng 11, 2026, Acme Billing "
		  "<billing@acme.example> đã viết:\n\n> Xin chào\n",
		  "Fwd: Hóa đơn 1042", "billing@acme.example", "2026-11-20T09:14:00Z" },
		{ "ご確認ください。\n\n2026年11月20日(金) 9:14 請求 <billing@acme.example>:\n\n"
		  "> いつもお世話になっております。\n",
		  "Fwd: 請求書 1042", "billing@acme.example", "2026-11-20T09:14:00Z" },
		{ "See below\n________________________________________\n"
		  "From: CRM Comments [crm@acme.example]\nSent: Friday, 20 November 2026 9:14 a.m.\n"
		  "To: Bob\nSubject: [contact:106] Bob\n\nA new comment.\n",
		  "FW: [contact:106] Bob", "crm@acme.example", NULL },
	};
	char when[TIME_RFC3339_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fwd_original f;

		if (forward_parse(cases[i].text, cases[i].subject, &f) != 1)
			fail_msg("case %zu: no forward found", i);
		check_opt("from", cases[i].from, f.from.address, cases[i].subject);
		check_opt("date", cases[i].date, f.date ? time_format_rfc3339(f.date, when) : NULL,
			  cases[i].subject);
		forward_free(&f);
	}
}

static void
test_separator_line_rest(void **state)
{
	static const char split[] = "----- Forwarded Message ----- From: Ann <ann@x.example>\n"
				    "To: bob@y.example\nSubject: Hi\n\nText\n";
	static const char words[] =
	    "---------- Forwarded message --------- (see below)\n"
	    "From: Ann <ann@x.example>\nTo: bob@y.example\nSubject: Hi\n\nText\n";
	struct fwd_original f;

	(void)state;
	assert_int_equal(forward_parse(split, NULL, &f), 1);
	assert_string_equal(f.from.address, "ann@x.example");
	assert_int_equal(f.n_to, 1);
	assert_string_equal(f.subject, "Hi");
	assert_string_equal(f.body, "Text");
	forward_free(&f);
	assert_int_equal(forward_parse(words, NULL, &f), 1);
	assert_string_equal(f.from.address, "ann@x.example");
	assert_string_equal(f.subject, "Hi");
	assert_string_equal(f.body, "Text");
	assert_int_equal(f.block_start, 0);
	forward_free(&f);
}

/* --- garbage ------------------------------------------------------------ */

static void
expect_none(const char *body, const char *subject)
{
	struct fwd_original f[2];

	assert_int_equal(forward_parse(body, subject, &f[0]), 0);
	assert_null(f[0].body);
	assert_null(f[0].from.address);
	assert_int_equal(forward_parse_all(body, subject, f, 2), 0);
}

static void
test_garbage(void **state)
{
	size_t big = 1024 * 1024;
	char *s = xmalloc(big + 1);
	struct buf b;
	uint32_t x = 12345;
	int64_t t;

	(void)state;
	expect_none(NULL, NULL);
	expect_none("", "");
	expect_none("\n\n\n", "Fwd: x");
	/* 1 MB on one line */
	memset(s, 'A', big);
	s[big] = '\0';
	expect_none(s, "Fwd: x");
	memcpy(s, "From: ", 6);
	expect_none(s, "Fwd: x");
	assert_int_equal(forward_parse_date(s, &t), -1);
	/* 100 000 lines of "From:" */
	buf_init(&b, 0);
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "From:\n");
	expect_none(buf_cstr(&b), "Fwd: x");
	expect_none(buf_cstr(&b), NULL);
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, i % 2 ? "From: a@b.example\n" :
				     "> ---------- Forwarded message ---------\n");
	expect_none(buf_cstr(&b), "Fwd: x");
	/* near misses of the costly candidates: one-line blocks, wrote-lines */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "----- Forwarded Message ----- A:A:A:A:A:A:A:A:A:A:A:A:A:A:A:A\n");
	expect_none(buf_cstr(&b), "Fwd: x");
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "On Mon a@b.example x x x x x x x x x x x x x x x x x x x:\n");
	expect_none(buf_cstr(&b), "Fwd: x");
	/* NUL-free binary noise */
	for (size_t i = 0; i < big; i++) {
		x = x * 1103515245u + 12345u;
		s[i] = (char)((x >> 16) % 255 + 1);
	}
	expect_none(s, "Fwd: x");
	/* unterminated blocks: a separator with nothing or half a header */
	expect_none("---------- Forwarded message ---------", NULL);
	expect_none("---------- Forwarded message ---------\nFrom:", NULL);
	expect_none("   ----- Forwarded Message ----- From:", NULL);
	expect_none("   ----- Forwarded Message ----- To: a@b.example", NULL);
	expect_none("-----Original Message-----\n\n\n\nFrom: a@b.example", NULL);
	expect_none("On 28/10/2021 12:46, \"John\" <john@x", "Fwd: x");
	expect_none("> > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > >",
		    "Fwd: x");
	buf_free(&b);
	free(s);
}

/* Every prefix of a forward (the input cut at each byte, also inside a
 * UTF-8 sequence): no crash, and once the From line is complete it is
 * found. */
static void
test_every_prefix(void **state)
{
	static const char *const samples[] = {
		"Hi\r\n\r\n---------- Forwarded message ---------\r\n"
		"Von: Jöhn Döe <john.doe@acme.example>\r\nDate: Mi., 27. Okt. 2021 um 09:31 Uhr\r\n"
		"Subject: Ünïcode\r\nTo: <bessie@acme.example>\r\n\r\nBody\r\n",
		"   ----- Пересылаемое сообщение ----- От: Джон <john.doe@acme.example>Кому: "
		"\"b@acme.example\" <b@acme.example>Отправлено: вторник, 2 ноября 2021 г., "
		"09:26:50 GMT+1Тема: Тест\n Текст",
		"\xEF\xBB\xBFLe 28/10/2021 12:46, « Jöhn » <john.doe@acme.example> a écrit :\n\n    Corps\n",
	};
	/* from this text on, the block is complete enough to be found */
	static const char *const enough[] = { "Uhr\r\n", "Кому:", "écrit :" };

	(void)state;
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		size_t n = strlen(samples[k]);
		size_t need =
		    (size_t)(strstr(samples[k], enough[k]) - samples[k]) + strlen(enough[k]);

		for (size_t cut = 0; cut <= n; cut++) {
			char *s = xstrndup(samples[k], cut);
			struct fwd_original f;
			int r = forward_parse(s, "TR: x", &f);

			if (cut >= need) {
				assert_int_equal(r, 1);
				assert_string_equal(f.from.address, "john.doe@acme.example");
			}
			forward_free(&f);
			free(s);
		}
	}
}

/* A forward block cut off at the end of the text still gives its fields. */
static void
test_truncated(void **state)
{
	static const char body[] = "-------- Forwarded Message --------\r\n"
				   "Subject: \tHi\r\nDate: \tWed, 3 Nov 2021 15:51:30 +0100\r\n"
				   "From: \tJohn <john@x.example>";
	struct fwd_original f;

	(void)state;
	assert_int_equal(forward_parse(body, NULL, &f), 1);
	assert_string_equal(f.from.address, "john@x.example");
	assert_null(f.body);
	assert_int_equal(f.block_start, 0);
	assert_int_equal(f.block_end, strlen(body));
	forward_free(&f);
}

/* Label comparison decodes with common/utf8.h: an overlong or surrogate
 * form is U+FFFD, never the letter it spells (the old decoder read
 * "\xc1\x81" as 'A' and "\xe0\x81\x81" as 'A' too). */
static void
test_fold_strict(void **state)
{
	(void)state;
	assert_true(fwd_eq_fold("Von", 3, "von"));
	assert_true(fwd_eq_fold("\xc3\x84", 2, "\xc3\xa4")); /* Ä ä */
	assert_false(fwd_eq_fold("\xc1\x81", 2, "a"));
	assert_false(fwd_eq_fold("\xe0\x81\x81", 3, "a"));
	assert_false(fwd_eq_fold("\xf0\x80\x81\x81", 4, "a"));
	assert_int_equal(fwd_prefix_fold("\xc3\x84x", 3, "\xc3\xa4"), 2);
}

int
main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_dates_bad),
		cmocka_unit_test(test_date_language_hint),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_reply_is_not_forward),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_separator_line_rest),
		cmocka_unit_test(test_blank_line_ends_block),
		cmocka_unit_test(test_wrote_shapes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_fold_strict),
	};

	return cmocka_run_group_tests_name("forward", unit, NULL, NULL);
}
