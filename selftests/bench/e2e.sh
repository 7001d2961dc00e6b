#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench/e2e.sh BUILD_DIR — `make bench-e2e`: xlb (NAT and DR)
# against nftables DNAT, nginx `stream` and HAProxy, end to end in network
# namespaces this script creates, with the same VIP, backends and weights
# (3:1:4) for every contender. Prints figures; asserts nothing about speed.
#
# 1. Packet rate (own two-namespace topology, one veth pair):
#      gen  [xg$$ 10.98.0.1] <----> [xl$$ 10.98.0.2, VIP 10.98.0.50] lb
#    e2e_pkt (e2e/pkt.c, e2e/pkt.bpf.c) generates UDP to VIP:5353 from 4096
#    flows with BPF_PROG_TEST_RUN live frames (XDP_TX into xg) and counts
#    what the load balancer sends to the three backends with an XDP program
#    on the same veth: the backend addresses 10.98.0.181..183 have permanent
#    neighbour entries in lb with one made-up MAC each, so the counter knows
#    the backend from the destination MAC (NAT and DR alike) and drops.
#    CPUs: the generator thread is pinned to CPU 0 with the counter's NAPI
#    thread (SCHED_FIFO, so counting never drops); the LB's receive runs in
#    the threaded NAPI kthread of xl (pinned to CPU 1, nice -20) and any
#    proxy process is pinned to CPU 1 too. "LB CPU" is the CPU time of those
#    LB tasks (/proc/PID/task/*/schedstat) per second of the window, and
#    "per LB core" is delivered packets per second divided by it.
#    Each contender first runs one second at full speed (the "flood"
#    figure); the measured runs then offer 3x what it delivered there
#    (full speed when that is beyond the generator), so a proxy is saturated
#    without spending its core on packets its socket drops anyway.
#    HAProxy cannot carry UDP: it has no packet-rate figure.
# 2. Request rate (scripts/lab.sh: client, lb1, three nginx backends on one
#    bridge): wrk from the client to http://VIP/ with keep-alive and with
#    "Connection: close" (a new connection per request); requests/s,
#    p50/p99, errors, each backend's share from its access log, and the CPU
#    time of the LB tasks (lb1's eth0 NAPI kthread, threaded, plus any proxy
#    process), of the backends' nginx and of wrk. Nothing is pinned here.
#
# Every figure is the median of E2E_PKT_RUNS (default 5) or E2E_REQ_RUNS
# (default 3) runs with min-max; the contenders run interleaved, round
# after round, so drift on the shared machine hits them alike; "x NAT" is
# the ratio of medians to xlb NAT measured in the same invocation. The
# processes measured run at nice -20 (their autogroup too), so other load
# on the machine disturbs them less. No contender has health checks.
#
# Environment: E2E_PKT_RUNS, E2E_REQ_RUNS (1..5; E2E_RUNS sets both),
# E2E_PKT_SECS (3), E2E_REQ_SECS (5), E2E_CONNS (wrk connections, 32),
# E2E_MAX_SECONDS (540: no run starts later), E2E_ONLY (pkt or req),
# E2E_MD (where the Markdown tables go; BUILD_DIR/bench-e2e.md). Raw
# results, wrk outputs and daemon logs are kept in BUILD_DIR/bench-e2e-logs.
# Exit status 1 when a setup failed or xlb produced no figure, else 0.
# Bounded: every load has a fixed duration and a timeout; a trap removes
# every namespace, process, pinned map and file this script created.
set -uo pipefail

B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $B in /*) ;; *) B=$ROOT/$B ;; esac
PKT_RUNS=${E2E_PKT_RUNS:-${E2E_RUNS:-5}}
REQ_RUNS=${E2E_REQ_RUNS:-${E2E_RUNS:-3}}
PKT_SECS=${E2E_PKT_SECS:-3}
REQ_SECS=${E2E_REQ_SECS:-5}
CONNS=${E2E_CONNS:-32}
DEADLINE=${E2E_MAX_SECONDS:-540}
ONLY=${E2E_ONLY:-}
export LC_ALL=C

say() { echo "e2e: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	echo "bench-e2e: skipped, needs root (namespaces, XDP)"
	exit 0
fi
[[ $PKT_RUNS =~ ^[1-5]$ && $REQ_RUNS =~ ^[1-5]$ ]] || { say "E2E_*RUNS must be 1..5"; exit 2; }
[[ $PKT_SECS =~ ^[1-9][0-9]?$ && $REQ_SECS =~ ^[1-9][0-9]?$ && $CONNS =~ ^[1-9][0-9]{0,3}$ ]] ||
	{ say "E2E_PKT_SECS/E2E_REQ_SECS (1..99) or E2E_CONNS (1..9999) invalid"; exit 2; }
NCPU=$(nproc)
GEN_CPU=0
LB_CPU=1
[ "$NCPU" -ge 2 ] || LB_CPU=0

T=$(mktemp -d /tmp/xlb-e2e.XXXXXX) || exit 1
chmod 0755 "$T"
RES=$T/results # "phase contender mode key value" per run
: >"$RES"
LOGS=$B/bench-e2e-logs # wrk outputs, xlbd and proxy logs, raw results
rm -rf "$LOGS" && mkdir -p "$LOGS" || exit 1
PIDS_STARTED=() # daemons we started (checked against $T before any kill)
PIN_NODES=()

# ---- small helpers ---------------------------------------------------------

# owned PID: alive and its command line or cwd names $T (guards PID reuse).
owned() {
	local cmd
	[[ ${1:-} =~ ^[0-9]+$ ]] && [ -e "/proc/$1" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"$T"* ]]
}

# stop_pid PID: SIGTERM a process we started, SIGKILL after 3 s.
stop_pid() {
	local p=$1 i
	owned "$p" || return 0
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 60; i++)); do
		[ -e "/proc/$p" ] || break
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] || break
		sleep 0.05
	done
	if [ -e "/proc/$p" ] && owned "$p"; then
		say "pid $p ignored SIGTERM, killing it"
		kill -KILL "$p" 2>/dev/null
	fi
	wait "$p" 2>/dev/null
	return 0
}

# children PID: PIDs whose parent is PID.
children() {
	grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
		sed 's|/proc/\([0-9]*\)/status|\1|'
}

# boost CMD...: run CMD in a new session whose autogroup has nice -20, at
# nice -20 (the autogroup weighs against other sessions' autogroups).
boost() {
	# shellcheck disable=SC2016
	setsid -w sh -c 'echo -20 >/proc/self/autogroup 2>/dev/null; exec nice -n -20 "$@"' \
		e2e-boost "$@"
}

# boost_pid PID...: nice -20 for every thread of PID and its autogroup.
boost_pid() {
	local p t
	for p in "$@"; do
		echo -20 >"/proc/$p/autogroup" 2>/dev/null
		for t in /proc/"$p"/task/*; do
			renice -n -20 -p "${t##*/}" >/dev/null 2>&1
		done
	done
}

