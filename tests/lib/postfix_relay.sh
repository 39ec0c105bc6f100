# postfix_relay.sh - a throwaway outbound Postfix relay on loopback, for the
# Postfix log import test: the relay's own log (maillog_file) is what the
# importer reads.
#
#   * Postfix (needs root) with maillog_file, syslog_name "postfix-out" and
#     a submission service logging as "postfix-out/submission", long queue
#     IDs, header_checks logging Subject with INFO, SASL AUTH (PLAIN) through
#     a Dovecot auth-only instance (passwd-file user pfr_user/pfr_pass);
#   * three loopback "MX" smtp-sink instances reached via transport_maps:
#       ok.example     -> 127.0.0.1:$PFR_OK_PORT      accepts
#       defer.example  -> 127.0.0.1:$PFR_DEFER_PORT   450 at RCPT
#       reject.example -> 127.0.0.1:$PFR_REJECT_PORT  550 5.1.1 at RCPT
#     and a fourth accepting sink on 127.0.0.2 (debug.example) that is in
#     debug_peer_list, so the smtp client logs the whole conversation.
#     Everything else (bounces to the senders) goes to the accepting sink.
#
# Source it, then:
#   pfr_init [long|short]   FREE ports, a mktemp dir ($PFR_DIR), configs
#   pfr_start               Dovecot auth, the sinks, Postfix
#   pfr_stop                all of them, by pid (callers `trap pfr_stop EXIT`)
#   pfr_wait_status N [S]   wait (<= S s, default 60) for N "status=" lines
# Variables: PFR_DIR, PFR_LOG (the Postfix log), PFR_SUBMIT_PORT, PFR_USER,
# PFR_PASS (and a second SASL user PFR_USER2, PFR_PASS2), PFR_OK_PORT, PFR_DEFER_PORT, PFR_REJECT_PORT, PFR_DEBUG_PORT.
# Nothing under /etc is read or changed (Postfix gets -c, Dovecot -c).
# Written from ../shared/notes/mail-stack.md.





. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

pfr_init() {
	PFR_IDS=${1:-long}
	PFR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pfrelay.XXXXXX")
	chmod 755 "$PFR_DIR"
	PFR_LOG=$PFR_DIR/log/postfix.log
	PFR_SUBMIT_PORT=$(proc_free_port 127.0.0.1)
	PFR_OK_PORT=$(proc_free_port 127.0.0.1)
	PFR_DEFER_PORT=$(proc_free_port 127.0.0.1)
	PFR_REJECT_PORT=$(proc_free_port 127.0.0.1)
	PFR_DEBUG_PORT=$(proc_free_port 127.0.0.2)
	PFR_IMAP_PORT=$(proc_free_port 127.0.0.1)
	PFR_USER=pfr_user
	PFR_PASS=pfr_pass
	PFR_USER2=pfr_other
	PFR_PASS2=pfr_other_pass
	PFR_PIDS=()
	export PFR_DIR PFR_LOG PFR_SUBMIT_PORT PFR_OK_PORT PFR_DEFER_PORT \
	       PFR_REJECT_PORT PFR_DEBUG_PORT PFR_USER PFR_PASS PFR_USER2 PFR_PASS2
	_pfr_write_dovecot
	_pfr_write_postfix
}

_pfr_write_dovecot() {
	local d=$PFR_DIR
	mkdir -p "$d"/dovecot "$d"/run "$d"/log
	cat > "$d/dovecot/users" <<EOF
$PFR_USER:{PLAIN}$PFR_PASS:65534:65534::$d/home::
$PFR_USER2:{PLAIN}$PFR_PASS2:65534:65534::$d/home::
EOF
	# Auth is all we need; an IMAP listener on a free port keeps Dovecot's
	# usual shape (the recipe in mail-stack.md).
	cat > "$d/dovecot/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $d/run/dovecot
state_dir = $d/run/dovecot-state
instance_name = pfrelay
log_path = $d/log/dovecot.log
info_log_path = $d/log/dovecot.log
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/dovecot/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $PFR_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
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
EOF
	chown -R 65534:65534 "$d"/dovecot "$d"/run "$d"/log
}

