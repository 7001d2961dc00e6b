#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Health checks drive the data plane, end to end in the namespace lab: xlbd
# on lb1 with an http check (interval 0.5 s, timeout 0.3 s, rise 2, fall 2,
# max_fails 0) over the three nginx backends (weights 3:1:4).
#  - before anything fails, new connections split 3:1:4;
#  - be1's nginx stopped: status shows it down (reason: connection refused)
#    within fall x interval + timeout + margin, no new connection fails or
#    reaches it, be2 and be3 share 1:4;
#  - be1 started again: up after about rise x interval, traffic 3:1:4 again
#    and its access log shows requests through the VIP;
#  - be2 answering 503: the http check takes it down with "status 503" in
#    the reason; after that no client request reaches it (its access log),
#    be1 and be3 share 3:4; healed, it comes back;
#  - a /stream download through the VIP to be3, opened at the start, still
#    receives bytes at the end.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/netns/health_lib.sh
. "$here/health_lib.sh"
hl_init fail

INTERVAL=0.5 TIMEOUT=0.3 RISE=2 FALL=2
# Deadlines for a state change: the worst case of the check schedule plus
# 2.5 s for a loaded machine. Measured times are printed, never asserted
# against the schedule itself.
DOWN_MAX=$(awk -v f=$FALL -v i=$INTERVAL -v t=$TIMEOUT 'BEGIN { print f * i + t + 2.5 }')
UP_MAX=$(awk -v r=$RISE -v i=$INTERVAL -v t=$TIMEOUT 'BEGIN { print r * i + t + 2.5 }')

hl_config >"$HL_TMP/cfg.json"
hl_start "$HL_TMP/cfg.json"

# 0. the established connection that must survive everything below
hl_stream_open 3 keep
for n in 1 2 3; do
	hl_expect_be "$n" '.state == "up" and .in_table == true' "up at start"
done
hl_split_check "start" 3 1 4

# 1. be1's server stops
lab_backend_stop 1 || hl_fail "expected lab_backend_stop 1 to succeed, saw an error"
hl_wait 1 '.state == "down"' "$DOWN_MAX" ||
	hl_fail "expected be1 down within ${DOWN_MAX}s of stopping nginx, saw $(hl_be 1)"
hl_note "be1 down ${HL_WAITED}s after its nginx stopped (schedule bound $FALL x $INTERVAL + $TIMEOUT)"
hl_expect_be 1 '.dp_state == "down" and .in_table == false and .share == 0' "out of the table"
hl_expect_be 1 '.reason | test("2 consecutive http failures.*refused")' "down with the reason"
hl_expect_be 2 '.state == "up"' "still up"
hl_expect_be 3 '.state == "up"' "still up"
hl_split_check "be1 stopped" 0 1 4
hl_stream_flowing keep "after be1 stopped"

# 2. be1's server comes back
lab_backend_start 1 || hl_fail "expected lab_backend_start 1 to succeed, saw an error"
mark1=$(hl_log_mark 1)
hl_wait 1 '.state == "up" and .in_table == true' "$UP_MAX" ||
	hl_fail "expected be1 up within ${UP_MAX}s of starting nginx, saw $(hl_be 1)"
hl_note "be1 up ${HL_WAITED}s after its nginx started (schedule bound $RISE x $INTERVAL + $TIMEOUT)"
hl_expect_be 1 '.reason | test("2 consecutive http successes")' "up with the reason"
hl_split_check "be1 back" 3 1 4
got=$(hl_log_vip_since 1 "$mark1")
[ "$got" = "${HL_C[1]}" ] ||
	hl_fail "expected be1's access log to show the ${HL_C[1]} requests it answered, saw $got"

# 3. be2 answers 503: down by the http check, no client request reaches it
lab_backend_status 2 503 || hl_fail "expected lab_backend_status 2 503 to succeed, saw an error"
hl_wait 2 '.state == "down"' "$DOWN_MAX" ||
	hl_fail "expected be2 down within ${DOWN_MAX}s of answering 503, saw $(hl_be 2)"
hl_note "be2 down ${HL_WAITED}s after it started answering 503"
hl_expect_be 2 '.reason | test("status 503")' "down with the status in the reason"
hl_expect_be 2 '.last_result | test("http failed: status 503")' "last check failed with 503"
hl_expect_be 2 '.dp_state == "down" and .in_table == false' "out of the table"
mark2=$(hl_log_mark 2)
hl_split_check "be2 answering 503" 3 0 4
got=$(hl_log_vip_since 2 "$mark2")
[ "$got" = 0 ] || hl_fail "expected no client request in be2's access log after it was marked down, saw $got"
# while down its checks go on (the log is written): checks come from lb1
for ((i = 0; i < 40; i++)); do
	[ "$(hl_log_mark 2)" -gt "$mark2" ] && break
	sleep 0.05
done
[ "$(hl_log_mark 2)" -gt "$mark2" ] || hl_fail "expected checks of be2 in its access log, saw none in 2 s"

lab_backend_status 2 200 || hl_fail "expected lab_backend_status 2 200 to succeed, saw an error"
hl_wait 2 '.state == "up" and .in_table == true' "$UP_MAX" ||
	hl_fail "expected be2 up within ${UP_MAX}s of answering 200, saw $(hl_be 2)"
hl_note "be2 up ${HL_WAITED}s after it answered 200 again"
hl_split_check "be2 healed" 3 1 4

# 4. the connection opened at the start to be3 is still receiving
hl_stream_flowing keep "at the end"
hl_finish "stop/start/503 detected, traffic follows the weights, established stream kept"
