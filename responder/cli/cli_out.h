/*
 * cli_out.h - output and argument helpers the admin commands (log, stats,
 * report, resend, purge, ...) share: terminal-safe text, column padding by
 * character, JSON strings from stored text, and the --since / ID / option
 * arguments.  Nothing else: the views live with their commands
 * (log_json.h, stats_collect.h).
 *
 * SECURITY: stored text came from complaints and remote servers.  Before it
 * reaches a terminal it goes through ao_clean() / ao_clean_text(), which are
 * utf8_clean_terminal() (common/utf8.h: escape sequences removed, control
 * characters replaced, invalid UTF-8 replaced); before it reaches JSON
 * through ao_json_str() (always valid UTF-8).
 */
#ifndef RESPONDER_CLI_OUT_H
#define RESPONDER_CLI_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A malloc'd copy of s (NULL -> "-") made safe for one terminal line
 * (utf8_clean_terminal): escape sequences (ESC, CSI, OSC, ...) and bidi
 * controls are removed, other control characters (CR, LF, C1, ...) become
 * spaces, invalid UTF-8 bytes '?'.  Caller frees. */
char *ao_clean(const char *s);
/* Like ao_clean but keeps LF (and TAB), for multi-line text such as a
 * message; CR is dropped.  s may be NULL (""). Caller frees. */
char *ao_clean_text(const char *s, size_t len);
/* Characters (UTF-8 code points) in s. */
size_t ao_width(const char *s);
/* Prints s (cleaned) cut to `max` characters ("..." marks a cut) and
 * padded with spaces to `width` characters. */
void ao_put_cell(FILE *fp, const char *s, size_t width, size_t max);
/* A JSON string of s with invalid UTF-8 replaced, or JSON null for NULL.
 * New reference. */
json_t *ao_json_str(const char *s);
/* Prints `o` as one compact JSON line on stdout and drops the reference. */
void ao_print_json(json_t *o);
/* RFC 3339 of t into buf (TIME_RFC3339_LEN), or "-" for 0. */
const char *ao_time(int64_t t, char *buf);

/* Parses a --since argument for `cmd`; 0 or prints the usage error and
 * returns EX_USAGE. */
int ao_parse_since(const char *cmd, const char *arg, int64_t *since_r);
/* Parses a positive request ID; 0 or prints the usage error, EX_USAGE. */
int ao_parse_id(const char *cmd, const char *arg, int64_t *id_r);
/* The usage error after getopt_long() (opterr = 0, optstring starting
 * with ':') returned '?' (unknown option) or ':' (missing value).
 * Returns EX_USAGE. */
int ao_bad_option(const char *cmd, int c, char **argv);

/* 1 when stdout is a terminal and NO_COLOR is not set. */
int ao_use_colour(void);

#endif
