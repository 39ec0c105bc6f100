/*
 * base64.c - the base64 codec (see base64.h).
 *
 * SECURITY: the decoder's input is anyone's mail or log line; it checks the
 * room left before every byte it writes and reads by index below n.
 */
#include "common/base64.h"

#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);

	return groups > SIZE_MAX / 4 ? 0 : groups * 4;
}

int
base64_encode(struct buf *b, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t need = base64_encoded_len(n);

	/* all or nothing: check the cap once, then no append can fail */
	if ((n > 0 && need == 0) || need > b->max || b->len > b->max - need)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = alphabet[(v >> 18) & 63];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? alphabet[v & 63] : '=';
		if (buf_append(b, q, 4) < 0)
			return -1; /* not reached: checked above */
	}
	return 0;
}

static int
value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t
base64_decode(const char *in, size_t n, void *out, size_t outsize, enum base64_pad pad)
{
	unsigned char *o = out;
	uint32_t acc = 0;
	int bits = 0;
	size_t len = 0;

	for (size_t i = 0; i < n && len < outsize; i++) {
		int v;

		if (in[i] == '=' && pad == BASE64_PAD_ENDS)
			break;
		if ((v = value((unsigned char)in[i])) < 0)
			continue;
		acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[len++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	return len;
}
