/*
 * store_settings.h - opening the store the settings name: SQLite at
 * [store] path, or PostgreSQL at [store] url with its password_file,
 * ca_file, node_name (default: the host name) and lease_seconds.  One
 * place for the CLI, the daemon and the web console.
 */
#ifndef RESPONDER_DECIDE_STORE_SETTINGS_H
#define RESPONDER_DECIDE_STORE_SETTINGS_H

#include <stddef.h>

struct settings;
struct store;

/* store_open_opts() of the configured store with `flags`
 * (STORE_OPEN_READONLY); on NULL, *reason_r (may be NULL) and err as
 * there.  The password is read (secret_read_file's checks) and wiped. */
struct store *store_open_settings(const struct settings *s, int flags, int *reason_r, char *err,
				  size_t errlen);
/* What the settings open, for messages: [store] url (without a password)
 * or path. */
const char *store_settings_target(const struct settings *s);

#endif
