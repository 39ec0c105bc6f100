/*
 * bulk_cache.c - what a bulk transaction (store_begin_bulk) has written
 * or read of accounts, messages and recipients, so that the next records
 * need not ask SQLite again (store_int.h).
 *
 * An import writes a message line and, a line or two later, its attempts:
 * each attempt looked up the message by queue ID and its recipient by
 * address, and each message looked up its account by name.  Here those
 * answers are kept for the rest of the transaction.  They hold because
 * the transaction holds the write lock (BEGIN IMMEDIATE): no other
 * connection changes a row before it ends, and this one changes them
 * only through records.c, which updates or forgets an entry when it
 * changes the row (a message whose submitted_at is filled in).  Commit
 * and rollback clear the whole cache; the handle keeps its table for the
 * next bulk transaction and frees it at store_close.
 *
 * One open-addressed table (linear probing) of text keys: "a" + account
 * name, "m" + queue ID, "r" + message id (16 hex digits) + address.  It stops
 * taking entries at three quarters of BULK_CACHE_SLOTS: beyond that the
 * lookups go to SQLite as before, so memory stays bounded whatever the
 * size of a transaction.
 */
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_CACHE_SLOTS 262144 /* a power of two */
#define BULK_KEY_MAX 2100	/* "r", 16 hex digits of an id, an address of MAX_FIELD */

struct slot {
	char *key; /* owned; NULL: free */
	int64_t v[3];
};

struct bulk_cache {
	struct slot *slots; /* BULK_CACHE_SLOTS, allocated at the first put */
	size_t *taken;	    /* the slots in use, `used` of them: cleared at the end */
	size_t used;
};

static struct slot *
find(struct bulk_cache *c, const char *key)
{
	size_t i = (size_t)fnv1a(FNV1A_INIT, key, strlen(key)) & (BULK_CACHE_SLOTS - 1);

	while (c->slots[i].key != NULL && strcmp(c->slots[i].key, key) != 0)
		i = (i + 1) & (BULK_CACHE_SLOTS - 1);
	return &c->slots[i];
}

static int
get(struct bulk_cache *c, const char *key, int64_t v_r[3])
{
	struct slot *s;

	if (c == NULL || c->slots == NULL)
		return 0;
	s = find(c, key);
	if (s->key == NULL)
		return 0;
	memcpy(v_r, s->v, sizeof(s->v));
	return 1;
}

static void
put(struct bulk_cache *c, const char *key, const int64_t v[3])
{
	struct slot *s;

	if (c == NULL)
		return;
	if (c->slots == NULL) {
		c->slots = xcalloc(BULK_CACHE_SLOTS, sizeof(*c->slots));
		c->taken = xcalloc(BULK_CACHE_SLOTS / 4 * 3, sizeof(*c->taken));
	}
	s = find(c, key);
	if (s->key == NULL) {
		if (c->used >= BULK_CACHE_SLOTS / 4 * 3)
			return; /* full: lookups go to SQLite */
		s->key = xstrdup(key);
		c->taken[c->used++] = (size_t)(s - c->slots);
	}
	memcpy(s->v, v, sizeof(s->v));
}

/* Keys: a kind letter and the text; NULL when too long to keep. */
static const char *
key_of(char *buf, char kind, const char *text)
{
	size_t n = strlen(text);

	if (n + 2 > BULK_KEY_MAX)
		return NULL;
	buf[0] = kind;
	memcpy(buf + 1, text, n + 1);
	return buf;
}

struct bulk_cache *
bulk_cache_new(void)
{
	return xcalloc(1, sizeof(struct bulk_cache));
}

void
bulk_cache_clear(struct bulk_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->used; i++) {
		free(c->slots[c->taken[i]].key);
		c->slots[c->taken[i]].key = NULL;
	}
	c->used = 0;
}

void
bulk_cache_free(struct bulk_cache **cp)
{
	struct bulk_cache *c = *cp;

	if (c == NULL)
		return;
	bulk_cache_clear(c);
	free(c->slots);
	free(c->taken);
	free(c);
	*cp = NULL;
}

int
bulk_cache_account(struct bulk_cache *c, const char *name, int64_t *id_r)
{
	char buf[BULK_KEY_MAX];
	const char *k = key_of(buf, 'a', name);
	int64_t v[3];

	if (k == NULL || !get(c, k, v))
		return 0;
	*id_r = v[0];
	return 1;
}

void
bulk_cache_put_account(struct bulk_cache *c, const char *name, int64_t id)
{
	char buf[BULK_KEY_MAX];
	const char *k = key_of(buf, 'a', name);
	const int64_t v[3] = { id, 0, 0 };

	if (k != NULL)
		put(c, k, v);
}

int
bulk_cache_message(struct bulk_cache *c, const char *queue_id, int64_t *id_r, int64_t *account_r,
		   int64_t *submitted_r)
{
	char buf[BULK_KEY_MAX];
	const char *k = key_of(buf, 'm', queue_id);
	int64_t v[3];

	if (k == NULL || !get(c, k, v) || v[0] == 0)
		return 0;
	*id_r = v[0];
	*account_r = v[1];
	*submitted_r = v[2];
	return 1;
}

void
bulk_cache_put_message(struct bulk_cache *c, const char *queue_id, int64_t id, int64_t account,
		       int64_t submitted)
{
	char buf[BULK_KEY_MAX];
	const char *k = key_of(buf, 'm', queue_id);
	const int64_t v[3] = { id, account, submitted };

	if (k != NULL)
		put(c, k, v);
}

void
bulk_cache_forget_message(struct bulk_cache *c, const char *queue_id)
{
	/* an entry of id 0 is a miss (a slot is never freed: probing goes
	 * on past it) */
	bulk_cache_put_message(c, queue_id, 0, 0, 0);
}

/* "r", the message id as 16 hex digits, the address */
static const char *
rcpt_key(char *buf, int64_t msg, const char *addr)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v = (uint64_t)msg;
	size_t n = strlen(addr);

	if (n + 18 > BULK_KEY_MAX)
		return NULL;
	buf[0] = 'r';
	for (int i = 16; i >= 1; i--, v >>= 4)
		buf[i] = hex[v & 15];
	memcpy(buf + 17, addr, n + 1);
	return buf;
}

int
bulk_cache_recipient(struct bulk_cache *c, int64_t msg, const char *addr, int64_t *rid_r)
{
	char buf[BULK_KEY_MAX];
	const char *k = rcpt_key(buf, msg, addr);
	int64_t v[3];

	if (k == NULL || !get(c, k, v))
		return 0;
	*rid_r = v[0];
	return 1;
}

void
bulk_cache_put_recipient(struct bulk_cache *c, int64_t msg, const char *addr, int64_t rid)
{
	char buf[BULK_KEY_MAX];
	const char *k = rcpt_key(buf, msg, addr);
	const int64_t v[3] = { rid, 0, 0 };

	if (k != NULL)
		put(c, k, v);
}
