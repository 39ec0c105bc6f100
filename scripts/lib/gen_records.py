#!/usr/bin/env python3
"""Generates delivery records in the JSONL contract for benchmarks.

gen_records.py N_ATTEMPTS [ACCOUNTS] > file.jsonl

Every message has two recipients with one attempt each (so N_ATTEMPTS/2
messages), spread over 60 days, over ACCOUNTS accounts (default 100).
Names are deterministic so the lookup benchmark can ask for real keys:
queue_id Q%09d, message_id <m%09d@acct%d.example>, recipients
r%06d@dest%d.example, subject "Invoice %d for order %d".
"""
import json, sys

n_att = int(sys.argv[1])
accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 100
n_msg = n_att // 2
base = 1793000000  # 2026-10-26
span = 60 * 86400
out = sys.stdout
w = out.write
for a in range(accounts):
    w(json.dumps({"type": "account", "account": f"acct{a}",
                  "addresses": [f"@acct{a}.example"]}) + "\n")
transcript = ("< 220 mx.dest.example ESMTP\\n> EHLO relay.example\\n< 250 mx.dest.example\\n"
              "> MAIL FROM:<billing@acct.example>\\n< 250 2.1.0 Ok\\n> RCPT TO:<r@dest.example>\\n"
              "< 250 2.1.5 Ok\\n> DATA\\n< 354 go\\n> .\\n< 250 2.0.0 Ok: queued as 4Xb\\n")
for i in range(n_msg):
    a = i % accounts
    t = base + (i * span) // max(n_msg, 1)
    ts = "%04d-%02d-%02dT%02d:%02d:%02dZ"
    import time as _t
    st = _t.gmtime(t)
    submitted = ts % st[:6]
    r1 = f"r{(i * 7) % 200000:06d}@dest{i % 997}.example"
    r2 = f"r{(i * 13 + 1) % 200000:06d}@dest{(i + 1) % 997}.example"
    w('{"type":"message","account":"acct%d","queue_id":"Q%09d","message_id":"<m%09d@acct%d.example>",'
      '"from":"billing@acct%d.example","subject":"Invoice %d for order %d","submitted_at":"%s",'
      '"recipients":["%s","%s"]}\n' % (a, i, i, a, a, i, i % 5000, submitted, r1, r2))
    at = ts % _t.gmtime(t + 2)[:6]
    for r, status, code, resp in ((r1, "delivered", 250, "250 2.0.0 Ok: queued as 4Xb%07d" % i),
                                  (r2, "bounced" if i % 10 == 0 else "delivered",
                                   550 if i % 10 == 0 else 250,
                                   "550 5.1.1 <%s>: Recipient address rejected: User unknown" % r2
                                   if i % 10 == 0 else "250 2.0.0 OK %d - gsmtp" % i)):
        w('{"type":"attempt","queue_id":"Q%09d","recipient":"%s","at":"%s","status":"%s",'
          '"mx_host":"mx.dest.example","mx_ip":"192.0.2.%d","smtp_code":%d,"enhanced_status":"%s",'
          '"response":"%s","transcript":"%s"}\n'
          % (i, r, at, status, i % 250, code, "2.0.0" if code == 250 else "5.1.1", resp, transcript))
