/*
 * complaint.c - turns raw complaint bytes into struct complaint with
 * libetpan: headers (RFC 2047 decoded), decoded text bodies converted to
 * UTF-8, HTML-only bodies as text, attached message/rfc822 originals (one
 * nested level), multipart/report detection.  Of an attached message (a
 * bounce the customer forwarded) it also keeps its text, its
 * message/delivery-status and X-Failed-Recipients as text, and makes its
 * text/rfc822-headers an original of their own: the parent reads them
 * (responder/forward/bounce.h), nothing is interpreted here.
 *
 * SECURITY: libetpan 1.9.4 crashes and recurses without bound on crafted
 * MIME; this file is only run inside the sandbox child (sandbox.c), after
 * the pre-scan.  Our own walk is capped in depth and node count, and every
 * string leaving here goes through cpl_clean() (valid UTF-8, no controls,
 * capped).
 */
#include "responder/parse/complaint.h"
#include "responder/parse/complaint_int.h"
#include "responder/parse/prescan.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_NODES 5000

struct walk {
	struct complaint *c;
	struct buf plain, html;
	size_t nodes;
	long cur; /* index of the attached message being walked, or -1 */
	/* the text of each attached message (index as c->originals) */
	struct buf oplain[CPL_MAX_ORIGINALS], ohtml[CPL_MAX_ORIGINALS];
	/* decoded message/rfc822 bodies that nested trees point into */
	char **keep;
	size_t n_keep;
};

void
cpl_note(struct complaint *c, const char *note)
{
	if (c->notes.n >= CPL_MAX_LIST)
		return;
	for (size_t i = 0; i < c->notes.n; i++)
		if (strcmp(c->notes.v[i], note) == 0)
			return;
	c->notes.v = xreallocarray(c->notes.v, c->notes.n + 1, sizeof(char *));
	c->notes.v[c->notes.n++] = cpl_clean(note, strlen(note), 200, 0);
}

char *
complaint_decode_header(const char *value, size_t len)
{
	size_t idx = 0;
	char *out = NULL, *r;

	if (!value)
		return NULL;
	if (len > CPL_MAX_FIELD * 4)
		len = CPL_MAX_FIELD * 4;
	if (mailmime_encoded_phrase_parse("iso-8859-1", value, len, &idx, "utf-8", &out) ==
		MAILIMF_NO_ERROR &&
	    out) {
		r = cpl_clean(out, strlen(out), CPL_MAX_FIELD, 0);
		free(out);
		return r;
	}
	free(out);
	return cpl_clean(value, len, CPL_MAX_FIELD, 0);
}

static char *
msgid_wrap(const char *id)
{
	struct buf b;
	char *clean;

	if (!id || !*id)
		return NULL;
	clean = cpl_clean(id, strlen(id), 998, 0);
	buf_init(&b, 1024);
	buf_printf(&b, "<%s>", clean);
	free(clean);
	for (char *p = b.data; *p; p++)
		if (*p == ' ')
			*p = '_';
	return buf_steal(&b, NULL);
}

static void
set_mailbox(struct cpl_address *a, const struct mailimf_mailbox *mb)
{
	if (!mb)
		return;
	if (mb->mb_display_name)
		a->name = complaint_decode_header(mb->mb_display_name, strlen(mb->mb_display_name));
	if (mb->mb_addr_spec) {
		char *clean = cpl_clean(mb->mb_addr_spec, strlen(mb->mb_addr_spec), 512, 0);
		a->address = addr_normalize(clean);
		free(clean);
	}
}

