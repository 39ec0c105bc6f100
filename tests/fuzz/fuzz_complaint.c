/*
 * fuzz_complaint.c - libFuzzer target for the complaint parser: the
 * pre-scan, then (when it passes) complaint_parse() in-process under the
 * fuzzer's own limits, the JSON round trip of the sandbox pipe, and
 * extraction over the result.  Whatever the input, every string that comes
 * out must be NUL-free valid UTF-8 without CR/LF in header fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "responder/parse/complaint.h"
#include "responder/decide/extract.h"
#include "responder/parse/prescan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct complaint c, d;
	struct extracted x;
	char why[256];
	struct buf b;
	json_t *j;

	if (prescan((const char *)data, size, 1 << 20, why, sizeof(why)) != 0)
		return 0;
	if (complaint_parse((const char *)data, size, &c, why, sizeof(why)) != 0)
		return 0;
	check_line(c.subject);
	check_line(c.from.name);
	check_line(c.from.address);
	check_line(c.message_id);
	for (size_t i = 0; i < c.n_originals; i++) {
		check_line(c.originals[i].subject);
		check_line(c.originals[i].message_id);
	}
	buf_init(&b, 0);
	if (complaint_encode(&c, &b) != 0 || complaint_decode(b.data, b.len, &d) != 0)
		abort();
	buf_free(&b);
	extract_identifiers(&d, NULL, 0, NULL, NULL, &x);
	j = extracted_json(&x);
	if (!j)
		abort();
	json_decref(j);
	extracted_free(&x);
	complaint_free(&d);
	complaint_free(&c);
	return 0;
}
