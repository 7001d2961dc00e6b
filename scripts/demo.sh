#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh BUILD_DIR — `make demo`: the classic setup (two load
# balancers sharing a VIP through VRRP, three nginx backends with weights
# 3:1:4) rebuilt on one machine in network namespaces (scripts/lab.sh), run
# by xlbd with configs/seed-equivalent*.json, shown step by step:
#   1. VRRP election: master holds the VIP and the XDP program, backup not;
#   2. 800 requests through the VIP split ~3:1:4; the counters (xlbctl stats,
#      bpftool on the pinned backend_stats map) agree;
#   3. a backend's nginx stopped: the health check takes it out, no request
#      fails after that; nginx started again: it comes back;
#   4. the master SIGKILLed: the backup takes over, time from the kill to the
#      first answered request; the old master restarted: it preempts;
#   5. a new backend list applied with `xlbctl apply` under traffic.
# Everything is torn down at the end (trap), a PASS/FAIL line is printed per
# step and overall; exit status 0 only if every step passed.
# DEMO_MODE=dr runs the same in direct-routing mode (service "mode": "dr",
# VIPs on the backends' lo).  Needs root.  Takes about a minute.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export XLB_BUILD=${1:-build}
DEMO_MODE=${DEMO_MODE:-nat}
case $DEMO_MODE in
nat | dr) ;;
*) echo "demo: DEMO_MODE='$DEMO_MODE' (expected nat or dr)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, XDP); try: sudo make demo" >&2
	exit 1
fi

# shellcheck source=selftests/netns/e2e_lib.sh
. "$TOP/selftests/netns/e2e_lib.sh"
e2e_init demo

# In the demo a failed assertion fails the current step, not the script:
# the helpers return non-zero after calling e2e_fail, and each step checks.
e2e_fail() {
	echo "   !! $*"
	STEP_OK=0
	return 1
}

T_START=$(e2e_now)
STEP_OK=1
declare -a RESULTS=()

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { echo "   $*"; }
show() {
	# show CMD...: print the command, then its output indented.
	echo "   \$ $*"
	"$@" 2>&1 | sed 's/^/     /'
}
in_ns() {
	# in_ns NODE CMD...: same as show, for a command run in a lab node.
	local node=$1
	shift
	echo "   [$node]\$ $*"
	lab_exec "$node" "$@" 2>&1 | sed 's/^/     /'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }

# step_end N TITLE: record the step's verdict.
step_end() {
	local v=PASS
	[ "$STEP_OK" = 1 ] || v=FAIL
	RESULTS+=("$(printf 'step %s %-48s %s' "$1" "$2" "$v")")
	say "=> step $1: $v"
	STEP_OK=1
}

# share_line COUNTS: "be1 A (x%)  be2 B (y%)  be3 C (z%), F failed"
share_line() {
	local c=$1 t
	t=$(($(e2e_field "$c" be1) + $(e2e_field "$c" be2) + $(e2e_field "$c" be3)))
	printf 'be1 %s (%s%%)  be2 %s (%s%%)  be3 %s (%s%%), %s failed' \
		"$(e2e_field "$c" be1)" "$(pct "$(e2e_field "$c" be1)" "$t")" \
		"$(e2e_field "$c" be2)" "$(pct "$(e2e_field "$c" be2)" "$t")" \
		"$(e2e_field "$c" be3)" "$(pct "$(e2e_field "$c" be3)" "$t")" \
		"$(e2e_field "$c" fail)"
}

# backend_line LB ADDR: the `xlbctl status` line of backend ADDR.
backend_line() {
	e2e_ctl "$1" status | grep -F " $2:" | sed 's/^ *//'
}

