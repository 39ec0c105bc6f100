/*
 * compose.c - loads and checks the reply templates, renders them with the
 * data model of compose_model.c, and assembles the MIME reply (headers and
 * delimiters written by mime_out.c):
 *
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=utf-8   (<outcome>.txt, no escaping)
 *       text/html; charset=utf-8    (<outcome>.html, HTML escaping)
 *     text/plain attachment per reported recipient (base64: byte for byte)
 *
 * Per recipient, the partial reason_<reason>.<txt|html> is rendered into
 * the field "guidance" and provider_<key>.<txt|html> (else
 * provider_generic) into "provider_steps" before the body is rendered, so
 * an admin adds or edits guidance by editing one file.
 *
 * SECURITY: templates are checked whole at load time (syntax, every
 * partial, every required file), so a reply never fails on a template.
 * Header values from the complaint are cleaned and RFC 2047-encoded
 * (mime_out.c); message-ids are kept only when well-formed; the To address
 * must have passed addr_valid().  Boundaries start with "=_", which cannot
 * occur in base64, in quoted-printable, or in a part sent as 7bit (those
 * contain no '='), so no content can end a part early.
 */
#include "responder/reply/compose.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/strutil.h"
#include "common/xalloc.h"
#include "responder/reply/compose_int.h"
#include "responder/reply/mime_out.h"
#include "responder/lang/lang.h"
#include "responder/reason/reason.h"

#define TEMPLATE_FILE_MAX ((size_t)1024 * 1024)
#define TEMPLATE_FILES_MAX 1000
#define REPLY_MAX ((size_t)48 * 1024 * 1024)
#define PART_MAX ((size_t)8 * 1024 * 1024)
#define MAX_REFERENCES 20

static const char *const required[] = {
	"subject",
	"found.txt",
	"found.html",
	"ambiguous.txt",
	"ambiguous.html",
	"not_found.txt",
	"not_found.html",
	"next_step.txt",
	"next_step.html",
	"provider_generic.txt",
	"provider_generic.html",
};

/* ---- loading ------------------------------------------------------------ */

static int
read_template(const char *path, char **data_r, size_t *len_r, char *err, size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t len, got = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > TEMPLATE_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu bytes", path,
			 TEMPLATE_FILE_MAX);
		goto out;
	}
	len = (size_t)st.st_size;
	data = xmalloc(len + 1);
	while (got < len) {
		n = read(fd, data + got, len - got);
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path,
				 n < 0 ? strerror(errno) : "short read");
			goto out;
		}
		got += (size_t)n;
	}
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	data = NULL;
	rc = 0;
out:
	free(data);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
good_name(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return name[0] != '\0' && name[0] != '.';
}

static int
require(const struct templates *t, const char *name, char *err, size_t errlen)
{
	if (mustache_set_has(t->set[LANG_EN], name))
		return 0;
	snprintf(err, errlen, "%s/%s.mustache: required template is missing", t->dir, name);
	return -1;
}

/* Loads every template of `dir` into `set`; with `fallback`, only those
 * the set does not hold yet (a language's folder first, then English for
 * the parts it lacks, each such name added to `missing`). */
static int
load_dir(struct mustache_set *set, const char *dir, int fallback, struct compose_names *missing,
	 char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	char name[256], path[4096], *data;
	size_t n, len, bad = 0;
	int count = 0, rc = 0, line;

	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= 9 || strcmp(de->d_name + n - 9, ".mustache") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 9), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (fallback && mustache_set_has(set, name))
			continue;
		if (!good_name(name) || ++count > TEMPLATE_FILES_MAX) {
			snprintf(err, errlen, "%s: bad template file name (or more than %d files)",
				 path, TEMPLATE_FILES_MAX);
			rc = -1;
			break;
		}
		rc = read_template(path, &data, &len, err, errlen);
		if (rc < 0)
			break;
		if (!mime_utf8_valid(data, len, &bad)) {
			line = 1;
			for (size_t i = 0; i < bad; i++)
				line += data[i] == '\n';
			snprintf(err, errlen, "%s:%d: not valid UTF-8", path, line);
			rc = -1;
		} else {
			rc = mustache_set_add(set, name, path, data, len, err, errlen);
			if (rc == 0 && fallback && missing) {
				missing->v =
				    xreallocarray(missing->v, missing->n + 1, sizeof(char *));
				missing->v[missing->n++] = xstrdup(name);
			}
		}
		free(data);
	}
	closedir(d);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The set of one language other than English: templates/<code>/, then
 * English for every part it lacks.  No folder: English only, all of it
 * "missing". */
