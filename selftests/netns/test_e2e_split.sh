#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, NAT, IPv4: the seed service (weights 3:1:4) on lb1 (no VRRP,
# the test puts the VIP on lb1's eth0), 3000 requests from the client, each
# over a new TCP connection through the VIP:
#   - every request answered, shares within 3 percentage points of
#     37.5 / 12.5 / 50 %;
#   - the data plane counted one new flow per connection (5-tuple), per
#     backend (`xlbctl stats`), and bpftool reads the same numbers from the
#     pinned backend_stats map;
#   - NAT: every request reached its backend from the SNAT address (the VIP)
#     according to the backend's access log.
# Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init split

N=3000
TOL=3

e2e_lab_up
e2e_cfg "$E2E_TOP/configs/seed-equivalent.json" lb1 "$E2E_TMP/lb1.json" 'del(.vrrp)'
lab_exec lb1 ip addr add "$LAB_VIP4/24" dev eth0 || e2e_fail "cannot add the VIP to lb1"
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
e2e_check "XDP attached on lb1 (status)" true "$(e2e_jq lb1 .node.xdp_attached)"
e2e_check "XDP program on lb1's eth0 is xlbd's" "$(e2e_jq lb1 .node.prog_id)" "$(lab_xdp_attached lb1)"
for a in "$LAB_BE1_4" "$LAB_BE2_4" "$LAB_BE3_4"; do
	e2e_wait "backend $a up" 10 e2e_be_is lb1 "$a" up
done
logs_before=$(for n in 1 2 3; do wc -l <"$LAB_DIR/be$n/access.log"; done)

t0=$(e2e_now)
counts=$(e2e_split "$N")
e2e_note "$N requests in $(e2e_since "$t0")s: $counts"
e2e_split_ok "$counts" 3 1 4 "$TOL" ||
	e2e_fail "split of $N requests: expected no failure and shares within ±$TOL pp, saw $E2E_SPLIT_MSG (lb1 reasons: $(e2e_reasons lb1))"
e2e_note "split: $E2E_SPLIT_MSG"
E2E_CHECKS=$((E2E_CHECKS + 1))

# The counters agree with what the client saw: one new flow per distinct
# 5-tuple (a client port the kernel reused while the old flow entry still
# lived may count once or twice), and bpftool reads the same numbers.
flows=$(e2e_new_flows lb1)
for n in 1 2 3; do
	v=LAB_BE${n}_4
	got=$(e2e_field "$flows" "be$n")
	lo=$(e2e_split_ports "be$n")
	hi=$(e2e_field "$counts" "be$n")
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if [ "$got" -lt "$lo" ] || [ "$got" -gt "$hi" ]; then
		e2e_fail "new flows of be$n (xlbctl stats): expected $lo..$hi (distinct client ports..requests), saw $got"
	fi
	id=$(e2e_jq lb1 ".services[0].backends[] | select(.address == \"${!v}\") | .id")
	e2e_check "bpftool backend_stats[$id].new_flows (be$n) vs xlbctl stats" "$got" \
		"$(e2e_bpftool_new_flows lb1 "$id")"
done

# NAT: the backends saw the requests coming from the VIP (the SNAT address).
n=0
for before in $logs_before; do
	n=$((n + 1))
	from_vip=$(tail -n +"$((before + 1))" "$LAB_DIR/be$n/access.log" |
		awk -v vip="$LAB_VIP4" '$1 == vip { c++ } END { print c + 0 }')
	e2e_check "requests in be$n's access log from the SNAT address $LAB_VIP4" \
		"$(e2e_field "$counts" "be$n")" "$from_vip"
done

echo "ok: test_e2e_split: $E2E_CHECKS checks ($E2E_SPLIT_MSG)"