# ------------------------------------------------------------------ setup
bold "xlb demo ($DEMO_MODE mode): client, two load balancers (lb1, lb2), three nginx backends"
export LAB_MODE=$DEMO_MODE
e2e_lab_up || { echo "demo: lab_up failed" >&2; exit 1; }
say "lab up: namespaces ${LAB_PREFIX}*, VIP $LAB_VIP4:80, backends $LAB_BE1_4 $LAB_BE2_4 $LAB_BE3_4"
mode_filter=.
[ "$DEMO_MODE" = dr ] && mode_filter='.services[0].mode = "dr"'
e2e_cfg "$TOP/configs/seed-equivalent.json" lb1 "$E2E_TMP/lb1.json" "$mode_filter" || exit 1
e2e_cfg "$TOP/configs/seed-equivalent-backup.json" lb2 "$E2E_TMP/lb2.json" "$mode_filter" || exit 1
say "configs: configs/seed-equivalent.json (lb1, priority 100) and"
say "         configs/seed-equivalent-backup.json (lb2, priority 90), mode $DEMO_MODE,"
say "         with node names and control sockets of this run (jq)"
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json" || exit 1
e2e_xlbd_start lb2 "$E2E_TMP/lb2.json" || exit 1
say "xlbd started on lb1 and lb2 (logs in $E2E_TMP/lb1.log, lb2.log)"

# ------------------------------------------------------- 1. VRRP election
bold "Step 1/5: VRRP election (VI_1, VRID 51, v2, advert_int 1 s)"
say "Both nodes start as BACKUP; the one with the higher priority becomes"
say "MASTER after Master_Down_Interval (3 x advert_int + skew): it adds the VIP,"
say "attaches the XDP program and sends gratuitous ARPs.  The backup has neither."
if e2e_wait "lb1 MASTER" 10 e2e_is_state lb1 MASTER; then
	say "lb1 is MASTER ${E2E_WAITED}s after start"
	e2e_wait "lb2 BACKUP" 5 e2e_is_state lb2 BACKUP
	e2e_expect_roles lb1 lb2
fi
for lb in lb1 lb2; do
	say "$lb: $(e2e_ctl "$lb" -j status | jq -r '.vrrp[0] | "VRRP \(.state), priority \(.priority), master \(.master)"'), XDP attached: $(e2e_jq "$lb" .node.xdp_attached)"
done
in_ns lb1 ip -br addr show dev eth0
in_ns lb2 ip -br addr show dev eth0
in_ns lb1 ip link show dev eth0
in_ns lb2 ip link show dev eth0
step_end 1 "VRRP election: lb1 MASTER with VIP + XDP"

# -------------------------------------------------- 2. 800 requests, split
bold "Step 2/5: 800 requests through the VIP, each on a new TCP connection"
if [ "$DEMO_MODE" = dr ]; then
	say "DR: lb1 only rewrites MAC addresses; backends answer the client directly."
else
	say "NAT: lb1 rewrites the destination to the backend and the source to the VIP."
fi
say "Maglev consistent hashing with weights 3:1:4 -> expect ~37.5% / 12.5% / 50%."
counts=$(e2e_split 800)
say "client: $(share_line "$counts")"
if e2e_split_ok "$counts" 3 1 4 5; then
	say "within 5 percentage points of the weights: yes"
else
	e2e_fail "split: expected no failure and shares within ±5 pp, saw $E2E_SPLIT_MSG"
fi
say "The data plane's counters (per-CPU, summed by xlbctl):"
show "$XLBCTL" -s "$(e2e_sock lb1)" stats
flows=$(e2e_new_flows lb1)
say "new flows per backend: $flows (client: ${counts% fail=*})"
say "The same counters straight from the pinned map, with BTF names (excerpt):"
echo "   \$ bpftool map dump pinned $(e2e_pin_dir lb1)/backend_stats | head -n 14"
bpftool map dump pinned "$(e2e_pin_dir lb1)/backend_stats" 2>&1 | head -n 14 | sed 's/^/     /'
id1=$(e2e_jq lb1 ".services[0].backends[] | select(.address == \"$LAB_BE1_4\") | .id")
b1=$(e2e_bpftool_new_flows lb1 "$id1")
e2e_check "be1 new flows: bpftool (summed over CPUs) vs xlbctl stats" "$(e2e_field "$flows" be1)" "$b1" &&
	say "be1 (id $id1): bpftool new_flows summed over CPUs = $b1 = xlbctl stats"