# napi_pid IFNAME: the PID of the threaded NAPI kthread of IFNAME.
napi_pid() {
	local f c p="" n=0
	for f in /proc/[0-9]*/comm; do
		c=$(cat "$f" 2>/dev/null) || continue
		case $c in "napi/$1-"*) p=${f#/proc/}; p=${p%/comm}; n=$((n + 1)) ;; esac
	done
	[ "$n" = 1 ] && echo "$p"
}

# task_ns PID...: CPU time in ns of every thread of the PIDs.
task_ns() {
	local p f s=0 v
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$f" 2>/dev/null || continue
			s=$((s + v))
		done
	done
	echo "$s"
}

# child_cpu FILE: user+sys seconds of the waited-for children in the output
# of the "times" builtin, which must run in this shell itself (not in a
# pipe or $(...)) to see its children.
child_cpu() {
	awk 'NR == 2 {
		n = split($0, f, " ")
		for (i = 1; i <= n; i++) { split(f[i], a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
		printf "%.3f\n", s }' "$1"
}

rec() { echo "$*" >>"$RES"; }

# cpu_all: "busy total irq+softirq" jiffies of all CPUs together (/proc/stat).
cpu_all() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t, $7 + $8; exit }' /proc/stat
}

out_of_time() {
	if [ "$SECONDS" -ge "$DEADLINE" ]; then
		say "time budget of ${DEADLINE}s used up: skipping the remaining runs"
		return 0
	fi
	return 1
}

XLBD=$B/xlbd
XLBCTL=$B/xlbctl
for f in "$XLBD" "$XLBCTL"; do
	[ -x "$f" ] || { say "$f missing: run make first"; exit 1; }
done

# Contenders whose tools are missing are reported as n/a, not failed.
HAVE_NFT=1 HAVE_NGX=1 HAVE_HAP=1 HAVE_WRK=1
NGX_LOAD=""
command -v nft >/dev/null || HAVE_NFT=0
command -v haproxy >/dev/null || HAVE_HAP=0
command -v wrk >/dev/null || HAVE_WRK=0
if ! command -v nginx >/dev/null; then
	HAVE_NGX=0
elif nginx -V 2>&1 | grep -q -- '--with-stream=dynamic'; then
	NGX_MOD=/usr/lib/nginx/modules/ngx_stream_module.so
	if [ -f "$NGX_MOD" ]; then
		NGX_LOAD="load_module $NGX_MOD;"
	else
		HAVE_NGX=0
	fi
elif ! nginx -V 2>&1 | grep -q -- '--with-stream'; then
	HAVE_NGX=0
fi
[ $HAVE_NGX = 1 ] || say "nginx with the stream module not found: nginx is n/a (XLB_DEPS_BENCH=1 scripts/deps.sh)"
[ $HAVE_HAP = 1 ] || say "haproxy not found: HAProxy is n/a"
[ $HAVE_NFT = 1 ] || say "nft not found: nftables is n/a"
[ $HAVE_WRK = 1 ] || say "wrk not found: no request-rate figures"

# ---- cleanup ---------------------------------------------------------------

