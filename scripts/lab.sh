# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lab.sh — a network-namespace lab that reproduces the classic setup
# on one machine: a client, two load balancer nodes (lb1, lb2) that will share
# a VIP through VRRP, and three backends running nginx.  Source it from bash
# (integration tests, the demo); never execute it.
#
#   . scripts/lab.sh
#   LAB_MODE=dr           # optional, before lab_up: "nat" (default) or "dr"
#   lab_trap              # lab_down on EXIT, INT and TERM
#   lab_up || exit 1
#   lab_curl              # -> "be3"          (body of http://VIP/ from the client)
#   lab_split 800         # -> "be1=300 be2=100 be3=400 fail=0"
#   lab_backend_status 2 503; lab_backend_stop 3; lab_backend_start 3
#   lab_load_start -t 30; ...; lab_load_stop   # -> "ok=812 fail=3 be1=... be2=... be3=..."
#   lab_down
#
# Topology: one L2 segment, a bridge (br0) inside its own namespace
# ${LAB_PREFIX}hub, so the root namespace is never touched.  Every node has
# eth0, a veth whose peer (v-NODE) is a port of br0.  Multicast snooping is
# off, so VRRP adverts are flooded like on a dumb switch.
#
#   node    IPv4                              IPv6
#   client  192.168.17.10/24                  fd00:17::10/64   (+ on-link 192.168.12.0/24, fd00:12::/64)
#   lb1     192.168.17.11/24 192.168.12.11/24 fd00:17::11/64 fd00:12::11/64  (forwarding on)
#   lb2     192.168.17.12/24 192.168.12.12/24 fd00:17::12/64 fd00:12::12/64  (forwarding on)
#   beN     192.168.12.18N/24                 fd00:12::18N/64  (+ on-link 192.168.17.0/24, fd00:17::/64)
#   VIP     192.168.17.50, fd00:17::50, port 80: never put on the LBs by the lab
#           (VRRP or the test does it).  With LAB_MODE=dr the lab puts the
#           VIPs on lo of every backend (/32, /128 nodad) with
#           arp_ignore=1 / arp_announce=2, so backends accept VIP traffic
#           but never answer ARP (or ND: Linux answers ND only for
#           addresses on the receiving interface) for it.
#
# All IPv6 addresses are added with nodad and DAD is off in the nodes, so
# addresses work at once.  rp_filter is 0 in every node.  GRO is on on the
# hub-side peer of each lb veth and on eth0 of every node: a veth only
# receives frames sent by XDP_TX/redirect on its peer when it has NAPI.
# NAPI alone is not enough: the sending veth kicks the peer's NAPI after an
# XDP_TX burst only when the peer has a native XDP program, otherwise the
# frames wait in the peer's ring until some ordinary packet comes by.  So
# the lab compiles a one-line XDP_PASS program ($LAB_DIR/xdp_pass.o, needs
# clang) and attaches it (xdpdrv) to v-lb1 and v-lb2 in the hub.
# Transmit checksum offload is off on eth0 of every node: a veth otherwise
# hands the peer packets whose TCP/UDP checksum holds only the pseudo-header
# sum (CHECKSUM_PARTIAL), which an XDP program cannot tell apart; after an
# XDP rewrite and XDP_TX that metadata is gone and the receiver drops the
# packet as corrupt.  A real NIC computes the sum before the wire, so this
# matches what an LB sees on hardware.
#
# Each backend runs its own nginx (its own config, pid file and logs under
# $LAB_DIR/beN/, nothing under /etc/nginx is read or written):
#   /        -> "beN\n" with status 200 (lab_backend_status changes the status)
#   /big     -> a 1 MiB file ($LAB_DIR/www/big)
#   /stream  -> a 1 GiB sparse file sent at 64 KiB/s: a connection that stays
#               open for hours unless the client closes it
# Access logs ($LAB_DIR/beN/access.log, one line per request):
#   REMOTE_ADDR REMOTE_PORT SERVER_ADDR CONN_SERIAL CONN_REQUESTS "REQUEST" STATUS BYTES
#
# Environment read:
#   LAB_PREFIX      namespace name prefix (default "xlb$$-", $$ of the sourcing shell)
#   LAB_MODE        nat | dr (default nat), read by lab_up
#   LAB_LOAD_PAUSE  seconds to sleep between lab_load requests (default 0)
#   LAB_PRE_DOWN    name of a function lab_down calls first (e.g. to stop xlbd)
# Exported by sourcing this file (constants):
#   LAB_NODES, LAB_NS_HUB, LAB_NS_CLIENT, LAB_NS_LB1, LAB_NS_LB2,
#   LAB_NS_BE1..LAB_NS_BE3, LAB_VIP4, LAB_VIP6, LAB_CLIENT4, LAB_CLIENT6,
#   LAB_LB1_4 LAB_LB1_6 (client side), LAB_LB1_BACK4 LAB_LB1_BACK6 (backend
#   side), same for LB2, LAB_BE1_4 LAB_BE1_6 .. LAB_BE3_4 LAB_BE3_6
# Exported by lab_up: LAB_DIR (temp dir with configs, logs and state).
#
# Every function returns 0 on success and non-zero with a message on stderr
# on failure; all of them are safe under "set -euo pipefail".  State lives in
# files under $LAB_DIR, so helpers also work from subshells.  lab_down only
# kills processes whose PIDs the lab recorded when it started them, and only
# after checking that their command line still names $LAB_DIR.

