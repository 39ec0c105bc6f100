/*
 * json_line.h - a jansson tree written as compact JSON text into a buffer,
 * without jansson's dumper: the same bytes as json_dumps(j, JSON_COMPACT)
 * (keys in insertion order, as jansson keeps them), several times faster
 * on long strings (a `process --json` line carries the whole reply, about
 * 13 KB of text with a CR LF per line).
 *
 * The bytes are jansson's: `"`, `\` and the controls below 0x20 escaped
 * (\b \f \n \r \t, else \u00XX in upper-case hex), '/' and non-ASCII UTF-8
 * written as they are, integers in decimal, reals through jansson itself
 * (json_dumps of the one value: its %.17g rules).  tests/unit/test_json_line.c
 * compares both writers on generated trees.
 */
#ifndef RESPONDER_CLI_JSON_LINE_H
#define RESPONDER_CLI_JSON_LINE_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"

/* Appends the JSON text of j to b.  0, or -1 where json_dumps() would fail
 * too (a string that is not valid UTF-8) or b's cap is reached; on -1, b
 * is left as it was before the call.  A key that is not valid UTF-8 (only
 * the *_nocheck setters make one; json_dumps writes it cut short, an
 * invalid line) fails too. */
int json_line_append(struct buf *b, json_t *j);

/* Appends s (n bytes, may hold NUL) as a JSON string; 0, or -1 (b as it
 * was) when s is not valid UTF-8 or the cap is reached. */
int json_line_string(struct buf *b, const char *s, size_t n);

#endif
