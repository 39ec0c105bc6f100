/*
 * postfix_int.h - what the mail-log importer's files share: the parsed
 * form of one log line and the pure parsing helpers (postfix_parse.c), the
 * message state and its writing (postfix_state.c, log_msgs.c), the line
 * loop (log_import.c), the Postfix lines (import_postfix.c) and their
 * conversation buffers (postfix_conv.c), and the Exim mainlog format
 * (exim_parse.c, import_exim.c): one queue-ID table, account map,
 * batching and follower for both formats.  Not for use outside store/.
 */
#ifndef STORE_POSTFIX_INT_H
#define STORE_POSTFIX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/import/import.h"

#define PF_MAX_LINE 8192 /* longer log lines are cut (Postfix caps at ~2 KB) */
#define PF_MAX_QID 32

/* Year inference for "Nov 20 09:14:02" stamps, which carry no year. */
struct pf_year {
	int64_t ref;  /* a time no line is after (file mtime, now) */
	int year;     /* 0 until the first stamp */
	int last_mon; /* 1..12 */
	/* local-time cache: epoch of the minute last converted */
	int c_year, c_mon, c_day, c_hour, c_min;
	int64_t c_epoch;
};

/* One syslog line, split in place.  Every pointer points into the line. */
struct pf_line {
	int64_t at;	     /* seconds since the epoch */
	const char *program; /* syslog program: "postfix/smtp", "exim" */
	const char *service; /* last part of the program: "smtp", "qmgr" */
	long pid;	     /* -1 when the program had no [pid] */
	const char *qid;     /* "4XbQ1m0vG7z1aa" or "3F2A1B0C9D"; NULL if none */
	const char *text;    /* after "QID: " (or after "prog[pid]: ") */
};

enum {
	PF_PARSE_OK = 0,
	PF_PARSE_GARBAGE = -1, /* not a syslog line at all */
	PF_PARSE_OTHER = -2,   /* a syslog line of some other program */
};

/* Splits a syslog line (modified in place: NULs are written) in either
 * timestamp form.  Returns PF_PARSE_*. */
int pf_parse_syslog(char *line, struct pf_year *y, struct pf_line *out);

/* 1 if s[0..n) is a short (hex) or long Postfix queue ID. */
int pf_is_queue_id(const char *s, size_t n);

/* Local time to epoch (one mktime() per minute of log, cached in y). */
int64_t pf_local_epoch(struct pf_year *y, int year, int mon, int day, int h, int mi, int s);

/* Finds "key=" at the start of `text` or after ", " / " " and copies its
 * value (up to ", " or the end; "<...>" values without the brackets) into
 * out[outlen].  1 when found, 0 when not. */
int pf_field(const char *text, const char *key, char *out, size_t outlen);

/* A delivery line ("to=<...>, relay=..., status=sent (...)"), split. */
struct pf_delivery {
	char to[512], orig_to[512];
	char relay[300];	      /* as logged: host[ip]:port, none, local... */
	char mx_host[256], mx_ip[64]; /* "" when the relay has none */
	char delay[32], delays[64], dsn[16];
	char status[16];    /* sent deferred bounced expired ... */
	const char *detail; /* the text in (...) after status: into the line */
	size_t detail_len;
};

/* 0 on success, -1 when the line is not a delivery line. */
int pf_parse_delivery(const char *text, struct pf_delivery *d);

/* The remote reply inside a Postfix status text: "host X said: 450 4.2.1
 * Try later (in reply to RCPT TO command)" -> "450 4.2.1 Try later".  Other
 * texts are returned whole.  Writes into out[outlen]. */
void pf_reply_text(const char *detail, size_t len, char *out, size_t outlen);
/* The SMTP code at the start of a reply ("550 ..." -> 550), or 0. */
int pf_reply_code(const char *reply);

/* rfc2047_decode() (common/rfc2047.h: encoded words to UTF-8 through
 * iconv, undecodable words kept as they are, a value that is not UTF-8
 * read as Latin-1), then str_sanitize_line().  At most maxlen bytes.
 * Caller frees; never NULL. */
char *pf_decode_header(const char *s, size_t maxlen);

/* ---- the importer's state (postfix_state.c) --------------------------- */

#define PF_MAX_FIELD 998 /* sender, Message-ID, SASL name ... */

