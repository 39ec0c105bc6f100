/*
 * test_http.c - responder/http/ and responder/metrics/: listen addresses
 * (forms, loopback or not, refusals), URL decoding, a live server on an
 * ephemeral loopback port (query, header, form fields, the body cap, the
 * security headers, a malformed request), and the metrics text: counters
 * by outcome, the cumulative histogram, the textfile written whole.
 */
#include "tests/unit/testutil.h"
#include "responder/http/http.h"
#include "responder/metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
test_listen_parse(void **state)
{
	struct http_listen l;
	char err[256];

	(void)state;
	assert_int_equal(http_listen_parse("127.0.0.1:9464", &l, err, sizeof(err)), 0);
	assert_true(l.loopback);
	assert_int_equal(ntohs(((struct sockaddr_in *)&l.addr)->sin_port), 9464);
	assert_int_equal(http_listen_parse("[::1]:8025", &l, err, sizeof(err)), 0);
	assert_true(l.loopback);
	assert_int_equal(l.addr.ss_family, AF_INET6);
	assert_int_equal(http_listen_parse("127.8.9.10:0", &l, err, sizeof(err)), 0);
	assert_true(l.loopback);
	assert_int_equal(http_listen_parse("0.0.0.0:8025", &l, err, sizeof(err)), 0);
	assert_false(l.loopback);
	assert_int_equal(http_listen_parse("192.0.2.1:80", &l, err, sizeof(err)), 0);
	assert_false(l.loopback);
	assert_int_equal(http_listen_parse("[::]:80", &l, err, sizeof(err)), 0);
	assert_false(l.loopback);
	assert_int_equal(http_listen_parse("127.0.0.1", &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "HOST:PORT"));
	assert_int_equal(http_listen_parse("127.0.0.1:http", &l, err, sizeof(err)), -1);
	assert_int_equal(http_listen_parse("127.0.0.1:70000", &l, err, sizeof(err)), -1);
	assert_int_equal(http_listen_parse("::1:80", &l, err, sizeof(err)), -1);
	assert_int_equal(http_listen_parse("[::1:80", &l, err, sizeof(err)), -1);
	assert_int_equal(http_listen_parse(":80", &l, err, sizeof(err)), -1);
	assert_int_equal(http_listen_parse("", &l, err, sizeof(err)), -1);
}

static void
test_url_decode(void **state)
{
	char a[] = "a+b%20c%3Cd%3e%zz%4";

	(void)state;
	http_url_decode(a);
	assert_string_equal(a, "a b c<d>%zz%4");
}

static void
handler(void *arg, struct http_req *q, struct http_resp *r)
{
	const char *v;

	(void)arg;
	buf_printf(&r->body, "%s %s", http_req_method(q), http_req_path(q));
	if ((v = http_req_query(q, "q")) != NULL)
		buf_printf(&r->body, " q=%s", v);
	if ((v = http_req_header(q, "x-test")) != NULL)
		buf_printf(&r->body, " h=%s", v);
	if ((v = http_req_form(q, "f")) != NULL)
		buf_printf(&r->body, " f=%s", v);
	if ((v = http_req_cookie(q, "c")) != NULL)
		buf_printf(&r->body, " c=%s", v);
	buf_printf(&r->body, " peer=%s", http_req_peer(q));
	assert_int_equal(http_resp_header(r, "X-Bad", "a\r\nSet-Cookie: x"), -1);
	http_resp_header(r, "X-Good", "yes");
	r->status = 203;
}

