/*
 * imap_mailbox.c - the mailbox operations of an IMAP session: find new
 * complaints (UID SEARCH), fetch them (sizes first, then bodies in
 * batches), mark/move what was handled, and wait for more (IDLE or poll).
 *
 * SECURITY: the server decides what comes back.  Fetch results are keyed
 * by UID (unsolicited FETCH responses are skipped), UIDs outside what was
 * asked are ignored, a body is taken only for a UID whose RFC822.SIZE was
 * under the cap and is copied with its length (it may hold NUL), and the
 * keyword and folder names sent are our own, checked strings.
 */
#include "responder/imap/imap_source.h"
#include "responder/imap/imap_source_int.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FETCH_BATCH_COUNT 200
#define FETCH_BATCH_BYTES ((uint64_t)64 * 1024 * 1024)

static struct mailimap_search_key *
key_deleted(void)
{
	return mailimap_search_key_new(MAILIMAP_SEARCH_KEY_DELETED, NULL, NULL, NULL, NULL, NULL,
				       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
				       NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
}

/* UID SEARCH [UID after+1:*] [NOT] KEYWORD $Responded NOT DELETED. */
static int
search(struct imap_source *src, uint32_t after_uid, int marked, uint32_t **uids_r, size_t *n_r,
       char *err, size_t errlen)
{
	struct mailimap_search_key *key, *kw;
	clist *res = NULL;
	uint32_t *uids = NULL;
	size_t n = 0, cap = 0;
	int r;

	*uids_r = NULL;
	*n_r = 0;
	if (src->broken)
		return IMAP_EUNAVAIL;
	key = mailimap_search_key_new_multiple_empty();
	if (after_uid > 0)
		mailimap_search_key_multiple_add(
		    key, mailimap_search_key_new_uid(mailimap_set_new_interval(after_uid + 1, 0)));
	kw = mailimap_search_key_new_keyword(xstrdup(IMAP_KEYWORD_RESPONDED));
	mailimap_search_key_multiple_add(key, marked ? kw : mailimap_search_key_new_not(kw));
	/* Without MOVE/UIDPLUS a handled message may stay behind, \Deleted. */
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_not(key_deleted()));
	imap_wd_arm(src);
	r = mailimap_uid_search(src->imap, NULL, key, &res);
	imap_wd_disarm(src);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		/* libetpan hands over the untagged SEARCH results of a NO too. */
		if (res != NULL)
			mailimap_search_result_free(res);
		return imap_fail(src, r, "UID SEARCH", err, errlen);
	}
	for (clistiter *it = clist_begin(res); it != NULL; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);
		/* "UID n:*" always matches the highest UID, even below n. */
		if (uid <= after_uid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uids = xreallocarray(uids, cap, sizeof(*uids));
		}
		uids[n++] = uid;
	}
	mailimap_search_result_free(res);
	*uids_r = uids;
	*n_r = imap_sort_uids(uids, n);
	return IMAP_OK;
}

int
imap_search_new(struct imap_source *src, uint32_t after_uid, uint32_t **uids_r, size_t *n_r,
		char *err, size_t errlen)
{
	return search(src, after_uid, 0, uids_r, n_r, err, errlen);
}

int
imap_search_marked(struct imap_source *src, uint32_t **uids_r, size_t *n_r, char *err,
		   size_t errlen)
{
	return search(src, 0, 1, uids_r, n_r, err, errlen);
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t
imap_sort_uids(uint32_t *uids, size_t n)
{
	size_t out = 0;

	/* Servers return ascending UIDs in practice; a hostile one may send
	 * them in any order, and repeated: n log n, whatever the order. */
	if (n > 1)
		qsort(uids, n, sizeof(*uids), uid_cmp);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || uids[out - 1] != uids[i])
			uids[out++] = uids[i];
	return out;
}