PKT_NS=()
LAB_SOURCED=0
cleanup() {
	local p ns n
	trap - EXIT INT TERM
	for p in "${PIDS_STARTED[@]}"; do
		stop_pid "$p"
	done
	for ns in "${PKT_NS[@]}"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	[ "$LAB_SOURCED" = 1 ] && lab_down
	cp "$RES" "$LOGS/results" 2>/dev/null
	cp "$T"/*.log "$T"/pkt.err "$LOGS/" 2>/dev/null
	for p in "$T"/*-nginx "$T"/*-haproxy; do
		[ -d "$p" ] && cp -r "$p" "$LOGS/"
	done
	for n in "${PIN_NODES[@]}"; do
		[ -n "$n" ] && rm -rf "/sys/fs/bpf/xlb/$n"
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the packet generator --------------------------------------------------

E2E_BIN=$B/selftests/e2e
build_gen() {
	local arch
	mkdir -p "$E2E_BIN" || return 1
	arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
	clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -Wall -Werror -I"$ROOT" \
		-c "$ROOT/selftests/bench/e2e/pkt.bpf.c" -o "$E2E_BIN/pkt.bpf.o" &&
		bpftool gen skeleton "$E2E_BIN/pkt.bpf.o" name pkt >"$E2E_BIN/pkt.skel.h" &&
		gcc -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I"$E2E_BIN" \
			"$ROOT/selftests/bench/e2e/pkt.c" -o "$E2E_BIN/e2e_pkt" -lbpf -lelf -lz -lpthread
}

# ---- contenders: configuration writers -------------------------------------
# Phase "pkt": UDP 10.98.0.50:5353 -> 10.98.0.181..183:5353 on xl$$.
# Phase "req": TCP 192.168.17.50:80 -> 192.168.12.181..183:80 on lb1's eth0.

W=(3 1 4)
P_VIP=10.98.0.50 P_PORT=5353
P_BE=(10.98.0.181 10.98.0.182 10.98.0.183)
P_MAC=(02:e2:00:00:00:01 02:e2:00:00:00:02 02:e2:00:00:00:03)
R_VIP=192.168.17.50 R_PORT=80
R_BE=(192.168.12.181 192.168.12.182 192.168.12.183)

# phase_vars PHASE: set VIP PORT PROTO IFACE NS BE[] for PHASE.
phase_vars() {
	if [ "$1" = pkt ]; then
		VIP=$P_VIP PORT=$P_PORT PROTO=udp IFACE=$P_IFL NS=$P_NSL BE=("${P_BE[@]}")
	else
		VIP=$R_VIP PORT=$R_PORT PROTO=tcp IFACE=eth0 NS=$LAB_NS_LB1 BE=("${R_BE[@]}")
	fi
}

write_xlb() { # PHASE MODE FILE NODE
	local i sep=""
	phase_vars "$1"
	{
		printf '{ "node": { "name": "%s", "interface": "%s", "xdp_mode": "native",\n' "$4" "$IFACE"
		printf '            "keep_maps": false, "control_socket": "%s/%s.sock" },\n' "$T" "$4"
		printf '  "services": [ { "name": "e2e", "vip": "%s", "port": %s, "protocol": "%s",\n' \
			"$VIP" "$PORT" "$PROTO"
		printf '    "mode": "%s", "backends": [' "$2"
		for i in 0 1 2; do
			printf '%s\n      { "address": "%s", "port": %s, "weight": %s }' "$sep" "${BE[$i]}" \
				"$PORT" "${W[$i]}"
			sep=,
		done
		printf ' ] } ] }\n'
	} >"$3"
}

write_nft() { # PHASE FILE
	phase_vars "$1"
	cat >"$2" <<EOF
table ip xe2 {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP $PROTO dport $PORT dnat to numgen inc mod 8 map { 0-2 : ${BE[0]}, 3 : ${BE[1]}, 4-7 : ${BE[2]} }
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip daddr { ${BE[0]}, ${BE[1]}, ${BE[2]} } ct status dnat snat to $VIP
	}
}
EOF
}

write_ngx() { # PHASE DIR
	local udp="" extra=""
	phase_vars "$1"
	if [ "$PROTO" = udp ]; then
		udp=" udp"
		extra="proxy_responses 0; proxy_timeout 1s;"
	fi
	mkdir -p "$2"
	cat >"$2/nginx.conf" <<EOF
# nginx stream proxy for selftests/bench/e2e.sh ($1)
$NGX_LOAD
worker_processes 1;
worker_rlimit_nofile 16384;
pid $2/nginx.pid;
error_log $2/error.log notice;
events {
	worker_connections 8192;
}
stream {
	upstream e2e {
		server ${BE[0]}:$PORT weight=${W[0]};
		server ${BE[1]}:$PORT weight=${W[1]};
		server ${BE[2]}:$PORT weight=${W[2]};
	}
	server {
		listen $VIP:$PORT$udp;
		proxy_pass e2e;
		$extra
	}
}
EOF
}

write_hap() { # PHASE DIR
	phase_vars "$1"
	mkdir -p "$2"
	cat >"$2/haproxy.cfg" <<EOF
# HAProxy for selftests/bench/e2e.sh ($1)
global
	nbthread 1
	maxconn 8000
defaults
	mode tcp
	timeout connect 2s
	timeout client 30s
	timeout server 30s
frontend e2e
	bind $VIP:$PORT
	default_backend e2e
backend e2e
	balance roundrobin
	server be1 ${BE[0]}:$PORT weight ${W[0]}
	server be2 ${BE[1]}:$PORT weight ${W[1]}
	server be3 ${BE[2]}:$PORT weight ${W[2]}
EOF
}

# ---- contenders: start / stop ---------------------------------------------
# start_contender PHASE NAME sets LB_PIDS (proxy processes) and returns 0, or
# prints why and returns 1. NAME: xlb-nat xlb-dr nft nginx haproxy.

CUR_XLBD="" CUR_PROXY=""

# xdp_pass_on PHASE: in the lab, the kernel contenders get an XDP_PASS
# program on lb1's eth0 (the lab's own $LAB_DIR/xdp_pass.o). A veth without
# one hands forwarded packets to the backlog of the sending CPU instead of
# its own NAPI, and their cost would land in the hub's kthread, not in the
# LB's; with it they take the path xlb's packets take (one XDP_PASS more).
xdp_pass_on() {
	[ "$1" = req ] || return 0
	ip -n "$NS" link set dev eth0 xdpdrv obj "$LAB_DIR/xdp_pass.o" sec xdp || {
		say "req: cannot attach XDP_PASS to lb1's eth0"
		return 1
	}
}
start_contender() {
	local phase=$1 name=$2 node d i pid kids=()
	phase_vars "$phase"
	LB_PIDS=()
	case $name in
	xlb-nat | xlb-dr)
		node=xe2$phase$$
		PIN_NODES+=("$node")
		write_xlb "$phase" "${name#xlb-}" "$T/$node.json" "$node"
		nsenter --net="/run/netns/$NS" "$XLBD" --config "$T/$node.json" \
			>>"$T/$node.log" 2>&1 </dev/null &
		CUR_XLBD=$!
		PIDS_STARTED+=("$CUR_XLBD")
		for ((i = 0; i < 100; i++)); do
			"$XLBCTL" -s "$T/$node.sock" status >/dev/null 2>&1 && break
			kill -0 "$CUR_XLBD" 2>/dev/null || break
			sleep 0.05
		done
		if ! "$XLBCTL" -s "$T/$node.sock" -j status 2>/dev/null |
			grep -q '"xdp_attached": *true'; then
			say "$phase/$name: xlbd did not come up with XDP attached:"
			sed 's/^/  xlbd: /' "$T/$node.log" >&2
			stop_contender "$phase" "$name"
			return 1
		fi
		;;
	nft)
		[ $HAVE_NFT = 1 ] || return 1
		write_nft "$phase" "$T/$phase.nft"
		xdp_pass_on "$phase" || return 1
		ip netns exec "$NS" nft -f "$T/$phase.nft" || { say "$phase/nft: ruleset refused"; return 1; }
		;;
	nginx | haproxy)
		xdp_pass_on "$phase" || return 1
		d=$T/$phase-$name
		if [ "$name" = nginx ]; then
			[ $HAVE_NGX = 1 ] || return 1
			write_ngx "$phase" "$d"
			ip netns exec "$NS" nginx -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" \
				</dev/null >"$d/start.log" 2>&1
		else
			[ $HAVE_HAP = 1 ] || return 1
			write_hap "$phase" "$d"
			ip netns exec "$NS" haproxy -D -f "$d/haproxy.cfg" -p "$d/haproxy.pid" \
				</dev/null >"$d/start.log" 2>&1
		fi
		pid=""
		for ((i = 0; i < 100; i++)); do
			pid=$(cat "$d/$name.pid" 2>/dev/null) && [ -n "$pid" ] && break
			sleep 0.02
		done
		if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
			say "$phase/$name did not start: $(tail -n 3 "$d/start.log" "$d/error.log" 2>/dev/null)"
			return 1
		fi
		CUR_PROXY=$pid
		PIDS_STARTED+=("$pid")
		sleep 0.2 # nginx forks its worker after writing the pid file
		mapfile -t kids < <(children "$pid")
		LB_PIDS=("$pid" "${kids[@]}")
		boost_pid "${LB_PIDS[@]}"
		if [ "$phase" = pkt ]; then
			for pid in "${LB_PIDS[@]}"; do
				taskset -a -pc "$LB_CPU" "$pid" >/dev/null 2>&1
			done
		fi
		;;
	*) return 1 ;;
	esac
	return 0
}

stop_contender() {
	local phase=$1 name=$2
	phase_vars "$phase"
	case $name in
	xlb-*) stop_pid "$CUR_XLBD"; CUR_XLBD="" ;;
	nft) ip netns exec "$NS" nft delete table ip xe2 2>/dev/null ;;
	nginx | haproxy) stop_pid "$CUR_PROXY"; CUR_PROXY="" ;;
	esac
	[ "$phase" = req ] && ip -n "$NS" link set dev eth0 xdpdrv off 2>/dev/null
	LB_PIDS=()
	return 0
}

# ---- phase 1: packet rate --------------------------------------------------

P_NSG=xe2p$$-gen P_NSL=xe2p$$-lb
P_IFG=xg$$ P_IFL=xl$$ P_IFH=xh$$ P_IFH2=xi$$

pkt_setup() {
	local f=$T/pkt-lb.ip
	PKT_NS=("$P_NSG" "$P_NSL")
	ip netns add "$P_NSG" && ip netns add "$P_NSL" || return 1
	ip -n "$P_NSG" link add "$P_IFG" type veth peer name "$P_IFL" netns "$P_NSL" || return 1
	# Only holds the generator program attached (see e2e/pkt.c, CHUNK).
	ip -n "$P_NSG" link add "$P_IFH" type veth peer name "$P_IFH2" || return 1
	ip netns exec "$P_NSL" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
		net.ipv4.conf.all.accept_local=1 >/dev/null || return 1
	ip -n "$P_NSG" link set lo up && ip -n "$P_NSG" link set "$P_IFG" up &&
		ip -n "$P_NSG" addr add 10.98.0.1/24 dev "$P_IFG" || return 1
	cat >"$f" <<EOF
link set lo up
link set $P_IFL up
addr add 10.98.0.2/24 dev $P_IFL
addr add $P_VIP/32 dev $P_IFL
EOF
	ip -n "$P_NSL" -batch "$f" || return 1
	# No checksum offload (see scripts/lab.sh); GRO on gives both ends NAPI,
	# which a veth needs to receive XDP frames, and makes it threadable.
	# TSO off: a veth hands a peer with NAPI the packets the stack sends
	# (nftables, nginx) through that NAPI, where the counter runs, only when
	# it cannot do TSO itself; else they go to the peer's backlog, unseen
	# by XDP. TSO comes back on whenever XDP is detached from the peer
	# unless it was turned off by hand (seen: nothing counted, at random).
	ip netns exec "$P_NSG" ethtool -K "$P_IFG" tx off tso off gro on >/dev/null &&
		ip netns exec "$P_NSL" ethtool -K "$P_IFL" tx off tso off gro on >/dev/null || return 1
	ip netns exec "$P_NSG" sh -c "echo 1 >/sys/class/net/$P_IFG/threaded" &&
		ip netns exec "$P_NSL" sh -c "echo 1 >/sys/class/net/$P_IFL/threaded" || return 1
	P_KLB=$(napi_pid "$P_IFL") && P_KSINK=$(napi_pid "$P_IFG") || {
		say "pkt: threaded NAPI kthreads of $P_IFL/$P_IFG not found"
		return 1
	}
	taskset -pc "$LB_CPU" "$P_KLB" >/dev/null && renice -n -20 -p "$P_KLB" >/dev/null &&
		taskset -pc "$GEN_CPU" "$P_KSINK" >/dev/null && chrt -f -p 50 "$P_KSINK" || return 1
	P_GMAC=$(ip netns exec "$P_NSG" cat "/sys/class/net/$P_IFG/address")
	P_LMAC=$(ip netns exec "$P_NSL" cat "/sys/class/net/$P_IFL/address")
}

# The backends' made-up MACs (again after each start: xlbd replaces the
# entries with managed ones at start and deletes them at exit).
pkt_neigh() {
	local i
	for i in 0 1 2; do
		ip -n "$P_NSL" neigh del "${P_BE[$i]}" dev "$P_IFL" 2>/dev/null
		ip -n "$P_NSL" neigh add "${P_BE[$i]}" lladdr "${P_MAC[$i]}" dev "$P_IFL" \
			nud permanent || return 1
	done
}

# pkt_run WARMUP SECONDS RATE: one e2e_pkt run; prints its key=value line.
pkt_run() {
	local a=() p
	for p in "$P_KLB" "${LB_PIDS[@]}"; do
		a+=(--pid "$p")
	done
	a+=(--sink-pid "$P_KSINK")
	[ "$3" = 0 ] || a+=(--rate "$3")
	boost ip netns exec "$P_NSG" timeout 90 "$E2E_BIN/e2e_pkt" --if "$P_IFG" \
		--hold-if "$P_IFH" --smac "$P_GMAC" --dmac "$P_LMAC" --saddr 10.98.0.100 \
		--daddr "$P_VIP" --dport "$P_PORT" --flows 4096 \
		--bemac "${P_MAC[0]},${P_MAC[1]},${P_MAC[2]}" --gen-cpu "$GEN_CPU" \
		--lb-cpu "$LB_CPU" --warmup "$1" --seconds "$2" --keep "${a[@]}" 2>>"$T/pkt.err"
}

kv() { # KEY LINE: value of KEY=... in LINE
	local k=$1 l=" $2 "
	l=${l#* "$k"=}
	[ "$l" != " $2 " ] && echo "${l%% *}"
}

# pkt_diag WHAT: state of the LB namespace into pkt.err, when nothing came out.
pkt_diag() {
	{
		echo "== $1: nothing reached the backends; lb state:"
		ip -n "$P_NSL" -d link show dev "$P_IFL"
		ip -n "$P_NSL" neigh show dev "$P_IFL"
		ip netns exec "$P_NSL" nstat -az 2>/dev/null | awk '$2 != 0'
		ip netns exec "$P_NSL" nft list ruleset 2>/dev/null
		ip -n "$P_NSG" -d link show dev "$P_IFG"
		ip netns exec "$P_NSL" ethtool -S "$P_IFL" | awk '$2 != 0'
		ip netns exec "$P_NSG" ethtool -S "$P_IFG" | awk '$2 != 0'
		ip netns exec "$P_NSG" ethtool -k "$P_IFG" | grep -E 'generic-receive|segmentation-offload|tx-checksumming'
		ip netns exec "$P_NSL" ethtool -k "$P_IFL" | grep -E 'generic-receive|segmentation-offload|tx-checksumming'
		grep -H . /proc/[0-9]*/comm 2>/dev/null | grep -E "napi/($P_IFG|$P_IFL)-"
		echo "sink kthread $P_KSINK lb kthread $P_KLB"
	} >>"$T/pkt.err" 2>&1
}

