/*
 * ittool_floor.c - the floor the daemon benchmark compares against: the
 * least work any responder must do for N complaints.
 *   ittool_floor fetch HOST PORT USER PASSWORD FOLDER
 *       one UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[]) over plain IMAP;
 *       prints "fetched N messages BYTES bytes in SECONDS s"
 *   ittool_floor send URL N FILE
 *       N sends of FILE (a fixed reply, CRLF) over one reused libcurl
 *       handle (one connection), null sender, to floor@example.net;
 *       prints "sent N in SECONDS s"
 * Exit 0, or 1 with the reason on stderr.
 */
#include <curl/curl.h>
#include <libetpan/libetpan.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
do_fetch(char **argv)
{
	mailimap *imap = mailimap_new(0, NULL);
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *res = NULL;
	size_t n = 0, bytes = 0;
	double t0;
	int r;

	mailimap_set_timeout(imap, 120);
	if (mailimap_socket_connect(imap, argv[2], (uint16_t)atoi(argv[3])) !=
		MAILIMAP_NO_ERROR_NON_AUTHENTICATED ||
	    mailimap_login(imap, argv[4], argv[5]) != MAILIMAP_NO_ERROR ||
	    mailimap_select(imap, argv[6]) != MAILIMAP_NO_ERROR) {
		fprintf(stderr, "ittool_floor: cannot connect/login/select\n");
		mailimap_free(imap);
		return 1;
	}
	t0 = now_s();
	set = mailimap_set_new_interval(1, 0);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(imap, set, ft, &res);
	if (r == MAILIMAP_NO_ERROR) {
		for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
			struct mailimap_msg_att *att = clist_content(it);
			for (clistiter *j = clist_begin(att->att_list); j; j = clist_next(j)) {
				struct mailimap_msg_att_item *item = clist_content(j);
				if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
				    item->att_data.att_static->att_type ==
					MAILIMAP_MSG_ATT_BODY_SECTION) {
					n++;
					bytes += item->att_data.att_static->att_data
						     .att_body_section->sec_length;
				}
			}
		}
		mailimap_fetch_list_free(res);
	}
	printf("fetched %zu messages %zu bytes in %.3f s\n", n, bytes, now_s() - t0);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	mailimap_logout(imap);
	mailimap_free(imap);
	return r == MAILIMAP_NO_ERROR ? 0 : 1;
}

struct src {
	const char *p;
	size_t len, off;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct src *s = ud;
	size_t n = s->len - s->off;

	if (n > size * nitems)
		n = size * nitems;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return n;
}

static int
do_send(char **argv)
{
	long n = atol(argv[3]);
	FILE *fp = fopen(argv[4], "rb");
	static char msg[1 << 20];
	size_t len;
	struct curl_slist *rcpt;
	CURL *h;
	double t0;

	if (fp == NULL)
		return 1;
	len = fread(msg, 1, sizeof(msg), fp);
	fclose(fp);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	rcpt = curl_slist_append(NULL, "floor@example.net");
	curl_easy_setopt(h, CURLOPT_URL, argv[2]);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, "");
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct src s = { msg, len, 0 };
		CURLcode rc;

		curl_easy_setopt(h, CURLOPT_READDATA, &s);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
		if ((rc = curl_easy_perform(h)) != CURLE_OK) {
			fprintf(stderr, "ittool_floor: send %ld: %s\n", i, curl_easy_strerror(rc));
			return 1;
		}
	}
	printf("sent %ld in %.3f s\n", n, now_s() - t0);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 7 && strcmp(argv[1], "fetch") == 0)
		return do_fetch(argv);
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return do_send(argv);
	fprintf(stderr, "usage: ittool_floor fetch HOST PORT USER PASSWORD FOLDER | "
			"send URL N FILE\n");
	return 2;
}