static int64_t
imap_date_epoch(const struct mailimap_date_time *d)
{
	int z, sign;

	/* Fields out of range (libetpan takes any digits: minutes of
	 * 9999999999, a zone of -2147483648 overflowed the arithmetic below,
	 * fuzz_imap internaldate_fields_overflow.imap) say "unknown" too. */
	if (d == NULL || d->dt_year < 1970 || d->dt_year > 9999 || d->dt_month < 1 ||
	    d->dt_month > 12 || d->dt_day < 1 || d->dt_day > 31 || d->dt_hour < 0 ||
	    d->dt_hour > 23 || d->dt_min < 0 || d->dt_min > 59 || d->dt_sec < 0 || d->dt_sec > 60 ||
	    d->dt_zone < -2400 || d->dt_zone > 2400)
		return 0;
	z = d->dt_zone;
	sign = z < 0 ? -1 : 1;
	z = z < 0 ? -z : z;
	return time_from_utc(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min, d->dt_sec) -
	       sign * ((z / 100) * 3600 + (z % 100) * 60);
}

static struct imap_msg *
find_msg(struct imap_msg *msgs, size_t n, uint32_t uid)
{
	/* msgs is sorted by UID (we asked in ascending order). */
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (msgs[mid].uid == uid)
			return &msgs[mid];
		if (msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Walks one fetch result: UID plus whatever of size/date/body came. */
static void
take_fetch(clist *res, struct imap_msg *msgs, size_t n, long max_size, int want_body)
{
	for (clistiter *it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		uint32_t uid = 0, size = 0;
		int have_size = 0;
		struct mailimap_date_time *date = NULL;
		const char *body = NULL;
		size_t body_len = 0;
		struct imap_msg *m;

		for (clistiter *ji = clist_begin(att->att_list); ji != NULL; ji = clist_next(ji)) {
			struct mailimap_msg_att_item *item = clist_content(ji);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			switch (st->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				uid = st->att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				size = st->att_data.att_rfc822_size;
				have_size = 1;
				break;
			case MAILIMAP_MSG_ATT_INTERNALDATE:
				date = st->att_data.att_internal_date;
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				if (st->att_data.att_body_section != NULL) {
					body = st->att_data.att_body_section->sec_body_part;
					body_len = st->att_data.att_body_section->sec_length;
				}
				break;
			default:
				break;
			}
		}
		if (uid == 0 || (m = find_msg(msgs, n, uid)) == NULL)
			continue; /* unsolicited or not ours */
		if (!want_body) {
			if (!have_size)
				continue;
			m->size = size;
			m->internal_date = imap_date_epoch(date);
			m->len = 1; /* marks "the server has it" until bodies come */
			continue;
		}
		/* Only for a UID whose size came and was under the cap (len 1
		 * marks it): a body sent for another one was not asked for. */
		if (body == NULL || m->data != NULL || m->len != 1 || (long)m->size > max_size)
			continue;
		if ((long)body_len > max_size) {
			/* Larger than its RFC822.SIZE said: too large by the
			 * bytes that came, not by the size announced. */
			m->size = body_len > UINT32_MAX ? UINT32_MAX : (uint32_t)body_len;
			continue;
		}
		m->data = xmalloc(body_len + 1);
		memcpy(m->data, body, body_len);
		m->data[body_len] = '\0';
		m->len = body_len;
	}
}

static int
fetch_set(struct imap_source *src, struct mailimap_set *set, int want_body, struct imap_msg *msgs,
	  size_t n, long max_size, char *err, size_t errlen)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	clist *res = NULL;
	int r;

	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	if (want_body) {
		mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	} else {
		mailimap_fetch_type_new_fetch_att_list_add(ft,
							   mailimap_fetch_att_new_rfc822_size());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
							   mailimap_fetch_att_new_internaldate());
	}
	imap_wd_arm(src);
	r = mailimap_uid_fetch(src->imap, set, ft, &res);
	imap_wd_disarm(src);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		/* Not freed here: on a NO libetpan 1.9.4 frees the list itself
		 * and leaves res dangling; on other errors it never set it. */
		return imap_fail(src, r,
				 want_body ? "UID FETCH BODY.PEEK[]" : "UID FETCH RFC822.SIZE", err,
				 errlen);
	}
	take_fetch(res, msgs, n, max_size, want_body);
	mailimap_fetch_list_free(res);
	return IMAP_OK;
}