# pkt_record NAME MODE LINE RATE: keep the figures of one e2e_pkt line.
pkt_record() {
	local n=$1 m=$2 l=$3 w d lb sink gen i
	w=$(kv window "$l") d=$(kv delivered "$l") lb=$(kv task_cpu "$l")
	sink=$(kv sink_cpu "$l") gen=$(kv gen_cpu "$l")
	[ -n "$w" ] && [ -n "$d" ] || return 1
	if [ "$d" = 0 ]; then
		pkt_diag "$n $m"
		return 1
	fi
	rec pkt "$n" "$m" pps "$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.0f", d / w }')"
	rec pkt "$n" "$m" lbcpu "$lb"
	rec pkt "$n" "$m" percore "$(awk -v d="$d" -v w="$w" -v c="$lb" \
		'BEGIN { printf "%.0f", (c > 0 ? d / w / c : 0) }')"
	rec pkt "$n" "$m" gencore "$(awk -v a="$gen" -v b="$sink" 'BEGIN { printf "%.3f", a + b }')"
	rec pkt "$n" "$m" offered "$(awk -v s="$(kv sent "$l")" -v w="$w" 'BEGIN { printf "%.0f", s / w }')"
	rec pkt "$n" "$m" rate "$4"
	for i in 1 2 3; do
		rec pkt "$n" "$m" "be$i" "$(awk -v b="$(kv "be$i" "$l")" -v d="$d" \
			'BEGIN { printf "%.1f", (d > 0 ? 100 * b / d : 0) }')"
	done
}

