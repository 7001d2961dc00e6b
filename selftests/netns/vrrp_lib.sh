# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/netns/vrrp_lib.sh — helpers shared by test_vrrp.sh,
# test_vrrp_keepalived.sh and selftests/bench/failover.sh: run xlbd or
# keepalived as lb1/lb2 of the namespace lab (scripts/lab.sh), read their
# VRRP state, wait for it (bounded), time the client's first good answer.
# Source it after scripts/lab.sh; never execute it.
#
#   vl_init || exit        # needs root; sets XLBD, XLBCTL, VL_DIR
#   LAB_PRE_DOWN=vl_stop_all; lab_trap; lab_up
#   vl_xlbd_cfg 1 configs/seed-equivalent.json '.vrrp.instances[0].priority = 100'
#   vl_xlbd_start 1; vl_wait_state 1 MASTER 8
#   vl_ka_cfg 2 90 2 1; vl_ka_start 2; vl_ka_state 2   # -> BACKUP
#
# The caller defines vl_fail MSG (print, exit 1). Node N is 1 or 2.
# Processes started here are recorded in VL_PID / VL_KA and only those are
# ever signalled; vl_stop_all stops them all (SIGTERM, then SIGKILL after
# 5 s), removes their pinned maps and is what lab_down must call first.

VL_DIR=
declare -A VL_PID=([1]="" [2]="")  # xlbd
declare -A VL_KA=([1]="" [2]="")   # keepalived (parent, run with -n)
# shellcheck disable=SC2034 # VL_RC and VL_SEEN are read by the callers
VL_RC=0
VL_SEEN=

# vl_init: check root and tools, find the binaries (XLB_BUILD, default
# build/ of the checkout), make VL_DIR. Exits 77 when something is missing.
vl_init() {
	local top b cmd
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: needs root (network namespaces, XDP)"
		exit 77
	fi
	for cmd in ip jq nsenter curl nginx clang timeout "$@"; do
		if ! command -v "$cmd" >/dev/null; then
			echo "skip: '$cmd' not installed"
			exit 77
		fi
	done
	b=${XLB_BUILD:-build}
	[ -d "$b" ] || b=$top/build
	XLBD=$(realpath "$b/xlbd" 2>/dev/null) || XLBD=
	XLBCTL=$(realpath "$b/xlbctl" 2>/dev/null) || XLBCTL=
	if [ ! -x "$XLBD" ] || [ ! -x "$XLBCTL" ]; then
		echo "FAIL: expected $b/xlbd and $b/xlbctl (run make), saw none"
		exit 1
	fi
	VL_TOP=$top
	VL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xlb-vrrp.XXXXXX") || exit 1
	export XLBD XLBCTL VL_DIR VL_TOP
}

vl_ns() { echo "${LAB_PREFIX}lb$1"; }
vl_node_name() { echo "${LAB_PREFIX}lb$1"; }
vl_sock() { echo "$VL_DIR/lb$1.sock"; }

# Time: now (epoch seconds.micro), since T0 (seconds, 2 decimals), fle A B.
vl_now() { echo "$EPOCHREALTIME"; }
vl_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
vl_fle() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# ---- xlbd ----------------------------------------------------------------------

# vl_xlbd_cfg N SRC [JQ_FILTER]: $VL_DIR/lbN.json from SRC with this run's
# node name and control socket, then JQ_FILTER applied (default ".").
vl_xlbd_cfg() {
	local n=$1 src=$2 filter=${3:-.}
	jq --arg name "$(vl_node_name "$n")" --arg sock "$(vl_sock "$n")" \
		".node.name = \$name | .node.control_socket = \$sock | $filter" "$src" \
		>"$VL_DIR/lb$n.json" || vl_fail "expected jq to derive $VL_DIR/lb$n.json from $src"
}

