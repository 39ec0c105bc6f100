#!/usr/bin/env python3
"""The reference for the store benchmark: a naive JSON Lines loader.

naive_loader.py SCHEMA_DB RECORDS.jsonl OUT_DB

Creates OUT_DB with the schema of SCHEMA_DB (an empty store the responder
made: the same tables, indexes and subject-word triggers), then loads the
records with Python's json and sqlite3: one INSERT per row, a commit every
5000 lines, WAL and synchronous=NORMAL like the store.  What a first
attempt in Python does; the figure the responder's importer is held to.
"""
import calendar, json, sqlite3, sys, time

schema_db, path, out = sys.argv[1:4]
src = sqlite3.connect(schema_db)
ddl = [r[0] for r in src.execute(
    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    " AND name NOT LIKE 'messages_fts_%' ORDER BY type = 'trigger', rowid")]
src.close()
db = sqlite3.connect(out, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
for d in ddl:
    db.execute(d)


def ts(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


db.execute("BEGIN")
n = 0
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    t = r["type"]
    if t == "account":
        db.execute("INSERT OR IGNORE INTO accounts(name) VALUES (?)", (r["account"],))
        (aid,) = db.execute("SELECT id FROM accounts WHERE name = ?", (r["account"],)).fetchone()
        for a in r["addresses"]:
            db.execute("INSERT OR IGNORE INTO account_addresses VALUES (?, ?)", (a.lower(), aid))
    elif t == "message":
        (aid,) = db.execute("SELECT id FROM accounts WHERE name = ?", (r["account"],)).fetchone()
        sub = ts(r["submitted_at"])
        cur = db.execute(
            "INSERT INTO messages(queue_id, message_id, account_id, sender, subject, subject_norm,"
            " submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (r["queue_id"], r.get("message_id"), aid, r.get("from"), r.get("subject"),
             (r.get("subject") or "").lower(), sub))
        for rc in r["recipients"]:
            db.execute("INSERT INTO recipients(message_id, address, account_id, submitted_at)"
                       " VALUES (?, ?, ?, ?)", (cur.lastrowid, rc.lower(), aid, sub))
    elif t == "attempt":
        (rid,) = db.execute(
            "SELECT r.id FROM recipients r JOIN messages m ON m.id = r.message_id"
            " WHERE m.queue_id = ? AND r.address = ?",
            (r["queue_id"], r["recipient"].lower())).fetchone()
        at = ts(r["at"])
        db.execute(
            "INSERT OR IGNORE INTO attempts(recipient_id, fingerprint, at, status, mx_host, mx_ip,"
            " smtp_code, enhanced_status, response, transcript) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (rid, hash((at, r["status"], r.get("response"))) & 0x7fffffffffffffff, at,
             r["status"], r.get("mx_host"), r.get("mx_ip"), r.get("smtp_code"),
             r.get("enhanced_status"), r.get("response"), r.get("transcript")))
        db.execute("UPDATE recipients SET status = ?, last_attempt_at = ? WHERE id = ?",
                   (r["status"], at, rid))
    n += 1
    if n % 5000 == 0:
        db.execute("COMMIT")
        db.execute("BEGIN")
db.execute("COMMIT")
db.close()