static void
add_mailbox(struct cpl_addresses *l, const struct mailimf_mailbox *mb)
{
	struct cpl_address a = { NULL, NULL };

	if (!mb || l->n >= CPL_MAX_LIST)
		return;
	set_mailbox(&a, mb);
	if (!a.address) {
		free(a.name);
		return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = a;
}

static void
add_address_list(struct cpl_addresses *l, const struct mailimf_address_list *al)
{
	clistiter *it, *jt;

	if (!al || !al->ad_list)
		return;
	for (it = clist_begin(al->ad_list); it; it = clist_next(it)) {
		const struct mailimf_address *ad = clist_content(it);

		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			add_mailbox(l, ad->ad_data.ad_mailbox);
		} else if (ad->ad_type == MAILIMF_ADDRESS_GROUP && ad->ad_data.ad_group &&
			   ad->ad_data.ad_group->grp_mb_list &&
			   ad->ad_data.ad_group->grp_mb_list->mb_list) {
			for (jt = clist_begin(ad->ad_data.ad_group->grp_mb_list->mb_list); jt;
			     jt = clist_next(jt))
				add_mailbox(l, clist_content(jt));
		}
	}
}

static void
add_ids(struct cpl_strings *l, clist *ids)
{
	clistiter *it;

	if (!ids)
		return;
	for (it = clist_begin(ids); it && l->n < CPL_MAX_LIST; it = clist_next(it)) {
		char *m = msgid_wrap(clist_content(it));

		if (!m)
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
		l->v[l->n++] = m;
	}
}

static void
add_string(struct cpl_strings *l, const char *s, size_t cap)
{
	if (!s || l->n >= CPL_MAX_LIST)
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
	l->v[l->n++] = cpl_clean(s, strlen(s), cap, 0);
}

static int
date_of(const struct mailimf_date_time *d, int64_t *t_r)
{
	int zone, sign, hh, mm;

	if (!d || d->dt_year < 1970 || d->dt_year > 9999 || d->dt_month < 1 || d->dt_month > 12 ||
	    d->dt_day < 1 || d->dt_day > 31 || d->dt_hour < 0 || d->dt_hour > 23 || d->dt_min < 0 ||
	    d->dt_min > 59 || d->dt_sec < 0 || d->dt_sec > 60)
		return -1;
	zone = d->dt_zone;
	sign = zone < 0 ? -1 : 1;
	zone = zone < 0 ? -zone : zone;
	hh = zone / 100;
	mm = zone % 100;
	if (hh > 23 || mm > 59)
		hh = mm = 0;
	*t_r = time_from_utc(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min, d->dt_sec) -
	       (int64_t)sign * (hh * 3600 + mm * 60);
	return 0;
}

/* The fields an original needs, from its header block. */
static void
read_original(struct cpl_original *o, struct mailimf_fields *f)
{
	struct mailimf_single_fields sf;

	if (!f)
		return;
	mailimf_single_fields_init(&sf, f);
	if (sf.fld_message_id)
		o->message_id = msgid_wrap(sf.fld_message_id->mid_value);
	if (sf.fld_from && sf.fld_from->frm_mb_list && sf.fld_from->frm_mb_list->mb_list &&
	    clist_begin(sf.fld_from->frm_mb_list->mb_list))
		set_mailbox(&o->from,
			    clist_content(clist_begin(sf.fld_from->frm_mb_list->mb_list)));
	if (sf.fld_to)
		add_address_list(&o->to, sf.fld_to->to_addr_list);
	if (sf.fld_cc)
		add_address_list(&o->cc, sf.fld_cc->cc_addr_list);
	if (sf.fld_subject && sf.fld_subject->sbj_value)
		o->subject = complaint_decode_header(sf.fld_subject->sbj_value,
						     strlen(sf.fld_subject->sbj_value));
	if (sf.fld_orig_date && date_of(sf.fld_orig_date->dt_date_time, &o->date) == 0)
		o->has_date = 1;
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		const struct mailimf_field *fld = clist_content(it);
		const struct mailimf_optional_field *of = fld->fld_data.fld_optional_field;

		if (fld->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD && of && of->fld_name &&
		    of->fld_value && strcasecmp(of->fld_name, "X-Failed-Recipients") == 0 &&
		    !o->failed_rcpts)
			o->failed_rcpts = cpl_clean(of->fld_value, strlen(of->fld_value), 1024, 0);
	}
}

