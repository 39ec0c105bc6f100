/*
 * test_common.c - common/: addresses, strings, times, subjects, buffers.
 */
#include "tests/unit/testutil.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/subject.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
test_addr_valid(void **state)
{
	static const struct {
		const char *addr;
		int ok;
	} cases[] = {
		{ "bob@northwind.example", 1 },
		{ "Bob.Smith+tag@sub.example.co.uk", 1 },
		{ "a@b", 1 },
		{ "", 0 },
		{ "bob", 0 },
		{ "@example.com", 0 },
		{ "bob@", 0 },
		{ "bob@@example.com", 0 },
		{ "bob@ex@ample.com", 0 },
		{ "bob smith@example.com", 0 },
		{ "bob@example.com\r\nRCPT TO:<evil@x>", 0 },
		{ "bob@example.com\n", 0 },
		{ "\"bob\"@example.com", 0 },
		{ "<bob@example.com>", 0 },
		{ "bob@exa_mple.com", 1 },
		{ "bob@-", 1 },
		{ "bob@example..com", 0 },
		{ "bob@.example.com", 0 },
		{ ".bob@example.com", 0 },
		{ "bob.@example.com", 0 },
		{ "b\x01ob@example.com", 0 },
		{ "bob@ex\x7f"
		  "ample.com",
		  0 },
		{ "b\xc3\xb6@ex\xc3\xa4mple.com", 1 }, /* UTF-8 (SMTPUTF8) */
	};
	char local65[80], longdom[320];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (addr_valid(cases[i].addr) != cases[i].ok)
			fail_msg("addr_valid(\"%s\") != %d", cases[i].addr, cases[i].ok);
	}
	memset(local65, 'a', 65);
	memcpy(local65 + 65, "@x.example", 11);
	assert_false(addr_valid(local65));
	local65[64] = '\0';
	memcpy(local65 + 64, "@x.example", 11);
	assert_true(addr_valid(local65));
	memcpy(longdom, "a@", 2);
	for (int i = 0; i < 62; i++)
		memcpy(longdom + 2 + i * 4, "abc.", 4);
	memcpy(longdom + 250, "example.com", 12);
	assert_false(addr_valid(longdom)); /* > 254 bytes */
}

static void
test_addr_normalize(void **state)
{
	char *a;

	(void)state;
	a = addr_normalize("  <Bob@NorthWind.Example> ");
	assert_string_equal(a, "bob@northwind.example");
	free(a);
	a = addr_normalize("<>");
	assert_null(a);
	assert_null(addr_normalize("   "));
	assert_string_equal(addr_domain("x@y.example"), "y.example");
	assert_null(addr_domain("nodomain"));
}

static void
test_strings(void **state)
{
	char buf[8], s[] = "  hello \t\n",
		     line[] = "a\r\nb\x01"
			      "c\td";

	(void)state;
	assert_int_equal(str_copy(buf, "abcdefghij", sizeof(buf)), 10);
	assert_string_equal(buf, "abcdefg");
	assert_string_equal(str_trim(s), "hello");
	assert_string_equal(str_sanitize_line(line), "a  b c\td");
	assert_true(str_starts_with_nocase("FWD: x", "fwd:"));
	assert_true(str_ends_with_nocase("a.GZ", ".gz"));
	assert_false(str_ends_with_nocase("gz", ".gz"));
}

static void
test_rfc3339(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
		int ok;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 1 },
		{ "2026-11-20T09:14:02Z", 1795166042, 1 },
		{ "2026-11-20T09:14:02.123456Z", 1795166042, 1 },
		{ "2026-11-20T10:14:02+01:00", 1795166042, 1 },
		{ "2026-11-20T04:14:02-05:00", 1795166042, 1 },
		{ "2026-11-20 09:14:02z", 1795166042, 1 },
		{ "2026-11-20", 1795132800, 1 },
		{ "2024-02-29T00:00:00Z", 1709164800, 1 },
		{ "2023-02-29T00:00:00Z", 0, 0 },
		{ "2026-13-01T00:00:00Z", 0, 0 },
		{ "2026-11-20T25:00:00Z", 0, 0 },
		{ "2026-11-20T09:14:02", 0, 0 }, /* no zone */
		{ "2026-11-20T09:14:02+0100", 0, 0 },
		{ "2026-11-20T09:14:02Zjunk", 0, 0 },
		{ "Nov 20 2026", 0, 0 },
		{ "", 0, 0 },
	};
	char out[TIME_RFC3339_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = -1;
		int r = time_parse_rfc3339(cases[i].s, &t);
		if ((r == 0) != cases[i].ok || (cases[i].ok && t != cases[i].t))
			fail_msg("time_parse_rfc3339(\"%s\"): r=%d t=%lld", cases[i].s, r,
				 (long long)t);
	}
	assert_string_equal(time_format_rfc3339(1795166042, out), "2026-11-20T09:14:02Z");
}

