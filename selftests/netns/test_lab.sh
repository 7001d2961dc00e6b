#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/netns/test_lab.sh — proves that scripts/lab.sh builds a working
# lab and removes all of it:
#   - nat mode: every backend answers with its name at its own IPv4 and IPv6
#     address; /big and /stream behave; lab_split opens one TCP connection
#     per request (checked in nginx's access log); status switch, stop/start
#     of a backend, the load loop and lab_xdp_attached work; sysctls, GRO,
#     tx checksum offload (off) and the hub-side XDP_PASS programs are set;
#     nobody holds the VIP;
#   - a failing lab_up says why and leaves nothing behind;
#   - dr mode: the VIPs sit on the backends' lo, the client gets no ARP/ND
#     answer for them, and a backend reached at L2 answers for the VIP;
#   - lab_down leaves no namespace with the prefix, no process the lab
#     started, no temp dir, and can be called twice.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: test_lab.sh needs root (network namespaces)"
	exit 77
fi
for cmd in ip nginx curl ethtool ping ss clang; do
	if ! command -v "$cmd" >/dev/null; then
		echo "skip: '$cmd' not installed"
		exit 77
	fi
done

export LAB_PREFIX="xlbtl$$-"
# shellcheck source=scripts/lab.sh
. "$top/scripts/lab.sh"