/* Fields robots set instead of RFC 3834's (policy.c decides on them). */
static int
robot_field(const char *name)
{
	static const char *const names[] = {
		"X-Autoreply",
		"X-Autorespond",
		"X-Autoresponder",
		"X-Apple-Action",
		"X-Amz-Sns-Message-Type",
		"X-Amz-Sns-Message-Id",
		"X-HmXmrOriginalRecipient",
		"X-List-Administrivia",
		"X-Mailman-Version",
		"Mailing-List",
		"X-Autogenerated",
		"X-AutoReply-From",
		"X-Mail-Autoreply",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Content-Language of the message, read from the raw header block:
 * libetpan files it as a MIME field and leaves its list of tags empty.
 * Only the top header block (up to the first empty line) is looked at; a
 * folded value is read up to the fold. */
static void
read_language(struct complaint *c, const char *raw, size_t len)
{
	size_t pos = 0;

	while (pos < len && !c->content_language) {
		const char *line = raw + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* end of the header block */
		if (n > 17 && strncasecmp(line, "Content-Language:", 17) == 0)
			c->content_language = cpl_clean(line + 17, n - 17, 256, 0);
	}
}

static void
read_optional(struct complaint *c, const char *name, const char *value)
{
	if (!name || !value)
		return;
	if (strcasecmp(name, "Auto-Submitted") == 0 && !c->auto_submitted)
		c->auto_submitted = cpl_clean(value, strlen(value), 256, 0);
	else if (strcasecmp(name, "Precedence") == 0 && !c->precedence)
		c->precedence = cpl_clean(value, strlen(value), 256, 0);
	else if (strcasecmp(name, "X-Auto-Response-Suppress") == 0 && !c->x_auto_response_suppress)
		c->x_auto_response_suppress = cpl_clean(value, strlen(value), 256, 0);
	else if ((strcasecmp(name, "X-Autoreply") == 0 || strcasecmp(name, "X-Autorespond") == 0) &&
		 !c->x_autoreply)
		c->x_autoreply = cpl_clean(value, strlen(value), 256, 0);
	else if (strcasecmp(name, "Content-Language") == 0 && !c->content_language)
		c->content_language = cpl_clean(value, strlen(value), 256, 0);
	else if (strcasecmp(name, "X-Loop") == 0)
		add_string(&c->x_loop, value, 512);
	else if (strncasecmp(name, "List-", 5) == 0)
		add_string(&c->list_headers, name, 128);
	else if (strcasecmp(name, "Authentication-Results") == 0)
		add_string(&c->auth_results, value, CPL_MAX_FIELD);
	else if (robot_field(name)) {
		struct buf b;

		buf_init(&b, 200);
		buf_printf(&b, "%.60s: %.120s", name, value);
		add_string(&c->robot_headers, buf_cstr(&b), 200);
		buf_free(&b);
	} else if (strcasecmp(name, "Return-Path") == 0 && !c->return_path)
		c->return_path = cpl_clean(value, strlen(value), 512, 0);
}

static void
read_headers(struct complaint *c, struct mailimf_fields *f)
{
	struct mailimf_single_fields sf;
	clistiter *it;

	if (!f)
		return;
	mailimf_single_fields_init(&sf, f);
	if (sf.fld_from && sf.fld_from->frm_mb_list && sf.fld_from->frm_mb_list->mb_list) {
		clist *l = sf.fld_from->frm_mb_list->mb_list;

		c->n_from = (size_t)clist_count(l);
		if (clist_begin(l))
			set_mailbox(&c->from, clist_content(clist_begin(l)));
	}
	if (sf.fld_reply_to && sf.fld_reply_to->rt_addr_list) {
		struct cpl_addresses tmp = { NULL, 0 };

		add_address_list(&tmp, sf.fld_reply_to->rt_addr_list);
		if (tmp.n) {
			c->reply_to = tmp.v[0];
			for (size_t i = 1; i < tmp.n; i++) {
				free(tmp.v[i].name);
				free(tmp.v[i].address);
			}
		}
		free(tmp.v);
	}
	if (sf.fld_sender)
		set_mailbox(&c->sender, sf.fld_sender->snd_mb);
	if (sf.fld_to)
		add_address_list(&c->to, sf.fld_to->to_addr_list);
	if (sf.fld_cc)
		add_address_list(&c->cc, sf.fld_cc->cc_addr_list);
	if (sf.fld_subject && sf.fld_subject->sbj_value)
		c->subject = complaint_decode_header(sf.fld_subject->sbj_value,
						     strlen(sf.fld_subject->sbj_value));
	if (sf.fld_orig_date && date_of(sf.fld_orig_date->dt_date_time, &c->date) == 0)
		c->has_date = 1;
	if (sf.fld_message_id)
		c->message_id = msgid_wrap(sf.fld_message_id->mid_value);
	if (sf.fld_in_reply_to)
		add_ids(&c->in_reply_to, sf.fld_in_reply_to->mid_list);
	if (sf.fld_references)
		add_ids(&c->references, sf.fld_references->mid_list);

	for (it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);

		if (fld->fld_type == MAILIMF_FIELD_RETURN_PATH && !c->return_path) {
			const struct mailimf_return *rp = fld->fld_data.fld_return_path;
			const char *a = rp && rp->ret_path ? rp->ret_path->pt_addr_spec : NULL;

			if (a) {
				struct buf b;

				buf_init(&b, 600);
				if (buf_printf(&b, "<%s>", a) == 0)
					c->return_path = cpl_clean(b.data, b.len, 512, 0);
				buf_free(&b);
			} else {
				c->return_path = xstrdup("<>");
			}
		} else if (fld->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
			   fld->fld_data.fld_optional_field) {
			read_optional(c, fld->fld_data.fld_optional_field->fld_name,
				      fld->fld_data.fld_optional_field->fld_value);
		}
	}
}

/* "type/subtype" in lower case (static buffer of the caller). */
static void
type_name(const struct mailmime_content *ct, char *out, size_t outlen)
{
	const char *t = "text", *sub = ct && ct->ct_subtype ? ct->ct_subtype : "plain";

	if (ct && ct->ct_type) {
		if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		    ct->ct_type->tp_data.tp_discrete_type) {
			int dt = ct->ct_type->tp_data.tp_discrete_type->dt_type;

			switch (dt) {
			case MAILMIME_DISCRETE_TYPE_TEXT:
				t = "text";
				break;
			case MAILMIME_DISCRETE_TYPE_IMAGE:
				t = "image";
				break;
			case MAILMIME_DISCRETE_TYPE_AUDIO:
				t = "audio";
				break;
			case MAILMIME_DISCRETE_TYPE_VIDEO:
				t = "video";
				break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION:
				t = "application";
				break;
			case MAILMIME_DISCRETE_TYPE_EXTENSION:
				t = ct->ct_type->tp_data.tp_discrete_type->dt_extension;
				break;
			default:
				break;
			}
		} else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
			   ct->ct_type->tp_data.tp_composite_type) {
			int ctt = ct->ct_type->tp_data.tp_composite_type->ct_type;

			if (ctt == MAILMIME_COMPOSITE_TYPE_MESSAGE)
				t = "message";
			else if (ctt == MAILMIME_COMPOSITE_TYPE_MULTIPART)
				t = "multipart";
			else
				t = ct->ct_type->tp_data.tp_composite_type->ct_token;
		}
	}
	snprintf(out, outlen, "%s/%s", t ? t : "x", sub);
	str_lower(out);
	str_sanitize_line(out);
}

