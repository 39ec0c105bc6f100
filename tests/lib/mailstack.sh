# mailstack.sh - a throwaway mail stack on loopback for tests, the demo and
# the benchmark: Dovecot (IMAP + STARTTLS, IMAPS with a self-signed
# certificate for CN=localhost, users in a passwd-file), Postfix's smtp-sink
# (one file per message in a dump directory) and, on request, a throwaway
# Postfix (STARTTLS + SASL AUTH through Dovecot's auth socket) delivering
# into the Maildir of the Dovecot user "outbox".
#
# Source it, then:
#   ms_init            pick FREE loopback ports, make $MS_DIR (mktemp), cert
#   ms_start           Dovecot + smtp-sink        ms_start_postfix   Postfix
#   ms_stop            everything, by pid         (ms_init sets no trap: the
#                                                  caller does `trap ms_stop EXIT`)
#   ms_stop_dovecot / ms_start_dovecot, ms_stop_sink / ms_start_sink [FLAGS]
#   ms_deliver USER FILE...     drop files into USER's INBOX (Maildir/new)
#   ms_sink_count               messages the sink holds
#   ms_doveadm ARGS...          doveadm against this instance
# MAILSTACK_CERT_NAME=NAME before ms_init: the certificate names only NAME.
# Variables after ms_init: MS_DIR, MS_IMAP_PORT, MS_IMAPS_PORT, MS_SINK_PORT,
# MS_PF_PORT (submission, STARTTLS + AUTH), MS_CERT (CA file for clients),
# MS_USER/MS_PASS (complaints mailbox: testuser/testpass), MS_SINK_DIR.
#
# Works as root (daemons drop to nobody) or as a normal user (Postfix then
# refuses to start).  Nothing in /etc is used or changed; every process is
# stopped by its pid.  Written from ../shared/notes/mail-stack.md.





. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"
. "$(dirname "${BASH_SOURCE[0]}")/need.sh"
. "$(dirname "${BASH_SOURCE[0]}")/store.sh"

_ms_stop_pidfile() {  # NAME PIDFILE [children]
	[ -s "$2" ] || return 0
	proc_stop "mailstack: $1" "$(proc_readpid "$2")" "${3:-}"
	rm -f "$2"
}

