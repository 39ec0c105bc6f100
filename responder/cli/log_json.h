/*
 * log_json.h - the request log's JSON view: one stored request as the
 * object that `log --json` prints per line and `log show --json` extends
 * (DESIGN.md contract: id, received_at, requester, account, outcome, why,
 * complaint_message_id, reply_state, ...).
 *
 * SECURITY: the strings are stored peer text; each goes through
 * ao_json_str() (valid UTF-8; JSON escapes the control characters).
 */
#ifndef RESPONDER_LOG_JSON_H
#define RESPONDER_LOG_JSON_H

#include <jansson.h>

struct admin_request;

/* The `log --json` object of one request; `r` is borrowed.  New
 * reference (the caller json_decref()s it or hands it on). */
json_t *log_request_json(const struct admin_request *r);

#endif
