#!/usr/bin/env bash
# it_conversation: the conversation and the languages, end to end through
# `responder once` against a throwaway Dovecot (IMAPS) and smtp-sink.
#
#  1. An ambiguous complaint gets the candidate list; the requester replies
#     "2" above the quoted list (which holds every candidate's Message-ID
#     and queue ID) and gets the full report for candidate 2; the request
#     log links the two (thread_id, follow_up_of).
#  2. A stranger (another account) replying to that thread gets nothing.
#  3. A robot replying to our reply (X-Autoreply) is ignored.
#  4. A not_found, then a reply naming the recipient, is answered found.
#  5. One complaint per language (forward labels of that language): the
#     reply's Content-Language and a date written the language's way.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
need_tool python3

once() { "${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once exited $?"; }
# The newest reply in the sink (its file name).
newest() { ls -t "$MS_SINK_DIR"/msg.* | head -1; }
# A header of a reply file, unfolded, without CR.
header() { python3 - "$1" "$2" <<'EOF'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print(m.get(sys.argv[2], ''))
EOF
}
# The decoded text/plain part of a reply file.
text_of() { python3 - "$1" <<'EOF'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
for p in m.walk():
    if p.get_content_type() == 'text/plain' and p.get_filename() is None:
        sys.stdout.write(p.get_content())
        break
EOF
}
# A reply of FROM to our reply MID with SUBJECT and BODY (file name).
follow_up() {
	local f=$MS_DIR/fu$1.eml
	printf 'From: %s\r\nTo: support@relay.example\r\nSubject: %s\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\nMessage-ID: <fu%s@x.example>\r\nIn-Reply-To: %s\r\nReferences: %s\r\nReturn-Path: <%s>\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\n%s' \
		"$2" "$4" "$1" "$3" "$3" "$2" "${6:-}" "$5" > "$f"
	echo "$f"
}

# ---- 1. "2" picks candidate 2 -----------------------------------------------
ms_deliver "$MS_USER" "$RESPONDER_SRC/store/samples/complaints/4-ambiguous.eml"
once
[ "$(ms_sink_count)" = 1 ] || ms_fail "the ambiguous complaint got $(ms_sink_count) replies"
r1=$(newest)
mid1=$(header "$r1" Message-ID)
case $mid1 in *@relay.example\>) ;; *) ms_fail "our reply's Message-ID is not of our domain: $mid1" ;; esac
id1=$(ms_sql "SELECT id FROM requests WHERE complaint_message_id = '<c4-ambig@acme.example>'")
[ "$(ms_sql "SELECT reply_message_id FROM requests WHERE id = $id1")" = "$mid1" ] ||
	ms_fail "the request log does not hold our reply's Message-ID"
want=$(ms_sql "SELECT $(store_json matches 1,queue_id) FROM requests WHERE id = $id1")
[ -n "$want" ] || ms_fail "no second candidate"
# the requester's client quotes our whole reply below the answer
quote=$(text_of "$r1" | sed 's/^/> /')
body="2

Thanks, Anna

On Mon, 7 Dec 2026 at 08:59, Relay Support <support@relay.example> wrote:
$quote
"
ms_deliver "$MS_USER" "$(follow_up 1 billing@acme.example "$mid1" "Re: Fwd: Invoice" "$body")"
once
[ "$(ms_sink_count)" = 2 ] || ms_fail "the reply \"2\" got no answer"
r2=$(newest)
row=$(ms_sql "SELECT outcome || ' ' || matched_queue_id || ' ' || thread_id || ' ' || follow_up_of FROM requests WHERE complaint_message_id = '<fu1@x.example>'")
[ "$row" = "found $want $id1 $id1" ] || ms_fail "the reply \"2\" was decided as: $row (want found $want $id1 $id1)"
[ "$(header "$r2" In-Reply-To)" = "<fu1@x.example>" ] || ms_fail "the answer does not answer the follow-up"
text_of "$r2" | grep "Queue ID: *$want" >/dev/null || ms_fail "the answer is not the full report of candidate 2"
"${R[@]}" log --json --limit 5 | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
fu = [r for r in rows if r.get('complaint_message_id') == '<fu1@x.example>'][0]
assert fu['thread_id'] == $id1 and fu['follow_up_of'] == $id1, fu
assert fu['language'] == 'en', fu
" || ms_fail "log --json lacks thread_id / follow_up_of / language"
"${R[@]}" log show "$id1" | grep "thread: *2 requests" >/dev/null || ms_fail "log show does not show the thread"

# ---- 2. a stranger replying to someone else's thread gets nothing -----------
ms_deliver "$MS_USER" "$(follow_up 2 ops@globex.example "$mid1" "Re: Fwd: Invoice" "1
")"
once
[ "$(ms_sink_count)" = 2 ] || ms_fail "a stranger got an answer"
[ "$(ms_sql "SELECT outcome FROM requests WHERE complaint_message_id = '<fu2@x.example>'")" = unauthorized ] ||
	ms_fail "the stranger's reply was not recorded as unauthorized"

# ---- 3. a robot replying to our reply is ignored (no ping-pong) -------------
ms_deliver "$MS_USER" "$(follow_up 3 billing@acme.example "$(header "$r2" Message-ID)" \
	"Re: Fwd: Invoice" "I am out of the office until Monday.
