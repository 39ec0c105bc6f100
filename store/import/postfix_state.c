/*
 * postfix_state.c - what the Postfix importer remembers between lines:
 * the account map and the table of open queue IDs (hash + least recently
 * seen list).  A plain data structure: it neither reads nor writes the
 * store (import_postfix.c does, and decides when an entry goes).
 *
 * SECURITY: the map file is the admin's; the queue-ID table is filled from
 * the log, which is why it has a cap (max_open, enforced by pf_msg_get in
 * import_postfix.c) and every string put into it is bounded
 * (pf_set_str).
 */
#include "store/import/postfix_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- account map ----------------------------------------------------- */

static int
map_cmp(const void *a, const void *b)
{
	return strcmp(((const struct map_entry *)a)->key, ((const struct map_entry *)b)->key);
}

int
pf_map_load(struct pf_import *imp, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	long n = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "account map %s: %s", path, strerror(errno));
		return -1;
	}
	imp->have_map = 1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *k, *a, *rest;

		n++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%ld: line too long", path, n);
			fclose(fp);
			return -1;
		}
		if ((k = strchr(line, '#')) != NULL)
			*k = '\0';
		k = line + strspn(line, " \t\r\n");
		if (*k == '\0')
			continue;
		a = k + strcspn(k, " \t\r\n");
		if (*a != '\0')
			*a++ = '\0';
		a += strspn(a, " \t\r\n");
		rest = a + strcspn(a, " \t\r\n");
		if (*rest != '\0')
			*rest++ = '\0';
		rest += strspn(rest, " \t\r\n");
		if (*a == '\0' || *rest != '\0') {
			snprintf(err, errlen, "%s:%ld: want \"sasl_user_or_domain account\"", path,
				 n);
			fclose(fp);
			return -1;
		}
		imp->map = xreallocarray(imp->map, imp->nmap + 1, sizeof(*imp->map));
		imp->map[imp->nmap].key = str_lower(xstrdup(k));
		imp->map[imp->nmap].account = xstrdup(a);
		imp->nmap++;
	}
	fclose(fp);
	if (imp->nmap > 0)
		qsort(imp->map, imp->nmap, sizeof(*imp->map), map_cmp);
	return 0;
}

const char *
pf_map_lookup(const struct pf_import *imp, const char *key)
{
	struct map_entry k, *e;
	char lk[512];

	if (imp->nmap == 0)
		return NULL;
	str_copy(lk, key, sizeof(lk));
	k.key = str_lower(lk);
	e = bsearch(&k, imp->map, imp->nmap, sizeof(*imp->map), map_cmp);
	return e ? e->account : NULL;
}

/* ---- queue ID table ---------------------------------------------------- */

size_t
pf_qid_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 ^ (unsigned char)*s++;
	return h;
}

void
pf_lru_unlink(struct pf_import *imp, struct pf_msg *m)
{
	if (m->lprev)
		m->lprev->lnext = m->lnext;
	else
		imp->lru_head = m->lnext;
	if (m->lnext)
		m->lnext->lprev = m->lprev;
	else
		imp->lru_tail = m->lprev;
	m->lprev = m->lnext = NULL;
}

void
pf_lru_append(struct pf_import *imp, struct pf_msg *m)
{
	m->lprev = imp->lru_tail;
	m->lnext = NULL;
	if (imp->lru_tail)
		imp->lru_tail->lnext = m;
	else
		imp->lru_head = m;
	imp->lru_tail = m;
}

struct pf_msg *
pf_msg_find(struct pf_import *imp, const char *qid)
{
	struct pf_msg *m = imp->buckets[pf_qid_hash(qid) % imp->nbuckets];

	for (; m != NULL; m = m->hnext)
		if (strcmp(m->qid, qid) == 0)
			return m;
	return NULL;
}

void
pf_msg_free(struct pf_import *imp, struct pf_msg *m)
{
	struct pf_msg **pp = &imp->buckets[pf_qid_hash(m->qid) % imp->nbuckets];

	while (*pp != m) {
		if (*pp == NULL)
			panic("postfix importer: queue ID %s is not in its hash bucket", m->qid);
		pp = &(*pp)->hnext;
	}
	*pp = m->hnext;
	pf_lru_unlink(imp, m);
	free(m->sasl);
	free(m->from);
	free(m->mid);
	free(m->subject);
	free(m->account);
	free(m->rcpts);
	free(m);
	imp->nmsgs--;
}

void
pf_set_str(char **dst, const char *v)
{
	if (*dst != NULL || v == NULL)
		return;
	*dst = xstrndup(v, strnlen(v, PF_MAX_FIELD));
	str_sanitize_line(*dst);
}

int
pf_valid_qid(const struct pf_import *imp, const char *q)
{
	if (imp->format == PF_FORMAT_EXIM)
		return ex_is_message_id(q, strlen(q));
	return pf_is_queue_id(q, strlen(q));
}

void
pf_add_rcpt(struct pf_msg *m, const char *addr)
{
	size_t have = m->rcpts ? strlen(m->rcpts) : 0, n = strlen(addr), count = 0;

	if (!addr_valid(addr) || strchr(addr, ' ') != NULL)
		return;
	for (size_t i = 0; i < have; i++)
		count += m->rcpts[i] == ' ';
	if (have + 1 + n > PF_MAX_FIELD || (have > 0 && count + 1 >= PF_MAX_RCPTS))
		return;
	m->rcpts = xrealloc(m->rcpts, have + n + 2);
	if (have > 0)
		m->rcpts[have++] = ' ';
	memcpy(m->rcpts + have, addr, n + 1);
}