int
imap_fetch(struct imap_source *src, const uint32_t *uids, size_t n, long max_size,
	   struct imap_msg **msgs_r, size_t *n_r, char *err, size_t errlen)
{
	struct imap_msg *msgs;
	struct mailimap_set *set;
	size_t i, k, out;
	int r;

	*msgs_r = NULL;
	*n_r = 0;
	if (src->broken)
		return IMAP_EUNAVAIL;
	if (n == 0)
		return IMAP_OK;
	msgs = xcalloc(n, sizeof(*msgs));
	set = mailimap_set_new_empty();
	for (i = 0; i < n; i++) {
		msgs[i].uid = uids[i];
		mailimap_set_add_single(set, uids[i]);
	}
	r = fetch_set(src, set, 0, msgs, n, max_size, err, errlen);
	mailimap_set_free(set);
	if (r != IMAP_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		/* Bodies in batches, bounded in count and announced bytes. */
		uint64_t bytes = 0;
		size_t in_batch = 0;

		set = mailimap_set_new_empty();
		for (k = i; k < n && in_batch < FETCH_BATCH_COUNT; k++) {
			if (msgs[k].len == 0 || (long)msgs[k].size > max_size)
				continue;
			if (in_batch > 0 && bytes + msgs[k].size > FETCH_BATCH_BYTES)
				break;
			bytes += msgs[k].size;
			in_batch++;
			mailimap_set_add_single(set, msgs[k].uid);
		}
		if (in_batch > 0)
			r = fetch_set(src, set, 1, msgs, n, max_size, err, errlen);
		mailimap_set_free(set);
		if (r != IMAP_OK)
			goto fail;
		i = k - 1;
	}
	/* Drop UIDs the server no longer has: no size came, or a size under
	 * the cap but no body (another session moved or expunged it between
	 * the two FETCHes: several responders on one mailbox).  The rest
	 * without a body are too large; their marker is reset. */
	for (i = 0, out = 0; i < n; i++) {
		if (msgs[i].len == 0) {
			free(msgs[i].data); /* an empty body: gone too */
			continue;
		}
		if (msgs[i].data == NULL) {
			if ((long)msgs[i].size <= max_size)
				continue;
			msgs[i].len = 0;
		}
		msgs[out++] = msgs[i];
	}
	*msgs_r = msgs;
	*n_r = out;
	return IMAP_OK;
fail:
	imap_msgs_free(msgs, n);
	return r;
}

void
imap_msgs_free(struct imap_msg *msgs, size_t n)
{
	if (msgs == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(msgs[i].data);
	free(msgs);
}

/* UID STORE +FLAGS.SILENT (or -FLAGS.SILENT when `remove`). */
static int
store_flag_op(struct imap_source *src, struct mailimap_set *set, struct mailimap_flag *flag,
	      int remove, const char *what, char *err, size_t errlen)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;
	int r;

	mailimap_flag_list_add(fl, flag);
	sa = remove ? mailimap_store_att_flags_new_remove_flags_silent(fl) :
		      mailimap_store_att_flags_new_add_flags_silent(fl);
	imap_wd_arm(src);
	r = mailimap_uid_store(src->imap, set, sa);
	imap_wd_disarm(src);
	mailimap_store_att_flags_free(sa);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : imap_fail(src, r, what, err, errlen);
}

static int
store_flag(struct imap_source *src, struct mailimap_set *set, struct mailimap_flag *flag,
	   const char *what, char *err, size_t errlen)
{
	return store_flag_op(src, set, flag, 0, what, err, errlen);
}

/* UID MOVE `set` to `folder` (a checked name); without MOVE: COPY, STORE
 * \Deleted and, with UIDPLUS, UID EXPUNGE. */
