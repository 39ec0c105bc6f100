/*
 * testutil.c - helpers shared by the unit tests.
 */
#include "tests/unit/testutil.h"
#include "common/xalloc.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
tu_tempdir(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[512];

	snprintf(tmpl, sizeof(tmpl), "%s/responder-test-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		abort();
	return xstrdup(tmpl);
}

void
tu_rmtree(const char *dir)
{
	char cmd[1024];

	if (dir == NULL || strstr(dir, "responder-test-") == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

char *
tu_write_file(const char *dir, const char *name, const char *data, int mode)
{
	size_t plen = strlen(dir) + strlen(name) + 2, n = strlen(data);
	char *path = xmalloc(plen);
	int fd;

	snprintf(path, plen, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		abort();
	fchmod(fd, (mode_t)mode);
	close(fd);
	return path;
}

char *
tu_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = xmalloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n)
		abort();
	data[n] = '\0';
	fclose(f);
	if (len_r)
		*len_r = (size_t)n;
	return data;
}

char *
tu_conformance(const char *sub)
{
	const char *base = getenv("RESPONDER_CONFORMANCE");
	char path[1024];
	struct stat sb;

	if (base == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", base, sub);
	if (stat(path, &sb) < 0)
		return NULL;
	return xstrdup(path);
}

char *
tu_conformance_need(const char *sub)
{
	const char *base = getenv("RESPONDER_CONFORMANCE");
	char *dir = tu_conformance(sub);

	if (dir == NULL)
		tu_skip_or_fail("conformance data %s/%s not found",
				base ? base : "$RESPONDER_CONFORMANCE", sub);
	return dir;
}

void
tu_skip_or_fail(const char *fmt, ...)
{
	const char *ci = getenv("CI");
	int in_ci = ci != NULL && strcmp(ci, "true") == 0;
	va_list ap;

	printf("%s: ", in_ci ? "FAIL (CI=true: a missing dependency is a failure)" : "SKIP");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(in_ci ? 1 : 77);
}

char *
tu_fixture(const char *name)
{
	const char *base = getenv("RESPONDER_FIXTURES");
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", base ? base : "tests/fixtures", name);
	return xstrdup(path);
}
