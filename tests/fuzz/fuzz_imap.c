/*
 * fuzz_imap.c - libFuzzer target for the IMAP responses the daemon reads:
 * libetpan's response parser and responder/imap's walk over what it
 * returns, fed from memory instead of a socket.
 *
 * The input is a scripted server, cut at NUL bytes into chunks: chunk 0
 * is the greeting, chunk k the answer to the k-th command the client
 * sends.  The first byte of chunk k picks how the harness ends it, by its
 * value modulo 4 ('0' a tagged OK, '1' NO, '2' BAD, '3' nothing: the
 * chunk must carry its own tagged line, or the stream ends); the rest is
 * sent as it is (untagged data, literals, garbage).  The harness reads the tag from each command line
 * libetpan writes (a custom mailstream_low driver), so the fuzzer need not
 * guess it and reaches the later commands.  After the last chunk the
 * stream reports an error, as a closed socket does.
 *
 * The session runs what imap_connect() runs once the socket is up: the
 * read guard (imap_guard_install()), imap_greeting(), CAPABILITY, LOGIN,
 * CAPABILITY, CREATE twice, SELECT (imap_refresh_caps() and the same
 * libetpan calls), then the daemon's own imap_search_new(),
 * imap_search_marked(), imap_fetch() and imap_mark_done_many() on a
 * struct imap_source built around the stream, and imap_close().  Whatever
 * the server sends: no crash, no leak, UIDs from a search ascending and
 * above the asked minimum, fetched messages only for UIDs asked, in the
 * order asked, bodies only under the cap and as long as they say.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "responder/imap/imap_source.h"
#include "responder/imap/imap_source_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY 4096 /* the fetch cap ([limits] max_message_size) here */
#define MAX_FETCH 16

/* The scripted server behind the memory stream. */
struct script {
	const uint8_t *data; /* remaining chunks */
	size_t left;
	char *out; /* what the client may read now */
	size_t out_len, out_off;
	char line[64]; /* the start of the command being written */
	size_t line_len;
	int ended;
};

static int trace; /* FUZZ_IMAP_TRACE set: the client's lines on stderr */

static void
queue(struct script *sc, const void *p, size_t n)
{
	sc->out = xrealloc(sc->out, sc->out_len + n);
	memcpy(sc->out + sc->out_len, p, n);
	sc->out_len += n;
}

/* Queues the next chunk; `tag` NULL for the greeting. */
static void
next_chunk(struct script *sc, const char *tag)
{
	static const char *const ends[] = { "OK done", "NO refused", "BAD what" };
	const uint8_t *z;
	size_t n;
	unsigned mode = 3;
	char line[96];

	if (sc->left == 0) {
		sc->ended = 1;
		return;
	}
	z = memchr(sc->data, '\0', sc->left);
	n = z != NULL ? (size_t)(z - sc->data) : sc->left;
	if (tag != NULL && n > 0) {
		mode = sc->data[0] % 4;
		queue(sc, sc->data + 1, n - 1);
	} else {
		queue(sc, sc->data, n);
	}
	sc->data += n + (z != NULL);
	sc->left -= n + (z != NULL);
	if (tag != NULL && mode < 3) {
		snprintf(line, sizeof(line), "%s %s\r\n", tag, ends[mode]);
		queue(sc, line, strlen(line));
	}
}

static ssize_t
mem_read(mailstream_low *low, void *buf, size_t len)
{
	struct script *sc = low->data;
	size_t n = sc->out_len - sc->out_off;

	if (n == 0)
		return -1; /* the end: an error, as from a closed peer */
	if (n > len)
		n = len;
	memcpy(buf, sc->out + sc->out_off, n);
	sc->out_off += n;
	return (ssize_t)n;
}

/* Each command line written gets the next chunk as its answer. */
static ssize_t
mem_write(mailstream_low *low, const void *buf, size_t len)
{
	struct script *sc = low->data;
	const char *p = buf;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			char tag[64];
			size_t t = strcspn(sc->line, " \r");

			memcpy(tag, sc->line, t);
			tag[t] = '\0';
			if (trace)
				fprintf(stderr, "C: %s\n", sc->line);
			sc->line_len = 0;
			sc->line[0] = '\0';
			next_chunk(sc, tag);
		} else if (sc->line_len + 1 < sizeof(sc->line)) {
			sc->line[sc->line_len++] = p[i];
			sc->line[sc->line_len] = '\0';
		}
	}
	return (ssize_t)len;
}

static int
mem_close(mailstream_low *low)
{
	(void)low;
	return 0;
}

static int
mem_get_fd(mailstream_low *low)
{
	(void)low;
	return -1;
}

static void
mem_free(mailstream_low *low)
{
	free(low);
}

static void
mem_cancel(mailstream_low *low)
{
	(void)low;
}