: "${LAB_PREFIX:=xlb$$-}"
: "${LAB_MODE:=nat}"
export LAB_PREFIX LAB_MODE

export LAB_NODES="client lb1 lb2 be1 be2 be3"
export LAB_NS_HUB="${LAB_PREFIX}hub"
export LAB_NS_CLIENT="${LAB_PREFIX}client"
export LAB_NS_LB1="${LAB_PREFIX}lb1" LAB_NS_LB2="${LAB_PREFIX}lb2"
export LAB_NS_BE1="${LAB_PREFIX}be1" LAB_NS_BE2="${LAB_PREFIX}be2" LAB_NS_BE3="${LAB_PREFIX}be3"
export LAB_VIP4=192.168.17.50 LAB_VIP6=fd00:17::50
export LAB_CLIENT4=192.168.17.10 LAB_CLIENT6=fd00:17::10
export LAB_LB1_4=192.168.17.11 LAB_LB1_6=fd00:17::11
export LAB_LB1_BACK4=192.168.12.11 LAB_LB1_BACK6=fd00:12::11
export LAB_LB2_4=192.168.17.12 LAB_LB2_6=fd00:17::12
export LAB_LB2_BACK4=192.168.12.12 LAB_LB2_BACK6=fd00:12::12
export LAB_BE1_4=192.168.12.181 LAB_BE1_6=fd00:12::181
export LAB_BE2_4=192.168.12.182 LAB_BE2_6=fd00:12::182
export LAB_BE3_4=192.168.12.183 LAB_BE3_6=fd00:12::183
export LAB_DIR="${LAB_DIR:-}"

# Bounds for the pollers below (attempts x 20 ms).
_LAB_POLL_STEP=0.02
_LAB_POLL_TRIES=150

_lab_err() {
	echo "lab: $*" >&2
}

# _lab_ns NODE: print the namespace name of NODE (hub, client, lb1, lb2, be1..be3).
_lab_ns() {
	case ${1:-} in
	hub | client | lb1 | lb2 | be1 | be2 | be3) echo "${LAB_PREFIX}$1" ;;
	*) _lab_err "unknown node '${1:-}' (expected hub, client, lb1, lb2, be1, be2 or be3)"; return 1 ;;
	esac
}

# _lab_run WHAT CMD...: run CMD; on failure print what failed with its stderr.
_lab_run() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		_lab_err "lab_up: $what failed (exit $rc): ${out:-no output}"
		return 1
	fi
}

# _lab_alive PID: true if PID exists and is not a zombie (PID 1 may not reap).
_lab_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# _lab_owned PID: true if PID is alive and its command line names $LAB_DIR,
# i.e. it is a process this lab started (guards against PID reuse).
_lab_owned() {
	local cmd
	[ -n "${LAB_DIR:-}" ] && [[ ${1:-} =~ ^[0-9]+$ ]] || return 1
	_lab_alive "$1" || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"$LAB_DIR"* ]]
}

