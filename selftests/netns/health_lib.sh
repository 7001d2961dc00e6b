# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/netns/health_lib.sh — shared by the test_health_*.sh tests (it is
# sourced, never run; its name does not match test_*.sh so selftests/run.sh
# does not run it on its own).
#
# Builds the lab of scripts/lab.sh (client, lb1, three nginx backends), puts
# the VIP on lb1's eth0 and runs xlbd there without VRRP (so XDP is attached
# at start), with a config derived from configs/seed-equivalent.json. Gives
# the tests small helpers: status fields, waits on a condition, request
# splits with a ratio check against the weights, nginx access-log counts,
# and long-lived /stream connections placed on a chosen backend.
#
#   . "$here/health_lib.sh"
#   hl_init exec                 # skip (77) unless root and tools present; traps
#   hl_config '.services[0].backends[2].backup = true' >"$HL_TMP/cfg.json"
#   hl_start "$HL_TMP/cfg.json"  # lab up + xlbd running, or exit 1
#   ...
#   hl_finish "summary"          # SIGTERM xlbd, check exit and log, print ok
#
# Every failure goes through hl_fail "expected X, saw Y", which prints the
# tail of the xlbd log and exits 1. Cleanup (EXIT/INT/TERM): the /stream
# curls and xlbd this test started (by PID), the lab (lab_down), the pinned
# maps of this node, the control socket and the temp dir.