static struct mailstream_cancel *
mem_get_cancel(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static mailstream_low_driver mem_driver = {
	.mailstream_read = mem_read,
	.mailstream_write = mem_write,
	.mailstream_close = mem_close,
	.mailstream_get_fd = mem_get_fd,
	.mailstream_free = mem_free,
	.mailstream_cancel = mem_cancel,
	.mailstream_get_cancel = mem_get_cancel,
};

static void
check_uids(const uint32_t *uids, size_t n, uint32_t after)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] <= after || (i > 0 && uids[i - 1] > uids[i]))
			abort();
}

static void
check_msgs(const uint32_t *asked, size_t n_asked, const struct imap_msg *m, size_t n)
{
	size_t k = 0;

	if (n > n_asked)
		abort();
	for (size_t i = 0; i < n; i++) {
		while (k < n_asked && asked[k] != m[i].uid)
			k++;
		if (k == n_asked)
			abort(); /* not asked, or out of order */
		k++;
		if (m[i].data != NULL &&
		    (m[i].size > MAX_BODY || m[i].data[m[i].len] != '\0' || m[i].len > MAX_BODY))
			abort();
	}
}

/* The daemon's session after the connect, on `src`. */
static void
mailbox(struct imap_source *src)
{
	uint32_t *uids = NULL, *marked = NULL;
	size_t n = 0, n_marked = 0, n_msgs = 0;
	struct imap_msg *msgs = NULL;
	char err[512];

	if (imap_search_new(src, 3, &uids, &n, err, sizeof(err)) != IMAP_OK)
		return;
	check_uids(uids, n, 3);
	if (imap_search_marked(src, &marked, &n_marked, err, sizeof(err)) == IMAP_OK) {
		check_uids(marked, n_marked, 0);
		free(marked);
	}
	if (n > MAX_FETCH)
		n = MAX_FETCH;
	if (n > 0 && !imap_broken(src) &&
	    imap_fetch(src, uids, n, MAX_BODY, &msgs, &n_msgs, err, sizeof(err)) == IMAP_OK) {
		check_msgs(uids, n, msgs, n_msgs);
		imap_msgs_free(msgs, n_msgs);
	}
	if (n > 0 && !imap_broken(src))
		(void)imap_mark_done_many(src, uids, n, "Processed", err, sizeof(err));
	free(uids);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct settings s;
	struct script sc = { .data = data, .left = size };
	struct imap_source *src;
	mailstream_low *low;
	mailstream *stream;
	mailimap *imap;
	char err[512];
	int r;

	s.imap_timeout = 30;
	s.max_message_size = MAX_BODY;
	trace = getenv("FUZZ_IMAP_TRACE") != NULL;
	next_chunk(&sc, NULL);
	src = xcalloc(1, sizeof(*src));
	src->s = &s;
	snprintf(src->host, sizeof(src->host), "fuzz.example");
	pthread_mutex_init(&src->wd_mu, NULL);
	pthread_cond_init(&src->wd_cv, NULL);
	low = mailstream_low_new(&sc, &mem_driver);
	stream = mailstream_new(low, 8192);
	src->imap = imap = mailimap_new(0, NULL);
	/* What open_stream() does once the socket is up. */
	imap_guard_install(src, stream);
	imap_wd_arm(src);
	r = imap_greeting(imap, stream);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		goto failed;
	if (imap_refresh_caps(src, err, sizeof(err)) != IMAP_OK)
		goto failed;
	(void)mailimap_has_extension(imap, "STARTTLS");
	(void)mailimap_has_xoauth2(imap);
	if (imap->imap_state == MAILIMAP_STATE_NON_AUTHENTICATED) {
		imap_wd_arm(src); /* each call as the daemon makes it */
		r = mailimap_login(imap, "responder", "secret");
		imap_wd_disarm(src);
		if (r != MAILIMAP_NO_ERROR)
			goto failed;
	}
	if (imap_refresh_caps(src, err, sizeof(err)) != IMAP_OK)
		goto failed;
	for (int i = 0; i < 2; i++) {
		imap_wd_arm(src);
		r = mailimap_create(imap, i ? "Quarantine" : "Processed");
		imap_wd_disarm(src);
		if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_CREATE)
			goto failed;
	}
	imap_wd_arm(src);
	r = mailimap_select(imap, "INBOX");
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR || imap->imap_selection_info == NULL)
		goto failed;
	src->uidvalidity = imap->imap_selection_info->sel_uidvalidity;
	if (imap_caps_guard(imap) < 0)
		goto failed;
	src->has_idle = mailimap_has_idle(imap);
	src->has_move = mailimap_has_extension(imap, "MOVE");
	src->has_uidplus = mailimap_has_extension(imap, "UIDPLUS");
	mailbox(src);
	if (0) {
	failed:
		src->broken = 1; /* as imap_connect(): never LOGOUT half-way */
	}
	imap_close(&src); /* LOGOUT when healthy, frees imap and the stream */
	free(sc.out);
	return 0;
}
