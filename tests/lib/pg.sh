# pg.sh - a throwaway PostgreSQL 15 cluster on loopback for tests and the
# benchmark: initdb in a temp dir, one server on a free 127.0.0.1 port,
# password (scram) authentication over TCP, optionally TLS with a
# certificate of its own CA, stopped by pid.  No system cluster, no
# /etc/postgresql, no service is touched.
#
# Source it, then:
#   pg_init              PG_DIR (mktemp), PG_PORT (free), initdb as the run user
#                        (--no-sync: 2 s instead of 5 s here; the cluster is thrown
#                        away), or a copy of $PG_TEMPLATE's (one initdb per build)
#   pg_start [tls]       start the server (tls: ssl=on with $PG_DIR/tls/ca.pem)
#   pg_stop              fast shutdown, by the postmaster's pid (KILL if stuck)
#   pg_restart           stop + start on the same port and data
#   pg_createdb NAME     a fresh database owned by the test role
#   pg_url NAME          postgresql://responder@127.0.0.1:PORT/NAME
#   pg_psql NAME SQL     run SQL as the test role (tests check what the store wrote)
# Variables after pg_init: PG_DIR, PG_PORT, PG_USER (responder),
# PG_PASSFILE (its password, as [store] password_file), PG_CA (after
# pg_start tls).  The caller sets its own trap (`trap pg_stop EXIT`).
#
# Tests run as root: the server runs as an unprivileged user
# (PG_RUNUSER, default nobody) through setpriv, like mailstack.sh's
# daemons; as a normal user it runs as that user.

. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"
. "$(dirname "${BASH_SOURCE[0]}")/need.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# A cluster made once and copied (0.2 s) instead of an initdb per test
# (2 s): under ctest, in the build tree (RESPONDER_TESTBIN); empty: initdb.
PG_TEMPLATE=${PG_TEMPLATE-${RESPONDER_TESTBIN:+$RESPONDER_TESTBIN/pg-template}}

_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$PG_RUNUID" --regid="$PG_RUNGID" --clear-groups "$@"
	else
		"$@"
	fi
}

# initdb into DIR/data as the run user, the superuser's password in
# DIR/password.
_pg_initdb() {  # DIR
	local d=$1
	head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$d/password"
	chmod 600 "$d/password"
	mkdir -p "$d/data" "$d/run"
	# initdb reads the password from a file the server user can read
	cp "$d/password" "$d/run/pw"
	chown -R "$PG_RUNUID:$PG_RUNGID" "$d/data" "$d/run"
	_pg_as "$PG_BIN/initdb" -D "$d/data" -U "$PG_USER" --pwfile="$d/run/pw" \
		-A scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync > "$d/initdb.log" 2>&1 ||
		{ cat "$d/initdb.log" >&2; return 1; }
	rm -f "$d/run/pw"
}

# The template: one initdb per build, made by the first pg_init that
# needs it (under a lock), and ready once its "ready" file names this
# initdb's version.
_pg_template() {
	local v
	v=$("$PG_BIN/initdb" --version) || return 1
	[ "$(cat "$PG_TEMPLATE/ready" 2>/dev/null)" = "$v" ] && return 0
	mkdir -p "$(dirname "$PG_TEMPLATE")" || return 1
	(
		flock 9 || exit 1
		[ "$(cat "$PG_TEMPLATE/ready" 2>/dev/null)" = "$v" ] && exit 0
		t=$(mktemp -d "${TMPDIR:-/tmp}/pgtemplate.XXXXXX") || exit 1
		chmod 755 "$t"
		rc=1
		if _pg_initdb "$t" && echo "$v" > "$t/ready" && rm -rf "$PG_TEMPLATE" &&
			cp -a "$t" "$PG_TEMPLATE.new.$$" && mv -T "$PG_TEMPLATE.new.$$" "$PG_TEMPLATE"; then
			rc=0
		fi
		rm -rf "$t" "$PG_TEMPLATE.new.$$"
		exit $rc
	) 9> "$PG_TEMPLATE.lock"
}

