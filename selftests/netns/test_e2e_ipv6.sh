#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, NAT, IPv6, VRRP v3 over IPv6: configs/ipv6.json (VIP
# fd00:17::50, backends fd00:12::181..183 weights 3:1:4, VRID 61) on lb1
# (priority 100) and on lb2 (priority 90):
#   - lb1 MASTER holds the IPv6 VIP and the XDP program, lb2 neither;
#   - 2000 new IPv6 connections split 3:1:4 within 3 percentage points;
#   - NAT: backends saw the requests coming from the SNAT address (the VIP);
#   - SIGKILL of lb1: lb2 takes over (unsolicited neighbour advertisements)
#     and IPv6 requests resume.
# Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init ipv6

N=2000
TOL=3
e2e_lab_up
e2e_cfg "$E2E_TOP/configs/ipv6.json" lb1 "$E2E_TMP/lb1.json"
e2e_cfg "$E2E_TOP/configs/ipv6.json" lb2 "$E2E_TMP/lb2.json" '.vrrp.instances[0].priority = 90'
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
e2e_xlbd_start lb2 "$E2E_TMP/lb2.json"
e2e_wait "lb1 MASTER (VRRP v3, IPv6)" 10 e2e_is_state lb1 MASTER
e2e_note "lb1 MASTER ${E2E_WAITED}s after start"
e2e_wait "lb2 BACKUP" 5 e2e_is_state lb2 BACKUP
e2e_expect_roles lb1 lb2 "$LAB_VIP6"
for a in "$LAB_BE1_6" "$LAB_BE2_6" "$LAB_BE3_6"; do
	e2e_wait "backend $a up" 10 e2e_be_is lb1 "$a" up
done
logs_before=$(for n in 1 2 3; do wc -l <"$LAB_DIR/be$n/access.log"; done)

counts=$(e2e_split "$N" -6)
e2e_split_ok "$counts" 3 1 4 "$TOL" ||
	e2e_fail "IPv6 split of $N requests: expected no failure and shares within ±$TOL pp, saw $E2E_SPLIT_MSG (lb1 reasons: $(e2e_reasons lb1))"
E2E_CHECKS=$((E2E_CHECKS + 1))
e2e_note "split: $E2E_SPLIT_MSG"

n=0
for before in $logs_before; do
	n=$((n + 1))
	from_vip=$(tail -n +"$((before + 1))" "$LAB_DIR/be$n/access.log" |
		awk -v vip="$LAB_VIP6" '$1 == vip { c++ } END { print c + 0 }')
	e2e_check "requests in be$n's access log from the SNAT address $LAB_VIP6" \
		"$(e2e_field "$counts" "be$n")" "$from_vip"
done
flows=$(e2e_new_flows lb1)
for n in 1 2 3; do
	got=$(e2e_field "$flows" "be$n")
	lo=$(e2e_split_ports "be$n")
	hi=$(e2e_field "$counts" "be$n")
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if [ "$got" -lt "$lo" ] || [ "$got" -gt "$hi" ]; then
		e2e_fail "IPv6 new flows of be$n (xlbctl stats): expected $lo..$hi (distinct client ports..requests), saw $got"
	fi
done

t0=$(e2e_now)
e2e_xlbd_stop lb1 KILL
e2e_wait "lb2 MASTER after lb1's SIGKILL" 8 e2e_is_state lb2 MASTER
took=$(e2e_since "$t0")
first=$(e2e_first_success 3 -6) || e2e_fail "no IPv6 request answered after lb2 took over"
e2e_note "SIGKILL: lb2 MASTER after ${took}s, first IPv6 answer ${first}s later"
e2e_wait_eq "LB nodes with XDP after the kill" 3 lb2 e2e_xdp_nodes
e2e_check_true "lb2 holds the IPv6 VIP" e2e_has_addr lb2 "$LAB_VIP6"
e2e_check "failed among 200 IPv6 requests through lb2" 0 "$(e2e_field "$(e2e_split 200 -6)" fail)"

echo "ok: test_e2e_ipv6: $E2E_CHECKS checks ($E2E_SPLIT_MSG)"
