/*
 * test_tls_verify.c - OpenSSL verification of a DER chain (tls_verify.h)
 * with certificates made here: a self-signed leaf, a CA-signed leaf with
 * the CA given through ca_file, wrong host names, IP literals, an
 * untrusted chain, garbage; and the IMAP URL / string checks the IMAP
 * source relies on (imap_source.h, imap_source_int.h).
 */
#include "tests/unit/testutil.h"
#include "responder/imap/imap_source.h"
#include "responder/imap/imap_source_int.h"
#include "responder/imap/tls_verify.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cert {
	EVP_PKEY *key;
	X509 *x;
	unsigned char *der;
	size_t der_len;
};

static void
add_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

/* A certificate for `cn` with subjectAltName `san` (NULL: none), signed by
 * `ca` (NULL: self-signed); is_ca makes it a CA. */
static void
make_cert(struct cert *c, const char *cn, const char *san, const struct cert *ca, int is_ca)
{
	X509_NAME *name;
	unsigned char *p;
	int n;

	memset(c, 0, sizeof(*c));
	c->key = EVP_EC_gen("P-256");
	assert_non_null(c->key);
	c->x = X509_new();
	X509_set_version(c->x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x), (long)(random() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(c->x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c->x), 3600L * 24 * 365);
	X509_set_pubkey(c->x, c->key);
	name = X509_get_subject_name(c->x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c->x, ca ? X509_get_subject_name(ca->x) : name);
	if (is_ca) {
		add_ext(ca ? ca->x : c->x, c->x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(ca ? ca->x : c->x, c->x, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	if (san != NULL)
		add_ext(ca ? ca->x : c->x, c->x, NID_subject_alt_name, san);
	assert_true(X509_sign(c->x, ca ? ca->key : c->key, EVP_sha256()) > 0);
	n = i2d_X509(c->x, NULL);
	assert_true(n > 0);
	c->der = malloc((size_t)n);
	p = c->der;
	i2d_X509(c->x, &p);
	c->der_len = (size_t)n;
}

static void
free_cert(struct cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->x);
	free(c->der);
}

static char *
write_pem(const char *dir, const char *name, const struct cert *c)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *fp;

	snprintf(path, n, "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	PEM_write_X509(fp, c->x);
	fclose(fp);
	return path;
}

static int
verify1(const struct cert *leaf, const char *host, const char *ca_file, char *err, size_t errlen)
{
	const unsigned char *der[1] = { leaf->der };
	size_t len[1] = { leaf->der_len };

	return tls_verify_der_chain(der, len, 1, host, ca_file, err, errlen);
}

static void
test_self_signed(void **state)
{
	struct cert c;
	char *dir = tu_tempdir(), *pem, err[512];

	(void)state;
	make_cert(&c, "localhost", "DNS:localhost,IP:127.0.0.1", NULL, 0);
	pem = write_pem(dir, "self.pem", &c);
	/* Trusted through ca_file: right name and IP pass. */
	assert_int_equal(verify1(&c, "localhost", pem, err, sizeof(err)), 0);
	assert_int_equal(verify1(&c, "LOCALHOST", pem, err, sizeof(err)), 0);
	assert_int_equal(verify1(&c, "127.0.0.1", pem, err, sizeof(err)), 0);
	/* Wrong names and addresses are refused, with the reason. */
	assert_int_equal(verify1(&c, "imap.example.com", pem, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hostname mismatch"));
	assert_int_equal(verify1(&c, "127.0.0.2", pem, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "IP address mismatch"));
	assert_int_equal(verify1(&c, "::1", pem, err, sizeof(err)), -1);
	/* Not trusted: the system store does not know it. */
	assert_int_equal(verify1(&c, "localhost", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "self-signed"));
	assert_int_equal(verify1(&c, "localhost", "", err, sizeof(err)), -1);
	free_cert(&c);
	free(pem);
	tu_rmtree(dir);
	free(dir);
}

static void
test_ca_chain(void **state)
{
	struct cert ca, mid, leaf, other;
	char *dir = tu_tempdir(), *ca_pem, *other_pem, err[512];
	const unsigned char *der[2];
	size_t len[2];

	(void)state;
	make_cert(&ca, "Test Root", NULL, NULL, 1);
	make_cert(&mid, "Test Intermediate", NULL, &ca, 1);
	make_cert(&leaf, "imap.example.com", "DNS:imap.example.com,DNS:*.mail.example.com", &mid,
		  0);
	make_cert(&other, "Other Root", NULL, NULL, 1);
	ca_pem = write_pem(dir, "ca.pem", &ca);
	other_pem = write_pem(dir, "other.pem", &other);
	der[0] = leaf.der;
	len[0] = leaf.der_len;
	der[1] = mid.der;
	len[1] = mid.der_len;

	assert_int_equal(
	    tls_verify_der_chain(der, len, 2, "imap.example.com", ca_pem, err, sizeof(err)), 0);
	assert_int_equal(
	    tls_verify_der_chain(der, len, 2, "x.mail.example.com", ca_pem, err, sizeof(err)), 0);
	/* Wildcards cover one label only. */
	assert_int_equal(
	    tls_verify_der_chain(der, len, 2, "a.b.mail.example.com", ca_pem, err, sizeof(err)),
	    -1);
	/* Without the intermediate the chain does not reach the root. */
	assert_int_equal(
	    tls_verify_der_chain(der, len, 1, "imap.example.com", ca_pem, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "refused"));
	/* Another CA does not vouch for it. */
	assert_int_equal(
	    tls_verify_der_chain(der, len, 2, "imap.example.com", other_pem, err, sizeof(err)), -1);
	/* A CA file that does not exist is an error, not "trust anything". */
	assert_int_equal(tls_verify_der_chain(der, len, 2, "imap.example.com",
					      "/nonexistent/ca.pem", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cannot load CA file"));
	free_cert(&ca);
	free_cert(&mid);
	free_cert(&leaf);
	free_cert(&other);
	free(ca_pem);
	free(other_pem);
	tu_rmtree(dir);
	free(dir);
}

static void
test_garbage(void **state)
{
	const unsigned char junk[] = { 0x30, 0x82, 0xff, 0xff, 0x01, 0x02 };
	const unsigned char *der[1] = { junk };
	size_t len[1] = { sizeof(junk) };
	char err[512];

	(void)state;
	assert_int_equal(tls_verify_der_chain(der, len, 1, "localhost", NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "does not decode"));
	assert_int_equal(tls_verify_der_chain(NULL, NULL, 0, "localhost", NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "no certificate"));
	assert_int_equal(tls_verify_der_chain(der, len, 1, "", NULL, err, sizeof(err)), -1);
}

static void
test_imap_url(void **state)
{
	static const struct {
		const char *url;
		int ok, tls;
		const char *host;
		unsigned port;
	} cases[] = {
		{ "imaps://imap.example.com:993", 1, 1, "imap.example.com", 993 },
		{ "imaps://imap.example.com", 1, 1, "imap.example.com", 993 },
		{ "IMAP://127.0.0.1:10143/", 1, 0, "127.0.0.1", 10143 },
		{ "imap://mail.example.org", 1, 0, "mail.example.org", 143 },
		{ "imaps://[::1]:9993", 1, 1, "::1", 9993 },
		{ "imaps://host:0", 0, 0, NULL, 0 },
		{ "imaps://host:65536", 0, 0, NULL, 0 },
		{ "imaps://host:12x", 0, 0, NULL, 0 },
		{ "imaps://:993", 0, 0, NULL, 0 },
		{ "imaps://[::1", 0, 0, NULL, 0 },
		{ "pop3://host", 0, 0, NULL, 0 },
		{ "imaps://ho\rst:993", 0, 0, NULL, 0 },
		{ "imaps://h\xc3\xa9st", 0, 0, NULL, 0 },
	};
	char host[256], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int tls = -1;
		uint16_t port = 0;
		int r =
		    imap_parse_url(cases[i].url, &tls, host, sizeof(host), &port, err, sizeof(err));

		if (!cases[i].ok) {
			assert_int_equal(r, -1);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(tls, cases[i].tls);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

static void
test_safe_string(void **state)
{
	(void)state;
	assert_true(imap_safe_string("INBOX", 1));
	assert_true(imap_safe_string("Processed/2026", 1));
	assert_true(imap_safe_string("p\xc3\xa4ss", 0));
	assert_false(imap_safe_string("p\xc3\xa4ss", 1));
	assert_false(imap_safe_string("INBOX\r\nA1 DELETE INBOX", 1));
	assert_false(imap_safe_string("a\nb", 0));
	assert_false(imap_safe_string("a\x01", 0));
	assert_false(imap_safe_string("a\x7f", 0));
	assert_false(imap_safe_string(NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_signed), cmocka_unit_test(test_ca_chain),
		cmocka_unit_test(test_garbage),	    cmocka_unit_test(test_imap_url),
		cmocka_unit_test(test_safe_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
