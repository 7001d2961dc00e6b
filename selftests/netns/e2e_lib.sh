# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/netns/e2e_lib.sh — helpers shared by the end-to-end tests
# (selftests/netns/test_e2e_*.sh) and by scripts/demo.sh.  Source it from
# bash after setting nothing; never execute it.
#
#   . "$(dirname "$0")/e2e_lib.sh"
#   e2e_init split                 # skip (77) unless root + tools; lab helpers loaded;
#                                  # traps set; $E2E_TMP made
#   LAB_MODE=dr; e2e_lab_up
#   e2e_cfg configs/seed-equivalent.json lb1 "$E2E_TMP/lb1.json" 'del(.vrrp)'
#   e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
#   e2e_wait "lb1 MASTER" 10 e2e_is_state lb1 MASTER
#   e2e_check "split" "be1=..." "$(lab_split 100)"
#   e2e_xlbd_stop lb1 KILL
#
# Each xlbd runs in a lab node through `nsenter --net` (not `ip netns exec`,
# which remounts /sys and would hide /sys/fs/bpf where the maps are pinned).
# Its node name is "<prefix>-lbN" (pin dir /sys/fs/bpf/xlb/<prefix>-lbN) and
# its control socket $E2E_TMP/lbN.sock, so parallel runs never collide.  The
# cleanup (EXIT/INT/TERM) stops every xlbd this script started (by PID), then
# removes their pin dirs, the lab and $E2E_TMP.
#
# Diagnostic knob (off by default, never set by CI): E2E_ACCEPT_LOCAL=1 makes
# e2e_lab_up set net.ipv4.conf.{all,eth0}.accept_local=1 on lb1 and lb2, so
# the kernel forwards NAT replies that the data plane passed up for want of
# a neighbour entry (their source, the VIP, is a local address, which the
# kernel otherwise drops as martian).  It lets one see whether a failure
# is that one.
#
# Assertions fail fast: e2e_fail prints "FAIL: ..." plus the tail of every
# xlbd log and exits 1 (the trap cleans up).

# Variables set here are read by the sourcing scripts.
# shellcheck disable=SC2034

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_TOP=$(cd "$E2E_LIB_DIR/../.." && pwd)
E2E_TMP=
E2E_NAME=
E2E_CHECKS=0
E2E_LBS=""         # lab nodes on which an xlbd was started at least once
# ${E2E_ADVERT_INT} etc. are the VRRP figures of the seed configs.
E2E_ADVERT_INT=1

_e2e_out() {
	echo "$*" >&2
}

# e2e_skip MSG: exit 77 with a reason.
e2e_skip() {
	echo "skip: ${E2E_NAME:-e2e}: $*"
	exit 77
}

# e2e_fail MSG: print why, the tail of each xlbd log, exit 1.
e2e_fail() {
	local lb
	_e2e_out "FAIL: ${E2E_NAME:-e2e}: $*"
	for lb in $E2E_LBS; do
		[ -s "$E2E_TMP/$lb.log" ] || continue
		_e2e_out "  --- last lines of xlbd on $lb ($E2E_TMP/$lb.log):"
		tail -n 15 "$E2E_TMP/$lb.log" | sed 's/^/  | /' >&2
	done
	exit 1
}

# e2e_note MSG: progress line on stdout.
e2e_note() {
	echo "${E2E_NAME:-e2e}: $*"
}

# e2e_check WHAT EXPECTED SEEN
e2e_check() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	[ "$2" = "$3" ] || e2e_fail "$1: expected '$2', saw '$3'"
}

# e2e_check_true WHAT CMD...: CMD must succeed.
e2e_check_true() {
	local what=$1 out
	shift
	E2E_CHECKS=$((E2E_CHECKS + 1))
	out=$("$@" 2>&1) || e2e_fail "$what: expected '$*' to succeed, it failed: ${out:-no output}"
}

e2e_now() {
	echo "${EPOCHREALTIME/,/.}"
}

# e2e_since T0: seconds (3 decimals) since T0 (from e2e_now).
e2e_since() {
	awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.3f", b - a }'
}

# e2e_le A B: true if number A <= number B.
e2e_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'
}

