/*
 * record_json.c - delivery records as JSON.
 */
#include "responder/decide/record_json.h"
#include "common/timeutil.h"

json_t *
record_time_json(int64_t t)
{
	char buf[TIME_RFC3339_LEN];

	return t ? json_string(time_format_rfc3339(t, buf)) : json_null();
}

static json_t *
str_or_null(const char *s)
{
	/* Stored text is UTF-8 checked on import; json_string() refuses
	 * anything else, which we show as null rather than fail. */
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

static json_t *
attempt_json(const struct store_attempt *a, int with_transcripts)
{
	json_t *o = json_object();

	json_object_set_new(o, "at", record_time_json(a->at));
	json_object_set_new(o, "status", str_or_null(a->status));
	json_object_set_new(o, "mx_host", str_or_null(a->mx_host));
	json_object_set_new(o, "mx_ip", str_or_null(a->mx_ip));
	json_object_set_new(o, "smtp_code",
			    a->smtp_code ? json_integer(a->smtp_code) : json_null());
	json_object_set_new(o, "enhanced_status", str_or_null(a->enhanced_status));
	json_object_set_new(o, "response", str_or_null(a->response));
	json_object_set_new(o, "transcript_kind", str_or_null(a->transcript_kind));
	if (with_transcripts)
		json_object_set_new(o, "transcript", str_or_null(a->transcript));
	return o;
}

json_t *
record_message_json(const struct store_message *m, int with_transcripts)
{
	json_t *o = json_object(), *rcpts = json_array();

	json_object_set_new(o, "queue_id", str_or_null(m->queue_id));
	json_object_set_new(o, "message_id", str_or_null(m->message_id));
	json_object_set_new(o, "account", str_or_null(m->account));
	json_object_set_new(o, "from", str_or_null(m->from));
	json_object_set_new(o, "subject", str_or_null(m->subject));
	json_object_set_new(o, "submitted_at", record_time_json(m->submitted_at));
	for (size_t i = 0; i < m->n_rcpts; i++) {
		const struct store_recipient *r = &m->rcpts[i];
		json_t *ro = json_object(), *atts = json_array();

		json_object_set_new(ro, "address", str_or_null(r->address));
		json_object_set_new(ro, "status", str_or_null(r->status));
		json_object_set_new(ro, "last_attempt_at", record_time_json(r->last_attempt_at));
		for (size_t k = 0; k < r->n_attempts; k++)
			json_array_append_new(atts,
					      attempt_json(&r->attempts[k], with_transcripts));
		json_object_set_new(ro, "attempts", atts);
		json_array_append_new(rcpts, ro);
	}
	json_object_set_new(o, "recipients", rcpts);
	return o;
}
