/*
 * base64.h - the base64 codec of the tree (RFC 4648 alphabet "A-Za-z0-9+/"
 * with "=" padding): the encoder of the MIME writer's attachments, the
 * decoder of RFC 2047 "B" words (common/rfc2047.h) and of the prescan.
 *
 * SECURITY: decoding reads at most n bytes of input and writes at most
 * outsize bytes; bytes outside the alphabet are skipped, so any input
 * decodes to something and nothing in it can make the codec read or write
 * out of bounds.
 */
#ifndef COMMON_BASE64_H
#define COMMON_BASE64_H

#include <stddef.h>

#include "common/buf.h"

/* Characters base64_encode() writes for n bytes: 4 * ceil(n / 3), or 0
 * when that does not fit in a size_t.  Pure. */
size_t base64_encoded_len(size_t n);
/* Appends the base64 of n bytes of `in` to b, padded, without line breaks.
 * 0, or -1 when it would pass b's cap (b is left as it was). */
int base64_encode(struct buf *b, const void *in, size_t n);

/* What '=' means to the decoder. */
enum base64_pad {
	BASE64_PAD_ENDS,    /* the first '=' ends the data (RFC 4648) */
	BASE64_PAD_SKIPPED, /* '=' is skipped like any byte outside the
				 * alphabet (the prescan: it must see every
				 * byte a lenient MIME parser could decode) */
};

/* Decodes the base64 in in[0..n) into out, writing at most outsize bytes
 * (bytes beyond are dropped: the output is cut, never overrun).  Bytes
 * outside the alphabet (white space, line ends, garbage) are skipped;
 * trailing bits that do not make a byte are dropped.  Returns the number
 * of bytes written; at most base64 length * 3 / 4.  Pure apart from out. */
size_t base64_decode(const char *in, size_t n, void *out, size_t outsize, enum base64_pad pad);

#endif
