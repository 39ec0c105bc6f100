/*
 * postfix_conv.c - SMTP conversations and connection lines of Postfix's
 * smtp/lmtp client, tied to deliveries by process id and order.
 *
 * With debug_peer_list, the client logs "> host[ip]:port: CMD" and
 * "< host[ip]:port: REPLY" without a queue ID.  One smtp process delivers
 * one message at a time, so the lines a pid logged since its previous
 * delivery line belong to its next delivery line.  A cached connection
 * carries several transactions: the session head (greeting, EHLO, TLS) is
 * kept and shown again before the next transaction.  Recipients of one
 * transaction share its transcript.  Without a conversation, the
 * transcript is a summary of what the log says (connection errors, TLS,
 * relay, delays, DSN, reply), marked "summary".
 *
 * SECURITY: every line comes from a remote server's replies.  Buffers are
 * capped (PF_CONV_MAX per pid, PF_CONV_PROBE slots per pid hash), text is
 * sanitised to one line each, and a table full of pids evicts the least
 * recently used one.
 */
#include "store/import/postfix_int.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

#define PF_CONV_MAX ((size_t)64 * 1024)
#define PF_CONV_PROBE 8

struct conv {
	long pid; /* 0: free slot */
	uint64_t used;
	char endpoint[300]; /* host[ip]:port of the conversation */
	struct buf text;
	size_t head_len; /* session part before the first MAIL FROM */
	int fresh;	 /* conversation lines since the last delivery */
	int truncated;
	int starttls;	  /* the last command was STARTTLS */
	char *last;	  /* transcript handed out last (same transaction) */
	struct buf notes; /* connect errors, TLS lines (summary) */
};

struct pf_convs {
	struct conv *v;
	size_t n;
	uint64_t tick;
};

struct pf_convs *
pf_convs_new(size_t max_pids)
{
	struct pf_convs *c = xcalloc(1, sizeof(*c));

	c->n = max_pids < PF_CONV_PROBE ? PF_CONV_PROBE : max_pids;
	c->v = xcalloc(c->n, sizeof(*c->v));
	return c;
}

static void
conv_clear(struct conv *v)
{
	buf_free(&v->text);
	buf_free(&v->notes);
	free(v->last);
	memset(v, 0, sizeof(*v));
}

void
pf_convs_free(struct pf_convs **cp)
{
	struct pf_convs *c = *cp;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		conv_clear(&c->v[i]);
	free(c->v);
	free(c);
	*cp = NULL;
}

static struct conv *
conv_find(struct pf_convs *c, long pid, int create)
{
	struct conv *empty = NULL, *oldest = NULL, *victim;
	size_t h = (size_t)pid % c->n;

	for (size_t i = 0; i < PF_CONV_PROBE; i++) {
		struct conv *v = &c->v[(h + i) % c->n];

		if (v->pid == pid) {
			v->used = ++c->tick;
			return v;
		}
		if (v->pid == 0) {
			if (empty == NULL)
				empty = v;
		} else if (oldest == NULL || v->used < oldest->used) {
			oldest = v;
		}
	}
	if (!create)
		return NULL;
	victim = empty != NULL ? empty : oldest;
	conv_clear(victim);
	victim->pid = pid;
	victim->used = ++c->tick;
	buf_init(&victim->text, PF_CONV_MAX);
	buf_init(&victim->notes, PF_CONV_MAX / 8);
	return victim;
}

static void
conv_add(struct conv *v, const char *prefix, const char *s)
{
	char line[1100];

	snprintf(line, sizeof(line), "%s%s", prefix, s);
	str_sanitize_line(line);
	if (v->truncated)
		return;
	if (buf_puts(&v->text, line) < 0 || buf_putc(&v->text, '\n') < 0) {
		v->truncated = 1;
		/* there is always room for this: the cap leaves slack */
		v->text.max += 64;
		buf_puts(&v->text, "... (transcript truncated)\n");
	}
}