static int
is_attachment(const struct mailmime *m)
{
	clistiter *it;

	if (!m->mm_mime_fields)
		return 0;
	for (it = clist_begin(m->mm_mime_fields->fld_list); it; it = clist_next(it)) {
		const struct mailmime_field *f = clist_content(it);

		if (f->fld_type == MAILMIME_FIELD_DISPOSITION && f->fld_data.fld_disposition &&
		    f->fld_data.fld_disposition->dsp_type &&
		    f->fld_data.fld_disposition->dsp_type->dsp_type ==
			MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return 1;
	}
	return 0;
}

/* Transfer-decodes a SINGLE part.  *out from libetpan (mmap_string_unref). */
static int
decode_part(const struct mailmime *m, char **out, size_t *outlen)
{
	const struct mailmime_data *d = m->mm_data.mm_single;
	size_t idx = 0;

	if (!d || d->dt_type != MAILMIME_DATA_TEXT || !d->dt_data.dt_text.dt_data)
		return -1;
	return mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx,
				   d->dt_encoding, out, outlen) == MAILIMF_NO_ERROR ?
		   0 :
		   -1;
}

/* Appends a text part to `into`, converted to UTF-8. */
static void
take_text(struct walk *w, const struct mailmime *m, struct buf *into)
{
	char *dec = NULL, *conv = NULL, *clean;
	size_t declen = 0, convlen = 0;
	size_t room = into->max > into->len + 2 ? into->max - into->len - 2 : 0;
	size_t cap = room < CPL_MAX_TEXT ? room : CPL_MAX_TEXT;
	const char *cs;
	int r;

	if (decode_part(m, &dec, &declen) != 0) {
		cpl_note(w->c, "a text part could not be decoded");
		return;
	}
	cs = mailmime_content_charset_get(m->mm_content_type);
	if (!cs || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0) {
		clean = cpl_clean(dec, declen, cap, 1);
	} else {
		r = charconv_buffer("utf-8", cs, dec, declen, &conv, &convlen);
		if (r == MAIL_CHARCONV_ERROR_UNKNOWN_CHARSET) {
			char note[160];

			snprintf(note, sizeof(note), "unknown charset %.60s, read as windows-1252",
				 cs);
			cpl_note(w->c, note);
			r = charconv_buffer("utf-8", "windows-1252", dec, declen, &conv, &convlen);
		}
		if (r == MAIL_CHARCONV_NO_ERROR && conv) {
			clean = cpl_clean(conv, convlen, cap, 1);
		} else {
			cpl_note(w->c,
				 "charset conversion failed, text kept as UTF-8 with replacements");
			clean = cpl_clean(dec, declen, cap, 1);
		}
		if (conv)
			charconv_buffer_free(conv);
	}
	mmap_string_unref(dec);
	if (into->len)
		buf_puts(into, "\n");
	if (buf_puts(into, clean) != 0)
		cpl_note(w->c, "text longer than the cap, truncated");
	free(clean);
}