# e2e_wait WHAT TIMEOUT CMD...: poll CMD every 50 ms until it succeeds; sets
# E2E_WAITED to the seconds it took; fails the test after TIMEOUT seconds.
# The timeout is a bound against hanging, not a performance assertion.
e2e_wait() {
	local what=$1 timeout=$2 t0 end
	shift 2
	t0=$(e2e_now)
	end=$(awk -v a="$t0" -v t="$timeout" 'BEGIN { printf "%.3f", a + t }')
	while :; do
		if "$@" >/dev/null 2>&1; then
			E2E_WAITED=$(e2e_since "$t0")
			return 0
		fi
		e2e_le "$(e2e_now)" "$end" || break
		sleep 0.05
	done
	e2e_fail "$what: not reached within ${timeout}s"
}

# e2e_wait_eq WHAT TIMEOUT EXPECTED CMD...: poll until CMD prints EXPECTED;
# after TIMEOUT seconds fail with "expected EXPECTED, saw <last output>".
e2e_wait_eq() {
	local what=$1 timeout=$2 want=$3 t0 end got
	shift 3
	t0=$(e2e_now)
	end=$(awk -v a="$t0" -v t="$timeout" 'BEGIN { printf "%.3f", a + t }')
	E2E_CHECKS=$((E2E_CHECKS + 1))
	while :; do
		got=$("$@" 2>&1)
		if [ "$got" = "$want" ]; then
			E2E_WAITED=$(e2e_since "$t0")
			return 0
		fi
		e2e_le "$(e2e_now)" "$end" || break
		sleep 0.05
	done
	e2e_fail "$what: expected '$want', saw '$got' (waited ${timeout}s)"
}

# e2e_init NAME: check root and tools (else exit 77), load scripts/lab.sh
# with a prefix unique to NAME and this PID, make $E2E_TMP, set the traps.
e2e_init() {
	local cmd
	E2E_NAME=$1
	[ "$(id -u)" = 0 ] || e2e_skip "needs root (network namespaces, BPF)"
	for cmd in ip nginx curl ethtool jq bpftool nsenter clang tcpdump awk ss; do
		command -v "$cmd" >/dev/null || e2e_skip "'$cmd' not installed (run scripts/deps.sh)"
	done
	E2E_BUILD=$(cd "$E2E_TOP" && realpath "${XLB_BUILD:-build}" 2>/dev/null) || E2E_BUILD=
	XLBD=$E2E_BUILD/xlbd
	XLBCTL=$E2E_BUILD/xlbctl
	if [ ! -x "$XLBD" ] || [ ! -x "$XLBCTL" ]; then
		e2e_fail "xlbd/xlbctl not built in '${XLB_BUILD:-build}' (run make)"
	fi
	export LAB_PREFIX="xe$$-${E2E_NAME:0:6}-"
	E2E_NODE_PREFIX="xe$$-${E2E_NAME:0:6}"
	# shellcheck source=scripts/lab.sh
	. "$E2E_TOP/scripts/lab.sh"
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xlb-e2e-$E2E_NAME.XXXXXX") ||
		e2e_fail "cannot create a temp dir"
	chmod 0755 "$E2E_TMP"
	LAB_PRE_DOWN=e2e_stop_all
	trap e2e_cleanup EXIT
	trap 'e2e_cleanup; exit 130' INT
	trap 'e2e_cleanup; exit 143' TERM
}

# e2e_lab_up: lab_up (LAB_MODE as set by the caller), failing the test on
# error; applies E2E_ACCEPT_LOCAL.
e2e_lab_up() {
	local lb
	lab_up || e2e_fail "lab_up failed (see the lab's message above)"
	if [ "${E2E_ACCEPT_LOCAL:-0}" = 1 ]; then
		for lb in lb1 lb2; do
			lab_exec "$lb" sysctl -qw net.ipv4.conf.all.accept_local=1 \
				net.ipv4.conf.eth0.accept_local=1 || e2e_fail "sysctl accept_local on $lb"
		done
		e2e_note "E2E_ACCEPT_LOCAL=1: accept_local set on lb1 and lb2 (diagnostic)"
	fi
}

# e2e_node_name LB: the node.name the configs get for LB (lb1, lb2).
e2e_node_name() {
	echo "$E2E_NODE_PREFIX-$1"
}

e2e_sock() {
	echo "$E2E_TMP/$1.sock"
}

e2e_pin_dir() {
	echo "/sys/fs/bpf/xlb/$(e2e_node_name "$1")"
}

