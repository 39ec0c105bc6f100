/*
 * config.h - the settings table: every key of responder.conf, typed, with
 * its default and its check.
 *
 * Loading parses the INI file with inih, sets each known key, and collects
 * an error "file:line: why" for every unknown section or key and every bad
 * value; nothing is half-applied: a config with any error is refused whole
 * (and on SIGHUP the old one stays).  Secrets are never stored here, only
 * the paths or commands that produce them (secret.h reads them).
 */
#ifndef RESPONDER_CONFIG_H
#define RESPONDER_CONFIG_H

#include <stddef.h>

enum tls_mode { TLS_REQUIRED = 0, TLS_NONE = 1 };
enum imap_auth { IMAP_AUTH_PASSWORD = 0, IMAP_AUTH_XOAUTH2 = 1 };
/* [import] account_from.  The importer has its own PF_ACCOUNT_FROM_*
 * (config/ may not include store/): its callers map with a switch. */
enum account_from { ACCOUNT_FROM_SASL = 0, ACCOUNT_FROM_SENDER_DOMAIN = 1 };
/* [import] format of the followed log (PF_FORMAT_* likewise). */
enum log_format { LOG_FORMAT_POSTFIX = 0, LOG_FORMAT_EXIM = 1 };

struct settings {
	char *file; /* the file these came from; "(defaults)" */

	/* [responder] */
	char *address;	/* our support address */
	char *name;	/* display name of replies */
	char *hostname; /* Message-ID/EHLO domain; default: address's domain */
	int log_level;	/* enum log_level */
	int syslog;
	int answer_unauthorized; /* send the "unauthorized" template */
	int default_language;	 /* index of config_language_name(); see there */

	/* [store] */
	char *store_path;
	int retention_days;	   /* 0 = keep forever */
	char *store_url;	   /* "": SQLite at store_path; postgresql://... */
	char *store_password_file; /* PostgreSQL password */
	char *store_ca_file;	   /* PostgreSQL TLS: verify-full against this CA */
	char *store_node_name;	   /* this responder in a shared store; "": host name */
	int store_lease_seconds;   /* a claim returns to the pool after this */

	/* [templates] */
	char *templates_dir; /* NULL: installed, else source templates */

	/* [imap] */
	char *imap_url;
	int imap_tls;		  /* enum tls_mode */
	int imap_allow_plaintext; /* tls = none to a host not loopback */
	char *imap_ca_file;
	int imap_tls_verify;
	char *imap_username;
	int imap_auth; /* enum imap_auth */
	char *imap_password_file;
	char *imap_token_file;
	char *imap_token_command;
	char *imap_folder;
	char *imap_processed_folder; /* "" = keep in place, keyword $Responded */
	char *imap_quarantine_folder;
	int imap_poll_interval;
	int imap_timeout; /* seconds for each network wait */

	/* [smtp] */
	char *smtp_url;
	int smtp_tls;
	int smtp_allow_plaintext;
	char *smtp_ca_file;
	int smtp_tls_verify;
	char *smtp_username;
	char *smtp_password_file;
	int smtp_auth; /* password | xoauth2 */
	char *smtp_token_file;
	char *smtp_token_command;
	char *smtp_envelope_from; /* "<>" or an address */
	int smtp_timeout;
	int smtp_connections; /* replies in flight at once (outbox_send.c) */

	/* [policy] */
	char *trusted_authserv_id; /* "" = not checked */
	int max_replies_per_hour;  /* per requester mailbox (plus-tag, case folded) */
	int max_replies_per_account_per_hour;
	int max_replies_total_per_hour;
	int match_window_days;
	int follow_up_days; /* a reply to our reply within this window continues
			     * its conversation */
	/* what a match without a Message-ID needs (docs/complaints.md) */
	int match_found_min;	    /* percent: lowest score of a found */
	int match_margin;	    /* percent points ahead of the next candidate */
	int match_subject_agree;    /* percent subject similarity that agrees */
	int match_date_agree_hours; /* hours apart that still agree */
	int match_candidate_min;    /* percent: lowest score listed as ambiguous */

	/* [limits] */
	long max_message_size; /* bytes of a complaint */
	int parse_cpu_seconds;
	int parse_memory_mb;
	int parse_timeout; /* wall-clock seconds of the parser child */

	/* [import] */
	int import_account_from;  /* enum account_from */
	char *import_account_map; /* file: "sasl_user_or_domain account" lines */
	char *import_follow;	  /* log file the daemon follows; "" = none */
	int import_format;	  /* enum log_format: of import_follow */

	/* [metrics] */
	char *metrics_listen;	/* "HOST:PORT" of /metrics; "" = off */
	char *metrics_textfile; /* node_exporter textfile; "" = none */

	/* [web] */
	char *web_listen; /* "HOST:PORT" of the console inside `run`; "" = off */
	char *web_tls_cert, *web_tls_key;
	char *web_token_file;	 /* bearer token: admin role */
	char *web_htpasswd_file; /* user:hash[:role] */
	int web_trust_proxy;	 /* a reverse proxy terminates TLS */
};

/* One configuration error. */
struct config_errors {
	char **v;
	size_t n;
};

/* Loads `path` over the defaults into *s (which it initialises).
 * 0 on success; -1 with every problem in *errs (each "file:line: why").
 * A missing or unreadable file is one error. */
int config_load(const char *path, struct settings *s, struct config_errors *errs);
/* The defaults alone, for tools that run without a file. */
void config_defaults(struct settings *s);
void config_free(struct settings *s);
void config_errors_free(struct config_errors *e);

/* Prints "[section]\nkey = value" for every key; secrets (the contents of
 * secret files) are never known here, and paths/commands to them print as
 * they are.  Values that carry credentials inside a URL are masked. */
void config_print(const struct settings *s, void *fp);

/* 1 when the host of the URL is loopback (localhost, 127/8, ::1). */
int config_url_is_loopback(const char *url);

/* The templates directory in effect (configured, installed or source). */
const char *config_templates_dir(const struct settings *s);

/* [responder] default_language as its code ("en", "de", ...). */
const char *config_default_language(const struct settings *s);

#endif