struct pf_msg {
	char qid[PF_MAX_QID];
	int64_t first_at; /* submission (smtpd/pickup line); 0 unknown */
	char *sasl, *from, *mid, *subject, *account;
	char *rcpts; /* Exim: the arrival's recipients, "a b c" (bounded) */
	unsigned have_from : 1, dirty : 1, written : 1, looked_up : 1, orphan : 1;
	unsigned checked : 1, reused : 1; /* queue ID reuse check done / found */
	unsigned notice : 1;		  /* a bounce/DSN notice of the relay itself */
	/* The tag of its message record whose result is still due (a batch
	 * on PostgreSQL, log_msgs.c), 0 when none: until it comes, written,
	 * orphan, reused and looked_up are not known yet. */
	long inflight;
	struct pf_msg *hnext;
	struct pf_msg *lprev, *lnext; /* LRU: head = least recently seen */
};

struct map_entry {
	char *key, *account;
};

/* What a record sent to the batch is waiting for (log_msgs.c). */
struct pf_rec;

struct pf_import {
	struct store *st;
	/* The records written (log_msgs.c): on PostgreSQL their results come
	 * at the batch's flush, in their order, and are counted and reported
	 * then into `cur`, which stays the same while any is due. */
	struct store_batch *batch; /* owned */
	struct pf_rec *recs;	   /* owned: PF_RECS, by tag */
	long next_tag;
	struct {
		struct import_stats *stats;
		import_report_fn *report;
		void *ctx;
		char *name; /* owned copy; NULL for none */
	} cur;
	int format; /* PF_FORMAT_* */
	int account_from;
	struct map_entry *map;
	size_t nmap;
	int have_map;
	struct pf_msg **buckets;
	size_t nbuckets, nmsgs, max_open;
	struct pf_msg *lru_head, *lru_tail;
	struct pf_convs *convs;
	struct pf_year year;
	long in_batch;
	int bulk; /* reading files (pf_import_file): bulk transactions */
	long garbage_reported;
	char line[PF_MAX_LINE + 1]; /* scratch: the line being split */
};

/* What one call into the importer counts into and reports to: the
 * caller's, passed down for the call and never kept in struct pf_import. */
struct pf_line_ctx {
	struct import_stats *stats; /* counted into; never NULL (borrowed) */
	import_report_fn *report;   /* bad lines go here; NULL: only counted */
	void *ctx;		    /* report's first argument (borrowed) */
	const char *name;	    /* the file a report names (borrowed) */
	long lineno;		    /* and the line */
};

/* Account map ("key account" lines), sorted for bsearch. */
int pf_map_load(struct pf_import *imp, const char *path, char *err, size_t errlen);
/* The account of a key (case-insensitive), or NULL. */
const char *pf_map_lookup(const struct pf_import *imp, const char *key);

/* The queue-ID table. */
size_t pf_qid_hash(const char *s);
void pf_lru_unlink(struct pf_import *imp, struct pf_msg *m);
void pf_lru_append(struct pf_import *imp, struct pf_msg *m);
struct pf_msg *pf_msg_find(struct pf_import *imp, const char *qid);
/* Unlinks and frees one entry (panics if it is not in the table). */
void pf_msg_free(struct pf_import *imp, struct pf_msg *m);
/* Sets *dst to a bounded, sanitised copy of v unless *dst is set. */
void pf_set_str(char **dst, const char *v);
/* 1 if q is a queue ID of the importer's format. */
int pf_valid_qid(const struct pf_import *imp, const char *q);
/* Adds a recipient known at submission (a valid address; at most
 * PF_MAX_RCPTS of them in PF_MAX_FIELD bytes, the rest are left out). */
#define PF_MAX_RCPTS 64
void pf_add_rcpt(struct pf_msg *m, const char *addr);

/* ---- the importer's line interface (log_import.c, log_msgs.c) ---------- */

/* One log line into the store (a transaction is opened if none is, and
 * committed every IMPORT_BATCH_LINES lines), counted into *stats and
 * reported as name:lineno.  STORE_OK or STORE_EDB. */
int pf_import_line(struct pf_import *imp, const char *line, size_t len, const char *name,
		   long lineno, struct import_stats *stats, import_report_fn *report, void *ctx);
/* Opens the importer's transaction if none is open. */
int pf_import_begin(struct pf_import *imp);
/* Commits what is written (the batch), without writing open messages. */
int pf_import_commit_batch(struct pf_import *imp);
/* One parsed Postfix line into the importer (import_postfix.c). */
int pf_import_parsed(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_line *pl);
/* Writes every changed message and commits; what that writes is counted
 * and reported through `lc` (whose name and lineno are the last line read). */