ms_init() {
	MS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mailstack.XXXXXX")
	chmod 755 "$MS_DIR"
	if [ "$(id -u)" = 0 ]; then MS_RUNUSER=${MAILSTACK_USER:-nobody}; else MS_RUNUSER=$(id -un); fi
	MS_RUNUID=$(id -u "$MS_RUNUSER"); MS_RUNGID=$(id -g "$MS_RUNUSER")
	MS_RUNGROUP=$(id -gn "$MS_RUNUSER")
	_MS_AS=()
	[ "$(id -u)" = 0 ] && _MS_AS=(setpriv --reuid="$MS_RUNUID" --regid="$MS_RUNGID" --init-groups)
	MS_IMAP_PORT=$(proc_free_port 127.0.0.1); MS_IMAPS_PORT=$(proc_free_port 127.0.0.1)
	MS_SINK_PORT=$(proc_free_port 127.0.0.1); MS_PF_PORT=$(proc_free_port 127.0.0.1)
	MS_USER=testuser; MS_PASS=testpass
	MS_SINK_DIR=$MS_DIR/sink
	MS_CERT=$MS_DIR/tls/cert.pem
	mkdir -p "$MS_DIR"/{dovecot,run,log,mail,sink,tls}
	# MAILSTACK_CERT_NAME: the certificate's only name (TLS refusal tests);
	# default CN=localhost with SAN localhost + 127.0.0.1.
	local san="DNS:localhost,IP:127.0.0.1" cn=localhost
	if [ -n "${MAILSTACK_CERT_NAME:-}" ]; then cn=$MAILSTACK_CERT_NAME; san="DNS:$cn"; fi
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$cn" \
		-addext "subjectAltName=$san" \
		-keyout "$MS_DIR/tls/key.pem" -out "$MS_CERT" 2>/dev/null
	cat > "$MS_DIR/dovecot/users" <<EOF
$MS_USER:{PLAIN}$MS_PASS:$MS_RUNUID:$MS_RUNGID::$MS_DIR/mail/$MS_USER::
outbox:{PLAIN}outboxpass:$MS_RUNUID:$MS_RUNGID::$MS_DIR/mail/outbox::
EOF
	cat > "$MS_DIR/dovecot/dovecot.conf" <<EOF
# Throwaway Dovecot: every process runs as $MS_RUNUSER.
protocols = imap
listen = 127.0.0.1
base_dir = $MS_DIR/run/dovecot
state_dir = $MS_DIR/run/dovecot-state
instance_name = ms$MS_IMAP_PORT
log_path = $MS_DIR/log/dovecot.log
info_log_path = $MS_DIR/log/dovecot.log
default_internal_user = $MS_RUNUSER
default_internal_group = $MS_RUNGROUP
default_login_user = $MS_RUNUSER
ssl = yes
ssl_cert = <$MS_DIR/tls/cert.pem
ssl_key = <$MS_DIR/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $MS_DIR/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $MS_DIR/dovecot/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $MS_IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $MS_IMAPS_PORT
    ssl = yes
  }
}
service auth {
  unix_listener sasl-auth {
    mode = 0666
  }
}
service anvil {
  chroot =
}
${DOVECOT_EXTRA:-}
EOF
	for u in "$MS_USER" outbox; do
		mkdir -p "$MS_DIR/mail/$u/Maildir"/{cur,new,tmp}
	done
	[ "$(id -u)" = 0 ] && chown -R "$MS_RUNUID:$MS_RUNGID" "$MS_DIR"/{dovecot,run,log,mail,sink,tls}
	export MS_DIR MS_IMAP_PORT MS_IMAPS_PORT MS_SINK_PORT MS_PF_PORT MS_CERT MS_USER MS_PASS MS_SINK_DIR
}

ms_start_dovecot() {
	"${_MS_AS[@]}" dovecot -c "$MS_DIR/dovecot/dovecot.conf" || return 1
	proc_wait_port 127.0.0.1 "$MS_IMAP_PORT" up && proc_wait_port 127.0.0.1 "$MS_IMAPS_PORT" up
}

ms_stop_dovecot() {
	_ms_stop_pidfile dovecot "$MS_DIR/run/dovecot/master.pid" children
	proc_wait_port 127.0.0.1 "$MS_IMAP_PORT" down
}

ms_start_sink() {  # extra smtp-sink flags, e.g. -r RCPT (soft-reject every RCPT)
	local u=()
	[ "$(id -u)" = 0 ] && u=(-u "$MS_RUNUSER")
	smtp-sink "${u[@]}" "$@" -d "$MS_SINK_DIR/msg." 127.0.0.1:"$MS_SINK_PORT" 256 \
		> "$MS_DIR/log/smtp-sink.log" 2>&1 < /dev/null &
	echo $! > "$MS_DIR/run/smtp-sink.pid"
	proc_wait_port 127.0.0.1 "$MS_SINK_PORT" up
}

ms_stop_sink() {
	_ms_stop_pidfile smtp-sink "$MS_DIR/run/smtp-sink.pid"
	proc_wait_port 127.0.0.1 "$MS_SINK_PORT" down
}

ms_start() { ms_start_dovecot && ms_start_sink; }

