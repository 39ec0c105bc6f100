/*
 * prescan.h - a cheap, linear look at raw complaint bytes before libetpan
 * sees them (prescan.c): refuses the shapes known to crash or stall the
 * parser.  The sandbox runs it before every parse (sandbox.h); complaint.c
 * runs it on the message/rfc822 parts it decodes itself.
 *
 * SECURITY: the input is a message from the internet.  The scan is linear
 * in its length and allocates at most one capped buffer; it never decides
 * that a message is safe, only that it is not known to be unsafe (the
 * sandbox child catches what it misses).
 */
#ifndef RESPONDER_PRESCAN_H
#define RESPONDER_PRESCAN_H

#include <stddef.h>

#define PRESCAN_MAX_CONTENT_TYPES 1000 /* Content-Type fields in the message */
#define PRESCAN_MAX_COMPOSITES 100     /* multipart/message parts open at once (nesting depth) */
#define PRESCAN_MAX_HEADER_LINE 65536  /* bytes of one line of the top header block */

/* The pre-scan: 0 when the message may go to libetpan; -1 with a one-line
 * `why` when it may not (size over `max_size` when it is > 0, header line
 * length, Content-Type count, nesting bound, unsafe boundary incl. its
 * RFC 2047 form) in the header blocks libetpan parses as MIME; a
 * Content-Type quoted in a text body is only counted.  Linear. */
int prescan(const char *raw, size_t len, long max_size, char *why, size_t whylen);
/* The same checks without a size cap, for message/rfc822 parts that were
 * transfer-encoded (complaint.c parses those itself). */
int prescan_nested(const char *raw, size_t len);

#endif
