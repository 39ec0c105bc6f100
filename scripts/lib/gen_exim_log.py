#!/usr/bin/env python3
"""gen_exim_log.py LINES - an Exim 4 mainlog of LINES lines on stdout, shaped like
the one the real relay writes (tests/integration/it_exim_import.sh, log_selector
= +all +pid); see scripts/bench.d/exim_import.sh for its shape.  Seeded: the
same LINES give the same file.  Used by that benchmark and it_pg_log_import."""
import random, sys

from gen_interleave import DOMAINS, MX, interleave
random.seed(42)
want = int(sys.argv[1])
write = sys.stdout.write
t0 = 9 * 3600                   # 2026-11-20 09:00:00
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
seq = [0]

def b62(n, width):
    s = ""
    for _ in range(width):
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s

def newid(t):
    seq[0] += 1
    return "%s-%s-%s" % (b62(1795000000 + t, 6), b62(seq[0] * 7919, 6), b62(seq[0], 2))

def stamp(t, pid):
    h, r = divmod(t, 3600)
    m, s = divmod(r, 60)
    return "2026-11-20 %02d:%02d:%02d.%03d [%d] " % (h % 24, m, s, random.randint(0, 999), pid)

SUBJECTS = ["Invoice %d", "Order confirmation %d", "R\\303\\274ckfrage zu Auftrag %d",
            "Your statement for account %d", "Re: meeting notes %d",
            "\\320\\227\\320\\260\\320\\272\\320\\260\\320\\267 %d"]
TLS = "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes"

def message(t):
    """The lines of one message as (time offset, pid, line) pairs."""
    q = newid(t)
    u = random.randint(1, 200)
    acct_dom = "cust%d.example" % u
    sender = "billing@%s" % acct_dom
    n = random.choice((1, 1, 1, 2, 3))
    dom = random.choice(DOMAINS)
    rcpts = ["user%d@%s" % (random.randint(1, 99999), dom) for _ in range(n)]  # one MX
    spid, dpid = random.randint(1000, 30000), random.randint(1000, 30000)
    ip = "198.51.100.%d" % (u % 250 + 1)
    host, mip = MX[dom]
    L = []
    L.append((0, 900, "SMTP connection from client%d.%s [%s]:%d I=[192.0.2.1]:587 (TCP/IP connection count = 3)" % (u, acct_dom, ip, random.randint(30000, 60000))))
    subj = random.choice(SUBJECTS) % random.randint(1000, 99999)
    L.append((0, spid, "%s <= %s H=client%d.%s (client%d) [%s]:%d I=[192.0.2.1]:587 P=esmtpsa %s A=plain:user%d S=%d M8S=0 RT=0.012s id=%s.%d@%s T=\"%s\" from <%s> for %s"
              % (q, sender, u, acct_dom, u, ip, random.randint(30000, 60000), TLS, u, random.randint(800, 200000), q.lower(), random.randint(1, 10**9), acct_dom, subj, sender, " ".join(rcpts))))
    L.append((1, spid, "SMTP connection from client%d.%s (client%d) [%s]:%d I=[192.0.2.1]:587 closed by QUIT" % (u, acct_dom, u, ip, random.randint(30000, 60000))))
    failed = []
    first = True
    for r in rcpts:
        x = random.random()
        port = random.randint(30000, 60000)
        if x < 0.85:
            L.append((2, dpid, "%s %s %s F=<%s> P=<%s> R=dnslookup T=remote_smtp S=%d H=%s [%s]:25 I=[192.0.2.1]:%d %s DN=\"CN=%s\" K C=\"250 2.0.0 Ok: queued as %X\" QT=1.2s DT=0.6s"
                      % (q, "=>" if first else "->", r, sender, sender, random.randint(800, 200000), host, mip, port, TLS, host, random.getrandbits(40))))
            first = False
        elif x < 0.95:
            L.append((2, dpid, "%s == %s R=dnslookup T=remote_smtp defer (-44) H=%s [%s]:25 I=[192.0.2.1]:%d %s DT=0.4s: SMTP error from remote mail server after RCPT TO:<%s>: 451 4.7.1 Greylisted, please try again later"
                      % (q, r, host, mip, port, TLS, r)))
        else:
            L.append((2, dpid, "%s ** %s F=<%s> P=<%s> R=dnslookup T=remote_smtp H=%s [%s]:25 I=[192.0.2.1]:%d %s: SMTP error from remote mail server after RCPT TO:<%s>: 550 5.1.1 <%s>: Recipient address rejected: User unknown DT=0.3s"
                      % (q, r, sender, sender, host, mip, port, TLS, r, r)))
            failed.append(r)
    if failed:
        b = newid(t)
        L.append((3, random.randint(1000, 30000), "%s <= <> R=%s U=Debian-exim P=local S=3000 M8S=0 RT=0.010s id*=E%s@relay.example T=\"Mail delivery failed: returning message to sender\" from <> for %s" % (b, q, b, sender)))
        L.append((4, random.randint(1000, 30000), "%s => %s F=<> P=<> R=dnslookup T=remote_smtp S=3100 H=client%d.%s [%s]:25 I=[192.0.2.1]:%d L C=\"250 OK\" QT=0.2s DT=0.1s" % (b, sender, u, acct_dom, ip, random.randint(30000, 60000))))
        L.append((4, random.randint(1000, 30000), "%s Completed QT=0.2s" % b))
    if not any(" == " in l for _, _, l in L):   # a deferred message stays queued
        L.append((4, dpid, "%s Completed QT=1.8s" % q))
    return L

def write_line(t, line):
    off, pid, text = line
    write(stamp(t + off, pid))
    write(text)
    write("\n")


def queue_run(t):
    """Every 300 s the queue runner's start and end."""
    if t % 300 != 0:
        return 0
    write(stamp(t, 950) + "Start queue run: pid=950\n")
    write(stamp(t, 950) + "End queue run: pid=950\n")
    return 2


interleave(want, t0, message, write_line, queue_run)
