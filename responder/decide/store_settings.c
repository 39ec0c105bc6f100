/*
 * store_settings.c - the configured store, opened (store_settings.h).
 */
#include "responder/decide/store_settings.h"
#include "responder/config/config.h"
#include "responder/config/secret.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *
store_settings_target(const struct settings *s)
{
	return *s->store_url ? s->store_url : s->store_path;
}

struct store *
store_open_settings(const struct settings *s, int flags, int *reason_r, char *err, size_t errlen)
{
	struct store_options o;
	struct store *st;
	char host[256], why[512];
	char *password = NULL;

	if (!*s->store_url)
		return store_open_opts(s->store_path, NULL, flags, reason_r, err, errlen);
	memset(&o, 0, sizeof(o));
	if (*s->store_password_file &&
	    secret_read_file(s->store_password_file, &password, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "[store] password_file: %s", why);
		if (reason_r != NULL)
			*reason_r = STORE_EDB;
		return NULL;
	}
	o.password = password;
	o.ca_file = *s->store_ca_file ? s->store_ca_file : NULL;
	if (*s->store_node_name) {
		o.node_name = s->store_node_name;
	} else {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "responder");
		host[sizeof(host) - 1] = '\0';
		o.node_name = host;
	}
	o.lease_seconds = s->store_lease_seconds;
	st = store_open_opts(s->store_url, &o, flags, reason_r, err, errlen);
	secret_free(&password);
	return st;
}