HL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HL_B=${XLB_BUILD:-build}
case $HL_B in /*) ;; *) HL_B=$HL_TOP/$HL_B ;; esac

HL_VIP=192.168.17.50
HL_BE_ADDR=(unused 192.168.12.181 192.168.12.182 192.168.12.183)
# Share tolerance of a ratio check: with 600 requests the standard deviation
# of a share is at most 0.0204, so 0.07 is about 3.4 sigma.
HL_SPLIT_N=600
HL_TOL=0.07

HL_XPID=
HL_WAITED=0 # set by hl_wait, read by the tests
export HL_WAITED
HL_PIDS=()
HL_TMP=
HL_NODE=
HL_SOCK=

hl_fail() {
	echo "FAIL: $*" >&2
	if [ -n "$HL_TMP" ] && [ -f "$HL_TMP/xlbd.log" ]; then
		echo "--- last lines of the xlbd log:" >&2
		tail -n 25 "$HL_TMP/xlbd.log" | sed 's/^/  /' >&2
	fi
	if [ -n "$HL_XPID" ] && [ -n "$HL_SOCK" ]; then
		echo "--- xlbctl stats:" >&2
		"$HL_XLBCTL" -s "$HL_SOCK" stats 2>&1 | sed 's/^/  /' >&2
	fi
	exit 1
}

hl_note() {
	echo "  $*"
}

hl_cleanup() {
	local p i
	set +e
	# A second signal must not cut the cleanup short.
	trap '' INT TERM
	for p in "${HL_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${HL_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	HL_PIDS=()
	if [ -n "$HL_XPID" ] && kill -0 "$HL_XPID" 2>/dev/null; then
		kill -TERM "$HL_XPID"
		for ((i = 0; i < 50; i++)); do
			kill -0 "$HL_XPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$HL_XPID" 2>/dev/null
		wait "$HL_XPID" 2>/dev/null
	fi
	HL_XPID=
	lab_down
	[ -n "$HL_NODE" ] && rm -rf "/sys/fs/bpf/xlb/$HL_NODE"
	[ -n "$HL_SOCK" ] && rm -f "$HL_SOCK"
	[ -n "$HL_TMP" ] && rm -rf "$HL_TMP"
	HL_TMP=
}

# hl_init TAG: skip unless root with every tool; names unique to TAG and $$.
hl_init() {
	local tag=$1 cmd
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: test_health_$tag.sh needs root (namespaces, BPF)"
		exit 77
	fi
	for cmd in ip nginx curl jq nsenter ss; do
		command -v "$cmd" >/dev/null || { echo "skip: '$cmd' not installed"; exit 77; }
	done
	HL_XLBD=$HL_B/xlbd
	if [ -n "${XLB_SAN_BUILD:-}" ] && [ -x "$XLB_SAN_BUILD/xlbd" ]; then
		HL_XLBD=$XLB_SAN_BUILD/xlbd
	fi
	HL_XLBCTL=$HL_B/xlbctl
	if [ ! -x "$HL_XLBD" ] || [ ! -x "$HL_XLBCTL" ]; then
		hl_fail "expected built $HL_XLBD and $HL_XLBCTL, saw none (run make)"
	fi
	export LAB_PREFIX="xh${tag:0:4}$$-"
	# shellcheck source=scripts/lab.sh
	. "$HL_TOP/scripts/lab.sh"
	HL_NODE="th${tag:0:6}$$"
	HL_SOCK="/run/xlb/th${tag:0:6}$$.sock"
	HL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xlb-test-health.XXXXXX") || exit 1
	trap hl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# shellcheck disable=SC2120 # the filter is optional
# hl_config [JQ_FILTER]: print the test config: seed-equivalent without VRRP,
# this test's node name and socket, no pinned maps left behind, an http check
# every 0.5 s (timeout 0.3, rise 2, fall 2), max_fails off; then JQ_FILTER.
hl_config() {
	jq --arg n "$HL_NODE" --arg s "$HL_SOCK" '
		del(.vrrp)
		| .node.name = $n | .node.control_socket = $s | .node.keep_maps = false
		| .services[0].health_check += { interval: 0.5, timeout: 0.3, rise: 2, fall: 2 }
		| .services[0].backends[] |= (.max_fails = 0)
		| '"${1:-.}" "$HL_TOP/configs/seed-equivalent.json"
}

# hl_start CONFIG: lab up, VIP on lb1, xlbd running and answering.
hl_start() {
	local cfg=$1 i
	lab_up || hl_fail "expected lab_up to succeed, saw it fail"
	ip -n "$LAB_NS_LB1" addr add "$HL_VIP/24" dev eth0 ||
		hl_fail "expected to add $HL_VIP to lb1, saw an error"
	nsenter --net="/run/netns/$LAB_NS_LB1" "$HL_XLBD" --config "$cfg" \
		</dev/null >>"$HL_TMP/xlbd.log" 2>&1 &
	HL_XPID=$!
	for ((i = 0; i < 100; i++)); do
		if "$HL_XLBCTL" -s "$HL_SOCK" status >/dev/null 2>&1; then
			hl_status | jq -e '.node.xdp_attached == true' >/dev/null ||
				hl_fail "expected XDP attached after start, saw $(hl_status | jq -c .node)"
			return 0
		fi
		kill -0 "$HL_XPID" 2>/dev/null || hl_fail "expected xlbd to run, saw it exit during start"
		sleep 0.05
	done
	hl_fail "expected xlbd to answer on $HL_SOCK within 5 s, saw no answer"
}

# hl_finish MESSAGE: stop xlbd with SIGTERM, require exit 0 and a log free of
# sanitizer reports, print "ok: MESSAGE".
hl_finish() {
	local rc=0
	kill -TERM "$HL_XPID"
	wait "$HL_XPID" || rc=$?
	HL_XPID=
	[ "$rc" = 0 ] || hl_fail "expected xlbd to exit 0 on SIGTERM, saw exit $rc"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$HL_TMP/xlbd.log"; then
		hl_fail "expected no sanitizer report in the xlbd log, saw one"
	fi
	echo "ok: $1"
}

hl_ctl() {
	"$HL_XLBCTL" -s "$HL_SOCK" "$@"
}

hl_status() {
	"$HL_XLBCTL" -s "$HL_SOCK" -j status
}

# hl_be N: backend N's status object (compact JSON).
hl_be() {
	hl_status | jq -c --arg a "${HL_BE_ADDR[$1]}" '.services[0].backends[] | select(.address == $a)'
}

# hl_field N FIELD: one field of backend N's status, raw.
hl_field() {
	hl_be "$1" | jq -r ".$2"
}

# hl_wait N JQ_COND SECONDS: poll the status of backend N until JQ_COND holds
# (e.g. '.state == "down"'), at most SECONDS. Sets HL_WAITED (seconds waited,
# 2 decimals). Returns 1 on timeout.
hl_wait() {
	local n=$1 cond=$2 max=$3 t0 now
	t0=$EPOCHREALTIME
	while :; do
		if hl_be "$n" | jq -e "$cond" >/dev/null 2>&1; then
			HL_WAITED=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
			return 0
		fi
		now=$EPOCHREALTIME
		awk -v a="$t0" -v b="$now" -v m="$max" 'BEGIN { exit !(b - a > m) }' && break
		sleep 0.05
	done
	HL_WAITED=$max
	return 1
}

# hl_expect_be N JQ_COND WHAT: backend N's status must satisfy JQ_COND now.
hl_expect_be() {
	local st
	st=$(hl_be "$1")
	jq -e "$2" <<<"$st" >/dev/null 2>&1 || hl_fail "expected be$1 $3 ($2), saw $st"
}

# hl_split N: N sequential GET / through the VIP from the client, each on a
# new connection (as lab_split, which this mirrors, but keeping what went
# wrong with each failed request). Sets HL_C[1..3], HL_FAILS, HL_SPLIT
# ("be1=A be2=B be3=C fail=F") and HL_SPLIT_ERRS (up to 5 failures as
# "status/curl exit/client port").
hl_split() {
	local n=$1 i out
	local -a urls=()
	for ((i = 0; i < n; i++)); do
		urls+=("http://$HL_VIP/")
	done
	out=$({ ip netns exec "$LAB_NS_CLIENT" timeout $((5 + n / 20)) curl -s --connect-timeout 1 \
		--max-time 2 -H 'Connection: close' \
		-w '\n@@hl %{http_code} %{exitcode} %{local_port}@@\n' "${urls[@]}" || true; } |
		awk -v n="$n" '
			/^@@hl [0-9]+ [0-9]+ [0-9]+@@$/ {
				code = $2; sub(/@@/, "", $4)
				if (code == "200" && body ~ /^be[1-3]$/) cnt[body]++
				else if (fail++ < 5) errs = errs " #" done + 1 ":" code "/" $3 "/" $4
				done++; body = ""; next
			}
			$0 != "" { body = body $0 }
			END {
				fail += n - done
				printf "be1=%d be2=%d be3=%d fail=%d\n%s\n", cnt["be1"], cnt["be2"],
					cnt["be3"], fail, errs
			}')
	HL_SPLIT=$(head -n 1 <<<"$out")
	HL_SPLIT_ERRS=$(sed -n 2p <<<"$out")
	HL_C=(0 "$(sed -n 's/.*be1=\([0-9]*\).*/\1/p' <<<"$HL_SPLIT")"
		"$(sed -n 's/.*be2=\([0-9]*\).*/\1/p' <<<"$HL_SPLIT")"
		"$(sed -n 's/.*be3=\([0-9]*\).*/\1/p' <<<"$HL_SPLIT")")
	HL_FAILS=$(sed -n 's/.*fail=\([0-9]*\).*/\1/p' <<<"$HL_SPLIT")
}

