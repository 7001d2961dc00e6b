#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xlbctl backend drain / disable / enable, end to end in the namespace lab
# (xlbd on lb1, http check every 0.5 s, weights 3:1:4):
#  - drain be1: status "draining" (dataplane draining, out of the table),
#    no new connection reaches it (split and its access log), be2:be3 = 1:4,
#    while a /stream download opened on be1 before keeps flowing;
#  - disable be1: status "disabled", dataplane down: its established stream
#    stops at once (its flow is re-chosen), still no new connection;
#  - enable be1: back to what the checks say (up), traffic 3:1:4 again;
#  - drain with ADDR:PORT, a wrong port and an unknown address are refused;
#  - a /stream download on be3 opened at the start still receives at the end.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/netns/health_lib.sh
. "$here/health_lib.sh"
hl_init admin

BE1=${HL_BE_ADDR[1]}

hl_config >"$HL_TMP/cfg.json"
hl_start "$HL_TMP/cfg.json"

hl_stream_open 3 keep
hl_stream_open 1 drained
hl_split_check "start" 3 1 4

# 1. drain: no new flows, the established one goes on
out=$(hl_ctl backend drain web "$BE1" 2>&1) || hl_fail "expected drain of $BE1 to succeed, saw: $out"
hl_expect_be 1 '.state == "draining" and .dp_state == "draining" and .in_table == false' "draining"
# probes go on while draining: a passing result shows within a few intervals
for _ in $(seq 20); do
	jq -e '.last_result // "" | test("http ok")' <<<"$(hl_be 1)" >/dev/null 2>&1 && break
	sleep 0.1
done
hl_expect_be 1 '.last_result | test("http ok")' "still checked (and passing)"
mark1=$(hl_log_mark 1)
hl_split_check "be1 draining" 0 1 4
got=$(hl_log_vip_since 1 "$mark1")
[ "$got" = 0 ] || hl_fail "expected no new client request in be1's access log while draining, saw $got"
hl_stream_flowing drained "stream on be1 while it drains"
# a drain stays while the checks pass (it is sticky): several intervals later
sleep 1.2
hl_expect_be 1 '.state == "draining"' "still draining after 1.2 s of passing checks"
hl_stream_flowing drained "stream on be1 1.2 s into the drain"

# 2. disable: out now, established flows re-chosen
out=$(hl_ctl backend disable web "$BE1" 2>&1) || hl_fail "expected disable of $BE1 to succeed, saw: $out"
hl_expect_be 1 '.state == "disabled" and .dp_state == "down" and .in_table == false' "disabled"
hl_stream_stopped drained "stream on be1 after disable"
mark1=$(hl_log_mark 1)
hl_split_check "be1 disabled" 0 1 4
got=$(hl_log_vip_since 1 "$mark1")
[ "$got" = 0 ] || hl_fail "expected no client request in be1's access log while disabled, saw $got"

# 3. enable: back to what the checks say
out=$(hl_ctl backend enable web "$BE1" 2>&1) || hl_fail "expected enable of $BE1 to succeed, saw: $out"
hl_expect_be 1 '.state == "up" and .dp_state == "up" and .in_table == true' "up after enable"
mark1=$(hl_log_mark 1)
hl_split_check "be1 enabled" 3 1 4
got=$(hl_log_vip_since 1 "$mark1")
[ "$got" = "${HL_C[1]}" ] || hl_fail "expected be1's access log to show its ${HL_C[1]} requests, saw $got"

# 4. ADDR:PORT, a wrong port, an unknown backend
out=$(hl_ctl backend drain web "$BE1:80" 2>&1) ||
	hl_fail "expected drain of $BE1:80 to succeed, saw: $out"
hl_expect_be 1 '.state == "draining"' "draining after drain ADDR:PORT"
hl_ctl backend enable web "$BE1:80" >/dev/null || hl_fail "expected enable of $BE1:80 to succeed"
hl_expect_be 1 '.state == "up"' "up after enable ADDR:PORT"
rc=0
out=$(hl_ctl backend drain web "$BE1:8080" 2>&1) || rc=$?
[ "$rc" = 1 ] || hl_fail "expected drain of $BE1:8080 (no such port) to exit 1, saw exit $rc: $out"
rc=0
out=$(hl_ctl backend disable web 192.168.12.199 2>&1) || rc=$?
[ "$rc" = 1 ] || hl_fail "expected disable of an unknown backend to exit 1, saw exit $rc: $out"
case $out in
*"no backend"*) ;;
*) hl_fail "expected the refusal to say 'no backend', saw: $out" ;;
esac
rc=0
out=$(hl_ctl backend drain nosuch "$BE1" 2>&1) || rc=$?
[ "$rc" = 1 ] || hl_fail "expected drain in an unknown service to exit 1, saw exit $rc: $out"
hl_expect_be 1 '.state == "up" and .in_table == true' "untouched by the refused requests"

# 5. the stream to be3 survived all of it
hl_stream_flowing keep "stream on be3 at the end"
hl_finish "drain keeps flows and takes no new ones, disable cuts, enable restores"