# e2e_cfg SRC LB OUT [JQ_FILTER]: write OUT = SRC with this run's node name
# and control socket for LB, then JQ_FILTER applied (default: identity).
e2e_cfg() {
	local src=$1 lb=$2 out=$3 filter=${4:-.}
	jq --arg n "$(e2e_node_name "$lb")" --arg s "$(e2e_sock "$lb")" \
		".node.name = \$n | .node.control_socket = \$s | $filter" "$src" >"$out" ||
		e2e_fail "cannot derive $out from $src with jq filter '$filter'"
	"$XLBCTL" validate "$out" >/dev/null 2>"$E2E_TMP/validate.err" ||
		e2e_fail "derived config $out is invalid: $(cat "$E2E_TMP/validate.err")"
}

# e2e_pid LB: PID of the xlbd running on LB, or nothing.
e2e_pid() {
	local pid
	pid=$(cat "$E2E_TMP/$1.pid" 2>/dev/null) || return 0
	[ ! -e "$E2E_TMP/$1.rc" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	return 0
}

# e2e_xlbd_start LB CFG [ARGS...]: run xlbd on lab node LB with CFG in the
# background (log appended to $E2E_TMP/LB.log); wait (5 s bound) until its
# control socket answers.  xlbd runs under a small subshell that records its
# PID ($E2E_TMP/LB.pid) and, when it ends, its exit status ($E2E_TMP/LB.rc);
# the subshell's own stderr is discarded so that bash's "Killed" job
# notices do not clutter the output after a SIGKILL.
e2e_xlbd_start() {
	local lb=$1 cfg=$2 pid="" ns i log
	shift 2
	ns=$(_lab_ns "$lb") || e2e_fail "unknown lab node $lb"
	[ -z "$(e2e_pid "$lb")" ] || e2e_fail "xlbd already runs on $lb"
	case " $E2E_LBS " in *" $lb "*) ;; *) E2E_LBS="$E2E_LBS $lb" ;; esac
	log=$E2E_TMP/$lb.log
	echo "=== xlbd start $(date +%T.%N) $cfg" >>"$log"
	rm -f "$E2E_TMP/$lb.pid" "$E2E_TMP/$lb.rc"
	(
		nsenter --net="/run/netns/$ns" "$XLBD" -c "$cfg" "$@" </dev/null >>"$log" 2>&1 &
		echo $! >"$E2E_TMP/$lb.pid.new" && mv "$E2E_TMP/$lb.pid.new" "$E2E_TMP/$lb.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$E2E_TMP/$lb.rc"
	) 2>/dev/null &
	echo $! >"$E2E_TMP/$lb.wrap"
	E2E_WRAPS="${E2E_WRAPS:-} $!"
	for ((i = 0; i < 100; i++)); do
		pid=$(cat "$E2E_TMP/$lb.pid" 2>/dev/null) && break
		sleep 0.02
	done
	[ -n "$pid" ] || e2e_fail "xlbd on $lb: no PID recorded"
	for ((i = 0; i < 100; i++)); do
		"$XLBCTL" -s "$(e2e_sock "$lb")" status >/dev/null 2>&1 && return 0
		[ ! -e "$E2E_TMP/$lb.rc" ] ||
			e2e_fail "xlbd on $lb exited during start (status $(cat "$E2E_TMP/$lb.rc"))"
		sleep 0.05
	done
	e2e_fail "xlbd on $lb does not answer on $(e2e_sock "$lb") within 5 s"
}

# e2e_xlbd_stop LB [SIGNAL]: send SIGNAL (default TERM) to LB's xlbd and
# wait for it (bounded: SIGKILL after 5 s).  Sets E2E_XLBD_RC to its exit
# status (128 + N when killed by signal N).  No-op when it does not run.
e2e_xlbd_stop() {
	local lb=$1 sig=${2:-TERM} pid i wrap
	E2E_XLBD_RC=
	pid=$(e2e_pid "$lb")
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		[ -e "$E2E_TMP/$lb.rc" ] && break
		sleep 0.05
	done
	if [ ! -e "$E2E_TMP/$lb.rc" ]; then
		_e2e_out "${E2E_NAME:-e2e}: xlbd on $lb (pid $pid) ignored SIG$sig for 5 s, killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 40; i++)); do
			[ -e "$E2E_TMP/$lb.rc" ] && break
			sleep 0.05
		done
	fi
	E2E_XLBD_RC=$(cat "$E2E_TMP/$lb.rc" 2>/dev/null) || E2E_XLBD_RC=unknown
	wrap=$(cat "$E2E_TMP/$lb.wrap" 2>/dev/null) && wait "$wrap" 2>/dev/null
	rm -f "$E2E_TMP/$lb.pid" "$E2E_TMP/$lb.wrap"
	echo "=== xlbd stopped (SIG$sig, exit $E2E_XLBD_RC) $(date +%T.%N)" >>"$E2E_TMP/$lb.log"
}