static void walk(struct walk *w, struct mailmime *m, int depth, int orig_depth);

static struct cpl_original *
new_original(struct walk *w, int orig_depth)
{
	struct complaint *c = w->c;

	if (c->n_originals >= CPL_MAX_ORIGINALS) {
		cpl_note(c, "too many attached messages, the rest ignored");
		return NULL;
	}
	c->originals = xreallocarray(c->originals, c->n_originals + 1, sizeof(*c->originals));
	memset(&c->originals[c->n_originals], 0, sizeof(*c->originals));
	c->originals[c->n_originals].depth = orig_depth;
	return &c->originals[c->n_originals++];
}

/* Walks the body of the attached message o (just made by new_original),
 * with its text going to w->oplain/ohtml[o] when it is attached to the
 * complaint itself. */
static void
walk_original(struct walk *w, struct mailmime *body, int depth, int orig_depth,
	      const struct cpl_original *o)
{
	long saved = w->cur;

	w->cur = o && o->depth == 1 ? (long)(o - w->c->originals) : -1;
	walk(w, body, depth, orig_depth);
	w->cur = saved;
}

/* message/rfc822 sent with base64/QP: a SINGLE node to decode and parse. */
static void
encoded_message(struct walk *w, const struct mailmime *m, int depth, int orig_depth)
{
	char *dec = NULL, *copy;
	size_t declen = 0, idx = 0;
	struct mailmime *inner = NULL;
	struct cpl_original *o;

	if (decode_part(m, &dec, &declen) != 0)
		return;
	copy = xmalloc(declen + 1);
	memcpy(copy, dec, declen);
	copy[declen] = '\0';
	mmap_string_unref(dec);
	for (size_t i = 0; i < declen; i++)
		if (copy[i] == '\0')
			copy[i] = ' ';
	if (prescan_nested(copy, declen) != 0 ||
	    mailmime_parse(copy, declen, &idx, &inner) != MAILIMF_NO_ERROR || !inner) {
		cpl_note(w->c, "an encoded attached message could not be parsed");
		free(copy);
		return;
	}
	w->keep = xreallocarray(w->keep, w->n_keep + 1, sizeof(char *));
	w->keep[w->n_keep++] = copy;
	o = new_original(w, orig_depth + 1);
	if (o)
		read_original(o, inner->mm_data.mm_message.mm_fields);
	if (inner->mm_data.mm_message.mm_msg_mime && orig_depth + 1 < 2)
		walk_original(w, inner->mm_data.mm_message.mm_msg_mime, depth + 1, orig_depth + 1,
			      o);
	mailmime_free(inner);
}