/* Sends `req` raw and returns the whole answer (the server closes). */
static char *
exchange(unsigned port, const char *req, size_t len)
{
	struct sockaddr_in sa;
	static char out[8192];
	size_t n = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	while (len > 0 && (k = write(fd, req, len)) > 0)
		req += k, len -= (size_t)k;
	shutdown(fd, SHUT_WR);
	while (n < sizeof(out) - 1 && (k = read(fd, out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd);
	return out;
}

static void
test_server(void **state)
{
	struct http_listen l;
	struct http_server_opts o = { .name = "test" };
	struct http_server *h;
	char err[256], *big, *a;
	const char *form = "f=x%3Cy%3E+z&other=1";
	char req[512];
	unsigned port;
	size_t n;

	(void)state;
	assert_int_equal(http_listen_parse("127.0.0.1:0", &l, err, sizeof(err)), 0);
	h = http_server_start(&l, &o, handler, NULL, err, sizeof(err));
	assert_non_null(h);
	port = http_server_port(h);
	assert_true(port > 0);

	n = (size_t)snprintf(req, sizeof(req), "%s",
			     "GET /p%20x?q=a%26b HTTP/1.1\r\nHost: t\r\nX-Test: v\r\n"
			     "Cookie: c=k\r\nConnection: close\r\n\r\n");
	a = exchange(port, req, n);
	assert_non_null(strstr(a, "HTTP/1.1 203"));
	assert_non_null(strstr(a, "GET /p x q=a&b h=v c=k peer=127.0.0.1"));
	assert_non_null(strstr(a, "X-Good: yes"));
	assert_null(strstr(a, "X-Bad"));
	assert_non_null(strstr(a, "X-Content-Type-Options: nosniff"));

	n = (size_t)snprintf(req, sizeof(req),
			     "POST /f HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: "
			     "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			     strlen(form), form);
	a = exchange(port, req, n);
	assert_non_null(strstr(a, "POST /f f=x<y> z"));

	/* A body over the cap: 413, the handler never sees it. */
	big = malloc(HTTP_BODY_MAX + 2048);
	n = (size_t)snprintf(big, 256,
			     "POST /f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
			     "Content-Length: %d\r\n\r\n",
			     HTTP_BODY_MAX + 1000);
	memset(big + n, 'a', HTTP_BODY_MAX + 1000);
	a = exchange(port, big, n + HTTP_BODY_MAX + 1000);
	assert_non_null(strstr(a, "HTTP/1.1 413"));
	free(big);

	a = exchange(port, "GARBAGE \x01\x02 nonsense\r\n\r\n", 24);
	assert_non_null(strstr(a, " 400 "));
	/* Still serving. */
	a = exchange(port, "GET /again HTTP/1.0\r\n\r\n", 23);
	assert_non_null(strstr(a, "GET /again"));
	http_server_stop(&h);
	assert_null(h);
}

static void
test_metrics_render(void **state)
{
	struct buf b;

	(void)state;
	metrics_reset();
	metrics_complaint("found");
	metrics_complaint("found");
	metrics_complaint("not_found");
	metrics_complaint("no such outcome");
	metrics_reply(METRICS_REPLY_SENT, 5);
	metrics_reply(METRICS_REPLY_SENT, 100);
	metrics_reply(METRICS_REPLY_SENT, 999999);
	metrics_reply(METRICS_REPLY_SENT, -1); /* arrival unknown: not observed */
	metrics_reply(METRICS_REPLY_DEFERRED, -1);
	metrics_parse_failure();
	metrics_set_outbox_queued(7);
	buf_init(&b, 0);
	assert_int_equal(metrics_render(&b), 0);
	assert_non_null(strstr(b.data, "\nresponder_complaints_total{outcome=\"found\"} 2\n"));
	assert_non_null(strstr(b.data, "\nresponder_complaints_total{outcome=\"not_found\"} 1\n"));
	assert_non_null(strstr(b.data, "\nresponder_complaints_total{outcome=\"error\"} 1\n"));
	assert_non_null(strstr(b.data, "\nresponder_complaints_total{outcome=\"ignored\"} 0\n"));
	assert_non_null(strstr(b.data, "\nresponder_replies_total{state=\"sent\"} 4\n"));
	assert_non_null(strstr(b.data, "\nresponder_replies_total{state=\"deferred\"} 1\n"));
	assert_non_null(strstr(b.data, "\nresponder_reply_latency_seconds_bucket{le=\"10\"} 1\n"));
	assert_non_null(strstr(b.data, "\nresponder_reply_latency_seconds_bucket{le=\"120\"} 2\n"));
	assert_non_null(
	    strstr(b.data, "\nresponder_reply_latency_seconds_bucket{le=\"86400\"} 2\n"));
	assert_non_null(
	    strstr(b.data, "\nresponder_reply_latency_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(b.data, "\nresponder_reply_latency_seconds_sum 1000104\n"));
	assert_non_null(strstr(b.data, "\nresponder_reply_latency_seconds_count 3\n"));
	assert_non_null(strstr(b.data, "\nresponder_outbox_queued 7\n"));
	assert_non_null(strstr(b.data, "\nresponder_parse_failures_total 1\n"));
	assert_non_null(strstr(b.data, "# TYPE responder_reply_latency_seconds histogram\n"));
	buf_free(&b);
}

static void
test_metrics_textfile(void **state)
{
	char *dir = tu_tempdir(), path[512], err[256], *text;

	(void)state;
	metrics_reset();
	metrics_complaint("ignored");
	snprintf(path, sizeof(path), "%s/r.prom", dir);
	assert_int_equal(metrics_write_textfile(path, err, sizeof(err)), 0);
	text = tu_read_file(path, NULL);
	assert_non_null(strstr(text, "responder_complaints_total{outcome=\"ignored\"} 1\n"));
	assert_non_null(strstr(text, "responder_last_pass_timestamp_seconds 0\n"));
	free(text);
	snprintf(path, sizeof(path), "%s/missing/r.prom", dir);
	assert_int_equal(metrics_write_textfile(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write"));
	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),	 cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_server),		 cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_metrics_textfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
