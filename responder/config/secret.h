/*
 * secret.h - reading passwords and tokens.
 *
 * Secrets come from files (or, for OAuth tokens, from a command's output),
 * never from the command line or the config file itself, and never appear
 * in logs.  A secret file that group or others can read, that is not a
 * regular file, or that is empty is refused; so is a config file or a
 * token command that others may write.  Files are opened with O_NONBLOCK
 * and their type checked with fstat() before any read, so a FIFO named as
 * a secret or config file is refused at once instead of hanging open().
 */
#ifndef RESPONDER_SECRET_H
#define RESPONDER_SECRET_H

#include <stddef.h>

#define SECRET_MAX 8192

/* Reads the first line of `path` into a malloc'd string (trailing CR/LF
 * removed).  0 on success; -1 with the reason in err.  The caller frees it
 * with secret_free(), which wipes it first. */
int secret_read_file(const char *path, char **secret_r, char *err, size_t errlen);
/* Checks the permissions alone (check-config): 0 fine, -1 with reason. */
int secret_check_file(const char *path, char *err, size_t errlen);
/* Runs `command` with /bin/sh -c and takes the first line it prints
 * (timeout `seconds`).  0 on success; -1 with reason (exit status). */
int secret_from_command(const char *command, int seconds, char **secret_r, char *err,
			size_t errlen);
void secret_free(char **secret);

/* Checks the program a token command runs (its first word, found in PATH
 * when it has no slash): one that others may write, or that lies in a
 * directory others may write (without the sticky bit), is refused, since
 * whoever can change it runs commands as the daemon.  0 fine (also when the
 * program is not found: running it will say so), -1 with the reason. */
int secret_check_command(const char *command, char *err, size_t errlen);

/* Opens the config file without blocking on a FIFO and checks it: a
 * regular file that others cannot write (or /dev/null: no settings).  Returns the descriptor (blocking
 * reads), or -1 with "path: why" in err. */
int secret_open_config(const char *path, char *err, size_t errlen);

#endif