/* The decoded body of a SINGLE part as one cleaned text of at most cap
 * bytes (no charset conversion: the fields of a delivery report and a
 * header block are ASCII), or NULL. */
static char *
part_text(const struct mailmime *m, size_t cap)
{
	char *dec = NULL, *t;
	size_t declen = 0;

	if (decode_part(m, &dec, &declen) != 0)
		return NULL;
	t = cpl_clean(dec, declen, cap, 1);
	mmap_string_unref(dec);
	return t;
}

/* text/rfc822-headers inside an attached delivery report: the bounced
 * message's header block, an original without a body.  Parsed the way
 * libetpan parses a message/rfc822 part's header: the envelope fields
 * read_original() wants, every other field kept raw.  The full parser,
 * mailimf_fields_parse(), also parses trace fields, and libetpan 1.9.4
 * leaks the address of a Return-Path whose '<' is never closed
 * ("Return-Path:<-"; found by fuzz_complaint, fixtures in
 * tests/fixtures/fuzz/fuzz_complaint). */
static void
headers_part(struct walk *w, const struct mailmime *m, int orig_depth)
{
	char *dec = NULL;
	size_t declen = 0, idx = 0;
	struct mailimf_fields *f = NULL;
	struct cpl_original *o;

	if (decode_part(m, &dec, &declen) != 0)
		return;
	if (mailimf_envelope_and_optional_fields_parse(dec, declen, &idx, &f) == MAILIMF_NO_ERROR &&
	    f) {
		o = new_original(w, orig_depth + 1);
		if (o) {
			read_original(o, f);
			o->headers_only = 1;
		}
		mailimf_fields_free(f);
	}
	mmap_string_unref(dec);
}

static void
walk(struct walk *w, struct mailmime *m, int depth, int orig_depth)
{
	char type[160];
	clistiter *it;

	if (!m)
		return;
	if (depth > CPL_MAX_DEPTH || ++w->nodes > MAX_NODES) {
		cpl_note(w->c, "MIME tree deeper or larger than the walk follows");
		return;
	}
	type_name(m->mm_content_type, type, sizeof(type));
	switch (m->mm_type) {
	case MAILMIME_MULTIPLE:
		if (strcmp(type, "multipart/report") == 0 && orig_depth == 0)
			w->c->is_report = 1;
		if (strcmp(type, "multipart/report") == 0 && w->cur >= 0)
			w->c->originals[w->cur].is_report = 1;
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it))
			walk(w, clist_content(it), depth + 1, orig_depth);
		break;
	case MAILMIME_MESSAGE:
		if (depth == 0) { /* the root: the complaint itself */
			walk(w, m->mm_data.mm_message.mm_msg_mime, depth + 1, orig_depth);
			break;
		}
		if (orig_depth >= 2)
			break;
		{
			struct cpl_original *o = new_original(w, orig_depth + 1);

			if (o)
				read_original(o, m->mm_data.mm_message.mm_fields);
			walk_original(w, m->mm_data.mm_message.mm_msg_mime, depth + 1,
				      orig_depth + 1, o);
		}
		break;
	case MAILMIME_SINGLE:
		if ((strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0) &&
		    orig_depth < 2) {
			encoded_message(w, m, depth, orig_depth);
		} else if (orig_depth == 0 && !is_attachment(m)) {
			if (strcmp(type, "text/plain") == 0)
				take_text(w, m, &w->plain);
			else if (strcmp(type, "text/html") == 0)
				take_text(w, m, &w->html);
		} else if (w->cur >= 0) {
			struct cpl_original *o = &w->c->originals[w->cur];

			if ((strcmp(type, "message/delivery-status") == 0 ||
			     strcmp(type, "message/global-delivery-status") == 0) &&
			    !o->dsn)
				o->dsn = part_text(m, CPL_MAX_DSN);
			else if (strcmp(type, "text/rfc822-headers") == 0 ||
				 strcmp(type, "text/global-headers") == 0)
				headers_part(w, m, orig_depth);
			else if (strcmp(type, "text/plain") == 0)
				take_text(w, m, &w->oplain[w->cur]);
			else if (strcmp(type, "text/html") == 0)
				take_text(w, m, &w->ohtml[w->cur]);
		}
		break;
	default:
		break;
	}
}

