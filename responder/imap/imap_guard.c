/*
 * imap_guard.c - a guard between libetpan and the socket: every byte the
 * server sends passes here before libetpan's parser sees it.
 *
 * libetpan 1.9.4 trusts the server with sizes: it allocates whatever
 * literal size is announced ({4294967290} included), grows a line buffer
 * for as long as no CRLF comes, and loops at 100 % CPU when the peer
 * closes inside a literal (a read of 0 is not EOF there; upstream fixed it
 * only in 68de795).  The guard wraps the stream's low-level driver (the
 * same object, its driver pointer replaced by one that calls the original)
 * and, while reading:
 *
 *   - turns end of file into an error (-1), so no loop waits for bytes
 *     that cannot come;
 *   - follows the IMAP framing just enough to tell lines from literals
 *     (a line ending in "{N}" or "{N+}" announces N literal bytes) and
 *     fails the read at once when a line grows past IMAP_GUARD_LINE_MAX,
 *     when a literal is announced above the cap ([limits]
 *     max_message_size: no body larger is ever fetched), or when one
 *     command's response passes its cap (a batch of bodies and a line).
 *
 * A failed read makes the libetpan call return MAILIMAP_ERROR_STREAM: the
 * session is broken and the daemon reconnects with backoff; the guard's
 * reason (imap_guard_why) goes into the error text.  The cut happens
 * before the bytes reach libetpan, so it never allocates past the caps.
 *
 * SECURITY: this is the one place where the server's sizes are checked
 * before memory is committed to them.
 */
#include "responder/imap/imap_source_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The guard of a low-level stream: its driver points at guard->drv. */
static struct imap_guard *
guard_of(mailstream_low *low)
{
	return (struct imap_guard *)(void *)low->driver;
}

/* Looks at the end of the line just finished (tail holds its last bytes,
 * the CRLF included): the literal size it announces, or -1. */