declare -A P_RATE
pkt_phase() {
	local round c line d rate
	local cs=(xlb-nat xlb-dr nft nginx)
	say "packet rate: building the generator"
	build_gen || { say "pkt: building e2e_pkt failed"; return 1; }
	pkt_setup || { say "pkt: topology setup failed"; return 1; }
	say "packet rate: $PKT_RUNS runs of ${PKT_SECS}s per contender (generator CPU $GEN_CPU, LB CPU $LB_CPU)"
	for ((round = 0; round <= PKT_RUNS; round++)); do
		for c in "${cs[@]}"; do
			out_of_time && return 0
			start_contender pkt "$c" || { rec pkt "$c" - na 1; continue; }
			if ! pkt_neigh; then
				say "pkt/$c: cannot set the backends' neighbour entries"
				stop_contender pkt "$c"
				continue
			fi
			if [ $round = 0 ]; then
				# Calibration at full speed: the flood figure and the rate.
				line=$(pkt_run 0.5 1 0)
				if [ -z "$line" ] || ! pkt_record "$c" flood "$line" 0; then
					say "pkt/$c: calibration failed: $(tail -n 2 "$T/pkt.err")"
					stop_contender pkt "$c"
					continue
				fi
				d=$(kv delivered "$line")
				rate=$(awk -v d="$d" -v w="$(kv window "$line")" \
					'BEGIN { r = 3 * d / w; printf "%.0f", (r > 5e6 ? 0 : r) }')
				P_RATE[$c]=$rate
				say "pkt/$c flood: $line"
			else
				rate=${P_RATE[$c]:-0}
				line=$(pkt_run 1 "$PKT_SECS" "$rate")
				say "pkt/$c run $round (rate ${rate/#0/full}): ${line:-FAILED}"
				[ -n "$line" ] && pkt_record "$c" run "$line" "$rate"
			fi
			stop_contender pkt "$c"
		done
	done
	return 0
}

# ---- phase 2: request rate -------------------------------------------------

R_KLB="" R_KHUB=""