static int
move_set(struct imap_source *src, struct mailimap_set *set, const char *folder, char *err,
	 size_t errlen)
{
	int r;

	imap_wd_arm(src);
	if (src->has_move) {
		r = mailimap_uid_move(src->imap, set, folder);
		imap_wd_disarm(src);
		return r == MAILIMAP_NO_ERROR ? IMAP_OK :
						imap_fail(src, r, "UID MOVE", err, errlen);
	}
	r = mailimap_uid_copy(src->imap, set, folder);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "UID COPY", err, errlen);
	r = store_flag(src, set, mailimap_flag_new_deleted(), "UID STORE \\Deleted", err, errlen);
	if (r != IMAP_OK || !src->has_uidplus)
		return r; /* without UIDPLUS: stays \Deleted, never EXPUNGE all */
	imap_wd_arm(src);
	r = mailimap_uid_expunge(src->imap, set);
	imap_wd_disarm(src);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : imap_fail(src, r, "UID EXPUNGE", err, errlen);
}

int
imap_mark_done(struct imap_source *src, uint32_t uid, const char *folder, char *err, size_t errlen)
{
	return imap_mark_done_many(src, &uid, 1, folder, err, errlen);
}

int
imap_mark_done_many(struct imap_source *src, const uint32_t *uids, size_t n, const char *folder,
		    char *err, size_t errlen)
{
	struct mailimap_set *set;
	int r, have_folder = folder != NULL && *folder != '\0';

	if (src->broken)
		return IMAP_EUNAVAIL;
	if (n == 0)
		return IMAP_OK;
	if (have_folder && !imap_safe_string(folder, 1)) {
		snprintf(err, errlen, "folder name '%s' must be printable ASCII", folder);
		return IMAP_ECONFIG;
	}
	set = mailimap_set_new_empty();
	for (size_t i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	r = store_flag(src, set, mailimap_flag_new_flag_keyword(xstrdup(IMAP_KEYWORD_RESPONDED)),
		       "UID STORE $Responded", err, errlen);
	/* A server that refuses keywords still lets us move the message. */
	if (r != IMAP_OK && (r != IMAP_ESERVER || !have_folder))
		goto out;
	r = IMAP_OK;
	if (!have_folder)
		goto out;
	r = move_set(src, set, folder, err, errlen);
out:
	mailimap_set_free(set);
	return r;
}

/* SELECT `folder`; 0 or IMAP_E* (err filled). */
static int
select_folder(struct imap_source *src, const char *folder, char *err, size_t errlen)
{
	int r;

	imap_wd_arm(src);
	r = mailimap_select(src->imap, folder);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR || src->imap->imap_selection_info == NULL)
		return imap_fail(src, r, "SELECT", err, errlen);
	if (imap_caps_guard(src->imap) < 0)
		return imap_fail(src, MAILIMAP_ERROR_MEMORY, "SELECT", err, errlen);
	return IMAP_OK;
}

/* The messages of `from` that `want` picks: fetched whole (up to
 * max_size), their $Responded keyword removed, moved to the watched
 * folder. */
static int
take_selected(struct imap_source *src, long max_size, imap_take_fn want, void *arg, size_t *moved_r,
	      char *err, size_t errlen)
{
	struct mailimap_search_key *key;
	struct mailimap_set *set = NULL;
	struct imap_msg *msgs = NULL;
	clist *res = NULL;
	uint32_t *uids = NULL;
	size_t n = 0, nm = 0, picked = 0;
	int r;

	key = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_not(key_deleted()));
	imap_wd_arm(src);
	r = mailimap_uid_search(src->imap, NULL, key, &res);
	imap_wd_disarm(src);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return imap_fail(src, r, "UID SEARCH", err, errlen);
	}
	for (clistiter *it = clist_begin(res); it != NULL; it = clist_next(it)) {
		uids = xreallocarray(uids, n + 1, sizeof(*uids));
		uids[n++] = *(uint32_t *)clist_content(it);
	}
	mailimap_search_result_free(res);
	n = imap_sort_uids(uids, n);
	if (n == 0)
		goto out;
	r = imap_fetch(src, uids, n, max_size, &msgs, &nm, err, errlen);
	if (r != IMAP_OK)
		goto out;
	set = mailimap_set_new_empty();
	for (size_t i = 0; i < nm; i++) {
		if (msgs[i].data == NULL || !want(arg, msgs[i].data, msgs[i].len))
			continue;
		mailimap_set_add_single(set, msgs[i].uid);
		picked++;
	}
	if (picked == 0)
		goto out;
	/* Handled as new there: the search for new mail skips $Responded. */
	r = store_flag_op(src, set, mailimap_flag_new_flag_keyword(xstrdup(IMAP_KEYWORD_RESPONDED)),
			  1, "UID STORE -$Responded", err, errlen);
	if (r == IMAP_OK)
		r = move_set(src, set, src->s->imap_folder, err, errlen);
	if (r == IMAP_OK)
		*moved_r = picked;
