/*
 * record_json.h - delivery records as JSON (lookup --json, process --json).
 */
#ifndef RESPONDER_RECORD_JSON_H
#define RESPONDER_RECORD_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* {"queue_id","message_id","account","from","subject","submitted_at",
 *  "recipients":[{"address","status","last_attempt_at",
 *                 "attempts":[{"at","status","mx_host","mx_ip","smtp_code",
 *                              "enhanced_status","response","transcript_kind",
 *                              "transcript"?}]}]}
 * Times are RFC 3339 UTC strings, null when unknown.  New reference;
 * the caller json_decref()s it. */
json_t *record_message_json(const struct store_message *m, int with_transcripts);
/* RFC 3339 string or JSON null for 0. */
json_t *record_time_json(int64_t t);

#endif