static void
test_durations(void **state)
{
	int64_t d, t;

	(void)state;
	assert_int_equal(time_parse_duration("90s", &d), 0);
	assert_int_equal(d, 90);
	assert_int_equal(time_parse_duration("30m", &d), 0);
	assert_int_equal(d, 1800);
	assert_int_equal(time_parse_duration("24h", &d), 0);
	assert_int_equal(d, 86400);
	assert_int_equal(time_parse_duration("7d", &d), 0);
	assert_int_equal(d, 604800);
	assert_int_equal(time_parse_duration("2w", &d), 0);
	assert_int_equal(d, 1209600);
	assert_int_equal(time_parse_duration("15", &d), 0);
	assert_int_equal(d, 15);
	assert_int_equal(time_parse_duration("7x", &d), -1);
	assert_int_equal(time_parse_duration("7dd", &d), -1);
	assert_int_equal(time_parse_duration("-7d", &d), -1);
	assert_int_equal(time_parse_duration("d", &d), -1);
	assert_int_equal(time_parse_duration("99999999999999999999d", &d), -1);
	assert_int_equal(time_parse_since("7d", 1000000, &t), 0);
	assert_int_equal(t, 1000000 - 604800);
	assert_int_equal(time_parse_since("2026-11-20", 0, &t), 0);
	assert_int_equal(t, 1795132800);
	assert_int_equal(time_parse_since("yesterday", 0, &t), -1);
}

static void
test_subject_normalize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "Invoice 1042", "invoice 1042" },
		{ "Re: Invoice 1042", "invoice 1042" },
		{ "RE: FW: Invoice #1042!", "invoice 1042" },
		{ "Fwd: Re: Fw: invoice 1042", "invoice 1042" },
		{ "WG: AW: Rechnung 1042", "rechnung 1042" },
		{ "TR: RE: Facture 1042", "facture 1042" },
		{ "SV: VS: Faktura", "faktura" },
		{ "RV: Factura", "factura" },
		{ "Antw: Doorst: Factuur", "factuur" },
		{ "Odp: PD: Faktura", "faktura" },
		{ "Re[2]: Invoice", "invoice" },
		{ "Re(3): Invoice", "invoice" },
		{ "Re : Invoice", "invoice" },
		{ "RE\xef\xbc\x9a"
		  "Invoice",
		  "invoice" }, /* full-width colon */
		{ "[EXTERNAL] Re: Invoice 1042", "invoice 1042" },
		{ "[SPAM] [EXTERNAL] Fwd: Invoice 1042", "invoice 1042" },
		{ "\xd0\x9f\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xbb: \xd0\xa1\xd1\x87\xd0\xb5\xd1\x82",
		  "\xd0\xa1\xd1\x87\xd0\xb5\xd1\x82" },		      /* Пересл: Счет */
		{ "Regarding the invoice", "regarding the invoice" }, /* "Re" only with a colon */
		{ "Invoice: 1042", "invoice 1042" },
		{ "[1042]", "1042" },
		{ "", "" },
		{ "   ", "" },
		{ "Re:", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = subject_normalize(cases[i].in);
		if (strcmp(n, cases[i].out) != 0)
			fail_msg("subject_normalize(\"%s\") = \"%s\", want \"%s\"", cases[i].in, n,
				 cases[i].out);
		free(n);
	}
}

static void
test_subject_similarity(void **state)
{
	(void)state;
	assert_true(subject_similarity("invoice 1042", "invoice 1042") == 1.0);
	assert_true(subject_similarity("invoice 1042", "invoice 1043") == 0.5);
	assert_true(subject_similarity("invoice 1042", "quote") == 0.0);
	assert_true(subject_similarity("", "") == 1.0);
	assert_true(subject_similarity("a a", "a") > 0.6);
}

static void
test_buf_cap(void **state)
{
	struct buf b;
	char *s;
	size_t n;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_printf(&b, "%d", 1234), 0);
	assert_string_equal(buf_cstr(&b), "hello1234");
	assert_int_equal(buf_puts(&b, "xx"), -1); /* would be 11 */
	assert_string_equal(buf_cstr(&b), "hello1234");
	assert_int_equal(buf_putc(&b, '!'), 0);
	assert_int_equal(buf_putc(&b, '!'), -1);
	assert_int_equal(buf_append(&b, "\0", 0), 0);
	s = buf_steal(&b, &n);
	assert_int_equal(n, 10);
	assert_string_equal(s, "hello1234!");
	free(s);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	/* Growth across many appends, binary data with NUL. */
	buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 30000);
	assert_int_equal(b.data[1], '\0');
	buf_free(&b);
}

static void
test_backoff(void **state)
{
	int b = 0, seen[12];

	(void)state;
	for (size_t i = 0; i < 12; i++)
		seen[i] = b = time_backoff_next(b, 300);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[7], 128);
	assert_int_equal(seen[8], 256);
	assert_int_equal(seen[9], 300);
	assert_int_equal(seen[11], 300);
	assert_int_equal(time_backoff_next(151, 301), 301);
	assert_int_equal(time_backoff_next(150, 301), 300);
	assert_int_equal(time_backoff_next(-3, 300), 1);
}

/* A log line carries a peer's text to the admin's terminal: no escape
 * sequence, C1 control, line break or invalid byte gets through. */
static void
test_log_line_clean(void **state)
{
	char *dir = tu_tempdir(), path[1024], *out;
	int saved = dup(2);
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", dir);
	f = freopen(path, "w", stderr);
	assert_non_null(f);
	log_init("t", LOG_LVL_INFO, 0);
	log_info("a\x1b]52;c;eA==\x07"
		 "b\r\nc\xc2\x9b"
		 "2Jd\xff\x7f"
		 "e\tf caf\xc3\xa9");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	out = tu_read_file(path, NULL);
	assert_non_null(out);
	assert_string_equal(out, "t: info: a ]52;c;eA== b  c  2Jd? e\tf caf\xc3\xa9\n");
	free(out);
	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_valid),
		cmocka_unit_test(test_addr_normalize),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_subject_normalize),
		cmocka_unit_test(test_subject_similarity),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_log_line_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