step_end 2 "800 requests split ~3:1:4, counters agree"

# --------------------------------------------- 3. backend failure/recovery
bold "Step 3/5: be2's nginx stops, then starts again, under traffic"
say "HTTP health check every 1 s: 2 failures mark a backend down, 2 successes"
say "up again; as in nginx, 3 failures (max_fails) within 20 s (fail_timeout)"
say "keep it out for those 20 s whatever the checks say."
lab_load_start -t 80
e2e_wait "load loop running" 10 e2e_load_ok_at_least 10
t0=$(e2e_now)
lab_backend_stop 2
say "be2 stopped; waiting for the health check..."
if e2e_wait "be2 marked down" 10 e2e_be_is lb1 "$LAB_BE2_4" down; then
	say "be2 down after $(e2e_since "$t0")s:"
	say "  $(backend_line lb1 "$LAB_BE2_4")"
	sleep 0.2
	base=$(e2e_load_counts)
	e2e_wait "60 more requests" 15 e2e_load_ok_at_least $(($(e2e_field "$base" ok) + 60))
	now=$(e2e_load_counts)
	lost=$(($(e2e_field "$now" fail) - $(e2e_field "$base" fail)))
	to2=$(($(e2e_field "$now" be2) - $(e2e_field "$base" be2)))
	say "requests before detection that failed: $(e2e_field "$base" fail) (sent to be2 before it was out)"
	say "after detection: $(($(e2e_field "$now" ok) - $(e2e_field "$base" ok))) answered, $lost failed, $to2 to be2"
	e2e_check "failed requests after detection" 0 "$lost"
	e2e_check "requests answered by be2 while down" 0 "$to2"
fi
t0=$(e2e_now)
lab_backend_start 2
say "be2 started again; waiting for 2 good checks (and fail_timeout, if it applies)..."
if e2e_wait "be2 back up" 30 e2e_be_is lb1 "$LAB_BE2_4" up; then
	say "be2 up after $(e2e_since "$t0")s:"
	say "  $(backend_line lb1 "$LAB_BE2_4")"
	b=$(e2e_field "$(e2e_load_counts)" be2)
	be2_back() { [ "$(e2e_field "$(e2e_load_counts)" be2)" -gt "$b" ]; }
	e2e_wait "be2 answering again" 15 be2_back && say "be2 answers requests again"
fi
total=$(lab_load_stop)
say "load totals of step 3: $total"
step_end 3 "backend out on failure, 0 failed after, back"

# ---------------------------------------------------- 4. master SIGKILLed
bold "Step 4/5: lb1 (MASTER) is killed with SIGKILL"
say "No priority-0 advert this time: lb2 waits for Master_Down_Interval"
say "(3 x 1 s + skew (256-90)/256 s = 3.65 s) from lb1's last advert, then takes"
say "the VIP, attaches XDP and sends gratuitous ARPs."
t0=$(e2e_now)
e2e_xlbd_stop lb1 KILL
if e2e_first_success 15 >/dev/null; then
	took=$(awk -v a="$(e2e_since "$t0")" 'BEGIN { printf "%.2f", a }')
	# When lb2 became MASTER, from its status ("changed_s_ago").
	ago=$(e2e_jq lb2 '.vrrp[0].changed_s_ago')
	m=$(awk -v a="$(e2e_since "$t0")" -v b="$ago" 'BEGIN { printf "%.2f", a - b }')
	say "lb2 MASTER ${m}s after the kill; first answered request ${took}s after it (probing every ~50 ms)"
	e2e_le "$m" 6.65 ||
		e2e_fail "takeover: expected within 3 x advert_int + skew + 3 s = 6.65 s, saw ${m}s"
	e2e_le "$took" "$(awk -v m="$m" 'BEGIN { print m + 3 }')" ||
		e2e_fail "first answer: expected within 3 s of the takeover (gratuitous ARP sent), saw $(awk -v a="$took" -v m="$m" 'BEGIN { printf "%.2f", a - m }')s after it (lb2 reasons: $(e2e_reasons lb2))"
	
