/*
 * fuzz_text.c - libFuzzer target: common/ text handling on any bytes: the
 * UTF-8 cleaners under every module's policy (their promises checked:
 * valid UTF-8, within the cap, nothing a terminal acts on), base64 both
 * ways and the RFC 2047 decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/buf.h"
#include "common/rfc2047.h"
#include "common/utf8.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_terminal(const char *s, size_t n, int multiline)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp);

		if (k == 0)
			abort();
		if ((cp < 0x20 && !(multiline && (cp == '\n' || cp == '\t'))) ||
		    (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned flags = size > 0 ? data[0] : 0; /* the first byte picks */
	size_t cap = size > 1 ? data[1] : 0, len;
	char *c, *line, *raw;
	struct buf b;

	c = utf8_clean(s, size, cap, flags | ((flags & 1u) ? UTF8_TRIM : 0), &len);
	if (!utf8_valid(c, len, NULL) || (cap != 0 && len > cap) || strlen(c) != len)
		abort();
	free(c);
	for (int m = 0; m < 2; m++) {
		c = utf8_clean_terminal(s, size, m);
		if (!utf8_valid(c, strlen(c), NULL) || strlen(c) > size)
			abort();
		check_terminal(c, strlen(c), m);
		free(c);
	}
	c = utf8_make_valid(s, size, UTF8_QMARK, &len);
	if (!utf8_valid(c, len, NULL) || len != size)
		abort();
	free(c);

	buf_init(&b, 0);
	if (base64_encode(&b, data, size) != 0)
		abort();
	raw = xmalloc(size + 1);
	if (base64_decode(buf_cstr(&b), b.len, raw, size + 1, BASE64_PAD_ENDS) != size ||
	    memcmp(raw, data, size) != 0)
		abort();
	(void)base64_decode(s, size, raw, size, BASE64_PAD_SKIPPED);
	free(raw);
	buf_free(&b);

	line = xstrndup(s, size);
	c = rfc2047_decode(line, 4096);
	if (strlen(c) > 4096)
		abort();
	free(c);
	free(line);
	return 0;
}
