# exim_relay.sh - a throwaway outbound Exim 4.96 relay on loopback, for the
# Exim log import test: the relay's own mainlog is what the importer reads.
# Written from ../shared/notes/exim-beside-postfix.md.
#
#   * Exim (Debian 12's exim4-daemon-light, unpacked by scripts/deps into
#     $EXIM_ROOT without installing it: the package conflicts with Postfix)
#     runs as a daemon with its own -C config, in a private mount namespace
#     whose /etc/passwd has the compiled-in Debian-exim user (mapped to
#     nobody) and whose /etc/hosts names the MX hosts; nothing under /etc is
#     changed for anyone else.  log_selector = +all, +subject, +pid.
#     AUTH PLAIN with two users (acme_user, globex_user) checked by the
#     config itself.
#   * three loopback "MX" smtp-sink instances, by domain:
#       ok.example     -> mx.ok.example     127.0.0.2:$EXR_OK_PORT      accepts
#       defer.example  -> mx.defer.example  127.0.0.3:$EXR_DEFER_PORT   450 at RCPT
#       reject.example -> mx.reject.example 127.0.0.4:$EXR_REJECT_PORT 550 5.1.1 at RCPT
#     loop.example's MX is the relay itself: Exim freezes such a message.
#     Everything else (bounces to the senders) goes to the accepting sink.
#
# Source it, then:
#   exr_init        free ports, a mktemp dir ($EXR_DIR), the config
#   exr_start       the sinks and Exim
#   exr_stop        all of them, by pid (callers `trap exr_stop EXIT`)
#   exr_exim ARGS   runs the unpacked exim4 with the config (e.g. -qff, -Mrm)
#   exr_wait N [S]  wait (<= S s, default 60) until the mainlog has N lines
#                   matching the extended regexp in $EXR_WAIT_RE
#                   (default: deliveries, failures and deferrals)
# Variables: EXR_DIR, EXR_LOG (the mainlog), EXR_SUBMIT_PORT, EXR_OK_PORT,
# EXR_DEFER_PORT, EXR_REJECT_PORT, EXR_EXIM (the binary).

. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

EXIM_ROOT=${EXIM_ROOT:-/opt/responder-tests/exim4}
EXR_EXIM=$EXIM_ROOT/usr/sbin/exim4

exr_init() {
	EXR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/eximrelay.XXXXXX")
	chmod 755 "$EXR_DIR"
	EXR_LOG=$EXR_DIR/log/mainlog
	EXR_SUBMIT_PORT=$(proc_free_port 127.0.0.1)
	EXR_OK_PORT=$(proc_free_port 127.0.0.2)
	EXR_DEFER_PORT=$(proc_free_port 127.0.0.3)
	EXR_REJECT_PORT=$(proc_free_port 127.0.0.4)
	EXR_PIDS=()
	export EXR_DIR EXR_LOG EXR_SUBMIT_PORT EXR_OK_PORT EXR_DEFER_PORT EXR_REJECT_PORT
	_exr_write_config
}

_exr_write_config() {
	local d=$EXR_DIR
	mkdir -p "$d/etc" "$d/spool" "$d/log" "$d/sink"
	# the compiled-in user, mapped to nobody, in copies bind-mounted later
	cp /etc/passwd "$d/etc/passwd"
	cp /etc/group "$d/etc/group"
	grep -q '^Debian-exim:' "$d/etc/passwd" ||
		echo 'Debian-exim:x:65534:65534:Exim:/nonexistent:/usr/sbin/nologin' >> "$d/etc/passwd"
	grep -q '^Debian-exim:' "$d/etc/group" || echo 'Debian-exim:x:65534:' >> "$d/etc/group"
	cat > "$d/etc/hosts" <<EOF
127.0.0.1 localhost relay.exr.test
127.0.0.2 mx.ok.example
127.0.0.3 mx.defer.example
127.0.0.4 mx.reject.example
EOF
	printf 'hosts: files\npasswd: files\ngroup: files\n' > "$d/etc/nsswitch.conf"
	cat > "$d/etc/ports" <<EOF
ok.example: $EXR_OK_PORT
defer.example: $EXR_DEFER_PORT
reject.example: $EXR_REJECT_PORT
EOF
	cat > "$d/etc/exim.conf" <<EOF
primary_hostname = relay.exr.test
exim_path = $EXR_EXIM
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/run.pid
exim_user = Debian-exim
exim_group = Debian-exim
daemon_smtp_ports = $EXR_SUBMIT_PORT
local_interfaces = <; 127.0.0.1.$EXR_SUBMIT_PORT
disable_ipv6 = true
keep_environment =
log_selector = +all +subject +pid -arguments
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
acl_smtp_rcpt = acl_check_rcpt
auth_advertise_hosts = *
timeout_frozen_after = 1m
ignore_bounce_errors_after = 0s

begin acl
acl_check_rcpt:
  accept authenticated = *
  deny message = relay not permitted

begin routers
loop:
  driver = manualroute
  domains = loop.example
  route_list = * relay.exr.test byname
  transport = remote_smtp
  self = freeze
mx:
  driver = manualroute
  domains = ok.example : defer.example : reject.example
  route_list = ok.example mx.ok.example byname ; \
               defer.example mx.defer.example byname ; \
               reject.example mx.reject.example byname
  transport = remote_smtp
  self = send
catchall:
  driver = manualroute
  route_list = * mx.ok.example byname
  transport = remote_smtp
  self = send

begin transports
remote_smtp:
  driver = smtp
  port = \${lookup{\$domain}lsearch{$d/etc/ports}{\$value}{$EXR_OK_PORT}}
  multi_domain = false
  hosts_try_chunking =
  hosts_try_fastopen =
  connect_timeout = 5s

begin retry
* * F,5m,1m

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if or{ {and{ {eq{\$auth2}{acme_user}}{eq{\$auth3}{acme_pass}} }} \
                              {and{ {eq{\$auth2}{globex_user}}{eq{\$auth3}{globex_pass}} }} }}
  server_set_id = \$auth2
