/*
 * compose_int.h - what compose.c (templates, MIME assembly) and
 * compose_model.c (the data model handed to templates, the transcript
 * attachments) share.  Not for other modules: they use compose.h.
 */
#ifndef RESPONDER_COMPOSE_INT_H
#define RESPONDER_COMPOSE_INT_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "responder/reply/compose.h"
#include "responder/lang/lang.h"
#include "responder/mustache/mustache.h"
#include "responder/reason/reason.h"

/* Inline transcripts in the body are cut here (the attachment has it all). */
#define COMPOSE_INLINE_TRANSCRIPT_MAX ((size_t)32 * 1024)
/* Caps on what one reply may hold. */
#define COMPOSE_MAX_RECIPIENTS 50
#define COMPOSE_MAX_CANDIDATES 10
#define COMPOSE_MAX_ATTEMPTS 50
#define COMPOSE_MAX_SEARCHED 20
#define COMPOSE_SUBJECT_MAX 200

struct compose_names {
	char **v;
	size_t n;
};

/* One template set per language (LANG_EN: the folder itself; others:
 * <dir>/<code>/ with English for the parts it lacks). */
struct templates {
	struct mustache_set *set[LANG_COUNT];
	struct compose_names missing[LANG_COUNT]; /* parts that fell back */
	int has_dir[LANG_COUNT];
	char *dir;
};

struct compose_att {
	char *filename;	 /* sanitised, ASCII, no quotes */
	struct buf data; /* the attachment's bytes */
};

struct compose_atts {
	struct compose_att *v;
	size_t n;
};

/* The words of compose_words.c, in language l. */
const char *compose_reason_text(enum lang l, enum reason r);
const char *compose_queued_text(enum lang l);	  /* a recipient without attempts */
const char *compose_default_subject(enum lang l); /* "Re: your delivery question" */
/* delivered/deferred/bounced/pending in language l (others as they are). */
const char *compose_status_text(enum lang l, const char *status);

/* Builds the data model of templates/README.md for `in` (a new reference,
 * caller json_decref()s) and, for OUTCOME_FOUND, one transcript attachment
 * per reported recipient with attempts (caller frees with
 * compose_atts_free()).  Never fails: bad data is cleaned, not refused. */
json_t *compose_model(const struct reply_input *in, struct compose_atts *atts);
void compose_atts_free(struct compose_atts *atts);

/* 1 when `name` is a field of the data model (at any level), else 0; for
 * mustache_set_check_names(). */
int compose_model_knows(const char *name, void *arg);

/* "transcript-<recipient>-<queue_id>.txt" made of [A-Za-z0-9._@+-] only,
 * at most 60 characters.  out needs 64 bytes. */
void compose_attachment_name(const char *recipient, const char *queue_id, char *out, size_t size);

/* The domain for Message-IDs: settings->hostname, else the support
 * address's domain, else "localhost"; letters, digits, '-' and '.' only. */
void compose_hostname(const struct settings *s, char *out, size_t size);

#endif
