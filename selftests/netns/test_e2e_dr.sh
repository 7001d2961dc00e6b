#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, direct routing (LVS-DR style), IPv4: lab in dr mode (the VIP
# on every backend's lo, no ARP for it), configs/dr.json on lb1 (priority
# 100) and on lb2 (priority 90), VRRP v2:
#   - lb1 MASTER holds the VIP and the XDP program;
#   - 2000 new connections split 3:1:4 within 3 percentage points;
#   - DR for real: backends saw the client's own address as the source and
#     served on the VIP; answers reached the client straight from the
#     backends' MAC addresses, never from an LB's;
#   - SIGKILL of lb1: lb2 takes over and requests resume.
# Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init dr

N=2000
TOL=3
export LAB_MODE=dr
e2e_lab_up
e2e_cfg "$E2E_TOP/configs/dr.json" lb1 "$E2E_TMP/lb1.json"
e2e_cfg "$E2E_TOP/configs/dr.json" lb2 "$E2E_TMP/lb2.json" '.vrrp.instances[0].priority = 90'
e2e_check "mode of the derived service" dr "$(jq -r '.services[0].mode' "$E2E_TMP/lb1.json")"
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
e2e_xlbd_start lb2 "$E2E_TMP/lb2.json"
e2e_wait "lb1 MASTER" 10 e2e_is_state lb1 MASTER
e2e_wait "lb2 BACKUP" 5 e2e_is_state lb2 BACKUP
e2e_expect_roles lb1 lb2
e2e_check "service mode in status" dr "$(e2e_jq lb1 '.services[0].mode')"

# Source MACs of the answers the client gets from the VIP.
mac() { lab_exec "$1" cat /sys/class/net/eth0/address; }
lab_exec client timeout 30 tcpdump -l -nn -e -i eth0 -c 400 "src host $LAB_VIP4 and tcp src port 80" \
	>"$E2E_TMP/replies.txt" 2>"$E2E_TMP/tcpdump.err" &
E2E_BG_PIDS="${E2E_BG_PIDS:-} $!"
e2e_wait "tcpdump listening in the client" 5 grep -q 'listening on' "$E2E_TMP/tcpdump.err"
logs_before=$(for n in 1 2 3; do wc -l <"$LAB_DIR/be$n/access.log"; done)

counts=$(e2e_split "$N")
e2e_split_ok "$counts" 3 1 4 "$TOL" ||
	e2e_fail "DR split of $N requests: expected no failure and shares within ±$TOL pp, saw $E2E_SPLIT_MSG (lb1 reasons: $(e2e_reasons lb1))"
E2E_CHECKS=$((E2E_CHECKS + 1))
e2e_note "split: $E2E_SPLIT_MSG"

# Backends saw the client itself, on the VIP.
n=0
for before in $logs_before; do
	n=$((n + 1))
	seen=$(tail -n +"$((before + 1))" "$LAB_DIR/be$n/access.log" |
		awk -v c="$LAB_CLIENT4" -v vip="$LAB_VIP4" '$1 == c && $3 == vip { k++ } END { print k + 0 }')
	e2e_check "requests in be$n's log from the client $LAB_CLIENT4 to the VIP" \
		"$(e2e_field "$counts" "be$n")" "$seen"
done

# Answers came from the backends' MACs.
e2e_wait "replies captured in the client" 5 test -s "$E2E_TMP/replies.txt"
srcmacs=$(awk '{ print $2 }' "$E2E_TMP/replies.txt" | sort -u | tr '\n' ' ')
bemacs=" $(mac be1) $(mac be2) $(mac be3) "
for m in $srcmacs; do
	E2E_CHECKS=$((E2E_CHECKS + 1))
	case $bemacs in
	*" $m "*) ;;
	*) e2e_fail "a reply from the VIP reached the client from MAC $m, expected one of the backends'$bemacs(lb1 $(mac lb1), lb2 $(mac lb2))" ;;
	esac
done
e2e_note "answers from backend MACs: $srcmacs"

# Failover.
t0=$(e2e_now)
e2e_xlbd_stop lb1 KILL
e2e_wait "lb2 MASTER after lb1's SIGKILL" 8 e2e_is_state lb2 MASTER
took=$(e2e_since "$t0")
first=$(e2e_first_success 3) || e2e_fail "no DR request answered after lb2 took over"
e2e_note "SIGKILL: lb2 MASTER after ${took}s, first answer ${first}s later"
e2e_wait_eq "lb2 alone has XDP after the kill" 3 lb2 e2e_xdp_nodes
e2e_check "failed among 200 requests through lb2" 0 "$(e2e_field "$(e2e_split 200)" fail)"

echo "ok: test_e2e_dr: $E2E_CHECKS checks ($E2E_SPLIT_MSG)"