# e2e_stop_all: stop every xlbd started here and remove their pin dirs.
e2e_stop_all() {
	local lb d
	for lb in $E2E_LBS; do
		e2e_xlbd_stop "$lb" TERM
		d=$(e2e_pin_dir "$lb")
		# Only the pin dir named after this run.
		[[ $d == /sys/fs/bpf/xlb/xe$$-* ]] && [ -d "$d" ] && rm -rf "$d"
	done
	return 0
}

# e2e_cleanup: the EXIT trap: xlbds, lab, temp dir.  Idempotent.
e2e_cleanup() {
	local pid
	[ -n "${LAB_DIR:-}" ] && lab_down
	e2e_stop_all
	for pid in ${E2E_BG_PIDS:-}; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	E2E_BG_PIDS=
	[ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ] && rm -rf "$E2E_TMP"
	E2E_TMP=
	return 0
}

# e2e_bg CMD...: run CMD in the background, remember its PID for the
# cleanup; prints nothing, sets E2E_BG to the PID.
e2e_bg() {
	"$@" &
	E2E_BG=$!
	E2E_BG_PIDS="${E2E_BG_PIDS:-} $E2E_BG"
}

# e2e_ctl LB ARGS...: xlbctl against LB's xlbd.
e2e_ctl() {
	local lb=$1
	shift
	"$XLBCTL" -s "$(e2e_sock "$lb")" "$@"
}

# e2e_jq LB FILTER: a field of LB's `xlbctl -j status`.
e2e_jq() {
	e2e_ctl "$1" -j status | jq -r "$2"
}

# e2e_state LB: VRRP state of LB's first instance (MASTER, BACKUP, ...).
e2e_state() {
	e2e_jq "$1" '.vrrp[0].state'
}

# e2e_is_state LB STATE: true if LB's xlbd answers and is in STATE.
e2e_is_state() {
	[ "$(e2e_state "$1" 2>/dev/null)" = "$2" ]
}

# e2e_be_state LB ADDR: health state of the backend with address ADDR.
e2e_be_state() {
	e2e_jq "$1" ".services[0].backends[] | select(.address == \"$2\") | .state"
}

e2e_be_is() {
	[ "$(e2e_be_state "$1" "$2" 2>/dev/null)" = "$3" ]
}

# e2e_has_addr NODE ADDR: true if ADDR is on eth0 of lab node NODE.
e2e_has_addr() {
	local out
	# Not "ip | grep -q": grep quitting early would SIGPIPE ip (pipefail).
	out=$(ip -n "$(_lab_ns "$1")" -o addr show dev eth0) || return 1
	[[ $out == *" $2/"* ]]
}

# e2e_vip_holders [VIP]: lab LB nodes holding VIP (default the IPv4 VIP),
# e.g. "lb1".
e2e_vip_holders() {
	local lb out="" vip=${1:-$LAB_VIP4}
	for lb in lb1 lb2; do
		e2e_has_addr "$lb" "$vip" && out="$out $lb"
	done
	echo "${out# }"
}

# e2e_xdp_nodes: lab LB nodes with an XDP program on eth0, e.g. "lb1".
e2e_xdp_nodes() {
	local lb out=""
	for lb in lb1 lb2; do
		[ -n "$(lab_xdp_attached "$lb")" ] && out="$out $lb"
	done
	echo "${out# }"
}

# e2e_expect_roles MASTER BACKUP [VIP]: LB node MASTER is VRRP MASTER, holds
# VIP (default the IPv4 VIP) and has the XDP program (status and ip link);
# BACKUP is BACKUP with neither.  Gives the nodes up to 3 s to settle (the
# VIP and the attachment follow the state change), then checks each point.
e2e_expect_roles() {
	local m=$1 b=$2 vip=${3:-$LAB_VIP4} i
	for ((i = 0; i < 60; i++)); do
		e2e_is_state "$m" MASTER && e2e_is_state "$b" BACKUP &&
			[ "$(e2e_vip_holders "$vip")" = "$m" ] && [ "$(e2e_xdp_nodes)" = "$m" ] && break
		sleep 0.05
	done
	e2e_check "VRRP state of $m" MASTER "$(e2e_state "$m")"
	e2e_check "VRRP state of $b" BACKUP "$(e2e_state "$b")"
	e2e_check "xdp_attached of $m (status)" true "$(e2e_jq "$m" .node.xdp_attached)"
	e2e_check "xdp_attached of $b (status)" false "$(e2e_jq "$b" .node.xdp_attached)"
	e2e_check "LB nodes holding the VIP $vip" "$m" "$(e2e_vip_holders "$vip")"
	e2e_check "LB nodes with an XDP program on eth0" "$m" "$(e2e_xdp_nodes)"
}