# napi_new NODE IFNAME: enable threaded NAPI on IFNAME of NODE and print the
# PID of the kthread that appeared for it. Kthreads carry only the
# interface name and every lab node has an eth0, so compare the kthreads
# named napi/IFNAME-* before and after.
napi_new() {
	local before after p n=0 new=""
	before=$(grep -l "^napi/$2-" /proc/[0-9]*/comm 2>/dev/null | sort)
	lab_exec "$1" sh -c "echo 1 >/sys/class/net/$2/threaded" || return 1
	after=$(grep -l "^napi/$2-" /proc/[0-9]*/comm 2>/dev/null | sort)
	for p in $(comm -13 <(echo "$before") <(echo "$after")); do
		p=${p#/proc/}
		new=${p%/comm}
		n=$((n + 1))
	done
	[ "$n" = 1 ] && echo "$new"
}

req_setup() {
	local n p kids=()
	LAB_PREFIX=xe2r$$- LAB_MODE=nat
	# shellcheck source=scripts/lab.sh
	. "$ROOT/scripts/lab.sh" || return 1
	LAB_SOURCED=1
	lab_up || return 1
	ip -n "$LAB_NS_LB1" addr add "$R_VIP/32" dev eth0 || return 1
	# DR needs the VIP on the backends' lo (added for xlb-dr only) and
	# backends that never answer ARP for it.
	for n in 1 2 3; do
		lab_exec "be$n" sysctl -q -w net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 >/dev/null || return 1
	done
	lab_exec lb1 sysctl -q -w net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.all.accept_local=1 >/dev/null
	# wrk closes first, so with a new connection per request the client
	# keeps each port in TIME_WAIT for 60 s and ran out of them (requests
	# fell to ~1000/s): let it reuse them after 1 s. (A wider port range
	# on top made nftables' SNAT, which keeps the client's port, slower.)
	lab_exec client sysctl -q -w net.ipv4.tcp_tw_reuse=1 >/dev/null || return 1
	# lb1's receive in its own kthread, so its CPU time is measurable; the
	# hub's side of lb1 too, so bridging is not charged to the LB. TSO off
	# on lb1 (see pkt_setup): else what lb1's stack sends is bridged in
	# the sender's context, charged to the LB, not in the hub's kthread.
	lab_exec lb1 ethtool -K eth0 tso off >/dev/null || return 1
	R_KLB=$(napi_new lb1 eth0) && R_KHUB=$(napi_new hub v-lb1) || {
		say "req: threaded NAPI kthreads of lb1/eth0 or hub/v-lb1 not found"
		return 1
	}
	renice -n -20 -p "$R_KLB" "$R_KHUB" >/dev/null
	R_BEPIDS=()
	for n in 1 2 3; do
		p=$(cat "$LAB_DIR/be$n/master.pid")
		mapfile -t kids < <(children "$p")
		R_BEPIDS+=("$p" "${kids[@]}")
	done
	boost_pid "${R_BEPIDS[@]}"
}

dr_vip() { # add|del: the VIP on the backends' lo, for xlb-dr
	local n
	for n in 1 2 3; do
		lab_exec "be$n" ip addr "$1" "$R_VIP/32" dev lo 2>/dev/null
	done
}

access_lines() { # the access log line count of every backend
	local n
	for n in 1 2 3; do
		wc -l <"$LAB_DIR/be$n/access.log"
	done | tr '\n' ' '
}

# ms VALUE: wrk's latency (123.45us, 1.20ms, 1.05s, 2.00m) in ms.
ms() {
	awk -v v="$1" 'BEGIN {
		u = v; sub(/^[0-9.]+/, "", u); n = v + 0
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

# req_run NAME MODE: one wrk run against the VIP; records its figures.
req_run() {
	local n=$1 m=$2 out=$T/wrk.out hdr=() l0 l1 lb0 lb1 be0 be1 c0 c1 rps p50 p99 err
	local i tot m0 m1 h0 h1
	[ "$m" = close ] && hdr=(-H "Connection: close")
	read -r -a l0 <<<"$(access_lines)"
	lb0=$(task_ns "$R_KLB" "${LB_PIDS[@]}")
	be0=$(task_ns "${R_BEPIDS[@]}")
	h0=$(task_ns "$R_KHUB")
	times >"$T/times.0"
	m0=$(cpu_all)
	boost ip netns exec "$LAB_NS_CLIENT" timeout $((REQ_SECS + 15)) wrk -t2 -c"$CONNS" \
		-d"${REQ_SECS}s" --timeout 2s --latency "${hdr[@]}" "http://$R_VIP/" >"$out" 2>&1
	times >"$T/times.1"
	m1=$(cpu_all)
	c0=$(child_cpu "$T/times.0") c1=$(child_cpu "$T/times.1")
	lb1=$(task_ns "$R_KLB" "${LB_PIDS[@]}")
	be1=$(task_ns "${R_BEPIDS[@]}")
	h1=$(task_ns "$R_KHUB")
	read -r -a l1 <<<"$(access_lines)"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	if [ -z "$rps" ]; then
		say "req/$n/$m: wrk failed: $(tail -n 3 "$out")"
		return 1
	fi
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$out")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")")
	err=$(awk '/Socket errors:/ { gsub(/,/, ""); s += $4 + $6 + $8 + $10 }
		/Non-2xx or 3xx responses:/ { s += $NF } END { print s + 0 }' "$out")
	rec req "$n" "$m" rps "$rps"
	rec req "$n" "$m" p50 "$p50"
	rec req "$n" "$m" p99 "$p99"
	rec req "$n" "$m" err "$err"
	rec req "$n" "$m" lbcpu "$(awk -v a="$lb0" -v b="$lb1" -v s="$REQ_SECS" 'BEGIN { printf "%.3f", (b - a) / 1e9 / s }')"
	rec req "$n" "$m" percore "$(awk -v a="$lb0" -v b="$lb1" -v r="$rps" -v s="$REQ_SECS" \
		'BEGIN { c = (b - a) / 1e9 / s; printf "%.0f", (c > 0 ? r / c : 0) }')"
	rec req "$n" "$m" becpu "$(awk -v a="$be0" -v b="$be1" -v s="$REQ_SECS" 'BEGIN { printf "%.3f", (b - a) / 1e9 / s }')"
	rec req "$n" "$m" clcpu "$(awk -v a="$c0" -v b="$c1" -v s="$REQ_SECS" 'BEGIN { printf "%.3f", (b - a) / s }')"
	rec req "$n" "$m" busy "$(echo "$m0 $m1" | awk -v n="$NCPU" '{ printf "%.2f", ($5 > $2 ? n * ($4 - $1) / ($5 - $2) : 0) }')"
	# the network between the nodes: the hub's bridge kthread plus all
	# irq and softirq time (the nodes' other NAPI work runs as softirq)
	rec req "$n" "$m" netcpu "$(echo "$m0 $m1" | awk -v n="$NCPU" -v a="$h0" -v b="$h1" -v s="$REQ_SECS" \
		'{ printf "%.3f", (b - a) / 1e9 / s + ($5 > $2 ? n * ($6 - $3) / ($5 - $2) : 0) }')"
	tot=0
	for i in 0 1 2; do
		tot=$((tot + l1[i] - l0[i]))
	done
	for i in 0 1 2; do
		rec req "$n" "$m" "be$((i + 1))" "$(awk -v b=$((l1[i] - l0[i])) -v t="$tot" \
			'BEGIN { printf "%.1f", (t > 0 ? 100 * b / t : 0) }')"
	done
	{ echo "== $n $m"; cat "$out"; } >>"$LOGS/wrk.log"
	say "req/$n/$m: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, errors $err"
}

req_phase() {
	local round c m
	local cs=(xlb-nat xlb-dr nft nginx haproxy)
	[ $HAVE_WRK = 1 ] || return 0
	say "request rate: bringing the lab up"
	req_setup || { say "req: lab setup failed"; return 1; }
	say "request rate: $REQ_RUNS runs of ${REQ_SECS}s per contender and mode, wrk -t2 -c$CONNS"
	for ((round = 1; round <= REQ_RUNS; round++)); do
		for c in "${cs[@]}"; do
			out_of_time && return 0
			[ "$c" = xlb-dr ] && dr_vip add
			if start_contender req "$c"; then
				for m in keepalive close; do
					req_run "$c" "$m"
				done
				stop_contender req "$c"
			else
				rec req "$c" - na 1
			fi
			[ "$c" = xlb-dr ] && dr_vip del
		done
	done
	return 0
}

# ---- report ----------------------------------------------------------------

# st PHASE NAME MODE KEY: "median min max count" over the runs, or nothing.
st() {
	awk -v p="$1" -v n="$2" -v m="$3" -v k="$4" \
		'$1 == p && $2 == n && $3 == m && $4 == k { print $5 }' "$RES" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (!NR) exit
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s %d\n", med, v[1], v[NR], NR }'
}

med() { st "$@" | awk '{ print $1 }'; }

# fmt_k STAT: "median [min-max]" in thousands.
fmt_k() {
	[ -n "$1" ] || { echo "n/a"; return; }
	echo "$1" | awk '{ f = $1 >= 100000 ? "%.0f" : "%.1f"
		printf f " [" f "-" f "]", $1 / 1000, $2 / 1000, $3 / 1000 }'
}

fmt_plain() { # STAT: "median [min-max]" as they are
	[ -n "$1" ] || { echo "n/a"; return; }
	echo "$1" | awk '{ printf "%.0f [%.0f-%.0f]", $1, $2, $3 }'
}

ratio() { # A B: A/B with two decimals, or "-"
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'
}

name_of() {
	case $2 in
	xlb-nat) echo "xlb NAT" ;;
	xlb-dr) echo "xlb DR" ;;
	nft) echo "nftables DNAT" ;;
	nginx) [ "$1" = pkt ] && echo "nginx stream (UDP)" || echo "nginx stream (TCP)" ;;
	haproxy) echo "HAProxy (TCP)" ;;
	esac
}

