/*
 * strutil.c - small string helpers.
 */
#include "common/strutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

char *
str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

char *
str_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_starts_with_nocase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int
str_ends_with_nocase(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

char *
str_sanitize_line(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			*p = ' ';
	return s;
}

int
enhanced_status_valid(const char *s)
{
	int parts = 0, digits = 0;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (++digits > 3)
				return 0;
		} else if (*s == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	return parts == 2 && digits > 0;
}

static int
domain_valid(const char *d)
{
	size_t label = 0, total = 0;

	if (*d == '\0' || *d == '.')
		return 0;
	for (; *d; d++, total++) {
		unsigned char c = (unsigned char)*d;
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		/* 8-bit bytes allowed for internationalised domains (UTF-8). */
		if (!(isalnum(c) || c == '-' || c == '_' || c >= 0x80))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && total <= 253;
}

int
addr_valid(const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t n = strlen(addr);

	if (at == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == addr || (size_t)(at - addr) > 64 || n > 254)
		return 0;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("\"<>()[],;:\\", *p))
			return 0;
	if (addr[0] == '.' || at[-1] == '.')
		return 0;
	return domain_valid(at + 1);
}

char *
addr_normalize(const char *addr)
{
	char *copy = xstrdup(addr), *s = str_trim(copy), *out;
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s[n - 1] = '\0';
		s = str_trim(s + 1);
	}
	out = *s ? xstrdup(str_lower(s)) : NULL;
	free(copy);
	return out;
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : NULL;
}

uint64_t
fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