# e2e_stats LB: `xlbctl -j stats` of LB's maps (works while xlbd is down).
e2e_stats() {
	"$XLBCTL" -s "$(e2e_sock "$1")" -n "$(e2e_node_name "$1")" -j stats
}

# e2e_new_flows LB: "be1=N be2=N be3=N" new flows per lab backend from
# LB's counters (backends matched by address; IPv4 and IPv6).
e2e_new_flows() {
	e2e_stats "$1" | jq -r --arg b1 "$LAB_BE1_4" --arg b2 "$LAB_BE2_4" --arg b3 "$LAB_BE3_4" \
		--arg c1 "$LAB_BE1_6" --arg c2 "$LAB_BE2_6" --arg c3 "$LAB_BE3_6" '
		[.services[].backends[]] as $b
		| def n($a; $c): [$b[] | select(.address == $a or .address == $c) | .new_flows] | add // 0;
		"be1=\(n($b1; $c1)) be2=\(n($b2; $c2)) be3=\(n($b3; $c3))"'
}

# e2e_bpftool_new_flows LB ID: new_flows of backend id ID summed over CPUs
# (key: the __u32 id in host byte order, little-endian here),
# read straight from the pinned backend_stats map with bpftool.
e2e_bpftool_new_flows() {
	nsenter --net="/run/netns/$(_lab_ns "$1")" bpftool -j map lookup pinned \
		"$(e2e_pin_dir "$1")/backend_stats" \
		key $(($2 & 255)) $(($2 >> 8 & 255)) $(($2 >> 16 & 255)) $(($2 >> 24 & 255)) |
		jq '[.formatted.values[].value.new_flows] | add'
}

# e2e_split N [-6]: like lab_split (N sequential GET / to the VIP from the
# client, each over a new TCP connection, bounded by 5 + N/20 s), printing
# "be1=A be2=B be3=C fail=F", and also writing one line per request
# "RESULT CLIENT_PORT" (RESULT: be1..be3 or the failing status) to
# $E2E_TMP/split.detail.
e2e_split() {
	local n=$1 url="http://$LAB_VIP4/" i
	local -a urls=()
	[ "${2:-}" = -6 ] && url="http://[$LAB_VIP6]/"
	for ((i = 0; i < n; i++)); do
		urls+=("$url")
	done
	{ ip netns exec "$LAB_NS_CLIENT" timeout $((5 + n / 20)) curl -s -g --connect-timeout 1 \
		--max-time 2 -H 'Connection: close' -w '\n@@e2e %{http_code} %{local_port}@@\n' \
		"${urls[@]}" || true; } |
		awk -v n="$n" -v detail="$E2E_TMP/split.detail" '
			/^@@e2e [0-9]+ [0-9]+@@$/ {
				code = $2; port = $3; sub(/@@/, "", port)
				if (code == "200" && body ~ /^be[123]$/) { cnt[body]++; r = body }
				else { fail++; r = "status-" code }
				print r, port > detail
				done++; body = ""; next
			}
			$0 != "" { body = body $0 }
			END {
				fail += n - done
				printf "be1=%d be2=%d be3=%d fail=%d\n", cnt["be1"], cnt["be2"], cnt["be3"], fail
			}'
}

# e2e_split_ports BEn: distinct client ports among the requests BEn
# answered in the last e2e_split (a reused port is the same 5-tuple).
e2e_split_ports() {
	awk -v b="$1" '$1 == b { p[$2] = 1 } END { print length(p) }' "$E2E_TMP/split.detail"
}

# e2e_reasons LB: the non-zero pass/drop reason counters of LB, one line.
e2e_reasons() {
	e2e_stats "$1" | jq -r '[.reasons | to_entries[] | select(.value.packets > 0) |
		"\(.key)=\(.value.packets)"] | join(" ")'
}