# _lab_wait_gone PID: poll (bounded, 3 s) until PID is gone.
_lab_wait_gone() {
	local i
	for ((i = 0; i < _LAB_POLL_TRIES; i++)); do
		_lab_alive "$1" || return 0
		sleep "$_LAB_POLL_STEP"
	done
	return 1
}

# _lab_be_index N: validate a backend number (1..3, "beN" also accepted).
_lab_be_index() {
	local n=${1#be}
	case $n in
	1 | 2 | 3) echo "$n" ;;
	*) _lab_err "unknown backend '${1:-}' (expected 1, 2 or 3)"; return 1 ;;
	esac
}

_lab_write_nginx_conf() {
	local n=$1 d=$LAB_DIR/be$1
	mkdir -p "$d/tmp" || return 1
	printf 'return 200 "be%s\\n";\n' "$n" >"$d/status.conf" || return 1
	cat >"$d/nginx.conf" <<EOF
# nginx for lab backend be$n (generated by scripts/lab.sh)
user www-data www-data;
worker_processes 1;
pid $d/nginx.pid;
lock_file $d/nginx.lock;
error_log $d/error.log notice;
events {
	worker_connections 1024;
}
http {
	default_type application/octet-stream;
	log_format lab '\$remote_addr \$remote_port \$server_addr \$connection \$connection_requests "\$request" \$status \$body_bytes_sent';
	access_log $d/access.log lab;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	sendfile on;
	keepalive_timeout 30s;
	server {
		listen 80 default_server;
		listen [::]:80 default_server ipv6only=on;
		server_name be$n;
		root $LAB_DIR/www;
		location = / {
			default_type text/plain;
			include $d/status.conf;
		}
		location = /big {
		}
		location = /stream {
			limit_rate 64k;
		}
	}
}
EOF
}

# _lab_nginx_start N: start be N's nginx (daemonized by nginx itself, so it is
# no child of the caller's shell) and record its master PID.
_lab_nginx_start() {
	local n=$1 d=$LAB_DIR/be$1 ns pid="" i
	ns=$(_lab_ns "be$n") || return 1
	rm -f "$d/nginx.pid" "$d/master.pid"
	if ! ip netns exec "$ns" nginx -p "$d/" -c "$d/nginx.conf" </dev/null >"$d/start.log" 2>&1; then
		_lab_err "nginx of be$n did not start: $(tail -n 3 "$d/start.log")"
		return 1
	fi
	# The daemonized master writes its pid file right after the fork.
	for ((i = 0; i < _LAB_POLL_TRIES; i++)); do
		pid=$(cat "$d/nginx.pid" 2>/dev/null) && [ -n "$pid" ] && break
		sleep "$_LAB_POLL_STEP"
	done
	if [ -z "$pid" ]; then
		_lab_err "nginx of be$n started but wrote no pid file $d/nginx.pid"
		return 1
	fi
	echo "$pid" >"$d/master.pid"
}

# _lab_children PID: print the PIDs whose parent is PID.
_lab_children() {
	grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
		sed 's|/proc/\([0-9]*\)/status|\1|'
}

# _lab_nginx_stop N: stop be N's nginx if the lab started it (SIGTERM to the
# recorded master, SIGKILL to it and its workers after 3 s).
_lab_nginx_stop() {
	local n=$1 d=$LAB_DIR/be$1 pid kids p
	pid=$(cat "$d/master.pid" 2>/dev/null) || return 0
	rm -f "$d/master.pid"
	_lab_owned "$pid" || return 0
	kids=$(_lab_children "$pid")
	kill -TERM "$pid" 2>/dev/null || true
	_lab_wait_gone "$pid" && return 0
	_lab_err "nginx of be$n (pid $pid) ignored SIGTERM for 3 s, killing it"
	kill -KILL "$pid" 2>/dev/null || true
	for p in $kids; do
		# Workers our master forked before it was killed.
		case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in
		"nginx: worker process"*) kill -KILL "$p" 2>/dev/null || true ;;
		esac
	done
	_lab_wait_gone "$pid"
}