ms_start_postfix() {
	[ "$(id -u)" = 0 ] || { echo "mailstack: Postfix needs root" >&2; return 1; }
	local etc=$MS_DIR/postfix/etc
	mkdir -p "$etc" "$MS_DIR/postfix/spool" "$MS_DIR/postfix/data"
	chown postfix "$MS_DIR/postfix/data"
	cat > "$etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $etc
queue_directory = $MS_DIR/postfix/spool
data_directory = $MS_DIR/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $MS_DIR/log
maillog_file = $MS_DIR/log/postfix.log
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mailstack.test
mydomain = mailstack.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
biff = no
alias_maps =
alias_database =
smtputf8_enable = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
virtual_mailbox_domains = static:all
virtual_mailbox_base = $MS_DIR/mail
virtual_mailbox_maps = static:outbox/Maildir/
virtual_uid_maps = static:$MS_RUNUID
virtual_gid_maps = static:$MS_RUNGID
virtual_minimum_uid = 1
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_tls_cert_file = $MS_DIR/tls/cert.pem
smtpd_tls_key_file = $MS_DIR/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_received_header = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $MS_DIR/run/dovecot/sasl-auth
EOF
	{
		echo "127.0.0.1:$MS_PF_PORT inet n - n - - smtpd"
		grep -v '^#' /usr/share/postfix/master.cf.dist | grep -v '^[[:space:]]*$' |
			sed -n '/^pickup/,/^postlog/p' |
			sed -E 's/^([a-z-]+ +(unix|unix-dgram|inet|fifo|pass) +[-ny] +[-ny] +)y /\1n /'
	} > "$etc/master.cf"
	postfix -c "$etc" check > /dev/null 2>&1 || { tail -5 "$MS_DIR/log/postfix.log" >&2; return 1; }
	postfix -c "$etc" start > /dev/null 2>&1 || { tail -5 "$MS_DIR/log/postfix.log" >&2; return 1; }
	proc_wait_port 127.0.0.1 "$MS_PF_PORT" up
}

ms_stop() {
	[ -n "${MS_DIR:-}" ] && [ -d "$MS_DIR" ] || return 0
	if [ -s "$MS_DIR/postfix/spool/pid/master.pid" ]; then
		_ms_stop_pidfile postfix "$MS_DIR/postfix/spool/pid/master.pid"
	fi
	ms_stop_dovecot 2>/dev/null || true
	ms_stop_sink 2>/dev/null || true
	if [ -z "${MS_KEEP:-}" ]; then rm -rf "$MS_DIR"; fi
}

# ms_deliver USER FILE...: into USER's INBOX the way a local delivery agent
# does (tmp/ then rename into new/); Dovecot sees them at its next sync.
ms_deliver() {
	local user=$1 md f n base
	shift
	md=$MS_DIR/mail/$user/Maildir
	n=0
	for f in "$@"; do
		n=$((n + 1))
		base="$(date +%s).M$$P$n.$RANDOM$RANDOM.mailstack"
		cp "$f" "$md/tmp/$base"
		[ "$(id -u)" = 0 ] && chown "$MS_RUNUID:$MS_RUNGID" "$md/tmp/$base"
		mv "$md/tmp/$base" "$md/new/$base"
	done
}

ms_sink_count() { find "$MS_SINK_DIR" -type f -name 'msg.*' | wc -l; }

ms_doveadm() { doveadm -c "$MS_DIR/dovecot/dovecot.conf" "$@"; }

# A responder config for this stack: ms_responder_conf FILE [imap|imaps|starttls]
# writes FILE (password file next to it) with the store under $MS_DIR.
ms_responder_conf() {
	local conf=$1 mode=${2:-imaps} url tls=required
	case $mode in
	imaps) url="imaps://localhost:$MS_IMAPS_PORT" ;;
	starttls) url="imap://localhost:$MS_IMAP_PORT" ;;
	imap) url="imap://127.0.0.1:$MS_IMAP_PORT"; tls=none ;;
	esac
	printf '%s\n' "$MS_PASS" > "$conf.imap.secret"
	chmod 600 "$conf.imap.secret"
	cat > "$conf" <<EOF
[responder]
address = support@relay.example
name = Relay Support
[store]
$(store_conf "$MS_DIR/store.db")
[imap]
url = $url
tls = $tls
ca_file = $MS_CERT
username = $MS_USER
password_file = $conf.imap.secret
folder = INBOX
processed_folder = Processed
quarantine_folder = Quarantine
poll_interval = 1
timeout = 20
[smtp]
url = smtp://127.0.0.1:$MS_SINK_PORT
tls = none
envelope_from = <>
timeout = 20
[policy]
max_replies_per_requester_per_hour = 100000
max_replies_per_account_per_hour = 0
max_replies_total_per_hour = 0
match_window_days = 3650
EOF
}