# e2e_split_ok COUNTS W1 W2 W3 TOL_PP: COUNTS is "be1=A be2=B be3=C fail=F";
# succeed if F is 0 and each share is within TOL_PP percentage points of
# its weight's share; E2E_SPLIT_MSG says what was seen either way.
e2e_split_ok() {
	local counts=$1
	E2E_SPLIT_MSG=$(awk -v c="$counts" -v w1="$2" -v w2="$3" -v w3="$4" -v tol="$5" 'BEGIN {
		n = split(c, kv, " ")
		for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
		tot = v["be1"] + v["be2"] + v["be3"]; wt = w1 + w2 + w3
		w["be1"] = w1; w["be2"] = w2; w["be3"] = w3
		ok = (v["fail"] == 0 && tot > 0)
		msg = sprintf("%d requests, %d failed:", tot + v["fail"], v["fail"])
		for (b = 1; b <= 3; b++) {
			k = "be" b
			got = tot ? 100 * v[k] / tot : 0; want = 100 * w[k] / wt
			d = got - want; if (d < 0) d = -d
			if (d > tol) ok = 0
			msg = msg sprintf(" %s %.1f%% (want %.1f%%)", k, got, want)
		}
		print msg
		exit !ok
	}')
}

# e2e_load_counts: current "ok=N fail=N be1=..." of the lab load loop.
e2e_load_counts() {
	cat "$LAB_DIR/load.out" 2>/dev/null
}

# e2e_field COUNTS KEY: the number after KEY= in COUNTS.
e2e_field() {
	sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"
}

# e2e_load_ok_at_least N: true when the load loop has N successes.
e2e_load_ok_at_least() {
	local ok
	ok=$(e2e_field "$(e2e_load_counts)" ok)
	[ "${ok:-0}" -ge "$1" ]
}

# e2e_first_success TIMEOUT [-6]: from the client, try a new connection to
# the VIP every ~50 ms (connect timeout 0.2 s); print the seconds until the
# first one that got a backend's answer; return 1 after TIMEOUT seconds.
e2e_first_success() {
	local timeout=$1 url="http://$LAB_VIP4/" t0
	[ "${2:-}" = -6 ] && url="http://[$LAB_VIP6]/"
	t0=$(e2e_now)
	# shellcheck disable=SC2016
	ip netns exec "$LAB_NS_CLIENT" bash -c '
		end=$(( ${EPOCHREALTIME/[.,]/} + $2 * 1000000 ))
		while [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ]; do
			b=$(curl -s -g --connect-timeout 0.2 --max-time 0.5 "$1") && [[ $b == be[123] ]] && exit 0
			sleep 0.05
		done
		exit 1' e2e-first "$url" "$timeout" || return 1
	e2e_since "$t0"
}

# ---- a long-lived connection through the VIP -----------------------------------
# e2e_stream_open MAX_SECONDS: start a background curl of /stream from the
# client through the IPv4 VIP (into $E2E_TMP/stream.out), wait for its first
# 64 KiB, and find the backend holding it. Sets E2E_STREAM_OUT, E2E_STREAM_PID
# (the curl), E2E_STREAM_BE (1..3) and E2E_STREAM_PEER (the backend's view of
# its peer, "VIP:port"); fails the test when no backend holds it.
e2e_stream_open() {
	local n p
	E2E_STREAM_OUT=$E2E_TMP/stream.out
	e2e_bg ip netns exec "$LAB_NS_CLIENT" curl -s -o "$E2E_STREAM_OUT" --connect-timeout 2 \
		--max-time "$1" "http://$LAB_VIP4/stream"
	E2E_STREAM_PID=$E2E_BG
	e2e_wait "first 64 KiB of /stream" 10 e2e_stream_size_over 65535
	E2E_STREAM_BE='' E2E_STREAM_PEER=''
	for n in 1 2 3; do
		p=$(e2e_stream_peer "$n")
		[ -n "$p" ] && { E2E_STREAM_BE=$n; E2E_STREAM_PEER=$p; }
	done
	[ -n "$E2E_STREAM_BE" ] || e2e_fail "no backend holds the /stream connection from $LAB_VIP4"
}

# e2e_stream_size: bytes of /stream received so far.
e2e_stream_size() { stat -c %s "$E2E_STREAM_OUT" 2>/dev/null || echo 0; }
e2e_stream_size_over() { [ "$(e2e_stream_size)" -gt "$1" ]; }

# e2e_stream_peer N: "VIP:port" of be N's ESTABLISHED connection from the VIP
# on port 80 (NAT: the LB's SNAT address), or nothing.
e2e_stream_peer() {
	lab_exec "be$1" ss -Htn state established "( sport = :80 )" |
		awk -v vip="$LAB_VIP4" '$4 ~ "^" vip ":" { print $4 }'
}
