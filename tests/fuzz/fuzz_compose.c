/*
 * fuzz_compose.c - libFuzzer target: a reply built from hostile strings.
 *
 * The input is cut at NUL bytes into the fields that come from complaints
 * and remote servers (requester name, complaint subject, message-ids,
 * stored subject, MX host, reply text, transcript, recipient).  The reply
 * must always be built, and its header section must hold only our own
 * header lines, with CRLF line ends only; and a reply that finds the
 * message must carry the transcript byte for byte in its base64
 * attachment.
 * The first byte of the first field also picks the outcome (bits 0-1),
 * the reply language (bits 2-4: English and the seven others) and the
 * next-step and only-candidate parts (bits 5, 6).
 *
 * Templates: $RESPONDER_SRC/templates, else the source tree's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/xalloc.h"
#include "responder/reply/compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct templates *tpl;

static void
load_once(void)
{
	if (tpl)
		return;
	char dir[4096], err[512];
	const char *src = getenv("RESPONDER_SRC");
	if (src)
		snprintf(dir, sizeof(dir), "%s/templates", src);
	else
		snprintf(dir, sizeof(dir), "%s", RESPONDER_SOURCE_TEMPLATES);
	if (templates_load(dir, &tpl, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_compose: %s\n", err);
		abort();
	}
}

static void
check_headers(const char *msg, size_t len)
{
	static const char *const ours[] = { "From:",
					    "To:",
					    "Subject:",
					    "Date:",
					    "Message-ID:",
					    "In-Reply-To:",
					    "References:",
					    "Auto-Submitted:",
					    "X-Auto-Response-Suppress:",
					    "MIME-Version:",
					    "Content-Language:",
					    "Content-Type:",
					    " ",
					    NULL };
	const char *end = memmem(msg, len, "\r\n\r\n", 4);
	if (!end)
		abort();
	for (const char *line = msg; line < end;) {
		int ok = 0;
		for (size_t i = 0; ours[i]; i++)
			ok |= strncmp(line, ours[i], strlen(ours[i])) == 0;
		if (!ok)
			abort();
		const char *nl = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		if (!nl)
			abort();
		for (const char *p = line; p < nl; p++)
			if (*p == '\r' || *p == '\n' || *p == '\0')
				abort();
		line = nl + 2;
	}
	for (size_t i = 0; i < len; i++)
		if ((msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) ||
		    (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n')))
			abort();
}

/* 1 when a base64 part of msg holds `transcript` byte for byte. */
static int
has_transcript(const char *msg, size_t len, const char *transcript)
{
	static const char cte[] = "Content-Transfer-Encoding: base64\r\n\r\n";
	const char *p = msg, *end = msg + len;
	int found = 0;

	while (!found && (p = memmem(p, (size_t)(end - p), cte, sizeof(cte) - 1)) != NULL) {
		p += sizeof(cte) - 1;
		const char *stop = memmem(p, (size_t)(end - p), "\r\n--", 4);
		size_t n = (size_t)((stop ? stop : end) - p);
		char *raw = xmalloc(n + 1);
		size_t k = base64_decode(p, n, raw, n + 1, BASE64_PAD_SKIPPED);
		found = memmem(raw, k, transcript, strlen(transcript)) != NULL;
		free(raw);
	}
	return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_once();
	char *copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	const char *f[10];
	size_t n = 0;
	for (char *p = copy; n < 10;) {
		f[n++] = p;
		char *z = memchr(p, '\0', (size_t)(copy + size - p));
		if (!z || z == copy + size)
			break;
		p = z + 1;
	}
	while (n < 10)
		f[n++] = "";

	struct store_attempt att = { 0 };
	att.at = 1795964694;
	att.status = (char *)(uintptr_t)(f[0][0] & 1 ? "delivered" : "bounced");
	att.mx_host = (char *)(uintptr_t)f[1];
	att.smtp_code = f[0][0] & 1 ? 250 : 550;
	att.response = (char *)(uintptr_t)f[2];
	att.transcript = (char *)(uintptr_t)f[3];
	struct store_recipient rcpt = { 0 };
	rcpt.address = (char *)(uintptr_t)f[4];
	rcpt.status = att.status;
	rcpt.attempts = &att;
	rcpt.n_attempts = 1;
	struct store_message m = { 0 };
	m.queue_id = (char *)(uintptr_t)f[5];
	m.message_id = (char *)(uintptr_t)f[6];
	m.subject = (char *)(uintptr_t)f[7];
	m.rcpts = &rcpt;
	m.n_rcpts = 1;

	static char name[] = "Relay Support", addr[] = "support@relay.example";
	struct settings s = { 0 };
	s.name = name;
	s.address = addr;
	s.answer_unauthorized = 1;
	const char *refs[2] = { f[6], f[9] };
	struct reply_input in = { 0 };
	in.outcome = (enum outcome)((unsigned char)f[0][0] % 4);
	in.requester = "billing@acme.example";
	in.requester_name = f[8];
	in.complaint_subject = f[7];
	in.complaint_message_id = f[9];
	in.complaint_references = refs;
	in.n_references = 2;
	in.matches = &m;
	in.n_matches = 1;
	in.searched = refs;
	in.n_searched = 2;
	in.settings = &s;
	in.now = 1795964694;
	in.seed = "fuzz";
	static const char *const langs[8] = { NULL, "de", "fr", "es", "it", "nl", "pt", "pl" };
	unsigned char pick = (unsigned char)f[0][0];
	in.language = langs[(pick >> 2) & 7];
	in.next_step = (pick >> 5) & 1;
	in.only_candidate = (pick >> 6) & 1;

	char *msg = NULL, err[256];
	size_t len = 0;
	if (compose_reply(tpl, &in, &msg, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "compose_reply failed: %s\n", err);
		abort();
	}
	check_headers(msg, len);
	if (in.outcome == OUTCOME_FOUND && f[3][0] != '\0' && !has_transcript(msg, len, f[3]))
		abort();
	free(msg);
	free(copy);
	return 0;
}
