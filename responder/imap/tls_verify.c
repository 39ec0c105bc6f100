/*
 * tls_verify.c - OpenSSL verification of a DER certificate chain and the
 * host name it is for (see tls_verify.h for why libetpan needs this).
 *
 * SECURITY: the certificates are peer input.  They are decoded with
 * d2i_X509 (length-bounded) and nothing of them is trusted until
 * X509_verify_cert() has accepted the chain against our own trust anchors
 * and the host (or IP) check built into the verify parameters.
 */
#include "responder/imap/tls_verify.h"
#include "common/strutil.h"

#include <arpa/inet.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define TLS_VERIFY_MAX_CHAIN 16

static int
is_ip_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int
tls_verify_der_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
		     const char *host, const char *ca_file, char *err, size_t errlen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = NULL;
	X509_VERIFY_PARAM *param;
	int ret = -1, vr;

	if (n == 0 || der == NULL) {
		snprintf(err, errlen, "the server sent no certificate");
		return -1;
	}
	if (host == NULL || *host == '\0') {
		snprintf(err, errlen, "no host name to verify the certificate against");
		return -1;
	}
	if (n > TLS_VERIFY_MAX_CHAIN)
		n = TLS_VERIFY_MAX_CHAIN;
	rest = sk_X509_new_null();
	if (rest == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = der[i];
		X509 *x;

		if (der_len[i] > (size_t)LONG_MAX)
			goto bad_cert;
		x = d2i_X509(NULL, &p, (long)der_len[i]);
		if (x == NULL)
			goto bad_cert;
		if (i == 0) {
			leaf = x;
		} else if (!sk_X509_push(rest, x)) {
			X509_free(x);
			goto oom;
		}
	}
	store = X509_STORE_new();
	if (store == NULL)
		goto oom;
	if (ca_file != NULL && *ca_file != '\0') {
		if (X509_STORE_load_file(store, ca_file) != 1) {
			snprintf(err, errlen, "cannot load CA file %s", ca_file);
			goto out;
		}
	} else if (X509_STORE_set_default_paths(store) != 1) {
		snprintf(err, errlen, "cannot load the system CA store");
		goto out;
	}
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL || X509_STORE_CTX_init(ctx, store, leaf, rest) != 1)
		goto oom;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	if (is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1)
			goto oom;
	} else {
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_host(param, host, 0) != 1)
			goto oom;
	}
	vr = X509_verify_cert(ctx);
	if (vr != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		snprintf(err, errlen, "certificate of %s refused: %s%s", host,
			 X509_verify_cert_error_string(e),
			 ca_file != NULL && *ca_file != '\0' ?
			     "" :
			     " (no [imap] ca_file set: checked against the system store)");
		goto out;
	}
	ret = 0;
	goto out;
bad_cert:
	snprintf(err, errlen, "the server sent a certificate that does not decode");
	goto out;
oom:
	snprintf(err, errlen, "certificate check: OpenSSL failed (out of memory?)");
out:
	if (ret != 0 && err != NULL)
		str_sanitize_line(err);
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(rest, X509_free);
	X509_free(leaf);
	return ret;
}