" "X-Autoreply: yes"$'\r\n')"
once
[ "$(ms_sink_count)" = 2 ] || ms_fail "an auto-reply to our reply was answered"
[ "$(ms_sql "SELECT outcome FROM requests WHERE complaint_message_id = '<fu3@x.example>'")" = ignored ] ||
	ms_fail "the auto-reply was not ignored"

# ---- 4. not_found, then the recipient -> found ------------------------------
nf=$MS_DIR/nf.eml
printf 'From: Acme Sales <sales@acme.example>\r\nTo: support@relay.example\r\nSubject: Fwd: Newsletter December\r\nDate: Mon, 07 Dec 2026 08:00:00 +0000\r\nMessage-ID: <nf1@acme.example>\r\nContent-Type: text/plain\r\n\r\nZoe says she never got our newsletter.\r\n\r\nFrom: Acme Sales <sales@acme.example>\r\nSent: Tuesday, November 24, 2026 10:00 AM\r\nTo: zoe@elsewhere.example\r\nSubject: Newsletter December\r\n\r\nNews.\r\n' > "$nf"
ms_deliver "$MS_USER" "$nf"
once
[ "$(ms_sink_count)" = 3 ] || ms_fail "the not_found complaint got no answer"
[ "$(ms_sql "SELECT outcome FROM requests WHERE complaint_message_id = '<nf1@acme.example>'")" = not_found ] ||
	ms_fail "the complaint about Zoe was not not_found"
r3=$(newest)
ms_deliver "$MS_USER" "$(follow_up 4 sales@acme.example "$(header "$r3" Message-ID)" \
	"Re: Fwd: Newsletter December" "Sorry, my mistake: it was the quote we sent to carol@fabrikam.example on 21 November.

$(text_of "$r3" | sed 's/^/> /')
")"
once
[ "$(ms_sink_count)" = 4 ] || ms_fail "the more detailed reply got no answer"
row=$(ms_sql "SELECT outcome || ' ' || coalesce(matched_queue_id, '-') FROM requests WHERE complaint_message_id = '<fu4@x.example>'")
[ "$row" = "found 4XbR2n1wH8a2bb" ] || ms_fail "the reply naming the recipient was: $row ($(ms_sql "SELECT why FROM requests WHERE complaint_message_id = '<fu4@x.example>'"))"

# ---- 5. one complaint per language -------------------------------------------
# code, forward labels (from sent to subject), the requester's words, and a
# date the reply must write (Invoice 1042 was submitted 2026-11-20 09:14:02 UTC)
n=0
while IFS='|' read -r code from sent to subj words date; do
	n=$((n + 1))
	f=$MS_DIR/lang-$code.eml
	printf 'From: Acme Billing <billing@acme.example>\r\nTo: support@relay.example\r\nSubject: Fwd: Invoice 1042\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <lang-%s@acme.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n%s: Acme Billing <billing@acme.example>\r\n%s: 2026-11-20 09:14\r\n%s: bob@northwind.example\r\n%s: Invoice 1042\r\n\r\nInvoice 1042 is attached.\r\n' \
		"$code" "$words" "$from" "$sent" "$to" "$subj" > "$f"
	ms_deliver "$MS_USER" "$f"
	once
	[ "$(ms_sink_count)" = $((4 + n)) ] || ms_fail "$code: no reply"
	r=$(newest)
	[ "$(header "$r" Content-Language)" = "$code" ] ||
		ms_fail "$code: the reply is in '$(header "$r" Content-Language)' ($(ms_sql "SELECT why FROM requests WHERE complaint_message_id = '<lang-$code@acme.example>'"))"
	[ "$(ms_sql "SELECT language FROM requests WHERE complaint_message_id = '<lang-$code@acme.example>'")" = "$code" ] ||
		ms_fail "$code: the request log has another language"
	text_of "$r" | grep -F "$date" >/dev/null || ms_fail "$code: no date written as \"$date\" in:
$(text_of "$r" | head -20)"
done <<'EOF'
en|From|Sent|To|Subject|Hello, Bob says he never got our invoice. Can you check?|2026-11-20 09:14:02 UTC
de|Von|Gesendet|An|Betreff|Hallo, Bob sagt, dass die Rechnung nicht angekommen ist. Bitte prüfen Sie das.|20. November 2026, 09:14 UTC
fr|De|Envoyé|À|Objet|Bonjour, Bob n'a jamais reçu la facture. Pouvez-vous vérifier ?|20 novembre 2026 à 09:14 UTC
es|De|Enviado el|Para|Asunto|Hola, Bob dice que no ha recibido la factura. ¿Pueden revisarlo?|20 de noviembre de 2026, 09:14 UTC
it|Da|Inviato|A|Oggetto|Buongiorno, Bob non ha ricevuto la fattura. Potete verificare?|20 novembre 2026, 09:14 UTC
nl|Van|Verzonden|Aan|Onderwerp|Goedendag, Bob heeft de factuur niet ontvangen. Kunt u dat nakijken?|20 november 2026, 09:14 UTC
pt|De|Enviada em|Para|Assunto|Olá, o Bob não recebeu a fatura. Podem verificar?|20 de novembro de 2026, 09:14 UTC
pl|Od|Wysłano|Do|Temat|Dzień dobry, Bob nie otrzymał faktury. Czy możecie to sprawdzić?|20 listopada 2026, 09:14 UTC
EOF
echo "PASS: reply \"2\" answers candidate 2, strangers and robots get nothing, not_found then recipient is found, replies in 8 languages"