# _lab_http_poll NODE URL CODE: from NODE, poll URL (bounded, ~3 s) until a
# new connection gets HTTP status CODE.
_lab_http_poll() {
	local ns
	ns=$(_lab_ns "$1") || return 1
	# shellcheck disable=SC2016
	ip netns exec "$ns" bash -c '
		for ((i = 0; i < 100; i++)); do
			c=$(curl -s -g -o /dev/null -w "%{http_code}" --connect-timeout 1 --max-time 1 "$1")
			[ "$c" = "$2" ] && exit 0
			sleep 0.02
		done
		echo "last status $c" >&2
		exit 1' lab-poll "$2" "$3"
}

_lab_build() {
	local node ns n f t0 i v
	t0=${EPOCHREALTIME:-0}

	# Namespaces: refuse to reuse one that exists (another lab or a leftover).
	for node in hub $LAB_NODES; do
		ns=${LAB_PREFIX}$node
		if [ -e "/run/netns/$ns" ]; then
			_lab_err "lab_up: namespace $ns already exists (another lab with prefix '$LAB_PREFIX'?)"
			return 1
		fi
		_lab_run "creating namespace $ns" ip netns add "$ns" || return 1
		echo "$ns" >>"$LAB_DIR/netns"
	done

	# Sysctls before the links exist, so eth0 inherits the "default" values.
	_lab_run "sysctls in $LAB_NS_HUB" ip netns exec "$LAB_NS_HUB" sysctl -q -w \
		net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
	for node in $LAB_NODES; do
		ns=${LAB_PREFIX}$node
		set -- net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		case $node in
		lb*) set -- "$@" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ;;
		be*) [ "$LAB_MODE" = dr ] &&
			set -- "$@" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 ;;
		esac
		_lab_run "sysctls in $ns" ip netns exec "$ns" sysctl -q -w "$@" || return 1
	done

	# The hub: bridge plus one veth per node, the node end named eth0.
	f=$LAB_DIR/hub.ip
	{
		echo "link add br0 type bridge mcast_snooping 0"
		echo "link set br0 up"
		for node in $LAB_NODES; do
			echo "link add v-$node type veth peer name eth0 netns ${LAB_PREFIX}$node"
			echo "link set v-$node master br0 up"
		done
	} >"$f"
	_lab_run "building bridge and veths in $LAB_NS_HUB" ip -n "$LAB_NS_HUB" -batch "$f" || return 1
	_lab_run "enabling GRO on the hub side of the lb veths" ip netns exec "$LAB_NS_HUB" \
		sh -c 'ethtool -K v-lb1 gro on && ethtool -K v-lb2 gro on' || return 1
	# XDP_PASS on the hub side of the lb veths, see the header comment.
	printf '%s\n' \
		'__attribute__((section("xdp"), used)) int lab_hub_pass(void *ctx) { return 2; /* XDP_PASS */ }' \
		'char LICENSE[] __attribute__((section("license"), used)) = "GPL";' \
		>"$LAB_DIR/xdp_pass.c" || return 1
	_lab_run "compiling $LAB_DIR/xdp_pass.c" \
		clang -O2 -target bpf -c "$LAB_DIR/xdp_pass.c" -o "$LAB_DIR/xdp_pass.o" || return 1
	for node in lb1 lb2; do
		_lab_run "attaching XDP_PASS to v-$node in $LAB_NS_HUB" ip -n "$LAB_NS_HUB" link set \
			dev "v-$node" xdpdrv obj "$LAB_DIR/xdp_pass.o" sec xdp || return 1
	done

	# Addresses and routes, one batch per node.
	for node in $LAB_NODES; do
		ns=${LAB_PREFIX}$node
		f=$LAB_DIR/$node.ip
		{
			echo "link set lo up"
			echo "link set eth0 up"
			case $node in
			client)
				echo "addr add $LAB_CLIENT4/24 dev eth0"
				echo "addr add $LAB_CLIENT6/64 dev eth0 nodad"
				echo "route add 192.168.12.0/24 dev eth0"
				echo "route add fd00:12::/64 dev eth0"
				;;
			lb1 | lb2)
				n=${node#lb}
				v=LAB_LB${n}_4; echo "addr add ${!v}/24 dev eth0"
				v=LAB_LB${n}_BACK4; echo "addr add ${!v}/24 dev eth0"
				v=LAB_LB${n}_6; echo "addr add ${!v}/64 dev eth0 nodad"
				v=LAB_LB${n}_BACK6; echo "addr add ${!v}/64 dev eth0 nodad"
				;;
			be*)
				n=${node#be}
				v=LAB_BE${n}_4; echo "addr add ${!v}/24 dev eth0"
				v=LAB_BE${n}_6; echo "addr add ${!v}/64 dev eth0 nodad"
				echo "route add 192.168.17.0/24 dev eth0"
				echo "route add fd00:17::/64 dev eth0"
				if [ "$LAB_MODE" = dr ]; then
					echo "addr add $LAB_VIP4/32 dev lo"
					echo "addr add $LAB_VIP6/128 dev lo nodad"
				fi
				;;
			esac
		} >"$f"
		# shellcheck disable=SC2016
		_lab_run "configuring addresses in $ns" ip netns exec "$ns" \
			sh -c 'ip -batch "$1" && ethtool -K eth0 gro on tx off' lab "$f" || return 1
	done

	# Backends: one nginx each, sharing the static files in $LAB_DIR/www.
	mkdir -p "$LAB_DIR/www" || return 1
	head -c 1048576 /dev/urandom >"$LAB_DIR/www/big" || return 1
	_lab_run "creating $LAB_DIR/www/stream" truncate -s 1G "$LAB_DIR/www/stream" || return 1
	chmod 0755 "$LAB_DIR" "$LAB_DIR/www" && chmod 0644 "$LAB_DIR/www/big" "$LAB_DIR/www/stream" ||
		return 1
	for n in 1 2 3; do
		_lab_write_nginx_conf "$n" || { _lab_err "lab_up: cannot write nginx config of be$n"; return 1; }
		_lab_nginx_start "$n" || return 1
	done
	for n in 1 2 3; do
		if ! _lab_http_poll "be$n" "http://127.0.0.1/" 200; then
			_lab_err "lab_up: nginx of be$n does not answer 200 on http://127.0.0.1/ (see $LAB_DIR/be$n/error.log)"
			return 1
		fi
	done
	if [ "$t0" != 0 ]; then
		i=$(echo "$EPOCHREALTIME $t0" | awk '{ printf "%.2f", $1 - $2 }')
		echo "lab: up in ${i}s (mode $LAB_MODE, prefix $LAB_PREFIX, dir $LAB_DIR)" >&2
	fi
}