/* Each attached message's text: its plain parts, else its HTML as text. */
static void
originals_text(struct walk *w)
{
	for (size_t i = 0; i < w->c->n_originals && i < CPL_MAX_ORIGINALS; i++) {
		if (w->oplain[i].len)
			w->c->originals[i].text = buf_steal(&w->oplain[i], NULL);
		else if (w->ohtml[i].len)
			w->c->originals[i].text = html_to_text(w->ohtml[i].data, w->ohtml[i].len);
	}
	for (size_t i = 0; i < CPL_MAX_ORIGINALS; i++) {
		buf_free(&w->oplain[i]);
		buf_free(&w->ohtml[i]);
	}
}

/* Stable sort of originals by depth: outermost first. */
static void
sort_originals(struct complaint *c)
{
	for (size_t i = 1; i < c->n_originals; i++) {
		struct cpl_original o = c->originals[i];
		size_t j = i;

		while (j > 0 && c->originals[j - 1].depth > o.depth) {
			c->originals[j] = c->originals[j - 1];
			j--;
		}
		c->originals[j] = o;
	}
}

int
complaint_parse(const char *raw, size_t len, struct complaint *out, char *err, size_t errlen)
{
	struct walk w;
	struct mailmime *root = NULL;
	size_t idx = 0;
	char *copy;
	int r, nul = 0;
	char type[160];

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.c = out;
	/* libetpan's trees point into the buffer: one NUL-free copy lives as
	 * long as the tree. */
	copy = xmalloc(len + 1);
	memcpy(copy, raw, len);
	copy[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (copy[i] == '\0') {
			copy[i] = ' ';
			nul = 1;
		}
	if (nul)
		cpl_note(out, "NUL bytes in the message, read as spaces");
	r = mailmime_parse(copy, len, &idx, &root);
	if (r != MAILIMF_NO_ERROR || !root) {
		free(copy);
		if (r == MAILIMF_ERROR_MEMORY) {
			snprintf(err, errlen, "out of memory parsing the message");
			return -1;
		}
		cpl_note(out, "the message could not be parsed as MIME");
		return 0;
	}
	read_headers(out, root->mm_data.mm_message.mm_fields);
	if (root->mm_data.mm_message.mm_msg_mime) {
		type_name(root->mm_data.mm_message.mm_msg_mime->mm_content_type, type,
			  sizeof(type));
		out->content_type = xstrdup(type);
	}
	read_language(out, copy, len);
	buf_init(&w.plain, CPL_MAX_TEXT);
	buf_init(&w.html, CPL_MAX_TEXT);
	w.cur = -1;
	for (size_t i = 0; i < CPL_MAX_ORIGINALS; i++) {
		buf_init(&w.oplain[i], CPL_MAX_NOTICE);
		buf_init(&w.ohtml[i], CPL_MAX_NOTICE);
	}
	walk(&w, root, 0, 0);
	originals_text(&w);
	if (w.plain.len) {
		out->text = buf_steal(&w.plain, NULL);
	} else if (w.html.len) {
		out->text = html_to_text(w.html.data, w.html.len);
		out->text_from_html = 1;
	}
	buf_free(&w.plain);
	buf_free(&w.html);
	sort_originals(out);
	mailmime_free(root);
	for (size_t i = 0; i < w.n_keep; i++)
		free(w.keep[i]);
	free(w.keep);
	free(copy);
	return 0;
}