checks=0
failures=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xlb-test-lab.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called from the traps
cleanup() {
	lab_down
	rm -rf "$tmp"
	# Only the namespace this test made itself to provoke a failure.
	[ ! -e "/run/netns/${LAB_PREFIX}be2" ] || ip netns del "${LAB_PREFIX}be2"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# check WHAT EXPECTED SEEN
check() {
	checks=$((checks + 1))
	[ "$2" = "$3" ] || fail "$1: expected '$2', saw '$3'"
}

# check_true WHAT CMD...: CMD must succeed.
check_true() {
	local what=$1
	shift
	checks=$((checks + 1))
	"$@" >/dev/null 2>&1 || fail "$what: expected success of '$*', it failed"
}

now() {
	echo "${EPOCHREALTIME/,/.}"
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

be4() { local v=LAB_BE$1_4; echo "${!v}"; }
be6() { local v=LAB_BE$1_6; echo "${!v}"; }

# lab_pids: master and worker PIDs of the lab's nginx instances.
lab_pids() {
	local n m
	for n in 1 2 3; do
		m=$(cat "$LAB_DIR/be$n/master.pid" 2>/dev/null) || continue
		echo "$m"
		grep -l "^PPid:[[:space:]]*$m\$" /proc/[0-9]*/status 2>/dev/null |
			sed 's|/proc/\([0-9]*\)/status|\1|'
	done
}

# alive PID: running and not a zombie (PID 1 here may reap late).
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# check_down PIDS DIR: after lab_down nothing of the lab may remain.
check_down() {
	local pids=$1 dir=$2 left p t0
	t0=$(now)
	lab_down
	echo "lab_down took $(since "$t0")s"
	left=$(ip netns list | awk '{ print $1 }' | grep -c "^$LAB_PREFIX")
	check "namespaces named $LAB_PREFIX* after lab_down" 0 "$left"
	left=
	for p in $pids; do
		alive "$p" && left="$left $p"
	done
	check "nginx processes started by the lab still running after lab_down" "" "$left"
	check "lab temp dir $dir exists after lab_down" no "$([ -e "$dir" ] && echo yes || echo no)"
	check "LAB_DIR after lab_down" "" "$LAB_DIR"
	lab_down
	check "exit status of a second lab_down" 0 "$?"
}

# ---------------------------------------------------------------- nat mode
t0=$(now)
if ! LAB_MODE=nat lab_up; then
	echo "FAIL: lab_up (nat) failed, see the message above"
	exit 1
fi
echo "lab_up (nat) took $(since "$t0")s"

for node in hub $LAB_NODES; do
	check_true "namespace ${LAB_PREFIX}$node" test -e "/run/netns/${LAB_PREFIX}$node"
done

for n in 1 2 3; do
	check "be$n at $(be4 "$n") from client" "be$n" \
		"$(lab_exec client curl -s --max-time 2 "http://$(be4 "$n")/")"
	check "be$n at [$(be6 "$n")] from client" "be$n" \
		"$(lab_exec client curl -s -g --max-time 2 "http://[$(be6 "$n")]/")"
done

for node in lb1 lb2; do
	check "$node net.ipv4.ip_forward" 1 "$(lab_exec "$node" sysctl -n net.ipv4.ip_forward)"
	check "$node net.ipv6.conf.all.forwarding" 1 \
		"$(lab_exec "$node" sysctl -n net.ipv6.conf.all.forwarding)"
	check "GRO on the hub side of $node's veth (v-$node)" on \
		"$(lab_exec hub ethtool -k "v-$node" | awk '/^generic-receive-offload:/ { print $2 }')"
	check "native XDP program on the hub side of $node's veth (v-$node)" yes \
		"$(ip -n "$LAB_NS_HUB" -d link show dev "v-$node" | grep -q 'prog/xdp id' && echo yes || echo no)"
done
for node in $LAB_NODES; do
	check "GRO on eth0 of $node" on \
		"$(lab_exec "$node" ethtool -k eth0 | awk '/^generic-receive-offload:/ { print $2 }')"
	check "tx checksum offload on eth0 of $node" off \
		"$(lab_exec "$node" ethtool -k eth0 | awk '/^tx-checksumming:/ { print $2 }')"
	check "VIP addresses on $node in nat mode" "" \
		"$(lab_exec "$node" ip -o addr show | grep -E " ($LAB_VIP4|$LAB_VIP6)/")"
done

# /big is the 1 MiB file, /stream stays open (cut by curl after 1 s).
check "md5 of /big from be1" "$(md5sum <"$LAB_DIR/www/big")" \
	"$(lab_exec client curl -s --max-time 2 "http://$(be4 1)/big" | md5sum)"
lab_exec client curl -s --max-time 1 -o "$tmp/stream" "http://$(be4 2)/stream"
check "curl exit status on /stream cut after 1 s (28 = still open)" 28 "$?"
bytes=$(stat -c %s "$tmp/stream" 2>/dev/null || echo 0)
check "/stream sent data before the cut" yes "$([ "$bytes" -gt 0 ] && echo yes || echo "no ($bytes bytes)")"

# lab_split: one new TCP connection per request, visible in the access log
# as 800 distinct connection serial numbers each carrying one request.
log=$LAB_DIR/be1/access.log
before=$(wc -l <"$log")
t0=$(now)
out=$(lab_split 800 -a "$(be4 1)")
echo "lab_split 800 (IPv4, direct to be1) took $(since "$t0")s"
check "lab_split 800 to be1" "be1=800 be2=0 be3=0 fail=0" "$out"
tail -n +"$((before + 1))" "$log" >"$tmp/split.log"
check "access log lines for the split" 800 "$(wc -l <"$tmp/split.log")"
check "distinct connections in the split" 800 "$(awk '{ print $4 }' "$tmp/split.log" | sort -u | wc -l)"
check "most requests on one connection in the split" 1 "$(awk '{ print $5 }' "$tmp/split.log" | sort -n | tail -n 1)"
check "lab_split 100 -6 to be3" "be1=0 be2=0 be3=100 fail=0" "$(lab_split 100 -6 -a "$(be6 3)")"

# Status switch through the include file + SIGHUP.
code() {
	lab_exec client curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$(be4 "$1")/"
}
lab_backend_status 2 503
check "status of be2 after lab_backend_status 2 503" 503 "$(code 2)"
check "lab_split to be2 while it answers 503" "be1=0 be2=0 be3=0 fail=20" "$(lab_split 20 -a "$(be4 2)")"
lab_backend_status 2 200
check "status of be2 after lab_backend_status 2 200" 200 "$(code 2)"

# Stop / start.
master=$(cat "$LAB_DIR/be3/master.pid")
lab_backend_stop 3
check "be3 master $master alive after lab_backend_stop 3" no "$(alive "$master" && echo yes || echo no)"
lab_exec client curl -s -o /dev/null --max-time 2 "http://$(be4 3)/"
check "curl exit status to stopped be3 (7 = refused)" 7 "$?"
lab_backend_start 3
check "be3 after lab_backend_start 3" be3 "$(lab_exec client curl -s --max-time 2 "http://$(be4 3)/")"

# Load loop: runs in the background, stops on request, prints totals.
lab_load_start -a "$(be4 1)" -t 20
for ((i = 0; i < 150; i++)); do
	ok=$(sed -n 's/^ok=\([0-9]*\).*/\1/p' "$LAB_DIR/load.out" 2>/dev/null)
	[ "${ok:-0}" -ge 20 ] && break
	sleep 0.02
done
loadpid=$(cat "$LAB_DIR/load.pid")
out=$(lab_load_stop)
echo "lab_load_stop: $out"
ok=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' <<<"$out")
check "lab_load_stop totals" "ok=$ok fail=0 be1=$ok be2=0 be3=0" "$out"
check "load loop got at least 20 answers" yes "$([ "${ok:-0}" -ge 20 ] && echo yes || echo "no ($out)")"
check "load loop pid $loadpid alive after lab_load_stop" no "$(alive "$loadpid" && echo yes || echo no)"

# lab_xdp_attached, with a minimal XDP_PASS program compiled here.
check "lab_xdp_attached lb1 before attaching" "" "$(lab_xdp_attached lb1)"
if command -v clang >/dev/null; then
	printf '%s\n' \
		'__attribute__((section("xdp"), used)) int lab_pass(void *ctx) { return 2; /* XDP_PASS */ }' \
		'char LICENSE[] __attribute__((section("license"), used)) = "GPL";' >"$tmp/pass.c"
	if clang -O2 -target bpf -c "$tmp/pass.c" -o "$tmp/pass.o" &&
		lab_exec lb1 ip link set dev eth0 xdpdrv obj "$tmp/pass.o" sec xdp; then
		want=$(ip -n "$LAB_NS_LB1" link show dev eth0 | sed -n 's|.*prog/xdp id \([0-9]*\).*|\1|p')
		check "lab_xdp_attached lb1 with a program attached" "$want" "$(lab_xdp_attached lb1)"
		check "lab_xdp_attached lb2 (nothing attached)" "" "$(lab_xdp_attached lb2)"
		lab_exec lb1 ip link set dev eth0 xdpdrv off
		check "lab_xdp_attached lb1 after detaching" "" "$(lab_xdp_attached lb1)"
	else
		fail "could not build or attach a minimal XDP program on lb1"
	fi
else
	echo "note: clang missing, lab_xdp_attached checked only without a program"
fi

check_down "$(lab_pids)" "$LAB_DIR"

# ---------------------------------------------------------------- failing lab_up
# A namespace that is in the way makes lab_up fail half-way: it must say so
# and remove what it had built.
ip netns add "${LAB_PREFIX}be2"
msg=$(LAB_MODE=nat lab_up 2>&1)
check "exit status of lab_up with ${LAB_PREFIX}be2 in the way" 1 "$?"
check "lab_up names the namespace in the way" yes \
	"$([[ $msg == *"${LAB_PREFIX}be2 already exists"* ]] && echo yes || echo "no: $msg")"
check "namespaces left by the failed lab_up (other than ours)" "" \
	"$(ip netns list | awk '{ print $1 }' | grep "^$LAB_PREFIX" | grep -v "^${LAB_PREFIX}be2\$")"
ip netns del "${LAB_PREFIX}be2"

# ---------------------------------------------------------------- dr mode
t0=$(now)
if ! LAB_MODE=dr lab_up; then
	echo "FAIL: lab_up (dr) failed, see the message above"
	exit 1
fi
echo "lab_up (dr) took $(since "$t0")s"

for n in 1 2 3; do
	check "IPv4 VIP on lo of be$n" "$LAB_VIP4/32" \
		"$(lab_exec "be$n" ip -o -4 addr show dev lo | awk -v v="$LAB_VIP4/32" '$4 == v { print $4 }')"
	check "IPv6 VIP on lo of be$n" "$LAB_VIP6/128" \
		"$(lab_exec "be$n" ip -o -6 addr show dev lo | awk -v v="$LAB_VIP6/128" '$4 == v { print $4 }')"
	check "be$n arp_ignore/arp_announce" "1 2" \
		"$(lab_exec "be$n" sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce | tr '\n' ' ' | sed 's/ $//')"
	check "be$n at $(be4 "$n") from client (dr)" "be$n" \
		"$(lab_exec client curl -s --max-time 2 "http://$(be4 "$n")/")"
done

# The client resolves the VIP: nobody may answer (entry stays without MAC).
lab_exec client ping -c 1 -W 1 "$LAB_VIP4" >/dev/null 2>&1
check "ping from client to $LAB_VIP4 held only on backends' lo (1 = no reply)" 1 "$?"
neigh=$(lab_exec client ip neigh show "$LAB_VIP4" dev eth0)
check "client tried ARP for $LAB_VIP4" yes "$([ -n "$neigh" ] && echo yes || echo "no entry")"
check "ARP answer for $LAB_VIP4 at the client" "" "$(grep -o 'lladdr [^ ]*' <<<"$neigh")"
lab_exec client ping -6 -c 1 -W 1 "$LAB_VIP6" >/dev/null 2>&1
check "ping from client to $LAB_VIP6 held only on backends' lo (1 = no reply)" 1 "$?"
neigh=$(lab_exec client ip -6 neigh show "$LAB_VIP6" dev eth0)
check "client tried ND for $LAB_VIP6" yes "$([ -n "$neigh" ] && echo yes || echo "no entry")"
check "ND answer for $LAB_VIP6 at the client" "" "$(grep -o 'lladdr [^ ]*' <<<"$neigh")"

# Sent at L2 to be3 (as the xlb DR data plane would do), VIP traffic is
# accepted by be3, which answers the client directly from the VIP.
mac=$(lab_exec be3 cat /sys/class/net/eth0/address)
lab_exec client ip neigh replace "$LAB_VIP4" lladdr "$mac" dev eth0 nud permanent
lab_exec client ip -6 neigh replace "$LAB_VIP6" lladdr "$mac" dev eth0 nud permanent
check "lab_curl with the VIP pinned to be3's MAC" be3 "$(lab_curl)"
check "lab_curl -6 with the VIP pinned to be3's MAC" be3 "$(lab_curl -6)"
check "lab_split 50 -6 with the VIP pinned to be3's MAC" "be1=0 be2=0 be3=50 fail=0" "$(lab_split 50 -6)"
check "be3 access log: client address and VIP on the last request" "$LAB_CLIENT6 $LAB_VIP6" \
	"$(tail -n 1 "$LAB_DIR/be3/access.log" | awk '{ print $1, $3 }')"
lab_exec client ip neigh del "$LAB_VIP4" dev eth0
lab_exec client ip -6 neigh del "$LAB_VIP6" dev eth0

check_down "$(lab_pids)" "$LAB_DIR"

if [ "$failures" -gt 0 ]; then
	echo "test_lab: $failures of $checks checks failed"
	exit 1
fi
echo "test_lab: all $checks checks passed"
exit 0
