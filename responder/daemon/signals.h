/*
 * signals.h - the daemon's signals: SIGTERM/SIGINT ask it to stop, SIGHUP
 * to reload.  The bottom of daemon/: the loop (daemon.c) and one pass
 * (daemon_pass.c) both ask it, it asks nobody.
 *
 * The handlers only set a flag and write a byte to a self-pipe.  The loop
 * polls the pipe's read end next to the IMAP socket, so a signal ends an
 * IDLE or a sleep at once, while a complaint in hand is always finished
 * before the flag is looked at.  One set of flags per process.
 */
#ifndef RESPONDER_SIGNALS_H
#define RESPONDER_SIGNALS_H

/* Clears both flags, opens the self-pipe (non-blocking, close-on-exec) and
 * installs the handlers for SIGTERM, SIGINT and SIGHUP.  0, or -1 with
 * errno set when the pipe could not be made (nothing installed). */
int signals_setup(void);
/* Restores the default actions and closes the self-pipe.  Safe to call
 * when signals_setup() failed or was never called. */
void signals_teardown(void);

/* 1 once SIGTERM/SIGINT arrived (or daemon_request_stop() was called). */
int daemon_stop_requested(void);
/* Sets the stop flag from inside the daemon (a reload that leaves nothing
 * to run with). */
void daemon_request_stop(void);
/* 1 once SIGHUP arrived and until daemon_reload_clear(). */
int daemon_reload_requested(void);
/* The reload is being done: clears the SIGHUP flag (a SIGHUP arriving from
 * here on asks for the next one). */
void daemon_reload_clear(void);

/* The self-pipe's read end, for poll() next to another descriptor (-1
 * before signals_setup()); signals_drain() after it woke. */
int signals_wake_fd(void);
/* Ends the loop's wait without setting a flag (the console after a
 * repair, from its own thread): the loop makes a pass now. */
void signals_wake(void);
/* Empties the self-pipe. */
void signals_drain(void);
/* Sleeps up to `seconds` (not at all when a flag is already set), woken
 * early by any of the signals; drains the self-pipe after. */
void signals_sleep(int seconds);

#endif