# hl_split_check WHAT W1 W2 W3: send HL_SPLIT_N requests; none may fail, a
# backend with weight 0 must get none, the others their weight's share
# within HL_TOL.
hl_split_check() {
	local what=$1 w=(0 "$2" "$3" "$4") sum=0 i want got
	hl_split "$HL_SPLIT_N"
	[ "$HL_FAILS" = 0 ] || hl_fail "$what: expected 0 failed requests, saw $HL_SPLIT (status/curl exit/port:$HL_SPLIT_ERRS)"
	sum=$((w[1] + w[2] + w[3]))
	for i in 1 2 3; do
		if [ "${w[$i]}" = 0 ]; then
			[ "${HL_C[$i]}" = 0 ] ||
				hl_fail "$what: expected no request on be$i, saw $HL_SPLIT"
			continue
		fi
		want=$(awk -v a="${w[$i]}" -v s="$sum" 'BEGIN { printf "%.3f", a / s }')
		got=$(awk -v a="${HL_C[$i]}" -v s="$HL_SPLIT_N" 'BEGIN { printf "%.3f", a / s }')
		awk -v a="$want" -v b="$got" -v t="$HL_TOL" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' ||
			hl_fail "$what: expected be$i share $want +- $HL_TOL (weights ${w[*]:1}), saw $got ($HL_SPLIT)"
	done
	hl_note "$what: $HL_SPLIT (weights ${w[*]:1})"
}

