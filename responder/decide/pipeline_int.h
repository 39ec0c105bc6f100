/*
 * pipeline_int.h - what pipeline.c and pipeline_json.c share.
 */
#ifndef RESPONDER_PIPELINE_INT_H
#define RESPONDER_PIPELINE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "responder/parse/complaint.h"
#include "responder/decide/extract.h"
#include "responder/decide/match.h"
#include "responder/decide/pipeline.h"

/* "<...>" of n bytes at s when it is a plausible Message-ID (no white
 * space or controls inside), else NULL.  Caller frees. */
char *pipeline_clean_id(const char *s, size_t n);
/* The Message-ID of the raw top header block, or NULL.  Caller frees. */
char *pipeline_scan_message_id(const char *raw, size_t len);

/* The process --json object without "file".  c and m may be NULL. */
json_t *pipeline_json(const struct pipeline_result *out, const struct complaint *c,
		      const struct match_result *m, const struct extracted *x);
/* Adds the request log's "detail" members (headers, notes, candidates). */
void pipeline_detail(json_t *detail, const struct complaint *c, const struct match_result *m,
		     int have_match);

#endif
