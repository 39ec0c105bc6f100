/*
 * stats_collect.h - the numbers behind `stats` and `report`: the store's
 * request statistics (store/admin.h) with the reasons filled in, each
 * recipient's latest delivery attempt classified by reason.h.
 */
#ifndef RESPONDER_STATS_COLLECT_H
#define RESPONDER_STATS_COLLECT_H

#include <stdint.h>

struct admin_stats;
struct store;

/* admin_stats() since `since` (0: all time) plus, for each recipient of
 * each found request's matched message, its latest attempt classified
 * (admin_stats_add_count under reason_name()).  STORE_OK with *stats_r
 * filled (free it with admin_stats_free), or an error (nothing to free;
 * store_errmsg says why).  `st` is borrowed. */
int stats_collect(struct store *st, int64_t since, struct admin_stats *stats_r);

#endif
