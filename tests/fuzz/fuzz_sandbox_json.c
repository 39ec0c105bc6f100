/*
 * fuzz_sandbox_json.c - libFuzzer target for what the parent reads from the
 * parser child (responder/parse/sandbox.c): arbitrary bytes through
 * json_loadb() and complaint_from_json(), as if the child had been taken
 * over.  fuzz_complaint only feeds JSON that complaint_to_json() wrote;
 * this one feeds anything.  Whatever the input, an accepted complaint must
 * hold no CR/LF in its header fields and survive the round trip again,
 * and extraction (what the parent does next) must not crash on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	json_error_t jerr;
	json_t *j;

	j = json_loadb((const char *)data, size, 0, &jerr);
	if (j == NULL)
		return 0;
	if (complaint_from_json(j, &c) != 0) {
		json_decref(j);
		return 0;
	}
	json_decref(j);
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
	j = complaint_to_json(&c);
	if (j == NULL || complaint_from_json(j, &d) != 0)
		abort();
	json_decref(j);
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
