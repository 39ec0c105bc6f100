/*
 * log_json.c - the request log's JSON view (see log_json.h), shared by
 * `log` (cmd_log.c) and `log show` (cmd_log_show.c).
 *
 * SECURITY: every string is stored peer text, made valid UTF-8 by
 * ao_json_str() before it reaches JSON.
 */
#include "responder/cli/log_json.h"
#include "responder/cli/cli_out.h"
#include "store/admin.h"
#include "common/timeutil.h"

json_t *
log_request_json(const struct admin_request *r)
{
	char t[TIME_RFC3339_LEN];
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "received_at", json_string(time_format_rfc3339(r->received_at, t)));
	json_object_set_new(o, "decided_at", json_string(time_format_rfc3339(r->decided_at, t)));
	json_object_set_new(o, "requester", ao_json_str(r->requester));
	json_object_set_new(o, "account", ao_json_str(r->account));
	json_object_set_new(o, "outcome", ao_json_str(r->outcome));
	json_object_set_new(o, "why", ao_json_str(r->why));
	json_object_set_new(o, "complaint_message_id", ao_json_str(r->complaint_message_id));
	json_object_set_new(o, "subject", ao_json_str(r->subject));
	json_object_set_new(o, "matched_queue_id", ao_json_str(r->matched_queue_id));
	json_object_set_new(o, "matched_subject", ao_json_str(r->matched_subject));
	json_object_set_new(o, "reply_state", json_string(r->reply_state));
	json_object_set_new(o, "source", ao_json_str(r->source));
	json_object_set_new(o, "requeue_of",
			    r->requeue_of ? json_integer(r->requeue_of) : json_null());
	json_object_set_new(o, "language", ao_json_str(r->language));
	json_object_set_new(o, "thread_id", json_integer(r->thread_id ? r->thread_id : r->id));
	json_object_set_new(o, "follow_up_of",
			    r->follow_up_of ? json_integer(r->follow_up_of) : json_null());
	json_object_set_new(o, "reply_message_id", ao_json_str(r->reply_message_id));
	json_object_set_new(o, "node", ao_json_str(r->node));
	return o;
}