out:
	if (set != NULL)
		mailimap_set_free(set);
	imap_msgs_free(msgs, nm);
	free(uids);
	return r;
}

int
imap_take_back(struct imap_source *src, const char *from, imap_take_fn want, void *arg,
	       size_t *moved_r, char *err, size_t errlen)
{
	const char *home = src->s->imap_folder;
	char err2[512];
	int r, r2;

	*moved_r = 0;
	if (src->broken)
		return IMAP_EUNAVAIL;
	if (from == NULL || !*from || !imap_safe_string(from, 1)) {
		snprintf(err, errlen, "folder name '%s' must be printable ASCII", from ? from : "");
		return IMAP_ECONFIG;
	}
	r = select_folder(src, from, err, errlen);
	if (r == IMAP_OK)
		r = take_selected(src, src->s->max_message_size, want, arg, moved_r, err, errlen);
	if (src->broken)
		return r != IMAP_OK ? r : IMAP_EUNAVAIL;
	/* Back to the watched folder whatever happened there. */
	r2 = select_folder(src, home, err2, sizeof(err2));
	if (r2 == IMAP_OK && src->imap->imap_selection_info->sel_uidvalidity != src->uidvalidity) {
		/* The caller compares with the stored value and rescans. */
		src->uidvalidity = src->imap->imap_selection_info->sel_uidvalidity;
	}
	if (r2 != IMAP_OK) {
		snprintf(err, errlen, "%s", err2);
		src->broken = 1; /* not in the folder the daemon works on */
		return IMAP_EUNAVAIL;
	}
	return r;
}

static int
wait_fds(int fd, int wake_fd, int ms)
{
	struct pollfd p[2];
	nfds_t np = 0;
	int r;

	if (fd >= 0) {
		p[np].fd = fd;
		p[np].events = POLLIN;
		np++;
	}
	if (wake_fd >= 0) {
		p[np].fd = wake_fd;
		p[np].events = POLLIN;
		np++;
	}
	do
		r = poll(p, np, ms);
	while (r < 0 && errno == EINTR && wake_fd < 0);
	if (r < 0)
		return IMAP_WAIT_WAKE;
	if (r == 0)
		return IMAP_WAIT_TIMEOUT;
	if (wake_fd >= 0 && (p[np - 1].revents & (POLLIN | POLLHUP)))
		return IMAP_WAIT_WAKE;
	return IMAP_WAIT_NEW;
}

int
imap_wait(struct imap_source *src, int wake_fd, int max_seconds, char *err, size_t errlen)
{
	int r, w, fd;

	if (src->broken)
		return IMAP_EUNAVAIL;
	if (max_seconds < 1)
		max_seconds = 1;
	if (!src->has_idle)
		return wait_fds(-1, wake_fd, max_seconds * 1000);
	imap_wd_arm(src);
	r = mailimap_idle(src->imap);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR) {
		/* libetpan 1.9.4 issue #393 leaves the session out of sync. */
		imap_fail(src, r, "IDLE", err, errlen);
		src->broken = 1;
		return IMAP_EUNAVAIL;
	}
	fd = mailimap_idle_get_fd(src->imap);
	/* Bytes already buffered by libetpan/GnuTLS do not make fd readable. */
	if (src->imap->imap_stream->read_buffer_len > 0)
		w = IMAP_WAIT_NEW;
	else
		w = wait_fds(fd, wake_fd, max_seconds * 1000);
	imap_wd_arm(src);
	r = mailimap_idle_done(src->imap);
	imap_wd_disarm(src);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(src, r, "IDLE DONE", err, errlen);
		src->broken = 1;
		return IMAP_EUNAVAIL;
	}
	return w;
}
