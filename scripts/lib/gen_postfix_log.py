#!/usr/bin/env python3
"""gen_postfix_log.py LINES - a Postfix log of LINES lines on stdout, shaped like
the one the real relay writes (tests/integration/it_postfix_import.sh); see
scripts/bench.d/postfix_import.sh for its shape.  Seeded: the same LINES
give the same file.  Used by that benchmark and tests/cli/cli_import_postfix_bulk.sh."""
import random, sys

from gen_interleave import DOMAINS, MX, interleave
random.seed(42)
want = int(sys.argv[1])
out = sys.stdout
write = out.write
mon = "Nov"
t0 = 20 * 86400 + 9 * 3600          # Nov 20 09:00:00, seconds into the month
qseq = [0x3F2A10000]
pidseq = [3000]

def stamp(t):
    d, r = divmod(t, 86400)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return "%s %2d %02d:%02d:%02d relay " % (mon, d, h, m, s)

def newqid():
    qseq[0] += random.randint(1, 977)
    return "%X" % qseq[0]

SUBJECTS = ["Invoice %d", "Order confirmation %d", "=?UTF-8?Q?R=C3=BCckfrage_zu_Auftrag_%d?=",
            "Your statement for account %d", "Re: meeting notes %d",
            "=?UTF-8?B?0JfQsNC60LDQtyDihJYg?=%d"]

def message(t):
    """The lines of one message as (time offset, line) pairs."""
    q = newqid()
    u = random.randint(1, 200)
    acct_dom = "cust%d.example" % u
    sender = "billing@%s" % acct_dom
    n = random.choice((1, 1, 1, 2, 3))
    rcpts = ["user%d@%s" % (random.randint(1, 99999), random.choice(DOMAINS)) for _ in range(n)]
    spid = random.randint(1000, 1100)
    cpid = random.randint(2000, 2010)
    ip = "198.51.100.%d" % (u % 250 + 1)
    L = []
    L.append((0, "postfix/smtpd[%d]: connect from client%d.%s[%s]" % (spid, u, acct_dom, ip)))
    L.append((0, "postfix/smtpd[%d]: %s: client=client%d.%s[%s], sasl_method=PLAIN, sasl_username=user%d" % (spid, q, u, acct_dom, ip, u)))
    subj = random.choice(SUBJECTS) % random.randint(1000, 99999)
    L.append((0, "postfix/cleanup[%d]: %s: info: header Subject: %s from client%d.%s[%s]; from=<%s> to=<%s> proto=ESMTP helo=<client%d>" % (cpid, q, subj, u, acct_dom, ip, sender, rcpts[0], u)))
    L.append((0, "postfix/cleanup[%d]: %s: message-id=<%s.%d@%s>" % (cpid, q, q.lower(), random.randint(1, 10**9), acct_dom)))
    L.append((1, "postfix/qmgr[900]: %s: from=<%s>, size=%d, nrcpt=%d (queue active)" % (q, sender, random.randint(800, 200000), n)))
    L.append((1, "postfix/smtpd[%d]: disconnect from client%d.%s[%s] ehlo=1 auth=1 mail=1 rcpt=%d data=1 quit=1 commands=%d" % (spid, u, acct_dom, ip, n, n + 5)))
    bounced = False
    for r in rcpts:
        dom = r.split("@")[1]
        host, mip = MX[dom]
        pidseq[0] = 3000 + (pidseq[0] + 1) % 400
        p = pidseq[0]
        ep = "%s[%s]:25" % (host, mip)
        if random.random() < 0.1:
            L.append((2, "postfix/smtp[%d]: < %s: 220 %s ESMTP" % (p, ep, host)))
            L.append((2, "postfix/smtp[%d]: > %s: EHLO relay.example" % (p, ep)))
            for ext in ("250-%s" % host, "250-PIPELINING", "250-SIZE 52428800", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250 8BITMIME"):
                L.append((2, "postfix/smtp[%d]: < %s: %s" % (p, ep, ext)))
            L.append((2, "postfix/smtp[%d]: smtp_stream_setup: maxtime=300 enable_deadline=0 min_data_rate=0" % p))
            L.append((2, "postfix/smtp[%d]: > %s: MAIL FROM:<%s>" % (p, ep, sender)))
            L.append((2, "postfix/smtp[%d]: > %s: RCPT TO:<%s>" % (p, ep, r)))
            L.append((2, "postfix/smtp[%d]: > %s: DATA" % (p, ep)))
            L.append((2, "postfix/smtp[%d]: < %s: 250 2.1.0 Ok" % (p, ep)))
            L.append((2, "postfix/smtp[%d]: < %s: 250 2.1.5 Ok" % (p, ep)))
            L.append((2, "postfix/smtp[%d]: < %s: 354 go ahead" % (p, ep)))
            L.append((2, "postfix/smtp[%d]: > %s: ." % (p, ep)))
            L.append((2, "postfix/smtp[%d]: < %s: 250 2.0.0 Ok: queued as %X" % (p, ep, random.getrandbits(40))))
        else:
            L.append((2, "postfix/smtp[%d]: Trusted TLS connection established to %s: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" % (p, ep)))
        x = random.random()
        if x < 0.85:
            st = "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %X)" % random.getrandbits(40)
        elif x < 0.95:
            st = "dsn=4.7.1, status=deferred (host %s[%s] said: 451 4.7.1 Greylisted, please try again later (in reply to RCPT TO command))" % (host, mip)
        else:
            st = "dsn=5.1.1, status=bounced (host %s[%s] said: 550 5.1.1 <%s>: Recipient address rejected: User unknown (in reply to RCPT TO command))" % (host, mip, r)
            bounced = True
        L.append((2, "postfix/smtp[%d]: %s: to=<%s>, relay=%s, delay=1.2, delays=0.1/0.01/0.6/0.5, %s" % (p, q, r, ep, st)))
    if bounced:
        b = newqid()
        L.append((3, "postfix/cleanup[%d]: %s: message-id=<%s@relay.example>" % (cpid, b, b)))
        L.append((3, "postfix/bounce[4000]: %s: sender non-delivery notification: %s" % (q, b)))
        L.append((3, "postfix/qmgr[900]: %s: from=<>, size=3000, nrcpt=1 (queue active)" % b))
        L.append((4, "postfix/smtp[4001]: %s: to=<%s>, relay=client%d.%s[%s]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)" % (b, sender, u, acct_dom, ip)))
        L.append((4, "postfix/qmgr[900]: %s: removed" % b))
    L.append((4, "postfix/qmgr[900]: %s: removed" % q))
    return L

def write_line(t, line):
    off, text = line
    write(stamp(t + off))
    write(text)
    write("\n")


interleave(want, t0, message, write_line)
