#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, NAT, IPv4, seed service on lb1 (no VRRP; the test puts the VIP
# on lb1), HTTP health check (interval 1 s, fall 2, rise 2, expect 200;
# max_fails 3, fail_timeout shortened to 2 s),
# under a sequential load of new connections from the client:
#   - be2's nginx stopped: the check marks it down (status and data plane),
#     no request started after the detection fails, be2 gets no more
#     requests; nginx started again: be2 is up and gets requests again;
#   - be3 answering 503: marked down the same way (the check wants 200);
#     200 again: back up.
# Detection times are printed.  Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init health

e2e_lab_up
# fail_timeout 2 s instead of 20: after max_fails (3) probe failures within
# fail_timeout a backend stays out for fail_timeout, as in nginx; 20 s would
# only make the test slower.
e2e_cfg "$E2E_TOP/configs/seed-equivalent.json" lb1 "$E2E_TMP/lb1.json" \
	'del(.vrrp) | .services[0].backends[].fail_timeout = 2'
lab_exec lb1 ip addr add "$LAB_VIP4/24" dev eth0 || e2e_fail "cannot add the VIP to lb1"
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
for a in "$LAB_BE1_4" "$LAB_BE2_4" "$LAB_BE3_4"; do
	e2e_wait "backend $a up" 10 e2e_be_is lb1 "$a" up
done

lab_load_start -t 50 || e2e_fail "cannot start the load loop"
e2e_wait "first 20 answers of the load loop" 10 e2e_load_ok_at_least 20

# fail_and_recover N ADDR HOW: take backend N down (HOW = stop | 503), check
# the detection and the traffic, then bring it back and check again.
fail_and_recover() {
	local n=$1 addr=$2 how=$3 t0 base now ok f b
	t0=$(e2e_now)
	if [ "$how" = stop ]; then
		lab_backend_stop "$n" || e2e_fail "lab_backend_stop $n"
	else
		lab_backend_status "$n" 503 || e2e_fail "lab_backend_status $n 503"
	fi
	e2e_wait "be$n ($how) marked down" 10 e2e_be_is lb1 "$addr" down
	e2e_note "be$n $how: marked down $(e2e_since "$t0")s after the failure"
	e2e_check "data-plane state of be$n after detection" down \
		"$(e2e_jq lb1 ".services[0].backends[] | select(.address == \"$addr\") | .dp_state")"
	# A request already running when the table switched may still fail;
	# every request started after this point must succeed.
	sleep 0.2
	base=$(e2e_load_counts)
	ok=$(e2e_field "$base" ok)
	e2e_wait "60 more answers with be$n down" 15 e2e_load_ok_at_least $((ok + 60))
	now=$(e2e_load_counts)
	e2e_check "failed requests after be$n was marked down (load: $base -> $now)" \
		"$(e2e_field "$base" fail)" "$(e2e_field "$now" fail)"
	e2e_check "requests answered by be$n while it was down (load: $base -> $now)" \
		"$(e2e_field "$base" "be$n")" "$(e2e_field "$now" "be$n")"

	t0=$(e2e_now)
	if [ "$how" = stop ]; then
		lab_backend_start "$n" || e2e_fail "lab_backend_start $n"
	else
		lab_backend_status "$n" 200 || e2e_fail "lab_backend_status $n 200"
	fi
	e2e_wait "be$n back up" 10 e2e_be_is lb1 "$addr" up
	e2e_note "be$n healed: marked up $(e2e_since "$t0")s later"
	b=$(e2e_field "$(e2e_load_counts)" "be$n")
	# shellcheck disable=SC2317
	be_gets() { [ "$(e2e_field "$(e2e_load_counts)" "be$n")" -ge $((b + 3)) ]; }
	e2e_wait "be$n answering requests again" 15 be_gets
	f=$(e2e_field "$(e2e_load_counts)" fail)
	e2e_check "failed requests while be$n came back (load: $now -> $(e2e_load_counts))" \
		"$(e2e_field "$now" fail)" "$f"
}

fail_and_recover 2 "$LAB_BE2_4" stop
fail_and_recover 3 "$LAB_BE3_4" 503

total=$(lab_load_stop)
e2e_note "load totals: $total"
echo "ok: test_e2e_health: $E2E_CHECKS checks ($total)"