int
pf_convs_line(struct pf_convs *c, long pid, int64_t at, const char *text)
{
	struct conv *v;
	const char *ep, *colon;
	char tbuf[TIME_RFC3339_LEN], note[600];

	if ((text[0] == '>' || text[0] == '<') && text[1] == ' ') {
		size_t eplen;

		ep = text + 2;
		colon = strstr(ep, ": ");
		if (colon == NULL || (eplen = (size_t)(colon - ep)) == 0 || eplen >= 300 ||
		    memchr(ep, '[', eplen) == NULL)
			return 0;
		v = conv_find(c, pid, 1);
		/* A greeting that does not answer STARTTLS opens a new session,
		 * even to the same host and port. */
		if (strlen(v->endpoint) != eplen || memcmp(v->endpoint, ep, eplen) != 0 ||
		    (text[0] == '<' && strncmp(colon + 2, "220", 3) == 0 && !v->starttls &&
		     v->text.len > 0)) {
			/* a new session of this process */
			long keep = v->pid;
			struct buf notes = v->notes;

			v->notes.data = NULL;
			conv_clear(v);
			v->pid = keep;
			v->used = ++c->tick;
			buf_init(&v->text, PF_CONV_MAX);
			v->notes = notes;
			memcpy(v->endpoint, ep, eplen);
			v->endpoint[eplen] = '\0';
			conv_add(v, "Connected to ", v->endpoint);
		}
		if (!v->fresh && v->last != NULL) {
			/* a further transaction on a cached connection */
			free(v->last);
			v->last = NULL;
		}
		if (text[0] == '>' && v->head_len == 0 && strncmp(colon + 2, "MAIL FROM:", 10) == 0)
			v->head_len = v->text.len;
		if (text[0] == '>')
			v->starttls = strncmp(colon + 2, "STARTTLS", 8) == 0;
		conv_add(v, text[0] == '>' ? "> " : "< ", colon + 2);
		v->fresh = 1;
		return 1;
	}
	if (strncmp(text, "connect to ", 11) == 0 || strstr(text, " TLS connection established ") ||
	    strncmp(text, "SSL_connect error", 17) == 0) {
		v = conv_find(c, pid, 1);
		snprintf(note, sizeof(note), "%s %s", time_format_rfc3339(at, tbuf), text);
		str_sanitize_line(note);
		if (buf_puts(&v->notes, note) == 0)
			buf_putc(&v->notes, '\n');
		if (v->fresh)
			conv_add(v, "", text);
		return 1;
	}
	return 0;
}

static int
endpoint_matches(const struct conv *v, const struct pf_delivery *d)
{
	return v->endpoint[0] != '\0' && strcmp(v->endpoint, d->relay) == 0;
}

static char *
summary(const struct conv *v, const struct pf_delivery *d, int64_t at)
{
	struct buf b;
	char tbuf[TIME_RFC3339_LEN];

	buf_init(&b, PF_CONV_MAX);
	buf_puts(&b, "Summary from the Postfix log (the relay did not log the SMTP "
		     "conversation for this delivery):\n");
	if (v != NULL && v->notes.len > 0)
		buf_puts(&b, buf_cstr(&v->notes));
	buf_printf(&b, "%s delivery to <%s>", time_format_rfc3339(at, tbuf), d->to);
	if (d->orig_to[0])
		buf_printf(&b, " (originally <%s>)", d->orig_to);
	if (d->relay[0])
		buf_printf(&b, " via %s", d->relay);
	buf_putc(&b, '\n');
	if (d->delay[0]) {
		buf_printf(&b, "delay %s s", d->delay);
		if (d->delays[0])
			buf_printf(&b,
				   " (delays=%s: before queue manager / in queue manager /"
				   " connection setup / transmission)",
				   d->delays);
		buf_putc(&b, '\n');
	}
	buf_printf(&b, "dsn=%s, status=%s", d->dsn[0] ? d->dsn : "-", d->status);
	if (d->detail_len > 0)
		buf_printf(&b, " (%.*s)", (int)d->detail_len, d->detail);
	buf_putc(&b, '\n');
	{
		char *s = buf_steal(&b, NULL);
		/* keep the line structure: sanitise nothing but control bytes */
		for (char *p = s; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				*p = ' ';
		return s;
	}
}

char *
pf_convs_transcript(struct pf_convs *c, long pid, const struct pf_delivery *d, int64_t line_at,
		    int *full_r)
{
	struct conv *v = pid >= 0 ? conv_find(c, pid, 0) : NULL;
	char *out;

	*full_r = 0;
	if (v != NULL && endpoint_matches(v, d) && (v->fresh || v->last != NULL)) {
		if (v->fresh) {
			free(v->last);
			v->last = xstrdup(buf_cstr(&v->text));
			/* keep the session head for the next transaction */
			if (v->head_len > 0 && v->head_len <= v->text.len) {
				v->text.len = v->head_len;
				v->text.data[v->text.len] = '\0';
				v->text.max = PF_CONV_MAX;
				v->truncated = 0;
				conv_add(v, "", "(connection reused)");
			} else {
				buf_reset(&v->text);
			}
			v->fresh = 0;
			buf_reset(&v->notes);
		}
		*full_r = 1;
		return xstrdup(v->last);
	}
	out = summary(v, d, line_at);
	if (v != NULL && !v->fresh)
		buf_reset(&v->notes);
	return out;
}
