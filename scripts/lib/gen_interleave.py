"""gen_interleave.py - the loop the log generators (gen_postfix_log.py,
gen_exim_log.py) share: about 40 messages in flight, a random one's next
line written at each step, the clock a second further now and then.

interleave(want, t, message, write_line, tick=None)
    message(t)           the lines of a new message starting at time t
    write_line(t, line)  writes one of them (t: the clock now)
    tick(t)              after the clock moved: writes what a log has at
                         that second besides the messages, returns how
                         many lines
Stops once `want` lines are written.  The random calls are the loop's
own, in a fixed order: the same seed gives the same file.  DOMAINS and
MX: the recipients' domains and their MX hosts, the same for both.
"""
import random

# Where both generators' messages go, and each domain's MX host and address.
DOMAINS = ["northwind.example", "fabrikam.example", "contoso.example", "wingtip.example",
           "tailspin.example", "gmail.com", "outlook.com", "yahoo.com"]
MX = {d: ("mx.%s" % d, "192.0.2.%d" % (i + 10)) for i, d in enumerate(DOMAINS)}


def interleave(want, t, message, write_line, tick=None):
    written = 0
    active = []      # [lines, index]
    while written < want:
        while len(active) < 40:
            active.append([message(t), 0])
        i = random.randrange(len(active))
        lines, k = active[i]
        write_line(t, lines[k])
        written += 1
        if random.random() < 0.02:
            t += 1
            if tick is not None:
                written += tick(t)
        if k + 1 == len(lines):
            active[i] = active[-1]
            active.pop()
        else:
            active[i][1] = k + 1
