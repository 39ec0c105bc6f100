/*
 * fuzz_sandbox_json.c - libFuzzer target for what the parent reads from the
 * parser child (responder/parse/sandbox.c): arbitrary bytes through
 * complaint_decode() (complaint_wire.c, the pipe's binary form; the name
 * stays from when the pipe carried JSON), as if the child had been taken
 * over.  fuzz_complaint only feeds what complaint_encode() wrote; this
 * one feeds anything.  Whatever the input, an accepted complaint must hold
 * no CR/LF in its header fields and survive the round trip again (the same
 * bytes the second time), and extraction (what the parent does next) must
 * not crash on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "responder/decide/extract.h"
#include "responder/parse/complaint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n')
			abort();
}

static void
check_addr(const struct cpl_address *a)
{
	check_line(a->name);
	check_line(a->address);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct complaint c, d;
	struct extracted x;
	struct buf b1, b2;
	json_t *j;

	if (complaint_decode(data, size, &c) != 0)
		return 0;
	check_addr(&c.from);
	check_addr(&c.reply_to);
	check_addr(&c.sender);
	check_line(c.subject);
	check_line(c.message_id);
	check_line(c.return_path);
	for (size_t i = 0; i < c.n_originals; i++) {
		check_addr(&c.originals[i].from);
		check_line(c.originals[i].subject);
		check_line(c.originals[i].message_id);
	}
	buf_init(&b1, 0);
	buf_init(&b2, 0);
	if (complaint_encode(&c, &b1) != 0 || complaint_decode(b1.data, b1.len, &d) != 0 ||
	    complaint_encode(&d, &b2) != 0 || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	buf_free(&b1);
	buf_free(&b2);
	extract_identifiers(&d, NULL, 0, NULL, NULL, &x);
	j = extracted_json(&x);
	if (j == NULL)
		abort();
	json_decref(j);
	extracted_free(&x);
	complaint_free(&d);
	complaint_free(&c);
	return 0;
}