static int64_t
announced_literal(const char *tail, size_t n)
{
	size_t end = n, i;
	uint64_t v = 0, mul = 1;

	if (end > 0 && tail[end - 1] == '\n')
		end--;
	if (end > 0 && tail[end - 1] == '\r')
		end--;
	if (end == 0 || tail[end - 1] != '}')
		return -1;
	end--;
	if (end > 0 && tail[end - 1] == '+')
		end--;
	i = end;
	while (i > 0 && tail[i - 1] >= '0' && tail[i - 1] <= '9') {
		if (end - i >= 19)
			return INT64_MAX; /* more digits than any real size */
		v += (uint64_t)(tail[i - 1] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (i == end || i == 0 || tail[i - 1] != '{')
		return -1;
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* 1 if c may be a byte of a flag's atom (RFC 3501 atom-char; 8-bit passes,
 * as libetpan takes it). */
static int
flag_char(unsigned char c)
{
	return c >= 0x80 || (c > 0x20 && c != 0x7f && strchr("(){%*\"\\]", c) == NULL);
}

/* libetpan 1.9.4 crashes (it frees a list it never made) when the first
 * flag of a PERMANENTFLAGS response code does not parse, e.g.
 * '* OK [PERMANENTFLAGS (")]' (found by the fuzz_imap target): the bytes
 * after "[PERMANENTFLAGS (" must close the list or begin a flag.  0, or
 * -1 when they do not. */
static int
permanentflags_check(struct imap_guard *g, unsigned char c)
{
	static const char pat[] = "[PERMANENTFLAGS (";
	int ok;

	if (g->pf_next == 1) {
		g->pf_next = c == '\\' ? 2 : 0;
		return c == '\\' || c == ')' || flag_char(c) ? 0 : -1;
	}
	if (g->pf_next == 2) {
		g->pf_next = 0;
		return c == '*' || flag_char(c) ? 0 : -1;
	}
	if ((unsigned char)toupper(c) == (unsigned char)pat[g->pf_match]) {
		ok = ++g->pf_match == sizeof(pat) - 1;
		if (ok) {
			g->pf_match = 0;
			g->pf_next = 1;
		}
	} else {
		g->pf_match = c == '[';
	}
	return 0;
}

/* Advances a case-insensitive match of pat by c; 1 when it completes. */
static int
match_step(unsigned *m, const char *pat, size_t len, unsigned char c)
{
	if ((unsigned char)toupper(c) == (unsigned char)pat[*m]) {
		if (++*m == len) {
			*m = 0;
			return 1;
		}
		return 0;
	}
	*m = c == '[';
	return 0;
}

/* libetpan 1.9.4 strdup()s the text of an ALERT or PARSE response code
 * without looking, and a code with no text after it on its line gives it
 * NULL (found by the fuzz_imap soak).  0, or -1 for such a line. */
static int
bare_code_check(struct imap_guard *g, unsigned char c)
{
	if (match_step(&g->al_match, "[ALERT]", 7, c) | match_step(&g->pa_match, "[PARSE]", 7, c)) {
		g->code_bare = 1;
		return 0;
	}
	if (g->code_bare && c == '\n')
		return -1;
	if (c != ' ' && c != '\t' && c != '\r')
		g->code_bare = 0;
	return 0;
}

/* Feeds bytes the server sent; 0, or -1 with g->why set. */
static int
guard_feed(struct imap_guard *g, const unsigned char *p, size_t n)
{
	g->response_len += n;
	if (g->response_max && g->response_len > g->response_max) {
		snprintf(g->why, sizeof(g->why),
			 "the response to one command passed %llu bytes (cap: a batch of "
			 "bodies and a line)",
			 (unsigned long long)g->response_max);
		return -1;
	}
	while (n > 0) {
		if (g->literal_left > 0) {
			size_t k = n < g->literal_left ? n : (size_t)g->literal_left;

			g->literal_left -= k;
			p += k;
			n -= k;
			continue;
		}
		g->line_len++;
		if (g->line_len > g->line_max) {
			snprintf(g->why, sizeof(g->why),
				 "a line of more than %llu bytes without its end",
				 (unsigned long long)g->line_max);
			return -1;
		}
		if (g->tail_len == sizeof(g->tail)) {
			memmove(g->tail, g->tail + 1, sizeof(g->tail) - 1);
			g->tail_len--;
		}
		g->tail[g->tail_len++] = (char)*p;
		if (permanentflags_check(g, *p) < 0) {
			snprintf(g->why, sizeof(g->why),
				 "a PERMANENTFLAGS response code whose first flag does not parse");
			return -1;
		}
		if (bare_code_check(g, *p) < 0) {
			snprintf(g->why, sizeof(g->why),
				 "an ALERT or PARSE response code without its text");
			return -1;
		}
		/* A "{N}" inside a line: libetpan 1.9.4 allocates N bytes as soon
		 * as it parses one, before it sees that no line end follows
		 * (fuzz_imap: "FLAGS (\x Er{4294967295}[", a 4 GiB allocation).
		 * Above the cap, wherever it stands outside a literal, the
		 * connection is dropped (what the daemon fetches carries no text
		 * of a sender's outside literals). */
		if (*p == '}' || *p == '\n') {
			int64_t lit = announced_literal(g->tail, g->tail_len);

			if (lit > 0 && (uint64_t)lit > g->literal_max) {
				snprintf(g->why, sizeof(g->why),
					 "a literal of %lld bytes announced, above the cap of "
					 "%llu ([limits] max_message_size)",
					 (long long)lit, (unsigned long long)g->literal_max);
				return -1;
			}
			if (*p == '\n') {
				if (lit > 0)
					g->literal_left = (uint64_t)lit;
				g->line_len = 0;
				g->tail_len = 0;
				g->pf_match = 0;
				g->pf_next = 0;
				g->al_match = g->pa_match = 0;
				g->code_bare = 0;
			}
		}
		p++;
		n--;
	}
	return 0;
}

static ssize_t
guard_read(mailstream_low *low, void *buf, size_t count)
{
	struct imap_guard *g = guard_of(low);
	ssize_t r;

	if (g->tripped)
		return -1;
	r = g->orig->mailstream_read(low, buf, count);
	if (r == 0) {
		/* End of file is an error everywhere in IMAP: the tagged
		 * answer can no longer come. */
		snprintf(g->why, sizeof(g->why), "the server closed the connection");
		g->tripped = 1;
		return -1;
	}
	if (r < 0)
		return r;
	if (guard_feed(g, buf, (size_t)r) < 0) {
		g->tripped = 1;
		return -1;
	}
	return r;
}

static ssize_t
guard_write(mailstream_low *low, const void *buf, size_t count)
{
	return guard_of(low)->orig->mailstream_write(low, buf, count);
}

static int
guard_close(mailstream_low *low)
{
	return guard_of(low)->orig->mailstream_close(low);
}

static int
guard_get_fd(mailstream_low *low)
{
	return guard_of(low)->orig->mailstream_get_fd(low);
}

static void
guard_free(mailstream_low *low)
{
	guard_of(low)->orig->mailstream_free(low);
}

static void
guard_cancel(mailstream_low *low)
{
	guard_of(low)->orig->mailstream_cancel(low);
}

static struct mailstream_cancel *
guard_get_cancel(mailstream_low *low)
{
	return guard_of(low)->orig->mailstream_get_cancel(low);
}

static carray *
guard_get_certificate_chain(mailstream_low *low)
{
	struct imap_guard *g = guard_of(low);

	if (g->orig->mailstream_get_certificate_chain == NULL)
		return NULL;
	return g->orig->mailstream_get_certificate_chain(low);
}

static int
guard_setup_idle(mailstream_low *low)
{
	struct imap_guard *g = guard_of(low);

	return g->orig->mailstream_setup_idle ? g->orig->mailstream_setup_idle(low) : -1;
}

static int
guard_unsetup_idle(mailstream_low *low)
{
	struct imap_guard *g = guard_of(low);

	return g->orig->mailstream_unsetup_idle ? g->orig->mailstream_unsetup_idle(low) : -1;
}

static int
guard_interrupt_idle(mailstream_low *low)
{
	struct imap_guard *g = guard_of(low);

	return g->orig->mailstream_interrupt_idle ? g->orig->mailstream_interrupt_idle(low) : -1;
}

void
imap_guard_install(struct imap_source *src, mailstream *stream)
{
	struct imap_guard *g = &src->guard;
	mailstream_low *low;

	if (stream == NULL)
		return;
	low = mailstream_get_low(stream);
	if (low == NULL || low->driver == &g->drv)
		return;
	/* After STARTTLS the stream has a new low-level driver: wrap that. */
	g->orig = low->driver;
	g->drv.mailstream_read = guard_read;
	g->drv.mailstream_write = guard_write;
	g->drv.mailstream_close = guard_close;
	g->drv.mailstream_get_fd = guard_get_fd;
	g->drv.mailstream_free = guard_free;
	g->drv.mailstream_cancel = guard_cancel;
	g->drv.mailstream_get_cancel = guard_get_cancel;
	g->drv.mailstream_get_certificate_chain = guard_get_certificate_chain;
	g->drv.mailstream_setup_idle = guard_setup_idle;
	g->drv.mailstream_unsetup_idle = guard_unsetup_idle;
	g->drv.mailstream_interrupt_idle = guard_interrupt_idle;
	if (g->line_max == 0) {
		g->line_max = IMAP_GUARD_LINE_MAX;
		g->literal_max = (uint64_t)src->s->max_message_size;
		g->response_max = IMAP_GUARD_BATCH_BYTES + g->literal_max + IMAP_GUARD_LINE_MAX;
	}
	low->driver = &g->drv;
}

void
imap_guard_new_command(struct imap_source *src)
{
	src->guard.response_len = 0;
}

const char *
imap_guard_why(const struct imap_source *src)
{
	return src->guard.tripped ? src->guard.why : NULL;
}