EOF
	chmod 644 "$d/etc/exim.conf"
	chown -R 65534:65534 "$d/spool" "$d/log"
}

_exr_sink() {  # IP:PORT NAME FLAGS...
	proc_smtp_sink "$EXR_DIR" "$@"
	EXR_PIDS+=("$PROC_PID")
}

# Runs exim4 in the private namespace: the bind mounts are seen by it and by
# every delivery process it forks, and by nobody else.
_exr_ns() {
	local d=$EXR_DIR
	unshare --mount --propagation private sh -c '
		d=$1; shift
		mount --bind "$d/etc/passwd" /etc/passwd &&
		mount --bind "$d/etc/group" /etc/group &&
		mount --bind "$d/etc/hosts" /etc/hosts &&
		mount --bind "$d/etc/nsswitch.conf" /etc/nsswitch.conf &&
		exec "$@"' sh "$d" "$@"
}

exr_exim() {
	_exr_ns "$EXR_EXIM" -C "$EXR_DIR/etc/exim.conf" "$@"
}

exr_start() {
	_exr_sink "127.0.0.2:$EXR_OK_PORT" ok
	_exr_sink "127.0.0.3:$EXR_DEFER_PORT" defer -r RCPT
	_exr_sink "127.0.0.4:$EXR_REJECT_PORT" reject -f RCPT -B '550 5.1.1 no such user here'
	proc_wait_port 127.0.0.2 "$EXR_OK_PORT" up || return 1
	proc_wait_port 127.0.0.3 "$EXR_DEFER_PORT" up || return 1
	proc_wait_port 127.0.0.4 "$EXR_REJECT_PORT" up || return 1
	if ! exr_exim -bd -q5s > "$EXR_DIR/log/start.out" 2>&1; then
		echo "exim_relay: exim did not start:" >&2
		cat "$EXR_DIR/log/start.out" "$EXR_DIR/log/paniclog" >&2 2>/dev/null
		return 1
	fi
	proc_wait_port 127.0.0.1 "$EXR_SUBMIT_PORT" up
}

exr_stop() {
	local pid
	[ -n "${EXR_DIR:-}" ] || return 0
	pid=$(proc_readpid "$EXR_DIR/run.pid")
	proc_stop "exim_relay: exim" "$pid"
	for pid in "${EXR_PIDS[@]}"; do proc_stop "exim_relay: smtp-sink" "$pid"; done
	EXR_PIDS=()
	if [ -z "${EXR_KEEP:-}" ]; then
		rm -rf "$EXR_DIR"
	else
		echo "exim_relay: kept $EXR_DIR" >&2
	fi
	EXR_DIR=
}

exr_wait() {  # N [SECONDS]
	local want=$1 secs=${2:-60} have=0 re=${EXR_WAIT_RE:-' (=>|->|\*\*|==) '}
	for _ in $(seq $((secs * 10))); do
		have=$(grep -cE "$re" "$EXR_LOG" 2>/dev/null || true)
		[ "${have:-0}" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "exim_relay: only $have of $want lines /$re/ after ${secs}s" >&2
	return 1
}
