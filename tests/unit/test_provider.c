/*
 * test_provider.c - provider detection from MX hosts and reply texts, and
 * remote queue IDs of 2xx replies for each server family (responder/
 * provider.c, through the reason.h interface).
 */
#include "tests/unit/testutil.h"
#include "responder/reason/reason.h"

#include <stdio.h>
#include <string.h>

/* --- providers --------------------------------------------------------- */

static void
test_provider_of_mx(void **state)
{
	static const struct {
		const char *mx;
		const char *key;
	} cases[] = {
		{ "aspmx.l.google.com", "google" },
		{ "ALT1.ASPMX.L.GOOGLE.COM.", "google" },
		{ "smtp.google.com", "google" },
		{ "gmail-smtp-in.l.google.com", "google" },
		{ "example-com.mail.protection.outlook.com", "microsoft" },
		{ "outlook-com.olc.protection.outlook.com", "microsoft" },
		{ "mx1.hotmail.com", "microsoft" },
		{ "mta5.am0.yahoodns.net", "yahoo" },
		{ "mx-aol.mail.gm0.yahoodns.net", "yahoo" },
		{ "mx01.mail.icloud.com", "apple" },
		{ "mx2.me.com.akadns.net", "apple" },
		{ "mx.zoho.com", "zoho" },
		{ "mx2.zohomail.eu", "zoho" },
		{ "mail.protonmail.ch", "proton" },
		{ "mailsec.protonmail.ch", "proton" },
		{ "mx00.gmx.net", "gmx" },
		{ "mx-ha03.web.de", "gmx" },
		{ "mx00.mail.com", "gmx" },
		{ "smtp-in.orange.fr", "orange" },
		{ "smtp-in.wanadoo.fr", "orange" },
		{ "mx.yandex.ru", "yandex" },
		{ "mx.yandex.net", "yandex" },
		{ "eu-smtp-inbound-1.mimecast.com", "mimecast" },
		{ "mx0a-001b2d01.pphosted.com", "proofpoint" },
		{ "mx1-us1.ppe-hosted.com", "proofpoint" },
		{ "d123456a.ess.barracudanetworks.com", "barracuda" },
		{ "notgoogle.com", NULL },
		{ "google.com.evil.example", NULL },
		{ "gmail.com.example.net", NULL },
		{ "mx.example.org", NULL },
		{ "", NULL },
		{ ".", NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = reason_provider_of_mx(cases[i].mx);

		if (cases[i].key == NULL ? got != NULL : got == NULL || strcmp(got, cases[i].key))
			fail_msg("%s: got %s, want %s", cases[i].mx, got ? got : "NULL",
				 cases[i].key ? cases[i].key : "NULL");
		if (got)
			assert_non_null(reason_provider_name(got));
	}
	assert_string_equal(reason_provider_name("microsoft"), "Microsoft 365 / Outlook.com");
}

static void
test_provider_of_text(void **state)
{
	struct classification c;

	(void)state;
	assert_string_equal(reason_provider_of_text("250 2.0.0 OK 1 abc - gsmtp"), "google");
	assert_string_equal(reason_provider_of_text("[AM0PR01MB1.eurprd01.prod.outlook.com]"),
			    "microsoft");
	assert_string_equal(reason_provider_of_text("see https://postmaster.yahooinc.com/"),
			    "yahoo");
	assert_string_equal(reason_provider_of_lowered("250 ok 1 abc - gsmtp", 20), "google");
	assert_null(reason_provider_of_lowered("250 ok 1 abc - gsmtp", 15)); /* len counts */
	/* a DNSBL named in the text is not the receiving provider */
	assert_null(reason_provider_of_text("blocked using b.barracudacentral.org"));
	/* the MX host wins over the text */
	reason_classify("bounced", 550, NULL, "550 5.1.1 gsmtp", "mx.zoho.com", &c);
	assert_string_equal(c.provider, "zoho");
	assert_string_equal(c.provider_name, "Zoho Mail");
	reason_classify("bounced", 550, NULL, "550 5.1.1 gsmtp", NULL, &c);
	assert_string_equal(c.provider, "google");
}

/* --- remote queue IDs -------------------------------------------------- */

static void
test_remote_queue_id(void **state)
{
	static const struct {
		const char *family;
		const char *text;
		const char *id;
	} cases[] = {
		{ "google",
		  "250 2.0.0 OK  1763630045 5b1f17b1804b1-47787e5e0f3si12345f8f.123 - gsmtp",
		  "5b1f17b1804b1-47787e5e0f3si12345f8f.123" },
		{ "microsoft",
		  "250 2.6.0 <inv-1042@acme.example> [InternalId=12455405350923, "
		  "Hostname=AM9PR01MB1234.eurprd01.prod.exchangelabs.com] 10234 bytes in 0.056, "
		  "178.125 KB/sec Queued mail for delivery",
		  "12455405350923" },
		{ "microsoft relay",
		  "250 2.6.0 <a@b> [InternalId=3418793, Hostname=X] Queued mail "
		  "for delivery -> 250 2.1.5",
		  "3418793" },
		{ "postfix", "250 2.0.0 Ok: queued as 4XbQ1m0vG7z1aa", "4XbQ1m0vG7z1aa" },
		{ "postfix short", "250 Ok: queued as 3F2A1C0042", "3F2A1C0042" },
		{ "exim", "250 OK id=1tAbCd-000123-4X", "1tAbCd-000123-4X" },
		{ "gmx", "250 Requested mail action okay, completed: id=1MxUB1-1uV6wM3fqJ-00zbdS",
		  "1MxUB1-1uV6wM3fqJ-00zbdS" },
		{ "sendmail", "250 2.0.0 4AK9E3xG012345 Message accepted for delivery",
		  "4AK9E3xG012345" },
		{ "proofpoint", "250 2.0.0 3u8r4n0ab1-1 Message accepted for delivery",
		  "3u8r4n0ab1-1" },
		{ "qmail", "250 ok 1763630045 qp 12345", "1763630045 qp 12345" },
		{ "yandex",
		  "250 2.0.0 Ok: queued on mail-nwsmtp-mxfront-main-12.vla.yp-c.yandex.net "
		  "1763630045-AbCdEf12GhI4",
		  "1763630045-AbCdEf12GhI4" },
		{ "amazon ses",
		  "250 Ok 0100018c1f2a3b4c-5d6e7f80-1234-5678-9abc-def012345678-000000",
		  "0100018c1f2a3b4c-5d6e7f80-1234-5678-9abc-def012345678-000000" },
		{ "generic", "250 Message queued as <ABC123@mx.example>", "ABC123@mx.example" },
		{ "ok later", "250 2.0.0 Looks ok 0123456789ab", "0123456789ab" },
		{ "yahoo", "250 ok dirdel", "" },
		{ "yahoo 2", "250 ok dirdel 1/0", "" },
		{ "bare", "250 2.0.0 Ok", "" },
		{ "bare 2", "250 OK", "" },
		{ "empty", "", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct classification c;
		char out[128];
		int found = reason_remote_queue_id(cases[i].text, out, sizeof(out));

		if (strcmp(out, cases[i].id) != 0 || found != (cases[i].id[0] != '\0'))
			fail_msg("%s: got \"%s\" (%d), want \"%s\"", cases[i].family, out, found,
				 cases[i].id);
		reason_classify("delivered", 250, NULL, cases[i].text, NULL, &c);
		assert_string_equal(c.remote_queue_id, cases[i].id);
	}
	{
		struct classification c;
		char small[5];

		/* only delivered attempts get an ID */
		reason_classify("bounced", 554, NULL, "554 5.7.0 Reject, id=12345-02", NULL, &c);
		assert_string_equal(c.remote_queue_id, "");
		/* truncated to the buffer */
		assert_int_equal(
		    reason_remote_queue_id("250 queued as ABCDEFGH", small, sizeof(small)), 1);
		assert_string_equal(small, "ABCD");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_of_mx),
		cmocka_unit_test(test_provider_of_text),
		cmocka_unit_test(test_remote_queue_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
