/*
 * fuzz_import_jsonl.c - libFuzzer target for the JSON Lines importer
 * (store/import/import_jsonl.c, whose input "may come from anywhere"):
 * arbitrary bytes as the file, imported into a fresh in-memory store.
 * Whatever the input, the import must return IMPORT_OK (bad lines are
 * reported and skipped, never fatal) and count every line it read, and
 * importing the same bytes again must reach a point where it adds nothing.
 * Not at once: a line may name what a later line defines (an attempt
 * before its message, a message before its account), which the first
 * import rejects and the next one accepts.  That chain is at most three
 * deep (account, message, attempt), so the fourth import adds nothing.
 *
 * The bytes reach import_jsonl() through a memfd, by its /proc/self/fd
 * path: the importer takes a path and the disk stays out of the loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/import/import.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void
report(void *ctx, const char *file, long line, const char *why)
{
	(void)ctx;
	(void)file;
	if (line < 1 || why == NULL || *why == '\0')
		abort();
}

static void
import(struct store *st, struct import_stats *s)
{
	char err[512] = "";

	memset(s, 0, sizeof(*s));
	if (import_jsonl(st, path, s, report, NULL, err, sizeof(err)) != IMPORT_OK) {
		fprintf(stderr, "import_jsonl: %s\n", err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats first, again;
	struct store *st;
	char err[512] = "";

	if (fd < 0) {
		fd = memfd_create("fuzz_import_jsonl", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	st = store_open(":memory:", err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	import(st, &first);
	if (first.rejected < 0 || first.rejected > first.lines)
		abort();
	for (int pass = 2;; pass++) {
		import(st, &again);
		if (again.lines != first.lines)
			abort();
		if (!again.accounts && !again.addresses && !again.messages && !again.attempts)
			break;
		if (pass == 4)
			abort();
	}
	store_close(&st);
	return 0;
}