conn_of() { [ "$1" = close ] && echo "new per request" || echo "keep-alive"; }

shares() { # PHASE NAME MODE
	local a b c
	a=$(med "$1" "$2" "$3" be1) b=$(med "$1" "$2" "$3" be2) c=$(med "$1" "$2" "$3" be3)
	[ -n "$a" ] && echo "$a/$b/$c" || echo "-"
}

pkt_bottleneck() { # NAME
	local lb gc rate
	lb=$(med pkt "$1" run lbcpu) gc=$(med pkt "$1" run gencore) rate=$(med pkt "$1" run rate)
	awk -v lb="$lb" -v gc="$gc" -v r="$rate" 'BEGIN {
		if (lb >= 0.85) printf "LB: its core %.0f%% busy with LB work", 100 * lb
		else if (gc >= 0.85) printf "generator core (generator + counter %.0f%%; LB core %.0f%% busy)", 100 * gc, 100 * lb
		else if (r > 0) printf "offered load (paced at %.0f kpps; LB %.0f%%)", r / 1000, 100 * lb
		else printf "none saturated (LB %.0f%%, generator core %.0f%%): ring bursts", 100 * lb, 100 * gc }'
}

# The LB when its tasks use most of a core. Otherwise not the LB: when
# the CPUs are full, the cores shared by wrk, the backends and the veth and
# bridge hops (named: the biggest of them); else latency.
req_bottleneck() { # NAME MODE
	local lb be cl net busy
	lb=$(med req "$1" "$2" lbcpu) be=$(med req "$1" "$2" becpu) cl=$(med req "$1" "$2" clcpu)
	net=$(med req "$1" "$2" netcpu) busy=$(med req "$1" "$2" busy)
	awk -v lb="$lb" -v be="$be" -v cl="$cl" -v net="$net" -v busy="$busy" -v n="$NCPU" 'BEGIN {
		if (lb >= 0.85) { printf "LB: %.0f%% of a core", 100 * lb; exit }
		big = "backends"; v = be
		if (cl > v) { big = "wrk"; v = cl }
		if (net > v) { big = "network"; v = net }
		if (busy >= 0.9 * n)
			printf "not the LB (%.0f%% of a core): %d cores full, shared by wrk, backends, network (most: %s)", 100 * lb, n, big
		else
			printf "not the LB (%.0f%% of a core): latency, cores not full", 100 * lb }'
}

