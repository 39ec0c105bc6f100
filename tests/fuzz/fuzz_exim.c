/*
 * fuzz_exim.c - libFuzzer target: one Exim 4 mainlog line through the
 * frame splitter (plain or behind a syslog prefix), the arrival and
 * delivery parsers, the field and flag scanners, the reply extractor and
 * the enhanced-status reader (store/import/exim_parse.c).  All of it is
 * text from senders (addresses, Message-IDs, subjects) and remote servers
 * (replies) that the relay logged.
 *
 * Whatever the line: every string that comes out is terminated within its
 * buffer, a delivery's kind is one of Exim's, the recipients of an
 * arrival lie inside the text, and the enhanced status is a status or "".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strutil.h"
#include "common/xalloc.h"
#include "store/import/postfix_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "H", "R", "T",  "C",  "id", "A",  "U",  "P",
					    "S", "X", "CV", "DN", "F",	"QT", "DT", "I" };
	static const char *const kinds[] = { "=>", "->", ">>", "*>", "**", "==" };
	char *line = xstrndup((const char *)data, size);
	struct pf_year y;
	struct pf_line l;
	struct ex_delivery *d = xmalloc(sizeof(*d));
	struct ex_arrival *a = xmalloc(sizeof(*a));
	char field[256], reply[1024], es[32];

	memset(&y, 0, sizeof(y));
	y.ref = 1795000000; /* 2026-11: a fixed "now" for a syslog stamp's year */
	if (ex_parse_line(line, &y, &l) != PF_PARSE_OK || l.text == NULL)
		goto out;
	if (l.qid != NULL && !ex_is_message_id(l.qid, strlen(l.qid)))
		abort();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (ex_field(l.text, keys[i], field, sizeof(field)) && !TERMINATED(field))
			abort();
	(void)ex_flag(l.text, "K");
	if (ex_parse_arrival(l.text, a) == 0) {
		if (!TERMINATED(a->sender) || !TERMINATED(a->auth) || !TERMINATED(a->user) ||
		    !TERMINATED(a->mid) || !TERMINATED(a->subject))
			abort();
		if (a->rcpts != NULL && (a->rcpts < l.text || a->rcpts > l.text + strlen(l.text)))
			abort();
	}
	if (ex_parse_delivery(l.text, d) == 0) {
		int known = 0;

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			known |= strcmp(d->kind, kinds[i]) == 0;
		if (!known || !TERMINATED(d->addr) || !TERMINATED(d->mx_host) ||
		    !TERMINATED(d->confirm) || !TERMINATED(d->error))
			abort();
		ex_reply_text(*d->error ? d->error : d->confirm, reply, sizeof(reply));
		ex_enhanced_status(reply, es, sizeof(es));
		if (*es != '\0' && !enhanced_status_valid(es))
			abort();
	}
out:
	free(a);
	free(d);
	free(line);
	return 0;
}