# ---- helpers for tests/it_daemon_*.sh ------------------------------------

# ms_it_setup [imaps|starttls|imap]: skip_or_fail without the servers; start the
# stack; write $CONF; import the sample records.  Sets R (the responder
# command) and CONF; installs the EXIT trap (daemon, then the stack).
ms_it_setup() {
	need_tool dovecot doveadm smtp-sink openssl
	store_is_pg || need_tool sqlite3
	[ -x "${RESPONDER_BIN:-}" ] || { echo "RESPONDER_BIN not set or not executable" >&2; exit 1; }
	ms_init
	RPID=""
	trap 'ms_kill_daemon; ms_stop' EXIT
	ms_start || {
		echo "mail stack did not start; the end of its logs:" >&2
		tail -n 5 "$MS_DIR/log/dovecot.log" "$MS_DIR/log/smtp-sink.log" >&2 2>/dev/null
		exit 1
	}
	CONF=$MS_DIR/responder.conf
	ms_responder_conf "$CONF" "${1:-imaps}"
	R=("$RESPONDER_BIN" -c "$CONF")
	"${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl" > /dev/null
}

# ms_run_daemon: `responder run` in the background, log appended to
# $MS_DIR/log/responder.log; its pid in RPID.
ms_run_daemon() {
	"${R[@]}" run >> "$MS_DIR/log/responder.log" 2>&1 &
	RPID=$!
}

ms_kill_daemon() {  # [SIGNAL]: stop the daemon started by ms_run_daemon
	if [ -n "${RPID:-}" ]; then
		kill "-${1:-TERM}" "$RPID" 2>/dev/null || true
		wait "$RPID" 2>/dev/null || true
		RPID=""
	fi
}

# ms_wait_until SECONDS CMD...: polls CMD every 0.1 s; 1 when it never held.
# (A deadline so a broken test fails instead of hanging; not a timing check.)
ms_wait_until() {
	local end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

ms_sink_has() { [ "$(ms_sink_count)" -ge "$1" ]; }

# ms_append FILE...: IMAP APPEND into INBOX as the complaints user, over
# one connection (what IDLE sees).  Uses tests/tools/ittool_append from
# $RESPONDER_TESTBIN (or $MS_APPEND_TOOL).
ms_append() {
	"${MS_APPEND_TOOL:-$RESPONDER_TESTBIN/ittool_append}" 127.0.0.1 "$MS_IMAP_PORT" \
		"$MS_USER" "$MS_PASS" INBOX "$@"
}

# ms_complaint N [FROM]: a complaint about <inv-1042@acme.example> with
# Message-ID <cN@acme.example>, written to $MS_DIR/cN.eml (path printed).
ms_complaint() {
	local f=$MS_DIR/c$1.eml
	printf 'From: Acme Billing <%s>\r\nTo: support@relay.example\r\nSubject: Fwd: Invoice 1042 (%s)\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <c%s@acme.example>\r\nContent-Type: text/plain\r\n\r\nBob never got <inv-1042@acme.example>, complaint %s.\r\n' \
		"${2:-billing@acme.example}" "$1" "$1" "$1" > "$f"
	echo "$f"
}

# ms_fail MESSAGE: print it with the logs' tails, exit 1.
ms_fail() {
	local l
	echo "FAIL: $*" >&2
	for l in "$MS_DIR"/log/responder.log "$MS_DIR"/log/dovecot.log "$MS_DIR"/log/postfix.log; do
		[ -s "$l" ] && { echo "--- $l" >&2; tail -20 "$l" >&2; }
	done
	exit 1
}

# ms_sql SQL: a query on the responder's store.
ms_sql() { store_sql "$MS_DIR/store.db" "$1"; }

# ms_sink_in_reply_to: the In-Reply-To of every reply in the sink, one a line.
ms_sink_in_reply_to() {
	find "$MS_SINK_DIR" -type f -name 'msg.*' -exec grep -h -m1 -i '^In-Reply-To:' {} + |
		sed 's/^[^:]*: *//' | tr -d '\r'
}
