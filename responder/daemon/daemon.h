/*
 * daemon.h - the service loop behind `responder run` and `responder once`.
 *
 * One pass: connect to the mailbox (imap_source.h), find complaints not yet
 * handled, and for each one in UID order:
 *   in_progress mark -> pipeline_handle() (request row + outbox row in one
 *   transaction) -> only after that commit, keyword/move on IMAP -> clear
 *   in_progress -> remember the UID;
 * then send what is due from the outbox (smtp_send.h).  A complaint whose
 * key is already in the request log is only moved (the crash window
 * between commit and move), so nothing is answered twice; one whose
 * handling was cut short by IN_PROGRESS_MAX_RESTARTS daemon deaths, or on
 * which the sandboxed parser failed, goes to the quarantine folder.
 *
 * `run` repeats passes, waiting with IDLE (re-issued every 25 min) or
 * polling every poll_interval; reconnects with exponential backoff and
 * jitter; SIGTERM/SIGINT finish the complaint in hand and return 0; SIGHUP
 * reloads config and templates (a config that does not load keeps the old
 * one, and says why).  With [import] follow set, the Postfix log follower
 * (store/import.h) is stepped from the loop.
 */
#ifndef RESPONDER_DAEMON_H
#define RESPONDER_DAEMON_H

#include "responder/config/config.h"
#include "store/store.h"
#include "store/import/import.h"

enum daemon_mode { DAEMON_RUN, DAEMON_ONCE };

/* Runs until done (once) or a stop signal (run).  `s` is the loaded
 * config, owned by the caller; on SIGHUP it is replaced in place (the old
 * contents freed), so the caller frees whatever it holds at the end.
 * `config_path` is what SIGHUP re-reads.  `st` is borrowed.  Returns a
 * sysexits.h status: 0; EX_UNAVAILABLE (69) when `once` could not reach
 * the IMAP or SMTP server; EX_CONFIG (78) when the settings cannot work
 * (templates, folder names); EX_SOFTWARE (70) on a store failure. */
int daemon_main(const char *config_path, struct settings *s, struct store *st,
		enum daemon_mode mode);

/* The Postfix importer's options from the settings' [import] keys, for the
 * daemon's follower and for `responder import`: the config's account_from
 * is mapped to the importer's PF_ACCOUNT_FROM_* by name (two layers, two
 * enums, never equal by value).  Pointers in *o_r borrow from `s`. */
void daemon_import_options(const struct settings *s, struct pf_options *o_r);

#endif
