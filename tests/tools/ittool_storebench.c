/*
 * ittool_storebench.c - lookup latency of the store, for scripts/bench.
 *
 *   ittool_storebench STORE.db N_MESSAGES N_ACCOUNTS [QUERIES]
 *
 * Asks QUERIES (default 2000) random lookups of each kind against a store
 * filled by scripts/lib/gen_records.py and prints p50/p99 latency in
 * microseconds, and how many results came back (so a broken index that
 * finds nothing cannot look fast).
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *lat, int n, long found)
{
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("  %-28s p50 %8.1f us   p99 %8.1f us   (%d queries, %ld results)\n", what,
	       lat[n / 2], lat[(n * 99) / 100], n, found);
}

int
main(int argc, char **argv)
{
	struct store *st;
	char err[512], key[128];
	long nmsg, naccts, found;
	int q = 2000;
	double *lat;
	const int64_t base = 1793000000, span = 60 * 86400;

	if (argc < 4) {
		fprintf(stderr, "usage: %s STORE N_MESSAGES N_ACCOUNTS [QUERIES]\n", argv[0]);
		return 64;
	}
	nmsg = atol(argv[2]);
	naccts = atol(argv[3]);
	if (argc > 4)
		q = atoi(argv[4]);
	if (nmsg < 1 || naccts < 1 || q < 10)
		return 64;
	st = store_open_readonly(argv[1], err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	lat = calloc((size_t)q, sizeof(double));
	srandom(42);

	for (int kind = 0; kind < 4; kind++) {
		found = 0;
		for (int i = 0; i < q; i++) {
			long m = random() % nmsg, a = m % naccts;
			int64_t acct = 0, t = base + (m * span) / nmsg;
			struct store_message_list l;
			double t0;

			snprintf(key, sizeof(key), "acct%ld", a);
			store_account_id(st, key, &acct);
			t0 = now_us();
			switch (kind) {
			case 0:
				snprintf(key, sizeof(key), "<m%09ld@acct%ld.example>", m, a);
				store_find_by_message_id(st, key, acct, STORE_WITH_ATTEMPTS, 10,
							 &l);
				break;
			case 1:
				snprintf(key, sizeof(key), "Q%09ld", m);
				store_find_by_queue_id(st, key, 0, STORE_WITH_TRANSCRIPTS, &l);
				break;
			case 2:
				snprintf(key, sizeof(key), "r%06ld@dest%ld.example",
					 (m * 7) % 200000, m % 997);
				store_find_by_recipient(st, key, acct, t - 30 * 86400, t + 86400,
							STORE_WITH_ATTEMPTS, 20, &l);
				break;
			default:
				snprintf(key, sizeof(key), "Re: Invoice %ld for order %ld", m,
					 m % 5000);
				store_find_by_subject(st, key, acct, t - 30 * 86400, t + 86400,
						      STORE_WITH_ATTEMPTS, 20, &l);
				break;
			}
			lat[i] = now_us() - t0;
			found += (long)l.n;
			store_message_list_free(&l);
		}
		report(kind == 0 ? "by Message-ID" :
		       kind == 1 ? "by queue ID (+transcripts)" :
		       kind == 2 ? "by recipient, 30-day window" :
				   "by subject words, 30 days",
		       lat, q, found);
	}
	free(lat);
	store_close(&st);
	return 0;
}