pg_init() {
	[ -x "$PG_BIN/initdb" ] || skip_or_fail "PostgreSQL 15 is not installed (scripts/deps: postgresql-15)"
	need_tool openssl
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgtest.XXXXXX")
	chmod 755 "$PG_DIR"
	if [ "$(id -u)" = 0 ]; then PG_RUNUSER=${PG_RUNUSER:-nobody}; else PG_RUNUSER=$(id -un); fi
	PG_RUNUID=$(id -u "$PG_RUNUSER"); PG_RUNGID=$(id -g "$PG_RUNUSER")
	PG_PORT=$(proc_free_port 127.0.0.1)
	PG_USER=responder
	PG_PASSFILE=$PG_DIR/password
	if [ -n "$PG_TEMPLATE" ] && _pg_template; then
		cp -a "$PG_TEMPLATE/data" "$PG_TEMPLATE/password" "$PG_DIR/" || return 1
		mkdir -p "$PG_DIR/run"
		chown -R "$PG_RUNUID:$PG_RUNGID" "$PG_DIR/data" "$PG_DIR/run"
	else
		_pg_initdb "$PG_DIR" || return 1
	fi
	cat >> "$PG_DIR/data/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	port = $PG_PORT
	unix_socket_directories = '$PG_DIR/run'
	max_connections = 60
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	logging_collector = off
	EOF
}

# The server's TLS: a CA of its own and a certificate for 127.0.0.1/localhost.
_pg_tls() {
	local d=$PG_DIR/tls
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pgtest CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" \
		-out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null
	chown "$PG_RUNUID:$PG_RUNGID" "$d/server.key" "$d/server.pem"
	chmod 600 "$d/server.key"
	cat >> "$PG_DIR/data/postgresql.conf" <<-EOF
	ssl = on
	ssl_cert_file = '$d/server.pem'
	ssl_key_file = '$d/server.key'
	EOF
	PG_CA=$d/ca.pem
}

pg_start() {
	[ "${1:-}" = tls ] && [ -z "${PG_CA:-}" ] && _pg_tls
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/run/server.log" -w -t 60 start \
		> /dev/null || { cat "$PG_DIR/run/server.log" >&2; return 1; }
}

pg_stop() {
	local pid
	[ -n "${PG_DIR:-}" ] && [ -s "$PG_DIR/data/postmaster.pid" ] || return 0
	pid=$(head -1 "$PG_DIR/data/postmaster.pid")
	if proc_alive "$pid"; then
		kill -INT "$pid" 2>/dev/null || true   # fast shutdown
		for _ in $(seq 200); do proc_alive "$pid" || break; sleep 0.05; done
		proc_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

# Stops the server and removes its directory.
pg_cleanup() {
	pg_stop
	[ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
	PG_DIR=
}

pg_restart() { pg_stop && pg_start; }

pg_psql() {  # DB SQL
	PGPASSWORD=$(cat "$PG_PASSFILE") "$PG_BIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$1" -c "$2"
}

pg_createdb() {  # NAME
	PGPASSWORD=$(cat "$PG_PASSFILE") "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" \
		-U "$PG_USER" "$1"
}

pg_url() { echo "postgresql://$PG_USER@127.0.0.1:$PG_PORT/$1"; }

# pg_secret DIR: the cluster's password as a [store] password_file the
# responder accepts (DIR/pg.secret, mode 600); prints its path.
pg_secret() {
	cp "$PG_PASSFILE" "$1/pg.secret" && chmod 600 "$1/pg.secret" && echo "$1/pg.secret"
}

# pg_node_confs CONF DIR URL N [LEASE]: responders n1..nN on one store:
# DIR/nK.conf is CONF (a mail stack's config, mailstack.sh) with [store]
# url URL (password in DIR/pg.secret), node_name nK, lease_seconds LEASE
# (none given: the default), and its own copy of the IMAP password file.
pg_node_confs() {
	local conf=$1 dir=$2 url=$3 n=$4 lease=${5:+\\nlease_seconds = $5} k
	pg_secret "$dir" > /dev/null
	for k in $(seq 1 "$n"); do
		sed "s|^\[store\]|[store]\nurl = $url\npassword_file = $dir/pg.secret\nnode_name = n$k$lease|" \
			"$conf" > "$dir/n$k.conf"
		cp "$conf.imap.secret" "$dir/n$k.conf.imap.secret"
		sed -i "s|^password_file = $conf.imap.secret|password_file = $dir/n$k.conf.imap.secret|" \
			"$dir/n$k.conf"
	done
}