# vl_xlbd_start N: run xlbd in lbN (nsenter, so /sys/fs/bpf stays visible)
# and wait until its control socket answers (bounded, 5 s).
vl_xlbd_start() {
	local n=$1 i
	nsenter --net="/run/netns/$(vl_ns "$n")" "$XLBD" -c "$VL_DIR/lb$n.json" \
		>>"$VL_DIR/lb$n.log" 2>&1 &
	VL_PID[$n]=$!
	for ((i = 0; i < 100; i++)); do
		vl_status "$n" >/dev/null && return 0
		kill -0 "${VL_PID[$n]}" 2>/dev/null || vl_fail "expected xlbd of lb$n to run, saw it exit"
		sleep 0.05
	done
	vl_fail "expected xlbd of lb$n to answer on $(vl_sock "$n") within 5 s, saw no answer"
}

# vl_reap N: wait for lbN's xlbd to exit (after a signal); status in VL_RC.
# shellcheck disable=SC2034
vl_reap() {
	VL_RC=0
	{ wait "${VL_PID[$1]}"; } 2>/dev/null || VL_RC=$?
	VL_PID[$1]=
}

vl_status() { "$XLBCTL" -s "$(vl_sock "$1")" -j status 2>/dev/null; }
vl_vstate() { vl_status "$1" | jq -r '.vrrp[0].state // "none"'; }
vl_vfield() { vl_status "$1" | jq -r ".vrrp[0].$2"; }

# vl_has_vip N: lbN's eth0 holds the IPv4 VIP.
vl_has_vip() {
	ip -n "$(vl_ns "$1")" -j addr show dev eth0 |
		jq -e --arg v "$LAB_VIP4" '[.[0].addr_info[] | select(.local == $v)] | length > 0' \
			>/dev/null
}
vl_xdp_on() { [ -n "$(lab_xdp_attached "lb$1")" ]; }
vl_mac() { ip -n "$(vl_ns "$1")" -j link show dev eth0 | jq -r '.[0].address'; }

# ---- keepalived --------------------------------------------------------------------

# vl_ka_cfg N PRIORITY VERSION ADVERT_INT: keepalived configuration for lbN
# equivalent to the seed VRRP instance (VI_1, VRID 51, the IPv4 VIP; v2 with
# auth PASS 1111). Nothing of /etc/keepalived is read.
vl_ka_cfg() {
	local n=$1 prio=$2 ver=$3 adv=$4 auth=""
	[ "$ver" = 2 ] && auth='
	authentication {
		auth_type PASS
		auth_pass 1111
	}'
	cat >"$VL_DIR/ka-lb$n.conf" <<EOF
global_defs {
	router_id ka-lb$n
}
vrrp_instance VI_1 {
	state BACKUP
	interface eth0
	virtual_router_id 51
	version $ver
	priority $prio
	advert_int $adv$auth
	virtual_ipaddress {
		$LAB_VIP4/24
	}
}
EOF
}

# vl_ka_start N: run keepalived (VRRP only, foreground, console log, plus
# $VL_KA_ARGS) in lbN with its own pid files; wait (bounded) until its VRRP
# child reports a state.
vl_ka_start() {
	local n=$1 d=$VL_DIR i
	: >"$d/ka-lb$n.log"
	# shellcheck disable=SC2086 # VL_KA_ARGS: extra options, word-split
	ip netns exec "$(vl_ns "$n")" keepalived -n -l -D -P ${VL_KA_ARGS:-} -f "$d/ka-lb$n.conf" \
		-p "$d/ka-lb$n.pid" -r "$d/ka-lb$n.vrrp.pid" -c "$d/ka-lb$n.chk.pid" \
		>>"$d/ka-lb$n.log" 2>&1 </dev/null &
	VL_KA[$n]=$!
	for ((i = 0; i < 250; i++)); do
		[ "$(vl_ka_state "$n")" != none ] && return 0
		kill -0 "${VL_KA[$n]}" 2>/dev/null ||
			vl_fail "expected keepalived in lb$n to run, saw it exit: $(tail -5 "$d/ka-lb$n.log")"
		sleep 0.02
	done
	vl_fail "expected keepalived in lb$n to enter a state within 5 s, saw: $(tail -5 "$d/ka-lb$n.log")"
}

