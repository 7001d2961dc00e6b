#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, VRRP v2 pair with the seed configs (VRID 51, lb1 priority 100,
# lb2 priority 90, advert_int 1):
#   - election: lb1 MASTER with the VIP and the XDP program, lb2 BACKUP with
#     neither; requests through the VIP are answered;
#   - clean shutdown (SIGTERM) of lb1: it exits 0 after sending a priority-0
#     advert (seen on the wire), lb2 takes over before its
#     Master_Down_Interval (3 x advert_int + skew) could have run out, the
#     VIP and XDP move to lb2, requests resume (within 3 s of the takeover);
#   - lb1 started again preempts: MASTER again, lb2 back to BACKUP;
#   - SIGKILL of lb1: lb2 takes over within 3 x advert_int + skew + 3 s, has
#     the XDP program and the VIP, requests resume (within 3 s of it).
# Takeover times and the time from kill to the first answered request are
# printed.  Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init failover

# Master_Down_Interval of lb2 (v2: skew = (256 - 90) / 256 s).
DOWN=$(awk -v a="$E2E_ADVERT_INT" 'BEGIN { printf "%.3f", 3 * a + (256 - 90) / 256 }')
BOUND=$(awk -v d="$DOWN" 'BEGIN { printf "%.3f", d + 3 }')

e2e_lab_up
e2e_cfg "$E2E_TOP/configs/seed-equivalent.json" lb1 "$E2E_TMP/lb1.json"
e2e_cfg "$E2E_TOP/configs/seed-equivalent-backup.json" lb2 "$E2E_TMP/lb2.json"

# ------------------------------------------------------------------ election
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
e2e_xlbd_start lb2 "$E2E_TMP/lb2.json"
e2e_wait "lb1 MASTER after start" 10 e2e_is_state lb1 MASTER
e2e_note "lb1 MASTER ${E2E_WAITED}s after start"
e2e_wait "lb2 BACKUP after start" 5 e2e_is_state lb2 BACKUP
e2e_expect_roles lb1 lb2
e2e_first_success 5 >/dev/null || e2e_fail "no request through the VIP answered with lb1 MASTER"
e2e_check "e2e_split 50 through lb1" "fail=0" "$(e2e_split 50 | grep -o 'fail=[0-9]*')"

# ------------------------------------------------------- SIGTERM: priority 0
lab_exec hub timeout 20 tcpdump -l -nn -i br0 -c 200 'ip proto 112' \
	>"$E2E_TMP/vrrp.txt" 2>"$E2E_TMP/tcpdump.err" &
E2E_BG_PIDS="${E2E_BG_PIDS:-} $!"
e2e_wait "tcpdump listening in the hub" 5 grep -q 'listening on' "$E2E_TMP/tcpdump.err"
t0=$(e2e_now)
e2e_xlbd_stop lb1 TERM
e2e_check "exit status of lb1's xlbd after SIGTERM" 0 "$E2E_XLBD_RC"
e2e_wait "lb2 MASTER after lb1's SIGTERM" "$BOUND" e2e_is_state lb2 MASTER
took=$(e2e_since "$t0")
first=$(e2e_first_success 3) || e2e_fail "no request answered within 3 s after lb2 took over (lb2 reasons: $(e2e_reasons lb2))"
first=$(awk -v a="$took" -v b="$first" 'BEGIN { printf "%.3f", a + b }')
e2e_note "SIGTERM: lb2 MASTER after ${took}s, first answered request after ~${first}s (Master_Down_Interval ${DOWN}s)"
e2e_wait "lb1's priority-0 advert on the wire" 3 \
	grep -q "$LAB_LB1_4 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0" "$E2E_TMP/vrrp.txt"
E2E_CHECKS=$((E2E_CHECKS + 1))
e2e_le "$took" "$DOWN" ||
	e2e_fail "takeover after SIGTERM: expected before the ${DOWN}s Master_Down_Interval (priority 0 advert), saw ${took}s"
e2e_check "xdp_attached of lb2 after takeover" true "$(e2e_jq lb2 .node.xdp_attached)"
e2e_wait_eq "lb2 alone holds the VIP after lb1's SIGTERM" 3 lb2 e2e_vip_holders
e2e_wait_eq "lb2 alone has XDP after lb1's SIGTERM" 3 lb2 e2e_xdp_nodes
e2e_check "e2e_split 50 through lb2" "fail=0" "$(e2e_split 50 | grep -o 'fail=[0-9]*')"

# ---------------------------------------------------- lb1 back: preemption
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
e2e_wait "lb1 preempts (MASTER)" 10 e2e_is_state lb1 MASTER
e2e_note "lb1 restarted: MASTER again after ${E2E_WAITED}s"
e2e_wait "lb2 BACKUP after preemption" 5 e2e_is_state lb2 BACKUP
e2e_expect_roles lb1 lb2
e2e_first_success 5 >/dev/null || e2e_fail "no request answered after lb1 preempted"

# ------------------------------------------------------------ SIGKILL
t0=$(e2e_now)
e2e_xlbd_stop lb1 KILL
e2e_wait "lb2 MASTER after lb1's SIGKILL" "$BOUND" e2e_is_state lb2 MASTER
took=$(e2e_since "$t0")
first=$(e2e_first_success 3) || e2e_fail "no request answered within 3 s after lb2 took over from a killed lb1 (lb2 reasons: $(e2e_reasons lb2))"
first=$(awk -v a="$took" -v b="$first" 'BEGIN { printf "%.3f", a + b }')
e2e_note "SIGKILL: lb2 MASTER after ${took}s, first answered request after ~${first}s (bound ${BOUND}s)"
e2e_check "xdp_attached of lb2 after lb1 was killed" true "$(e2e_jq lb2 .node.xdp_attached)"
e2e_wait_eq "lb2 alone has XDP after lb1 was killed" 3 lb2 e2e_xdp_nodes
e2e_check_true "lb2 holds the VIP after lb1 was killed" e2e_has_addr lb2 "$LAB_VIP4"
e2e_check "e2e_split 50 through lb2 after the kill" "fail=0" "$(e2e_split 50 | grep -o 'fail=[0-9]*')"

echo "ok: test_e2e_failover: $E2E_CHECKS checks"