report() {
	local c m nat natc s pc bn
	local model kern
	model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	kern=$(uname -r)
	echo
	echo "### Machine"
	echo
	echo "$NCPU CPUs ($model), kernel $kern, load average at start $LOAD0."
	echo "Each figure: median [min-max] of $PKT_RUNS (packet rate) or $REQ_RUNS (request rate) runs, the"
	echo "contenders interleaved; ratios (x NAT) are of medians, against xlb NAT in this same invocation."
	if [ -s "$RES" ] && grep -q '^pkt ' "$RES"; then
		echo
		echo "### Packet rate (UDP, 60-byte frames, 4096 flows, 3 backends 3:1:4)"
		echo
		echo "Generator and counter on CPU $GEN_CPU, LB receive (NAPI kthread) and proxies on CPU $LB_CPU;"
		echo "\"LB CPU\" is the CPU time of the LB's tasks in cores; \"flood\" is the 1 s calibration at full speed."
		echo
		echo "| contender | delivered kpps | x NAT | LB CPU | kpps per LB core | x NAT | share % (37.5/12.5/50) | flood: kpps, per LB core | bottleneck |"
		echo "|---|---|---|---|---|---|---|---|---|"
		nat=$(med pkt xlb-nat run pps) natc=$(med pkt xlb-nat run percore)
		for c in xlb-nat xlb-dr nft nginx haproxy; do
			if [ "$c" = haproxy ]; then
				echo "| $(name_of pkt $c) | n/a: TCP only, see request rate | | | | | | | |"
				continue
			fi
			s=$(st pkt "$c" run pps)
			if [ -z "$s" ]; then
				echo "| $(name_of pkt $c) | n/a (did not run, see log) | | | | | | | |"
				continue
			fi
			pc=$(st pkt "$c" run percore)
			bn=$(pkt_bottleneck "$c")
			printf '| %s | %s | %s | %s | %s | %s | %s | %s, %s | %s |\n' "$(name_of pkt "$c")" \
				"$(fmt_k "$s")" "$(ratio "$(med pkt "$c" run pps)" "$nat")" \
				"$(awk -v v="$(med pkt "$c" run lbcpu)" 'BEGIN { printf "%.2f", v }')" "$(fmt_k "$pc")" \
				"$(ratio "$(med pkt "$c" run percore)" "$natc")" "$(shares pkt "$c" run)" \
				"$(awk -v v="$(med pkt "$c" flood pps)" 'BEGIN { printf "%.0f", v / 1000 }')" \
				"$(awk -v v="$(med pkt "$c" flood percore)" 'BEGIN { printf "%.0f", v / 1000 }')" "$bn"
		done
	fi
	if [ -s "$RES" ] && grep -q '^req ' "$RES"; then
		echo
		echo "### Request rate (wrk -t2 -c$CONNS, ${REQ_SECS}s, GET / from 3 nginx backends 3:1:4)"
		echo
		echo "CPU columns are cores (CPU seconds per second): the LB's tasks, the backends' nginx, wrk,"
		echo "the network (the hub's bridge kthread plus all irq/softirq time, which with tick accounting may"
		echo "overlap the tasks' own time), and all CPUs busy with anything (other load on the machine too)."
		echo
		echo "| contender | connections | req/s | x NAT | p50 ms | p99 ms | errors | share % (37.5/12.5/50) | LB CPU | req/s per LB core | x NAT | backends CPU | wrk CPU | net CPU | all busy | bottleneck |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
		for m in keepalive close; do
			nat=$(med req xlb-nat "$m" rps) natc=$(med req xlb-nat "$m" percore)
			for c in xlb-nat xlb-dr nft nginx haproxy; do
				s=$(st req "$c" "$m" rps)
				if [ -z "$s" ]; then
					echo "| $(name_of req $c) | $(conn_of $m) | n/a (did not run, see log) | | | | | | | | | | | | | |"
					continue
				fi
				printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
					"$(name_of req "$c")" \
					"$(conn_of "$m")" \
					"$(fmt_plain "$s")" "$(ratio "$(med req "$c" "$m" rps)" "$nat")" \
					"$(med req "$c" "$m" p50)" "$(med req "$c" "$m" p99)" \
					"$(med req "$c" "$m" err)" "$(shares req "$c" "$m")" \
					"$(med req "$c" "$m" lbcpu)" "$(fmt_plain "$(st req "$c" "$m" percore)")" \
					"$(ratio "$(med req "$c" "$m" percore)" "$natc")" "$(med req "$c" "$m" becpu)" \
					"$(med req "$c" "$m" clcpu)" "$(med req "$c" "$m" netcpu)" \
					"$(med req "$c" "$m" busy)" \
					"$(req_bottleneck "$c" "$m")"
			done
		done
	fi
	echo
	echo "### Targets (printed, never asserted)"
	echo
	natc=$(med pkt xlb-nat run percore)
	for c in nft:5 nginx:20; do
		s=$(med pkt "${c%%:*}" run percore)
		awk -v a="$natc" -v b="$s" -v t="${c##*:}" -v n="$(name_of pkt "${c%%:*}")" 'BEGIN {
			if (a == "" || b == "" || b == 0) { printf "- xlb NAT vs %s, packets/s per LB core: n/a\n", n; exit }
			r = a / b
			printf "- xlb NAT vs %s, packets/s per LB core: %.1fx (target >= %dx: %s)\n", n, r, t, (r >= t ? "met" : "NOT met") }'
	done
	echo "- xlb NAT vs HAProxy: no packet-rate figure (HAProxy carries TCP only); per LB core it served"
	for m in keepalive close; do
		awk -v a="$(med req xlb-nat "$m" percore)" -v b="$(med req haproxy "$m" percore)" -v m="$(conn_of "$m")" 'BEGIN {
			if (a != "" && b != "" && b > 0) printf "  - %.1fx the requests/s of HAProxy (%s)\n", a / b, m }'
	done
	for m in keepalive close; do
		s=$(med req xlb-nat "$m" rps)
		[ -n "$s" ] || continue
		echo "- request rate, $m, xlb NAT: limited by $(req_bottleneck xlb-nat "$m") (target: backends, not xlb)"
	done
}

# ---- main ------------------------------------------------------------------

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
FAIL=0
if [ "$ONLY" != req ]; then
	pkt_phase || FAIL=1
	for ns in "${PKT_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	PKT_NS=()
fi
if [ "$ONLY" != pkt ]; then
	req_phase || FAIL=1
	[ "$LAB_SOURCED" = 1 ] && lab_down
fi
# A contender of ours that never produced a figure is an error too.
for c in xlb-nat xlb-dr; do
	if [ "$ONLY" != req ] && [ -z "$(st pkt "$c" run pps)" ]; then
		say "no packet-rate figure for $c"
		FAIL=1
	fi
	if [ "$ONLY" != pkt ] && [ $HAVE_WRK = 1 ] && [ -z "$(st req "$c" keepalive rps)" ]; then
		say "no request-rate figure for $c"
		FAIL=1
	fi
done
MD=${E2E_MD:-$B/bench-e2e.md}
report | tee "$MD"
say "tables also written to $MD; took ${SECONDS}s"
exit $FAIL