int pf_import_commit(struct pf_import *imp, const struct pf_line_ctx *lc);
/* A new file: "no line is later than ref" for year inference. */
void pf_import_set_ref(struct pf_import *imp, int64_t ref);
struct store *pf_import_store(struct pf_import *imp);
/* The entry of `qid`, created if new; when the table is full the least
 * recently seen entry is written (counted and reported through `lc`) and
 * dropped first.  NULL only on a store failure. */
struct pf_msg *pf_msg_get(struct pf_import *imp, const struct pf_line_ctx *lc, const char *qid);
/* Writes what is known of `m` if it changed (with `need`: makes sure it
 * is in the store).  STORE_OK (written, or its record sent and its
 * result due: m->inflight), STORE_ENOTFOUND (no account: skipped, or a
 * reused queue ID) or STORE_EDB.  *first_r (may be NULL) is 1 when a
 * record was sent by this call. */
int pf_msg_flush(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int need,
		 int *first_r);
/* Drops the state of `m`, counting it when it never found an owner. */
void pf_msg_drop(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m);
/* Makes `lc`'s stats, report function and file the ones the results go
 * to, after waiting for the results still due for others (another file,
 * another caller).  Called at each line before anything is decided: a
 * wait in the middle of a line would change what its start saw (a
 * message's record still due).  STORE_OK or STORE_EDB. */
int pf_import_use(struct pf_import *imp, const struct pf_line_ctx *lc);
/* Counts a rejected record and reports `why` at the line of `lc`, after
 * the results still due of the lines before.  STORE_OK or STORE_EDB. */
int pf_reject(struct pf_import *imp, const struct pf_line_ctx *lc, const char *why);
/* Reports `why` (nothing counted) at line `lineno` of `name`, after the
 * results still due; nothing without `report`.  STORE_OK or STORE_EDB. */
int pf_import_note(struct pf_import *imp, const char *name, long lineno, struct import_stats *stats,
		   import_report_fn *report, void *ctx, const char *why);
/* `addr` normalised (caller frees), or NULL after reporting it (through
 * `lc`, naming `qid`) as not a valid address (*edb_r set on a store
 * failure). */
char *pf_attempt_rcpt(struct pf_import *imp, const struct pf_line_ctx *lc, const char *qid,
		      const char *addr, int *edb_r);
/* Writes one attempt of `m`, counted as added or unchanged, or reported
 * when the store refuses it, now or when its result comes.  While m's
 * record waits (m->inflight), the attempt is written only if that record
 * is stored; else it counts as the line would have with the message's
 * refusal known (skipped; the refusal reported again unless the record
 * was written for this very line, `first`).  STORE_OK or STORE_EDB. */
int pf_put_attempt(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m, int first,
		   const struct store_attempt_in *a);
/* Waits for every result still due (store_batch_flush): after it, every
 * message's written, orphan, reused and looked_up are known, and the
 * store holds what was sent.  Before a read of the store and before a
 * commit.  STORE_OK or STORE_EDB. */
int pf_import_flush(struct pf_import *imp);
/* After a store failure (the transaction rolled back): the results still
 * due are dropped, never reported. */
void pf_import_drop_waiting(struct pf_import *imp);
/* pf_msg_flush(need) for a line that reads what the store holds of `m`
 * (an expiry, a freeze): written, and every record still due waited for.
 * STORE_OK (m written), STORE_ENOTFOUND or STORE_EDB. */
int pf_msg_settle(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m);
/* A delivery line for `addr`: an invalid recipient is reported only for a
 * stored message, so when m's result is still due (PostgreSQL batches,
 * rare) and pf_attempt_rcpt() would refuse `addr`, the batch is sent and
 * m settled again, unless it was written for this very line (`first`).
 * STORE_OK or STORE_EDB. */
int pf_msg_await_for_rcpt(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_msg *m,
			  const char *addr, int first);

/* ---- conversation buffers (postfix_conv.c) ----------------------------- */

/* The SMTP client's per-process lines that carry no queue ID: with
 * debug_peer_list, "> host[ip]:port: CMD" and "< host[ip]:port: REPLY";
 * always "connect to ...", "... TLS connection established to ...".  They
 * are kept per pid (bounded) until the delivery line of the same pid. */
struct pf_convs;

