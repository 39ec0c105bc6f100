#!/usr/bin/env bash
# it_pg_lease.sh - a complaint whose claim a dead responder still holds is
# answered once its lease runs out, without new mail and without a
# restart: Dovecot, smtp-sink and a throwaway PostgreSQL (tests/lib/pg.sh).
#
# Three complaints are delivered; the claim on the second is written into
# the store for node "n9", which never comes (a node that died holding
# it), for 8 more seconds.  Two responders (n1, n2, lease_seconds 5) start:
# the first and third are answered at once; the second is left to n9, and
# each node's IMAP position moves past it.  The search of a later pass
# starts above that position, so before the fix the second complaint
# waited for the next restart of some node; now a pass that left a
# message behind makes the next one search the whole folder, after at
# most the lease, and the second is answered exactly once.
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
. "$RESPONDER_SRC/tests/lib/pg.sh"
ms_it_setup imaps
PIDS=()
stop_nodes() { proc_term_wait "${PIDS[@]}"; PIDS=(); }
trap 'stop_nodes; ms_stop; pg_cleanup' EXIT
pg_init || ms_fail "initdb"
pg_start || ms_fail "pg_start"
pg_createdb responder
URL=$(pg_url responder)
PGPASSWORD=$(cat "$PG_PASSFILE") "${R[@]}" migrate-store --from "sqlite:$MS_DIR/store.db" \
	--to "$URL" --quiet > /dev/null || ms_fail "migrate-store"
pg_node_confs "$CONF" "$MS_DIR" "$URL" 2 5
files=("$(ms_complaint 1)" "$(ms_complaint 2)" "$(ms_complaint 3)")
ms_deliver "$MS_USER" "${files[@]}"
# The complaint key (responder/decide/pipeline.c): the top Message-ID and
# the SHA-256 of the message as the IMAP server gives it (the file, here).
key() { printf '<c%s@acme.example> %s' "$1" "$(sha256sum < "$2" | cut -d' ' -f1)"; }
pg_psql responder "INSERT INTO claims(complaint_key, node, expires_at)
	VALUES ('$(key 2 "${files[1]}")', 'n9', extract(epoch FROM now())::bigint + 8)"
for n in 1 2; do
	"$RESPONDER_BIN" -c "$MS_DIR/n$n.conf" run >> "$MS_DIR/log/n$n.log" 2>&1 &
	PIDS+=($!)
done
ms_wait_until 30 ms_sink_has 2 || ms_fail "the two free complaints were not answered"
# The key computed here is the one the responders use (else the claim
# above guarded nothing and the test proves nothing).
[ "$(pg_psql responder "SELECT count(*) FROM requests WHERE complaint_key = '$(key 1 "${files[0]}")'")" -ge 1 ] ||
	ms_fail "complaint 1 was recorded under another key than the test computed"
grep -q "c2@acme" <(ms_sink_in_reply_to) && ms_fail "complaint 2 answered while n9's claim held"
ms_wait_until 40 ms_sink_has 3 || {
	cat "$MS_DIR"/log/n?.log >&2
	ms_fail "complaint 2 not answered after the dead node's lease ran out"
}
sleep 6  # a second answer would come within one more lease
stop_nodes
[ "$(ms_sink_count)" = 3 ] || ms_fail "$(ms_sink_count) replies for 3 complaints"
[ "$(ms_sink_in_reply_to | sort -u | wc -l)" = 3 ] || ms_fail "a complaint answered twice"
left=$(pg_psql responder "SELECT count(*) FROM claims")
[ "$left" = 0 ] || ms_fail "$left claims left in the store"
echo "PASS: a dead node's claim ran out and its complaint was answered once, no restart"