# lab_up: build the whole lab (namespaces, bridge, addresses, routes,
# sysctls, nginx on the backends) and export LAB_DIR.  On any failure it
# prints what failed, removes what it built and returns 1.
lab_up() {
	local cmd
	if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ]; then
		_lab_err "lab_up: a lab is already up in $LAB_DIR (call lab_down first)"
		return 1
	fi
	case $LAB_MODE in
	nat | dr) ;;
	*) _lab_err "lab_up: LAB_MODE='$LAB_MODE' (expected nat or dr)"; return 1 ;;
	esac
	if [ "$(id -u)" -ne 0 ]; then
		_lab_err "lab_up: needs root (network namespaces)"
		return 1
	fi
	for cmd in ip nginx curl ethtool sysctl truncate clang; do
		if ! command -v "$cmd" >/dev/null; then
			_lab_err "lab_up: '$cmd' not found (run scripts/deps.sh)"
			return 1
		fi
	done
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xlb-lab.XXXXXX") || {
		_lab_err "lab_up: cannot create a temp dir"
		LAB_DIR=
		return 1
	}
	export LAB_DIR
	: >"$LAB_DIR/netns"
	if ! _lab_build; then
		_lab_err "lab_up: failed, tearing down what was built"
		lab_down
		return 1
	fi
}

# lab_down: stop the load loop and every nginx the lab started, delete every
# namespace it created (which removes the bridge and veths), remove $LAB_DIR.
# Calls the function named by $LAB_PRE_DOWN first, if set.  Idempotent: a
# second call, or a call without lab_up, does nothing.  Never kills a process
# the lab did not start.
lab_down() {
	local d=${LAB_DIR:-} ns n
	[ -n "$d" ] && [ -d "$d" ] || return 0
	if [ -n "${LAB_PRE_DOWN:-}" ] && declare -F "$LAB_PRE_DOWN" >/dev/null; then
		"$LAB_PRE_DOWN" || true
	fi
	_lab_load_kill || true
	for n in 1 2 3; do
		_lab_nginx_stop "$n" || true
	done
	if [ -f "$d/netns" ]; then
		while read -r ns; do
			if [ -z "$ns" ] || [ ! -e "/run/netns/$ns" ]; then
				continue
			fi
			ip netns del "$ns" 2>/dev/null || _lab_err "lab_down: cannot delete namespace $ns"
		done <"$d/netns"
	fi
	rm -rf "$d"
	LAB_DIR=
	export LAB_DIR
	return 0
}

