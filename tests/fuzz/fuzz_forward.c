/*
 * fuzz_forward.c - libFuzzer target: the inline-forward parser and the
 * localized date parser on arbitrary text.
 *
 * The first line of the input (up to the first LF) is the forwarding
 * mail's subject, the rest the body.  Nothing may crash or leak, and every
 * returned offset must lie inside the text it refers to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "responder/forward/bounce.h"
#include "responder/forward/forward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size); /* stops at a NUL */
	char *nl = strchr(text, '\n');
	const char *subject = NULL, *body = text;
	struct fwd_original out[4];
	size_t n;
	int64_t t;

	if (nl != NULL) {
		*nl = '\0';
		subject = text;
		body = nl + 1;
	}
	n = forward_parse_all(body, subject, out, 4);
	if (n > 0 && (out[0].block_start > out[0].block_end || out[0].block_end > strlen(body)))
		abort();
	for (size_t i = 0; i < n; i++)
		forward_free(&out[i]);
	forward_parse_date(body, &t);
	{
		struct bounce b;

		memset(&b, 0, sizeof(b));
		bounce_read_dsn(&b, body);
		bounce_read_failed(&b, body);
		bounce_read_text(&b, body, subject);
		if (b.n_rcpts > BOUNCE_MAX_RCPTS || b.n_quoted > BOUNCE_MAX_QUOTED)
			abort();
		(void)bounce_looks_like(subject, body);
		bounce_free(&b);
	}
	free(text);
	return 0;
}
