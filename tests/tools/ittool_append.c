/*
 * ittool_append.c - IMAP APPEND of message files over one plain loopback
 * connection (libetpan), for tests, the demo and the benchmark:
 *   ittool_append HOST PORT USER PASSWORD FOLDER FILE...
 * Files are sent as they are (use CRLF line ends).  Prints nothing; exit 0
 * when every file was appended, 1 otherwise (with the reason on stderr).
 */
#include <libetpan/libetpan.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data != NULL && fread(data, 1, (size_t)n, fp) != (size_t)n) {
			free(data);
			data = NULL;
		}
		*len_r = (size_t)n;
	}
	fclose(fp);
	return data;
}

int
main(int argc, char **argv)
{
	mailimap *imap;
	int r, ret = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 7) {
		fprintf(stderr, "usage: ittool_append HOST PORT USER PASSWORD FOLDER FILE...\n");
		return 2;
	}
	imap = mailimap_new(0, NULL);
	mailimap_set_timeout(imap, 30);
	r = mailimap_socket_connect(imap, argv[1], (uint16_t)atoi(argv[2]));
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		fprintf(stderr, "ittool_append: connect %s:%s failed (%d)\n", argv[1], argv[2], r);
		mailimap_free(imap);
		return 1;
	}
	if (mailimap_login(imap, argv[3], argv[4]) != MAILIMAP_NO_ERROR) {
		fprintf(stderr, "ittool_append: login refused\n");
		mailimap_free(imap);
		return 1;
	}
	for (int i = 6; i < argc; i++) {
		size_t len = 0;
		char *data = slurp(argv[i], &len);

		if (data == NULL) {
			fprintf(stderr, "ittool_append: cannot read %s\n", argv[i]);
			ret = 1;
			break;
		}
		r = mailimap_append_simple(imap, argv[5], data, len);
		free(data);
		if (r != MAILIMAP_NO_ERROR) {
			fprintf(stderr, "ittool_append: APPEND %s failed (%d)\n", argv[i], r);
			ret = 1;
			break;
		}
	}
	mailimap_logout(imap);
	mailimap_free(imap);
	return ret;
}