struct pf_convs *pf_convs_new(size_t max_pids);
void pf_convs_free(struct pf_convs **c);
/* Feeds one queue-ID-less line of an smtp/lmtp process; returns 1 when the
 * line was a conversation/connection line that was kept. */
int pf_convs_line(struct pf_convs *c, long pid, int64_t at, const char *text);
/* The transcript for a delivery by `pid` to `relay` (host[ip]:port):
 * a malloc'd text (caller frees) and *full_r = 1 when it holds the SMTP
 * conversation, 0 when it is a summary built from what the log says.
 * `d` and `line_at` describe the delivery line. */
char *pf_convs_transcript(struct pf_convs *c, long pid, const struct pf_delivery *d,
			  int64_t line_at, int *full_r);

/* ---- Exim 4 mainlog (exim_parse.c, import_exim.c) --------------------- */

/* 1 if s[0..n) is an Exim message ID: 6-6-2 (Exim 4.96) or 6-11-4 (4.97
 * and later) base-62 characters. */
int ex_is_message_id(const char *s, size_t n);

/* Splits one mainlog line, plain ("2026-12-07 05:04:06[.123][ +0100]
 * [[pid]] [ID] text") or behind a syslog prefix ("Dec  7 05:04:06 host
 * exim[123]: ..."), in place, into *out: at, pid, qid (the message ID or
 * NULL), text; service is "exim".  Returns PF_PARSE_*. */
int ex_parse_line(char *line, struct pf_year *y, struct pf_line *out);

/* The value of field KEY= in a mainlog text, scanning tokens so that
 * quoted values ("...", with \ escapes) are skipped as a whole.  A quoted
 * value is unescaped (Exim's \ooo octal, \n, \t, \", \\) into
 * out[outlen]; H= gives "host [ip]:port" whole.  1 when found, 0 when not
 * (or it does not fit). */
int ex_field(const char *text, const char *key, char *out, size_t outlen);
/* 1 if the bare word `flag` (e.g. "K") is one of the text's tokens. */
int ex_flag(const char *text, const char *flag);

/* An Exim delivery line ("=> addr <orig> F=.. R=.. T=.. H=.. C=\"..\""
 * or "** addr ...: error"), split. */
struct ex_delivery {
	char kind[3];		   /* "=>" "->" ">>" "*>" "**" "==" */
	char addr[512], orig[512]; /* orig: the top-level address in <..> */
	char router[64], transport[64];
	char mx_host[256], mx_ip[64], port[8];
	char tls[160], cv[16], dn[300];
	int chunking;
	char confirm[1100]; /* C="...", unescaped */
	char error[1100];   /* the text after ": " of ** and == lines */
	char qt[32], dt[32];
};

/* An arrival ("<= sender H=.. P=esmtpa A=plain:user S=.. id=.. T=\"..\"
 * for a b"), split.  Account fields (A= U= P= R=) count only before id=:
 * the Message-ID that follows is the sender's and may hold spaces. */
struct ex_arrival {
	char sender[512];   /* "" for <> */
	char auth[300];	    /* A=: "authenticator:id[:authenticated sender]" */
	char user[256];	    /* U= */
	char proto[32];	    /* P= */
	char bounce_of[32]; /* R=: the message this one bounces */
	char mid[PF_MAX_FIELD + 1];
	char subject[PF_MAX_FIELD + 1]; /* T=, unescaped, not cleaned */
	int subject_set;
	const char *rcpts; /* after the last bare "for": "a b c", into text */
};

/* 0, or -1 when `text` is not an arrival line. */
int ex_parse_arrival(const char *text, struct ex_arrival *a);

/* 0 on success, -1 when `text` is not a delivery line. */
int ex_parse_delivery(const char *text, struct ex_delivery *d);
/* The remote reply inside an Exim error text: "SMTP error from remote
 * mail server after RCPT TO:<x>: 550 5.1.1 No such user" -> "550 5.1.1
 * No such user"; other texts are returned whole.  Into out[outlen]. */
void ex_reply_text(const char *error, char *out, size_t outlen);
/* The enhanced status code after a reply's code ("550 5.1.1 ..."), into
 * out[outlen] ("" when none). */
void ex_enhanced_status(const char *reply, char *out, size_t outlen);

/* One parsed mainlog line into the importer (import_exim.c). */
int ex_import_parsed(struct pf_import *imp, const struct pf_line_ctx *lc, struct pf_line *pl);

#endif