static int
load_language(struct templates *t, enum lang l, char *err, size_t errlen)
{
	char dir[4096];
	struct stat sb;
	struct compose_names *miss = &t->missing[l];

	snprintf(dir, sizeof(dir), "%s/%s", t->dir, lang_code(l));
	t->set[l] = mustache_set_new();
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		t->has_dir[l] = 1;
		if (load_dir(t->set[l], dir, 0, NULL, err, errlen) < 0)
			return -1;
	}
	if (load_dir(t->set[l], t->dir, 1, miss, err, errlen) < 0)
		return -1;
	if (miss->n > 1)
		qsort(miss->v, miss->n, sizeof(char *), by_name);
	if (mustache_set_check_partials(t->set[l], err, errlen) < 0 ||
	    mustache_set_check_names(t->set[l], compose_model_knows, NULL, err, errlen) < 0)
		return -1;
	return 0;
}

int
templates_load(const char *dir, struct templates **t_r, char *err, size_t errlen)
{
	struct templates *t = xcalloc(1, sizeof(*t));
	t->set[LANG_EN] = mustache_set_new();
	t->has_dir[LANG_EN] = 1;
	t->dir = xstrdup(dir);
	*t_r = NULL;
	if (load_dir(t->set[LANG_EN], t->dir, 0, NULL, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (require(t, required[i], err, errlen) < 0)
			goto fail;
	for (int r = 0; r < REASON_COUNT; r++) {
		char name[128];
		snprintf(name, sizeof(name), "reason_%s.txt", reason_name((enum reason)r));
		if (require(t, name, err, errlen) < 0)
			goto fail;
		snprintf(name, sizeof(name), "reason_%s.html", reason_name((enum reason)r));
		if (require(t, name, err, errlen) < 0)
			goto fail;
	}
	/* The optional unauthorized reply comes as a pair or not at all. */
	if (mustache_set_has(t->set[LANG_EN], "unauthorized.txt") ||
	    mustache_set_has(t->set[LANG_EN], "unauthorized.html")) {
		if (require(t, "unauthorized.txt", err, errlen) < 0 ||
		    require(t, "unauthorized.html", err, errlen) < 0)
			goto fail;
	}
	if (mustache_set_check_partials(t->set[LANG_EN], err, errlen) < 0 ||
	    mustache_set_check_names(t->set[LANG_EN], compose_model_knows, NULL, err, errlen) < 0)
		goto fail;
	for (int l = 0; l < LANG_COUNT; l++)
		if (l != LANG_EN && load_language(t, (enum lang)l, err, errlen) < 0)
			goto fail;
	*t_r = t;
	return 0;
fail:
	templates_free(&t);
	return -1;
}

int
templates_missing(const struct templates *t, const char *code, const char *const **names_r,
		  size_t *n_r)
{
	enum lang l;

	*names_r = NULL;
	*n_r = 0;
	if (!t || lang_parse(code, &l) < 0)
		return -1;
	*names_r = (const char *const *)t->missing[l].v;
	*n_r = t->missing[l].n;
	return t->has_dir[l];
}

void
templates_free(struct templates **t)
{
	if (!t || !*t)
		return;
	for (int l = 0; l < LANG_COUNT; l++) {
		mustache_set_free(&(*t)->set[l]);
		for (size_t i = 0; i < (*t)->missing[l].n; i++)
			free((*t)->missing[l].v[i]);
		free((*t)->missing[l].v);
	}
	free((*t)->dir);
	free(*t);
	*t = NULL;
}

/* ---- rendering ---------------------------------------------------------- */

/* Renders `name` with the context stack into a new string (caller frees). */
static char *
render(const struct mustache_set *t, const char *name, json_t *const *ctx, size_t n,
       enum mustache_escape esc, char *err, size_t errlen)
{
	struct buf b;
	buf_init(&b, PART_MAX);
	buf_puts(&b, "");
	if (mustache_render(t, name, ctx, n, esc, &b, err, errlen) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* Fills "guidance" and "provider_steps" of every recipient for one variant
 * ("txt" or "html"). */
/* json_string(s), with the UTF-8 check that skips ASCII a word at a time
 * (mime_utf8_valid accepts what jansson accepts): NULL when s is not
 * valid, as json_string gives. */
static json_t *
json_text(const char *s)
{
	size_t n = strlen(s);

	return mime_utf8_valid(s, n, NULL) ? json_stringn_nocheck(s, n) : NULL;
}

static int
set_guidance(const struct mustache_set *t, json_t *root, const char *variant,
	     enum mustache_escape esc, char *err, size_t errlen)
{
	size_t i, j;
	json_t *msg, *rcpt;

	json_array_foreach(json_object_get(root, "messages"), i, msg)
	{
		json_array_foreach(json_object_get(msg, "recipients"), j, rcpt)
		{
			json_t *ctx[3] = { root, msg, rcpt };
			char name[160], *p, *g;
			const char *prov;

			json_object_del(rcpt, "guidance");
			json_object_del(rcpt, "provider_steps");
			/* Provider steps first: the reason partials may print them. */
			prov = json_string_value(json_object_get(rcpt, "provider"));
			snprintf(name, sizeof(name), "provider_%s.%s", prov ? prov : "generic",
				 variant);
			if (!mustache_set_has(t, name))
				snprintf(name, sizeof(name), "provider_generic.%s", variant);
			p = render(t, name, ctx, 3, esc, err, errlen);
			if (!p)
				return -1;
			json_object_set_new(rcpt, "provider_steps", json_text(p));
			free(p);
			/* A recipient not tried yet has no reason to explain. */
			if (json_is_true(json_object_get(rcpt, "is_pending"))) {
				g = xstrdup("");
			} else {
				snprintf(name, sizeof(name), "reason_%s.%s",
					 json_string_value(json_object_get(rcpt, "reason")),
					 variant);
				g = render(t, name, ctx, 3, esc, err, errlen);
				if (!g)
					return -1;
			}
			json_object_set_new(rcpt, "guidance", json_text(g));
			free(g);
		}
	}
	return 0;
}

static char *
render_body(const struct mustache_set *t, json_t *root, const char *outcome, const char *variant,
	    enum mustache_escape esc, char *err, size_t errlen)
{
	char name[64];
	if (set_guidance(t, root, variant, esc, err, errlen) < 0)
		return NULL;
	snprintf(name, sizeof(name), "%s.%s", outcome, variant);
	return render(t, name, &root, 1, esc, err, errlen);
}

/* ---- identifiers -------------------------------------------------------- */

/* 64-bit FNV-1a of the seed and a salt, stirred with splitmix64: stable
 * across runs so golden files stay the same. */
static uint64_t
seeded(const char *seed, const char *salt)
{
	uint64_t h = fnv1a(fnv1a(FNV1A_INIT, seed, strlen(seed)), salt, strlen(salt));

	h += 0x9e3779b97f4a7c15u;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

static void
unique_hex(const char *seed, const char *salt, char *out, size_t size)
{
	uint64_t v[2];
	if (seed) {
		v[0] = seeded(seed, salt);
		v[1] = seeded(salt, seed);
	} else if (getrandom(v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
		/* No entropy source: time and address still make it unique here. */
		v[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
		v[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
	}
	snprintf(out, size, "%016llx%016llx", (unsigned long long)v[0], (unsigned long long)v[1]);
}

/* A message-id in "<...>" form (brackets added when they are missing) in
 * out; 1 when the result is well-formed, else 0. */
static int
msgid_form(const char *id, char *out, size_t size)
{
	size_t n;

	if (!id)
		return 0;
	while (*id == ' ' || *id == '\t')
		id++;
	n = strlen(id);
	while (n > 0 && (id[n - 1] == ' ' || id[n - 1] == '\t'))
		n--;
	if (n > 0 && id[0] == '<')
		snprintf(out, size, "%.*s", (int)n, id);
	else
		snprintf(out, size, "<%.*s>", (int)n, id);
	return n + 2 < size && mime_msgid_valid(out);
}

static int
put_references(struct buf *b, const struct reply_input *in)
{
	char ids[MAX_REFERENCES + 1][256], mid[256];
	struct buf v;
	size_t n = 0, valid = 0, skip, seen = 0;
	int rc;

	for (size_t i = 0; i < in->n_references; i++)
		valid += (size_t)msgid_form(in->complaint_references[i], mid, sizeof(mid));
	/* Too many: keep the first (the thread's root) and the latest ones. */
	skip = valid > MAX_REFERENCES ? valid - MAX_REFERENCES : 0;
	for (size_t i = 0; i < in->n_references; i++) {
		if (!msgid_form(in->complaint_references[i], mid, sizeof(mid)))
			continue;
		if (seen++ == 0 || seen > skip + 1)
			memcpy(ids[n++], mid, sizeof(mid));
	}
	if (msgid_form(in->complaint_message_id, mid, sizeof(mid)) &&
	    (n == 0 || strcmp(ids[n - 1], mid) != 0))
		memcpy(ids[n++], mid, sizeof(mid));
	if (n == 0)
		return 0;
	buf_init(&v, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&v, "%s%s", i ? " " : "", ids[i]);
	rc = mime_put_header(b, "References", buf_cstr(&v));
	buf_free(&v);
	return rc;
}

void
compose_message_id(const struct settings *s, const char *seed, char *out, size_t size)
{
	char host[256], hex[40];

	compose_hostname(s, host, sizeof(host));
	unique_hex(seed, "message-id", hex, sizeof(hex));
	snprintf(out, size, "<%.24s@%s>", hex, host);
}

/* ---- assembly ----------------------------------------------------------- */

/* A text part, 7bit when it can be, else quoted-printable. */
static int
put_text_part(struct buf *b, const char *boundary, const char *type, const char *body)
{
	struct mime_part part = { .type = type, .charset = "utf-8" };
	size_t n;
	int seven, bad;

	n = strlen(body);
	seven = mime_is_7bit_safe(body, n);
	part.encoding = seven ? "7bit" : "quoted-printable";
	bad = mime_part_begin(b, boundary, &part);
	bad |= seven ? mime_put_crlf(b, body, n) : mime_put_qp(b, body, n);
	/* The next delimiter starts a line of its own. */
	if (n > 0 && body[n - 1] != '\n')
		bad |= buf_puts(b, "\r\n");
	return bad;
}

/* A transcript attachment, base64 so that it arrives byte for byte. */
static int
put_attachment(struct buf *b, const char *boundary, const struct compose_att *a)
{
	const struct mime_part part = {
		.type = "text/plain",
		.charset = "utf-8",
		.name = a->filename,
		.disposition = "attachment",
		.filename = a->filename,
		.encoding = "base64",
	};
	int bad;

	bad = mime_part_begin(b, boundary, &part);
	bad |= mime_put_base64(b, a->data.data ? a->data.data : "", a->data.len);
	/* The body's last line break is the delimiter's (mime_out.h): one more. */
	bad |= buf_puts(b, "\r\n");
	return bad;
}

static int
check_input(const struct templates *t, const struct reply_input *in, char *err, size_t errlen)
{
	if (!t || !in || !in->settings) {
		snprintf(err, errlen, "compose: no templates, input or settings");
		return -1;
	}
	if (!in->requester || !addr_valid(in->requester)) {
		snprintf(err, errlen, "compose: the requester is not a valid address");
		return -1;
	}
	if (!in->settings->address || !addr_valid(in->settings->address)) {
		snprintf(err, errlen, "compose: the support address is not a valid address");
		return -1;
	}
	switch (in->outcome) {
	case OUTCOME_FOUND:
	case OUTCOME_AMBIGUOUS:
	case OUTCOME_NOT_FOUND:
		return 0;
	case OUTCOME_UNAUTHORIZED:
		if (!in->settings->answer_unauthorized) {
			snprintf(err, errlen,
				 "compose: unauthorized requests are not answered "
				 "(responder.answer_unauthorized is off)");
			return -1;
		}
		if (!mustache_set_has(t->set[LANG_EN], "unauthorized.txt")) {
			snprintf(err, errlen,
				 "%s/unauthorized.txt.mustache: required when "
				 "answer_unauthorized is on",
				 t->dir);
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "compose: outcome '%s' gets no reply",
			 outcome_name(in->outcome));
		return -1;
	}
}

int
compose_reply(const struct templates *t, const struct reply_input *in, char **msg_r, size_t *len_r,
	      char *err, size_t errlen)
{
	struct compose_atts atts = { 0 };
	struct buf b;
	json_t *root = NULL;
	const struct mustache_set *set;
	enum lang lang;
	const char *outcome, *body;
	char *subject = NULL, *text = NULL, *html = NULL, *subj;
	char hex[40], mixed[64], alt[64], date[64], mid[400], irt[256];
	int bad = 0, rc = -1;

	*msg_r = NULL;
	*len_r = 0;
	buf_init(&b, REPLY_MAX);
	if (check_input(t, in, err, errlen) < 0)
		goto out;

	if (!in->language || lang_parse(in->language, &lang) < 0)
		lang = LANG_EN;
	set = t->set[lang];
	root = compose_model(in, in->outcome == OUTCOME_FOUND ? &atts : NULL);
	outcome = outcome_name(in->outcome);
	subject = render(set, "subject", &root, 1, MUSTACHE_ESCAPE_NONE, err, errlen);
	if (!subject)
		goto out;
	body = in->next_step && in->outcome == OUTCOME_FOUND ? "next_step" : outcome;
	text = render_body(set, root, body, "txt", MUSTACHE_ESCAPE_NONE, err, errlen);
	if (!text)
		goto out;
	html = render_body(set, root, body, "html", MUSTACHE_ESCAPE_HTML, err, errlen);
	if (!html)
		goto out;

	if (in->message_id && mime_msgid_valid(in->message_id))
		str_copy(mid, in->message_id, sizeof(mid));
	else
		compose_message_id(in->settings, in->seed, mid, sizeof(mid));
	unique_hex(in->seed, "mixed", hex, sizeof(hex));
	snprintf(mixed, sizeof(mixed), "=_m_%.24s", hex);
	unique_hex(in->seed, "alternative", hex, sizeof(hex));
	snprintf(alt, sizeof(alt), "=_a_%.24s", hex);
	mime_date(in->now, date, sizeof(date));

	bad |= mime_put_header_mailbox(&b, "From", in->settings->name, in->settings->address);
	bad |= mime_put_header_mailbox(&b, "To", in->requester_name, in->requester);
	subj = mime_clean(subject, 0);
	mime_utf8_truncate(subj, COMPOSE_SUBJECT_MAX + 16);
	bad |= mime_put_header_text(&b, "Subject", subj[0] ? subj : compose_default_subject(lang));
	bad |= mime_put_header(&b, "Content-Language", lang_code(lang));
	free(subj);
	bad |= mime_put_header(&b, "Date", date);
	bad |= mime_put_header(&b, "Message-ID", mid);
	if (msgid_form(in->complaint_message_id, irt, sizeof(irt)))
		bad |= mime_put_header(&b, "In-Reply-To", irt);
	bad |= put_references(&b, in);
	bad |= mime_put_header(&b, "Auto-Submitted", "auto-replied");
	bad |= mime_put_header(&b, "X-Auto-Response-Suppress", "All");
	bad |= mime_put_header(&b, "MIME-Version", "1.0");
	bad |= mime_multipart_begin(&b, "mixed", mixed, "This is a message in MIME format.");
	bad |= mime_part_begin(&b, mixed, NULL);
	bad |= mime_multipart_begin(&b, "alternative", alt, NULL);
	bad |= put_text_part(&b, alt, "text/plain", text);
	bad |= put_text_part(&b, alt, "text/html", html);
	bad |= mime_multipart_end(&b, alt);
	/* The close delimiter's line break is the next delimiter's: one more. */
	bad |= buf_puts(&b, "\r\n");
	for (size_t i = 0; i < atts.n; i++)
		bad |= put_attachment(&b, mixed, &atts.v[i]);
	bad |= mime_multipart_end(&b, mixed);
	if (bad) {
		snprintf(err, errlen, "compose: the reply would exceed %zu bytes", REPLY_MAX);
		goto out;
	}
	*msg_r = buf_steal(&b, len_r);
	rc = 0;
out:
	buf_free(&b);
	free(subject);
	free(text);
	free(html);
	json_decref(root);
	compose_atts_free(&atts);
	return rc;
}
