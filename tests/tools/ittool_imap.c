/*
 * ittool_imap.c - drives the IMAP source alone for integration tests:
 *   ittool_imap CONFIG check              connect, verify, login, select; exit 0/69/77..
 *   ittool_imap CONFIG scan [AFTER_UID]   print "uid size len" of each new message
 *   ittool_imap CONFIG done UID [FOLDER]  keyword $Responded (+ move to FOLDER)
 *   ittool_imap CONFIG wait SECONDS       one IDLE/poll wait; prints new|timeout
 * Exit: 0 ok, 2 usage, 3 TLS refused, 4 auth refused, 5 other, 78 config.
 */
#include "responder/config/config.h"
#include "responder/imap/imap_source.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
code_of(int r)
{
	switch (r) {
	case IMAP_OK:
		return 0;
	case IMAP_ETLS:
		return 3;
	case IMAP_EAUTH:
		return 4;
	case IMAP_ECONFIG:
		return 78;
	default:
		return 5;
	}
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct config_errors errs;
	struct imap_source *src = NULL;
	char err[512] = "";
	int r, ret = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 3)
		return 2;
	if (config_load(argv[1], &s, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		config_errors_free(&errs);
		config_free(&s);
		return 78;
	}
	r = imap_connect(&s, &src, err, sizeof(err));
	if (r != IMAP_OK) {
		fprintf(stderr, "connect: %s\n", err);
		config_free(&s);
		return code_of(r);
	}
	if (strcmp(argv[2], "scan") == 0) {
		uint32_t *uids = NULL, after = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
		size_t n = 0, nm = 0;
		struct imap_msg *m = NULL;

		r = imap_search_new(src, after, &uids, &n, err, sizeof(err));
		if (r == IMAP_OK)
			r = imap_fetch(src, uids, n, s.max_message_size, &m, &nm, err, sizeof(err));
		for (size_t i = 0; r == IMAP_OK && i < nm; i++)
			printf("%u %u %zu\n", m[i].uid, m[i].size, m[i].len);
		imap_msgs_free(m, nm);
		free(uids);
	} else if (strcmp(argv[2], "done") == 0 && argc > 3) {
		r = imap_mark_done(src, (uint32_t)strtoul(argv[3], NULL, 10),
				   argc > 4 ? argv[4] : NULL, err, sizeof(err));
	} else if (strcmp(argv[2], "wait") == 0 && argc > 3) {
		r = imap_wait(src, -1, atoi(argv[3]), err, sizeof(err));
		if (r > 0) {
			printf("%s\n", r == IMAP_WAIT_NEW ? "new" : "timeout");
			r = IMAP_OK;
		}
	} else if (strcmp(argv[2], "check") != 0) {
		ret = 2;
	}
	if (r != IMAP_OK) {
		fprintf(stderr, "%s\n", err);
		ret = code_of(r);
	}
	imap_close(&src);
	config_free(&s);
	return ret;
}