# hl_log_mark N: current number of lines in backend N's access log.
hl_log_mark() {
	local f=$LAB_DIR/be$1/access.log
	if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi
}

# hl_log_vip_since N MARK: requests for "/" that came through the VIP
# (REMOTE_ADDR is the VIP: NAT mode sources them from it) in backend N's
# access log after line MARK. Health checks come from lb1's own address.
hl_log_vip_since() {
	local f=$LAB_DIR/be$1/access.log
	[ -f "$f" ] || { echo 0; return; }
	tail -n +"$(($2 + 1))" "$f" | awk -v vip="$HL_VIP" '$1 == vip && $7 == "/" { n++ } END { print n + 0 }'
}

# _hl_streams_on N: established connections from the VIP to port 80 of backend N.
_hl_streams_on() {
	lab_exec "be$1" ss -Htn state established '( sport = :80 )' 2>/dev/null |
		awk -v vip="$HL_VIP" 'index($4, vip ":") == 1 { n++ } END { print n + 0 }'
}

# hl_stream_open N NAME: open a /stream download from the client through the
# VIP that lands on backend N (new connections until one does, at most 20).
# Bounded to 58 s. Sets HL_STREAM_PID_NAME. Fails the test if none lands.
hl_stream_open() {
	local n=$1 name=$2 try i b before=() pid landed
	for ((try = 0; try < 20; try++)); do
		for b in 1 2 3; do
			before[b]=$(_hl_streams_on "$b")
		done
		ip netns exec "$LAB_NS_CLIENT" curl -s -o "$HL_TMP/$name.out" --max-time 58 \
			"http://$HL_VIP/stream" </dev/null 2>/dev/null &
		pid=$!
		HL_PIDS+=("$pid")
		landed=
		for ((i = 0; i < 40; i++)); do
			[ -n "$landed" ] && break
			sleep 0.025
			for b in 1 2 3; do
				[ "$(_hl_streams_on "$b")" -gt "${before[$b]}" ] && landed=$b
			done
		done
		if [ "$landed" = "$n" ]; then
			printf -v "HL_STREAM_PID_$name" '%s' "$pid"
			hl_note "stream $name on be$n after $((try + 1)) connection(s)"
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	hl_fail "expected a /stream connection to land on be$n within 20 tries, saw none"
}

_hl_size() {
	stat -c %s "$HL_TMP/$1.out" 2>/dev/null || echo 0
}

# hl_stream_flowing NAME WHAT: the download NAME still runs and receives
# bytes (its file grows within 2 s).
hl_stream_flowing() {
	local name=$1 what=$2 pidvar="HL_STREAM_PID_$1" a b i
	_lab_alive "${!pidvar}" || hl_fail "$what: expected stream $name running, saw curl exited"
	a=$(_hl_size "$name")
	for ((i = 0; i < 40; i++)); do
		sleep 0.05
		b=$(_hl_size "$name")
		[ "$b" -gt "$a" ] && return 0
	done
	hl_fail "$what: expected stream $name to receive bytes, saw its size stay at $a for 2 s"
}

# hl_stream_stopped NAME WHAT: within 4 s the download NAME ends or stops
# receiving (its size unchanged over 1 s).
hl_stream_stopped() {
	local name=$1 what=$2 pidvar="HL_STREAM_PID_$1" a i
	for ((i = 0; i < 4; i++)); do
		a=$(_hl_size "$name")
		sleep 1
		_lab_alive "${!pidvar}" || return 0
		[ "$(_hl_size "$name")" = "$a" ] && return 0
	done
	hl_fail "$what: expected stream $name to stop, saw it still receiving ($(_hl_size "$name") bytes)"
}
