/*
 * compose_fixture.h - what test_compose.c and test_compose_safety.c share
 * (compose_fixture.c, library compose_fixture): fixed delivery records, the
 * reply_input around them, and check_reply(), which parses a reply back
 * with libetpan and checks headers, MIME structure, CRLF and line lengths,
 * and that each transcript attachment holds the stored transcripts byte
 * for byte.  Failures are cmocka assertions.
 */
#ifndef TESTS_COMPOSE_FIXTURE_H
#define TESTS_COMPOSE_FIXTURE_H

#include "tests/unit/testutil.h"

#include "responder/reply/compose.h"

/* The delivered attempt's reply in the fixture's Google transcript. */
#define GOOGLE_ACK "250 2.0.0 OK  1763630045 5b1f17b1804b1-47a8e6a0f0asi1234567f.12 - gsmtp"

/* One delivery attempt and one recipient with its attempts, as text. */
struct att_spec {
	const char *at, *status, *mx_host, *mx_ip;
	int code;
	const char *enhanced, *response, *transcript;
};

struct rcpt_spec {
	const char *address;
	const struct att_spec *atts;
	size_t n;
};

/* cmocka state of compose_fixture_setup(): settings of "Relay Support
 * <support@relay.example>", four messages of account acme (msgs.v[1] has
 * five recipients: delivered, bounced, deferred twice, pending, deferred),
 * and the templates of $RESPONDER_SRC/templates. */
struct fixture {
	struct settings settings;
	struct store_message_list msgs;
	struct templates *t;
};

int compose_fixture_setup(void **state);
int compose_fixture_teardown(void **state);

/* Fills *m (freed with the message list it belongs to) from text specs. */
void build_msg(struct store_message *m, const char *qid, const char *mid, const char *from,
	       const char *subject, const char *submitted, const struct rcpt_spec *r, size_t n);

/* A reply_input of `o` from billing@acme.example about "<c-2@acme.example>",
 * at a fixed time and seed; its pointers are static or into *f. */
struct reply_input base_input(struct fixture *f, enum outcome o);

/* compose_reply() that must succeed: the reply (caller frees), its length
 * in *len_r. */
char *compose_ok(struct fixture *f, const struct reply_input *in, size_t *len_r);

/* What check_reply() expects of a reply. */
struct expect {
	const char *subject; /* decoded */
	const char *to;
	const char *in_reply_to; /* without <>, or NULL for none */
	size_t n_attachments;
	const struct store_message *msg; /* attachments belong to it */
	const char *const *att_rcpts;	 /* recipient of each attachment */
};

/* Parses `msg` and checks it against `e`; returns the decoded text and
 * HTML parts through text_r/html_r (caller frees). */
void check_reply(const char *msg, size_t len, const struct expect *e, char **text_r, char **html_r);

#endif
