/*
 * seed_sandbox_json.c - writes the seeds of fuzz_sandbox_json: for each
 * message file given, what the parser child would send for it
 * (complaint_encode() of complaint_parse()), as OUTDIR/<name>.json (the
 * name stays from when the pipe carried JSON).
 * Messages the pre-scan or the parser refuse are skipped.  Run by
 * tests/fuzz/seeds.py (scripts/fuzz), so the seeds follow the fixtures
 * and the pipe's format instead of being stored.
 *
 * Usage: seed_sandbox_json OUTDIR FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "responder/parse/complaint.h"
#include "responder/parse/prescan.h"

static int
slurp(const char *path, struct buf *b)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	buf_init(b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) < 0)
			break;
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	int written = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: seed_sandbox_json OUTDIR FILE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		struct complaint c;
		struct buf b;
		char why[256], out[4096];
		const char *base = strrchr(argv[i], '/');
		FILE *f;
		int rc;

		if (slurp(argv[i], &b) < 0)
			continue;
		if (b.len == 0 || prescan(buf_cstr(&b), b.len, 1 << 20, why, sizeof(why)) != 0 ||
		    complaint_parse(buf_cstr(&b), b.len, &c, why, sizeof(why)) != 0) {
			buf_free(&b);
			continue;
		}
		buf_free(&b);
		buf_init(&b, 0);
		rc = complaint_encode(&c, &b);
		complaint_free(&c);
		snprintf(out, sizeof(out), "%s/%s.json", argv[1], base ? base + 1 : argv[i]);
		if (rc == 0 && (f = fopen(out, "wb")) != NULL) {
			if (fwrite(b.data, 1, b.len, f) == b.len)
				written++;
			fclose(f);
		}
		buf_free(&b);
	}
	printf("seed_sandbox_json: %d seeds\n", written);
	return 0;
}