# lab_trap: run lab_down on EXIT, and on INT/TERM (then exit 130/143, which
# runs the EXIT trap again: harmless, lab_down is idempotent).  The script's
# exit status is kept.
lab_trap() {
	trap lab_down EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM
}

# lab_exec NODE CMD...: run CMD inside NODE's namespace (hub, client, lb1,
# lb2, be1, be2, be3).
lab_exec() {
	local ns
	ns=$(_lab_ns "${1:-}") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# lab_backend_stop N: stop backend N's nginx (SIGTERM, waits until it is gone).
lab_backend_stop() {
	local n
	n=$(_lab_be_index "${1:-}") || return 1
	[ -n "${LAB_DIR:-}" ] || { _lab_err "lab_backend_stop: lab is not up"; return 1; }
	_lab_nginx_stop "$n"
}

# lab_backend_start N: start backend N's nginx again (no-op if it runs) and
# wait until it answers on its loopback.
lab_backend_start() {
	local n pid code
	n=$(_lab_be_index "${1:-}") || return 1
	[ -n "${LAB_DIR:-}" ] || { _lab_err "lab_backend_start: lab is not up"; return 1; }
	pid=$(cat "$LAB_DIR/be$n/master.pid" 2>/dev/null) || pid=
	if [ -n "$pid" ] && _lab_owned "$pid"; then
		return 0
	fi
	_lab_nginx_start "$n" || return 1
	# It keeps the status last set by lab_backend_status.
	code=$(sed -n 's/^return \([0-9]*\).*/\1/p' "$LAB_DIR/be$n/status.conf")
	if ! _lab_http_poll "be$n" "http://127.0.0.1/" "$code"; then
		_lab_err "lab_backend_start: be$n does not answer $code (see $LAB_DIR/be$n/error.log)"
		return 1
	fi
}

# lab_backend_status N CODE: make backend N answer CODE (e.g. 503, or 200 to
# heal it) on "/", body still "beN\n": switch its include file, SIGHUP its
# master, wait until a new connection gets CODE.
lab_backend_status() {
	local n code=${2:-} pid old
	n=$(_lab_be_index "${1:-}") || return 1
	if ! [[ $code =~ ^[1-5][0-9][0-9]$ ]]; then
		_lab_err "lab_backend_status: status '$code' is not an HTTP status code"
		return 1
	fi
	pid=$(cat "$LAB_DIR/be$n/master.pid" 2>/dev/null) || pid=
	if [ -z "$pid" ] || ! _lab_owned "$pid"; then
		_lab_err "lab_backend_status: nginx of be$n is not running"
		return 1
	fi
	old=$(_lab_children "$pid")
	printf 'return %s "be%s\\n";\n' "$code" "$n" >"$LAB_DIR/be$n/status.conf" || return 1
	kill -HUP "$pid" || return 1
	# Old workers finish their connections (a /stream may hold one for
	# hours) but close the listening sockets first: done when no old worker
	# holds a listener any more and a new connection gets CODE.
	# shellcheck disable=SC2016,SC2086
	if ! ip netns exec "$(_lab_ns "be$n")" bash -c '
		code=$1
		shift
		for ((i = 0; i < 150; i++)); do
			users=$(ss -Hltnp "sport = :80" 2>/dev/null) || users=
			stale=0
			for p; do
				case $users in *"pid=$p,"*) stale=1 ;; esac
			done
			if [ "$stale" = 0 ]; then
				c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 1 http://127.0.0.1/)
				[ "$c" = "$code" ] && exit 0
			fi
			sleep 0.02
		done
		exit 1' lab-reload "$code" $old; then
		_lab_err "lab_backend_status: be$n does not answer $code after reload (see $LAB_DIR/be$n/error.log)"
		return 1
	fi
}

