/*
 * pipeline_json.c - the process --json object (DESIGN.md contract) and the
 * request log's detail object for one handled complaint.
 *
 * SECURITY: every string here was cleaned by complaint.c or comes from our
 * own store; the reply is put in with its length (json_stringn) and left
 * out as null when it is not valid UTF-8.
 */
#include "responder/decide/pipeline_int.h"
#include "responder/reason/reason.h"
#include "responder/decide/record_json.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <string.h>

char *
pipeline_clean_id(const char *s, size_t n)
{
	if (n < 3 || s[0] != '<' || s[n - 1] != '>')
		return NULL;
	for (size_t i = 1; i + 1 < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '<' || s[i] == '>')
			return NULL;
	return xstrndup(s, n);
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
recipient_json(const struct store_recipient *r)
{
	const struct store_attempt *a = r->n_attempts ? &r->attempts[r->n_attempts - 1] : NULL;
	struct classification cl;

	memset(&cl, 0, sizeof(cl));
	if (a)
		reason_classify(a->status, a->smtp_code, a->enhanced_status, a->response,
				a->mx_host, &cl);
	return json_pack(
	    "{s:s?,s:s?,s:o,s:o,s:o,s:o,s:o}", "address", r->address, "status", r->status, "reason",
	    a ? json_string(reason_name(cl.reason)) : json_null(), "response",
	    jstr(a ? a->response : NULL), "mx_host", jstr(a ? a->mx_host : NULL), "at",
	    record_time_json(r->last_attempt_at), "remote_queue_id",
	    a && cl.remote_queue_id[0] ? json_string(cl.remote_queue_id) : json_null());
}

static json_t *
matches_json(const struct match_result *m)
{
	json_t *a = json_array();

	for (size_t i = 0; m && i < m->msgs.n; i++) {
		const struct store_message *msg = &m->msgs.v[i];
		json_t *rc = json_array();

		for (size_t k = 0; k < msg->n_rcpts; k++)
			json_array_append_new(rc, recipient_json(&msg->rcpts[k]));
		json_array_append_new(
		    a, json_pack("{s:s?,s:s?,s:s?,s:o,s:f,s:o}", "queue_id", msg->queue_id,
				 "message_id", msg->message_id, "subject", msg->subject,
				 "submitted_at", record_time_json(msg->submitted_at), "score",
				 m->scores ? m->scores[i].score : 1.0, "recipients", rc));
	}
	return a;
}

json_t *
pipeline_json(const struct pipeline_result *out, const struct complaint *c,
	      const struct match_result *m, const struct extracted *x)
{
	json_t *j = json_object(), *reply = json_null();

	(void)c;
	json_object_set_new(j, "outcome", json_string(outcome_name(out->outcome)));
	json_object_set_new(j, "why", jstr(out->why));
	json_object_set_new(j, "requester", jstr(out->requester));
	json_object_set_new(j, "account", jstr(out->account));
	json_object_set_new(j, "extracted", extracted_json(x));
	json_object_set_new(j, "matches", matches_json(m));
	if (out->reply && out->requester) {
		/* utf8_valid accepts what json_stringn accepts, faster */
		json_t *msg = utf8_valid(out->reply, out->reply_len, NULL) ?
				  json_stringn_nocheck(out->reply, out->reply_len) :
				  NULL;

		if (msg)
			reply = json_pack("{s:[s],s:o}", "to", out->requester, "message", msg);
	}
	json_object_set_new(j, "reply", reply);
	return j;
}

void
pipeline_detail(json_t *detail, const struct complaint *c, const struct match_result *m,
		int have_match)
{
	json_t *notes = json_array();

	json_object_set_new(detail, "from", jstr(c->from.address));
	json_object_set_new(detail, "reply_to", jstr(c->reply_to.address));
	json_object_set_new(detail, "subject", jstr(c->subject));
	json_object_set_new(detail, "date", c->has_date ? record_time_json(c->date) : json_null());
	json_object_set_new(detail, "content_type", jstr(c->content_type));
	json_object_set_new(detail, "text_from_html", json_boolean(c->text_from_html));
	for (size_t i = 0; i < c->notes.n; i++)
		json_array_append_new(notes, json_string(c->notes.v[i]));
	json_object_set_new(detail, "notes", notes);
	if (have_match && m) {
		json_t *s = json_array();

		for (size_t i = 0; i < m->n_searched; i++)
			json_array_append_new(s, json_string(m->searched[i]));
		json_object_set_new(detail, "searched", s);
		json_object_set_new(detail, "match", json_string(m->why));
	}
}
