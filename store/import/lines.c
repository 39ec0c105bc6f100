/*
 * lines.c - capped line reader over zlib.
 */
#include "store/import/lines.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK 65536

struct lines {
	gzFile gz;
	struct buf line;
	size_t max;
	char chunk[CHUNK];
	size_t pos, end; /* unread bytes are chunk[pos..end) */
	int eof;
	int skipping; /* inside an over-long line */
	long lineno;
	uint64_t offset;   /* bytes consumed up to the end of the last line */
	uint64_t consumed; /* bytes taken from chunks so far */
	char err[256];
};

struct lines *
lines_open(const char *path, size_t max_line, char *err, size_t errlen)
{
	struct lines *lr;
	int fd;

	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	lr = xcalloc(1, sizeof(*lr));
	lr->gz = gzdopen(fd, "rb");
	if (lr->gz == NULL) {
		close(fd);
		free(lr);
		snprintf(err, errlen, "%s: cannot read", path);
		return NULL;
	}
	gzbuffer(lr->gz, CHUNK);
	lr->max = max_line ? max_line : LINES_DEFAULT_MAX;
	buf_init(&lr->line, lr->max + 1);
	return lr;
}

static int
fill(struct lines *lr)
{
	int n;

	if (lr->eof)
		return 0;
	n = gzread(lr->gz, lr->chunk, CHUNK);
	if (n < 0) {
		int e;
		const char *m = gzerror(lr->gz, &e);
		snprintf(lr->err, sizeof(lr->err), "%s", e == Z_ERRNO ? strerror(errno) : m);
		return -1;
	}
	if (n == 0) {
		lr->eof = 1;
		return 0;
	}
	lr->pos = 0;
	lr->end = (size_t)n;
	return n;
}

int
lines_next(struct lines *lr, const char **line_r, size_t *len_r)
{
	buf_reset(&lr->line);
	lr->skipping = 0;
	for (;;) {
		char *nl;
		size_t take;

		if (lr->pos == lr->end) {
			int r = fill(lr);
			if (r < 0)
				return LINES_EREAD;
			if (r == 0) {
				if (lr->line.len == 0 && !lr->skipping)
					return LINES_EOF;
				/* Last line without a newline. */
				lr->lineno++;
				lr->offset = lr->consumed;
				if (lr->skipping)
					return LINES_ETOOLONG;
				break;
			}
		}
		nl = memchr(lr->chunk + lr->pos, '\n', lr->end - lr->pos);
		take = nl ? (size_t)(nl - (lr->chunk + lr->pos)) : lr->end - lr->pos;
		if (!lr->skipping && buf_append(&lr->line, lr->chunk + lr->pos, take) < 0) {
			lr->skipping = 1;
			buf_reset(&lr->line);
		}
		lr->pos += take;
		lr->consumed += take;
		if (nl) {
			lr->pos++;
			lr->consumed++;
			lr->lineno++;
			lr->offset = lr->consumed;
			if (lr->skipping)
				return LINES_ETOOLONG;
			break;
		}
	}
	if (lr->line.len > 0 && lr->line.data[lr->line.len - 1] == '\r')
		lr->line.data[--lr->line.len] = '\0';
	*line_r = buf_cstr(&lr->line);
	*len_r = lr->line.len;
	return LINES_OK;
}

long
lines_number(const struct lines *lr)
{
	return lr->lineno;
}

uint64_t
lines_offset(const struct lines *lr)
{
	return lr->offset;
}

int
lines_seek(struct lines *lr, uint64_t offset, long lineno)
{
	if (gzdirect(lr->gz) == 0 && offset != 0)
		return -1;
	if (gzseek(lr->gz, (z_off_t)offset, SEEK_SET) < 0)
		return -1;
	lr->pos = lr->end = 0;
	lr->eof = 0;
	lr->offset = lr->consumed = offset;
	lr->lineno = lineno;
	return 0;
}

uint64_t
lines_raw_offset(const struct lines *lr)
{
	z_off_t o = gzoffset(lr->gz);

	return o > 0 ? (uint64_t)o : 0;
}

const char *
lines_error(const struct lines *lr)
{
	return lr->err;
}

void
lines_close(struct lines **lrp)
{
	struct lines *lr = *lrp;

	if (lr == NULL)
		return;
	gzclose(lr->gz);
	buf_free(&lr->line);
	free(lr);
	*lrp = NULL;
}