else
	e2e_fail "no request answered within 15 s of the kill"
fi
e2e_wait "lb2 MASTER" 5 e2e_is_state lb2 MASTER && say "lb2: VRRP MASTER, XDP attached: $(e2e_jq lb2 .node.xdp_attached)"
in_ns lb2 ip -br addr show dev eth0
in_ns lb2 ip link show dev eth0
c=$(e2e_split 100)
say "100 requests through lb2: $(share_line "$c")"
e2e_check "failed among 100 requests through lb2" 0 "$(e2e_field "$c" fail)"
say "lb1 restarted: it removes the VIP its killed run left, joins as BACKUP and,"
say "having the higher priority, preempts lb2."
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
if e2e_wait "lb1 MASTER again" 10 e2e_is_state lb1 MASTER; then
	say "lb1 MASTER again ${E2E_WAITED}s after its restart"
	e2e_expect_roles lb1 lb2
fi
step_end 4 "SIGKILL of the master: backup takes over"

# ---------------------------------------------------- 5. apply under load
bold "Step 5/5: a new backend list applied with xlbctl apply, under traffic"
say "New list: be1 weight 2, be3 weight 2, be2 removed.  be2 is drained first"
say "(xlbctl backend drain: no new flows, running requests finish), then the"
say "file is applied to lb2 (backup) and lb1 (master)."
nofilter="$mode_filter | .services[0].backends |= map(select(.address != \"$LAB_BE2_4\")) |
	.services[0].backends[].weight = 2"
e2e_cfg "$TOP/configs/seed-equivalent.json" lb1 "$E2E_TMP/lb1-new.json" "$nofilter"
e2e_cfg "$TOP/configs/seed-equivalent-backup.json" lb2 "$E2E_TMP/lb2-new.json" "$nofilter"
lab_load_start -t 60
e2e_wait "load loop running" 10 e2e_load_ok_at_least 10
before=$(e2e_load_counts)
for lb in lb2 lb1; do
	show "$XLBCTL" -s "$(e2e_sock "$lb")" backend drain web "$LAB_BE2_4:80"
done
sleep 1
for lb in lb2 lb1; do
	show "$XLBCTL" -s "$(e2e_sock "$lb")" apply "$E2E_TMP/$lb-new.json"
done
ok0=$(e2e_field "$(e2e_load_counts)" ok)
e2e_wait "60 more requests after the apply" 15 e2e_load_ok_at_least $((ok0 + 60))
after=$(lab_load_stop)
lost=$(($(e2e_field "$after" fail) - $(e2e_field "$before" fail)))
say "load during drain + apply: $(($(e2e_field "$after" ok) - $(e2e_field "$before" ok))) answered, $lost failed"
e2e_check "failed requests during drain + apply" 0 "$lost"
show "$XLBCTL" -s "$(e2e_sock lb1)" status
c=$(e2e_split 800)
say "800 new requests: $(share_line "$c")"
e2e_check "requests answered by the removed be2" 0 "$(e2e_field "$c" be2)"
if e2e_split_ok "$c" 1 0 1 5; then
	say "within 5 percentage points of the new weights 2:0:2: yes"
else
	e2e_fail "split after apply: expected no failure and shares within ±5 pp of 50/0/50, saw $E2E_SPLIT_MSG"
fi
step_end 5 "apply under traffic: 0 failed requests"

# ---------------------------------------------------------------- summary
bold "Summary ($DEMO_MODE mode, $(awk -v a="$(e2e_since "$T_START")" 'BEGIN { printf "%.0f", a }') s)"
overall=PASS
for r in "${RESULTS[@]}"; do
	say "$r"
	[[ $r == *FAIL ]] && overall=FAIL
done
say "overall: $overall"
say "tearing down the lab..."
[ "$overall" = PASS ]
