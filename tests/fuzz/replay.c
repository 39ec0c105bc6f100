/*
 * replay.c - main() for a fuzz target outside libFuzzer: runs
 * LLVMFuzzerTestOneInput() once on every file named or found in the
 * directories named (not recursive), in name order.  The default build
 * links each tests/fuzz/fuzz_*.c with it as fuzz_replay_<name>, and ctest
 * replays tests/fixtures/fuzz/<target>/ (the inputs that once crashed a
 * target) with it: a regression test for every finding, under the
 * sanitizers in scripts/test's ASan build.  A target aborts on a broken
 * promise; nothing to replay is a failure too.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	char chunk[65536];
	struct buf b;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			buf_free(&b);
			fprintf(stderr, "replay: %s is too large\n", path);
			return -1;
		}
	fclose(f);
	/* An exact-size copy, so that ASan sees a read past the end. */
	uint8_t *data = xmalloc(b.len ? b.len : 1);
	memcpy(data, b.data ? b.data : "", b.len);
	printf("replay: %s (%zu bytes)\n", path, b.len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, b.len);
	free(data);
	buf_free(&b);
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	int done = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: no such file\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) < 0)
				return 1;
			done++;
			continue;
		}
		n = scandir(argv[i], &ents, NULL, by_name);
		if (n < 0) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			return 1;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", argv[i], ents[k]->d_name);
			if (ents[k]->d_name[0] != '.' && stat(path, &st) == 0 &&
			    S_ISREG(st.st_mode)) {
				if (replay_file(path) < 0)
					return 1;
				done++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	if (done == 0) {
		fprintf(stderr, "replay: no input to replay\n");
		return 1;
	}
	printf("replay: %d inputs, no failure\n", done);
	return 0;
}
