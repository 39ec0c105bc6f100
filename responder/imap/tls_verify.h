/*
 * tls_verify.h - checking the IMAP server's certificate with OpenSSL.
 *
 * libetpan's GnuTLS layer accepts any certificate: no chain check, no host
 * name check (../shared/notes/libetpan-libcurl.md 1.2).  The IMAP source
 * hands the DER chain libetpan saw (leaf first) to this module right after
 * the TLS handshake and before any credential is sent; a refusal closes the
 * connection.
 *
 * SECURITY: the chain comes from the peer; it is only parsed by OpenSSL's
 * d2i_X509 and verified against the system store or the configured CA file.
 */
#ifndef RESPONDER_TLS_VERIFY_H
#define RESPONDER_TLS_VERIFY_H

#include <stddef.h>

/* Verifies `n` DER certificates (der[0] the leaf, the rest intermediates as
 * the server sent them) for `host` (a DNS name, or an IPv4/IPv6 literal
 * checked against the IP addresses in subjectAltName).  Trust anchors: the
 * PEM bundle `ca_file` when non-NULL and non-empty, else OpenSSL's default
 * paths (the system store).  Returns 0 when the chain is valid for `host`;
 * -1 with the reason ("certificate verify failed: self-signed certificate",
 * "... hostname mismatch") in err.  Borrows everything. */
int tls_verify_der_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
			 const char *host, const char *ca_file, char *err, size_t errlen);

#endif
