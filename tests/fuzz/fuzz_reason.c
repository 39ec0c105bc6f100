/*
 * fuzz_reason.c - libFuzzer target: classification of arbitrary SMTP reply
 * texts and MX host names (both come from remote servers).
 *
 * The input is cut at the first NUL into MX host and reply text.  The
 * result must be one of the known reasons and the remote queue ID a
 * printable, terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "responder/reason/reason.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const statuses[] = { NULL, "delivered", "deferred", "bounced" };
	char *buf = xmalloc(size + 2);
	const char *mx, *text;
	struct classification c;

	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	mx = buf;
	text = buf + strlen(buf) + (strlen(buf) < size);
	for (size_t i = 0; i < 4; i++) {
		reason_classify(statuses[i], 0, NULL, text, mx, &c);
		if ((unsigned)c.reason >= REASON_COUNT || reason_name(c.reason) == NULL)
			abort();
		if (memchr(c.remote_queue_id, '\0', sizeof(c.remote_queue_id)) == NULL)
			abort();
		for (const char *p = c.remote_queue_id; *p; p++)
			if ((unsigned char)*p < 0x20)
				abort();
	}
	free(buf);
	return 0;
}
