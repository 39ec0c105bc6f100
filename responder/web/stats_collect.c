/*
 * stats_collect.c - request statistics with delivery reasons, shared by
 * `stats` (cmd_stats.c) and `report` (cmd_report.c); see stats_collect.h.
 */
#include "responder/web/stats_collect.h"
#include "responder/reason/reason.h"
#include "store/admin.h"

#include <string.h>

static void
count_reason(void *arg, const char *status, int smtp_code, const char *enhanced,
	     const char *response, const char *mx_host)
{
	struct classification cl;

	memset(&cl, 0, sizeof(cl));
	reason_classify(status, smtp_code, enhanced, response, mx_host, &cl);
	admin_stats_add_count(arg, reason_name(cl.reason), 1);
}

int
stats_collect(struct store *st, int64_t since, struct admin_stats *stats_r)
{
	int rc;

	if ((rc = admin_stats(st, since, stats_r)) < 0)
		return rc;
	if ((rc = admin_found_attempts(st, since, count_reason, stats_r)) < 0)
		admin_stats_free(stats_r);
	return rc;
}
