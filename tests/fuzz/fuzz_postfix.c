/*
 * fuzz_postfix.c - libFuzzer target: one Postfix log line through the
 * syslog splitter, the delivery-line parser, the reply extractor and the
 * RFC 2047 header decoder (all of it text the relay logged from remote
 * servers and senders).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "store/import/postfix_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = xstrndup((const char *)data, size);
	struct pf_year y;
	struct pf_line l;
	struct pf_delivery d;
	char reply[1024], field[256];

	memset(&y, 0, sizeof(y));
	y.ref = 1795000000; /* 2026-11: a fixed "now" for the year guess */
	if (pf_parse_syslog(line, &y, &l) == PF_PARSE_OK && l.text != NULL) {
		if (pf_parse_delivery(l.text, &d) == 0 && d.detail != NULL) {
			if (d.detail_len > strlen(d.detail))
				abort();
			pf_reply_text(d.detail, d.detail_len, reply, sizeof(reply));
			(void)pf_reply_code(reply);
		}
		(void)pf_field(l.text, "message-id", field, sizeof(field));
		free(pf_decode_header(l.text, 4096));
	}
	free(line);
	return 0;
}
