# Process and port helpers shared by the throwaway-server scripts
# (mailstack.sh, postfix_relay.sh).
#   proc_free_port HOST            a TCP port nothing listens on at HOST
#   proc_wait_port HOST PORT up|down   wait (<= 30 s, PROC_WAIT_SECONDS) until it is so
#   proc_readpid FILE              the pid in a pid file (Postfix pads it)
#   proc_alive PID                 running and not a zombie
#   proc_stop NAME PID [children]  TERM (and its children's), KILL after ~10 s
#   proc_smtp_sink DIR ADDR:PORT NAME FLAGS...
#                                  an smtp-sink as nobody saving to DIR/sink/NAME/,
#                                  logging to DIR/log/sink-NAME.log; pid in PROC_PID

proc_free_port() {
	local p lo=32768
	# Below the kernel's ephemeral range: a port there can be the local
	# end of any outgoing connection (to PostgreSQL, Dovecot, ...) at the
	# moment a server binds it ("Address already in use").
	read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 200); do
		p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000) ))
		case " ${_PROC_TAKEN:-} " in *" $p "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/$1/$p") 2>/dev/null; then
			_PROC_TAKEN="${_PROC_TAKEN:-} $p"
			echo "$p"
			return 0
		fi
	done
	echo "no free port found on $1" >&2
	return 1
}

proc_wait_port() {
	# By the clock, not by a count of tries: on a loaded machine each try
	# (a subshell) can take longer than its sleep.
	local until=$((SECONDS + ${PROC_WAIT_SECONDS:-30}))
	while [ "$SECONDS" -lt "$until" ]; do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
			[ "$3" = up ] && return 0
		else
			[ "$3" = down ] && return 0
		fi
		sleep 0.05
	done
	echo "$1:$2 did not go $3 within ${PROC_WAIT_SECONDS:-30} s" >&2
	return 1
}

proc_readpid() { tr -dc '0-9' < "$1" 2>/dev/null; }

# A zombie still answers kill -0; PID 1 here may reap orphans late.
proc_alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]
}

# proc_term_wait PID...: SIGTERM to each (children of this shell), then
# wait for every one of them.
proc_term_wait() {
	local p
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

proc_stop() {
	local pid=$2 kids=""
	proc_alive "$pid" || return 0
	[ -n "${3:-}" ] && kids=$(ps -o pid= --ppid "$pid" | tr '\n' ' ')
	kill -TERM "$pid" 2>/dev/null || true
	# shellcheck disable=SC2086
	[ -n "$kids" ] && kill -TERM $kids 2>/dev/null || true
	for _ in $(seq 200); do proc_alive "$pid" || return 0; sleep 0.05; done
	echo "$1 ($pid) ignored TERM, sending KILL" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

proc_smtp_sink() {
	local dir=$1 where=$2 name=$3
	shift 3
	mkdir -p "$dir/sink/$name" "$dir/log"
	chown 65534 "$dir/sink/$name"
	smtp-sink -u nobody "$@" -d "$dir/sink/$name/msg." "$where" 64 \
		> "$dir/log/sink-$name.log" 2>&1 < /dev/null &
	PROC_PID=$!
}