# vl_ka_state N: keepalived's last "Entering X STATE" (MASTER, BACKUP,
# FAULT), or "none".
vl_ka_state() {
	local s
	s=$(grep -o 'Entering [A-Z]* STATE' "$VL_DIR/ka-lb$1.log" 2>/dev/null | tail -1) || s=
	s=${s#Entering }
	s=${s% STATE}
	echo "${s:-none}"
}

# vl_ka_stop N: SIGTERM keepalived in lbN (it sends priority 0 when master
# and removes its VIPs) and wait (bounded) until it and its VRRP child exit.
vl_ka_stop() {
	local n=$1 child
	[ -n "${VL_KA[$n]}" ] || return 0
	child=$(cat "$VL_DIR/ka-lb$n.vrrp.pid" 2>/dev/null) || child=
	kill -TERM "${VL_KA[$n]}" 2>/dev/null
	timeout 5 tail --pid="${VL_KA[$n]}" -f /dev/null
	kill -KILL "${VL_KA[$n]}" 2>/dev/null
	{ wait "${VL_KA[$n]}"; } 2>/dev/null
	VL_KA[$n]=
	# The child is ours too (forked by our keepalived); it exits with it.
	if [ -n "$child" ] && [ -e "/proc/$child" ] &&
		grep -q keepalived "/proc/$child/cmdline" 2>/dev/null; then
		timeout 2 tail --pid="$child" -f /dev/null || kill -KILL "$child" 2>/dev/null
	fi
	rm -f "$VL_DIR/ka-lb$n.vrrp.pid"
}

# ---- waiting ------------------------------------------------------------------------

# vl_wait_state N STATE SECONDS [ka]: poll (20 ms) until xlbd (or keepalived
# with "ka") of lbN is in STATE; returns 1 (state in VL_SEEN) on timeout.
vl_wait_state() {
	local n=$1 want=$2 max=$3 kind=${4:-xlbd} t0
	t0=$(vl_now)
	while :; do
		if [ "$kind" = ka ]; then VL_SEEN=$(vl_ka_state "$n"); else VL_SEEN=$(vl_vstate "$n"); fi
		[ "$VL_SEEN" = "$want" ] && return 0
		vl_fle "$max" "$(vl_since "$t0")" && return 1
		sleep 0.02
	done
}

# vl_wait_served T0 SECONDS: poll the VIP from the client every 20 ms with
# short curl timeouts (connect 0.2 s, total 0.5 s); print the seconds from
# T0 to the first answer naming a backend, or return 1 after SECONDS.
vl_wait_served() {
	local t0=$1 max=$2 ok
	# shellcheck disable=SC2016
	ok=$(ip netns exec "$LAB_NS_CLIENT" bash -c '
		end=$(( ${EPOCHREALTIME/./} + $2 * 1000000 ))
		while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
			b=$(curl -s --connect-timeout 0.2 --max-time 0.5 "http://$1/") || b=
			case $b in be[123]) echo "$EPOCHREALTIME"; exit 0 ;; esac
			sleep 0.02
		done
		exit 1' vl-served "$LAB_VIP4" "$max") || return 1
	awk -v a="$t0" -v b="$ok" 'BEGIN { printf "%.2f", b - a }'
}

# ---- cleanup ------------------------------------------------------------------------

# vl_stop_all: stop every xlbd and keepalived started here, remove pins.
vl_stop_all() {
	local n
	for n in 1 2; do
		if [ -n "${VL_PID[$n]}" ] && kill -0 "${VL_PID[$n]}" 2>/dev/null; then
			kill -TERM "${VL_PID[$n]}" 2>/dev/null
			timeout 5 tail --pid="${VL_PID[$n]}" -f /dev/null
			kill -KILL "${VL_PID[$n]}" 2>/dev/null
			{ wait "${VL_PID[$n]}"; } 2>/dev/null
		fi
		VL_PID[$n]=
		vl_ka_stop "$n"
		[ -n "${LAB_PREFIX:-}" ] && rm -rf "/sys/fs/bpf/xlb/$(vl_node_name "$n")"
	done
}

# vl_logs: the last lines of every log, for a failure message.
vl_logs() {
	local f
	for f in "$VL_DIR"/lb1.log "$VL_DIR"/lb2.log "$VL_DIR"/ka-lb1.log "$VL_DIR"/ka-lb2.log; do
		[ -s "$f" ] && tail -n 20 "$f" | sed "s|^|  $(basename "$f" .log): |"
	done
	return 0
}