# _lab_target V6 ADDR [PATH]: print the URL the client helpers fetch: ADDR,
# or the VIP of the family (V6=1: IPv6) when ADDR is empty.
_lab_target() {
	local v6=$1 addr=$2 path=${3:-/}
	if [ -z "$addr" ]; then
		if [ "$v6" = 1 ]; then addr=$LAB_VIP6; else addr=$LAB_VIP4; fi
	fi
	case $addr in
	*:*) echo "http://[$addr]$path" ;;
	*) echo "http://$addr$path" ;;
	esac
}

# lab_curl [-6] [/PATH] [CURL ARGS...]: from the client, fetch http://VIP/PATH
# (IPv6 VIP with -6) with short timeouts (connect 1 s, total 2 s; a later
# --max-time in ARGS wins) and print the body.  Returns curl's status.
lab_curl() {
	local v6=0 path=/
	if [ "${1:-}" = -6 ]; then v6=1; shift; fi
	case ${1:-} in /*) path=$1; shift ;; esac
	ip netns exec "$LAB_NS_CLIENT" curl -sS -g --connect-timeout 1 --max-time 2 "$@" \
		"$(_lab_target "$v6" "" "$path")"
}

# lab_split N [-6] [-a ADDR]: from the client, send N sequential GET / to the
# VIP (or ADDR), each over a NEW TCP connection ("Connection: close": nginx
# closes after the response and curl opens a new connection for the next
# URL), all from one curl process.  Prints "be1=A be2=B be3=C fail=F": a
# request counts for beN when it got status 200 with body "beN"; everything
# else (error status, other body, timeout, refused) is a failure.  Bounded:
# connect timeout 1 s, --max-time 2 per request, 5 + N/20 s in total
# (requests not done by then count as failures).
lab_split() {
	local n=${1:-} v6=0 addr="" url bound i
	local -a urls=()
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
		_lab_err "lab_split: N='$n' is not a positive number"
		return 1
	fi
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-6) v6=1 ;;
		-a) addr=${2:-}; shift ;;
		*) _lab_err "lab_split: unknown argument '$1'"; return 1 ;;
		esac
		shift
	done
	url=$(_lab_target "$v6" "$addr" /)
	for ((i = 0; i < n; i++)); do
		urls+=("$url")
	done
	bound=$((5 + n / 20))
	{ ip netns exec "$LAB_NS_CLIENT" timeout "$bound" curl -s -g --connect-timeout 1 \
		--max-time 2 -H 'Connection: close' -w '\n@@lab %{http_code}@@\n' "${urls[@]}" || true; } |
		awk -v n="$n" '
			/^@@lab [0-9]+@@$/ {
				code = $2; sub(/@@/, "", code)
				if (code == "200" && body ~ /^be[0-9]+$/) cnt[body]++
				else fail++
				done++; body = ""; next
			}
			$0 != "" { body = body $0 }
			END {
				fail += n - done
				printf "be1=%d be2=%d be3=%d fail=%d\n", cnt["be1"], cnt["be2"], cnt["be3"], fail
			}'
}

# The load loop, run by bash inside the client namespace.  Arguments:
# OUT URL MAX_SECONDS MAX_REQUESTS STOP_FILE PAUSE.
# shellcheck disable=SC2016
_LAB_LOAD_LOOP='
out=$1 url=$2 max_s=$3 max_n=$4 stop=$5 pause=$6
ok=0 fail=0 n=0 b1=0 b2=0 b3=0
end=$((SECONDS + max_s))
while [ "$n" -lt "$max_n" ] && [ "$SECONDS" -lt "$end" ] && [ ! -e "$stop" ]; do
	n=$((n + 1))
	body=$(curl -sf -g --connect-timeout 1 --max-time 2 -H "Connection: close" "$url") || body=
	case $body in
	be1) ok=$((ok + 1)); b1=$((b1 + 1)) ;;
	be2) ok=$((ok + 1)); b2=$((b2 + 1)) ;;
	be3) ok=$((ok + 1)); b3=$((b3 + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	echo "ok=$ok fail=$fail be1=$b1 be2=$b2 be3=$b3" >"$out.new" && mv -f "$out.new" "$out"
	[ "$pause" = 0 ] || sleep "$pause"
done
'

# lab_load_start [-6] [-a ADDR] [-t MAX_SECONDS] [-n MAX_REQUESTS]: start a
# background loop in the client that fetches http://VIP/ (or ADDR) over a
# new connection per request, sequentially, counting ok (200 + a backend
# name) and fail into $LAB_DIR/load.out.  Bounded: stops by itself after
# MAX_SECONDS (default 60) or MAX_REQUESTS (default 100000); each request is
# bounded by --max-time 2.  $LAB_LOAD_PAUSE (s) paces it.  One loop at a time.
lab_load_start() {
	local v6=0 addr="" max_s=60 max_n=100000 url pid
	if [ -z "${LAB_DIR:-}" ] || [ ! -d "$LAB_DIR" ]; then
		_lab_err "lab_load_start: lab is not up"
		return 1
	fi
	while [ $# -gt 0 ]; do
		case $1 in
		-6) v6=1 ;;
		-a) addr=${2:-}; shift ;;
		-t) max_s=${2:-}; shift ;;
		-n) max_n=${2:-}; shift ;;
		*) _lab_err "lab_load_start: unknown argument '$1'"; return 1 ;;
		esac
		shift
	done
	if ! [[ $max_s =~ ^[0-9]+$ && $max_n =~ ^[0-9]+$ ]]; then
		_lab_err "lab_load_start: -t and -n take whole numbers"
		return 1
	fi
	pid=$(cat "$LAB_DIR/load.pid" 2>/dev/null) || pid=
	if [ -n "$pid" ] && _lab_owned "$pid"; then
		_lab_err "lab_load_start: a load loop already runs (pid $pid)"
		return 1
	fi
	url=$(_lab_target "$v6" "$addr" /)
	rm -f "$LAB_DIR/load.stop" "$LAB_DIR/load.out"
	echo "ok=0 fail=0 be1=0 be2=0 be3=0" >"$LAB_DIR/load.out"
	# Started from a subshell so it is no child of the caller (a bare "wait"
	# in a test must not block on it); stdio detached from the caller's pipes.
	(
		ip netns exec "$LAB_NS_CLIENT" bash -c "$_LAB_LOAD_LOOP" lab-load "$LAB_DIR/load.out" \
			"$url" "$max_s" "$max_n" "$LAB_DIR/load.stop" "${LAB_LOAD_PAUSE:-0}" \
			</dev/null >/dev/null 2>>"$LAB_DIR/load.err" &
		echo $! >"$LAB_DIR/load.pid"
	)
}

# _lab_load_kill: end the load loop: ask it to stop, wait for its current
# request (bounded), SIGTERM it if it still runs.
_lab_load_kill() {
	local pid
	pid=$(cat "$LAB_DIR/load.pid" 2>/dev/null) || return 0
	: >"$LAB_DIR/load.stop"
	if _lab_owned "$pid"; then
		_lab_wait_gone "$pid" || {
			kill -TERM "$pid" 2>/dev/null || true
			_lab_wait_gone "$pid" || true
		}
	fi
	rm -f "$LAB_DIR/load.pid"
}

# lab_load_stop: stop the loop started by lab_load_start and print its totals
# "ok=N fail=N be1=N be2=N be3=N".
lab_load_stop() {
	if [ -z "${LAB_DIR:-}" ] || [ ! -d "$LAB_DIR" ]; then
		_lab_err "lab_load_stop: lab is not up"
		return 1
	fi
	if [ ! -f "$LAB_DIR/load.pid" ]; then
		_lab_err "lab_load_stop: no load loop was started"
		return 1
	fi
	_lab_load_kill
	cat "$LAB_DIR/load.out"
}

# lab_xdp_attached NODE: print the id(s) of the XDP program(s) attached to
# eth0 of NODE (space-separated if several modes are attached), or nothing.
lab_xdp_attached() {
	local ns ids
	ns=$(_lab_ns "${1:-}") || return 1
	# The JSON repeats the program under "xdp" and "xdp.attached": dedupe.
	ids=$(ip -n "$ns" -j link show dev eth0 | grep -o '"prog":{"id":[0-9]*' |
		grep -o '[0-9]*$' | awk '!seen[$0]++' | tr '\n' ' ') || ids=
	ids=${ids% }
	[ -z "$ids" ] || echo "$ids"
}