_pfr_write_postfix() {
	local d=$PFR_DIR etc=$PFR_DIR/postfix/etc long=yes
	[ "$PFR_IDS" = short ] && long=no
	mkdir -p "$etc" "$d/postfix/spool" "$d/postfix/data"
	chown postfix "$d/postfix/data"
	cat > "$etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $etc
queue_directory = $d/postfix/spool
data_directory = $d/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $d/log
maillog_file = $PFR_LOG
syslog_name = postfix-out
enable_long_queue_ids = $long
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.pfr.test
mydomain = pfr.test
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
relayhost =
biff = no
alias_maps =
alias_database =
smtputf8_enable = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_tls_security_level = none
transport_maps = texthash:$etc/transport
default_transport = smtp:[127.0.0.1]:$PFR_OK_PORT
header_checks = regexp:$etc/header_checks
debug_peer_list = 127.0.0.2
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $d/run/dovecot/sasl-auth
smtpd_tls_security_level = none
smtpd_tls_auth_only = no
# fail fast, keep deferred mail quiet while the test runs
smtp_connect_timeout = 5s
queue_run_delay = 300s
minimal_backoff_time = 300s
EOF
	cat > "$etc/transport" <<EOF
ok.example       smtp:[127.0.0.1]:$PFR_OK_PORT
defer.example    smtp:[127.0.0.1]:$PFR_DEFER_PORT
reject.example   smtp:[127.0.0.1]:$PFR_REJECT_PORT
debug.example    smtp:[127.0.0.2]:$PFR_DEBUG_PORT
EOF
	cat > "$etc/header_checks" <<'EOF'
/^Subject:/ INFO
EOF
	{
		echo "127.0.0.1:$PFR_SUBMIT_PORT inet n - n - - smtpd"
		echo "  -o syslog_name=postfix-out/submission"
		grep -v '^#' /usr/share/postfix/master.cf.dist | grep -v '^[[:space:]]*$' |
			sed -n '/^pickup/,/^postlog/p' |
			sed -E 's/^([a-z-]+ +(unix|unix-dgram|inet|fifo|pass) +[-ny] +[-ny] +)y /\1n /'
	} > "$etc/master.cf"
}

_pfr_sink() {  # ADDR:PORT NAME FLAGS...
	proc_smtp_sink "$PFR_DIR" "$@"
	PFR_PIDS+=("$PROC_PID")
}

pfr_start() {
	local etc=$PFR_DIR/postfix/etc
	setpriv --reuid=65534 --regid=65534 --init-groups \
		dovecot -c "$PFR_DIR/dovecot/dovecot.conf" || return 1
	_pfr_sink "127.0.0.1:$PFR_OK_PORT" ok
	_pfr_sink "127.0.0.1:$PFR_DEFER_PORT" defer -r RCPT
	_pfr_sink "127.0.0.1:$PFR_REJECT_PORT" reject -f RCPT -B '550 5.1.1 no such user here'
	_pfr_sink "127.0.0.2:$PFR_DEBUG_PORT" debug
	proc_wait_port 127.0.0.1 "$PFR_OK_PORT" up || return 1
	proc_wait_port 127.0.0.1 "$PFR_DEFER_PORT" up || return 1
	proc_wait_port 127.0.0.1 "$PFR_REJECT_PORT" up || return 1
	proc_wait_port 127.0.0.2 "$PFR_DEBUG_PORT" up || return 1
	for _ in $(seq 100); do
		[ -S "$PFR_DIR/run/dovecot/sasl-auth" ] && break
		sleep 0.05
	done
	# Postfix reports its own start-up errors in its log, not on stderr.
	if ! postfix -c "$etc" check > /dev/null 2>&1 ||
	   ! postfix -c "$etc" start > /dev/null 2>&1; then
		echo "postfix_relay: postfix did not start:" >&2
		tail -5 "$PFR_LOG" >&2 2>/dev/null
		return 1
	fi
	proc_wait_port 127.0.0.1 "$PFR_SUBMIT_PORT" up
}

pfr_stop() {
	local pid
	[ -n "${PFR_DIR:-}" ] || return 0
	pid=$(proc_readpid "$PFR_DIR/postfix/spool/pid/master.pid")
	proc_stop "postfix_relay: postfix" "$pid"
	pid=$(proc_readpid "$PFR_DIR/run/dovecot/master.pid")
	proc_stop "postfix_relay: dovecot" "$pid" children
	for pid in "${PFR_PIDS[@]}"; do proc_stop "postfix_relay: smtp-sink" "$pid"; done
	PFR_PIDS=()
	if [ -z "${PFR_KEEP:-}" ]; then
		rm -rf "$PFR_DIR"
	else
		echo "postfix_relay: kept $PFR_DIR" >&2
	fi
	PFR_DIR=
}

pfr_wait_status() {  # N [SECONDS]: wait until the log has N delivery status lines
	local want=$1 secs=${2:-60} have=0
	for _ in $(seq $((secs * 10))); do
		have=$(grep -c ' status=' "$PFR_LOG" 2>/dev/null || true)
		[ "${have:-0}" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "postfix_relay: only $have of $want status lines after ${secs}s" >&2
	return 1
}
