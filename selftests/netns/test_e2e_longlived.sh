#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end, NAT, IPv4: one long-lived TCP connection (GET /stream, 64 KiB/s
# from the backend) through the VIP must keep flowing, on the same backend
# connection, while
#   1. another backend is removed (xlbctl apply),
#   2. it is added back and every backend is reweighted (xlbctl apply),
#   3. xlbd is restarted: SIGTERM, down until the stream got more data (at
#      least one burst arrives while no xlbd runs), started again with the
#      same config.  keep_maps is true and there is no VRRP, so the XDP link
#      and the maps stay pinned: the program keeps forwarding while xlbd is
#      down and the next xlbd takes the same flow and NAT tables over.
# Single LB without VRRP (with VRRP, SIGTERM gives up MASTER); the test puts
# the VIP on lb1's eth0 as a non-VRRP deployment would.
# "Flowing" = the client's byte count grows, curl is alive, and the backend
# still has its ESTABLISHED socket with the same peer (VIP:SNAT port).
# Exit 0 pass, 77 skip, 1 fail.
set -uo pipefail

# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init longlived

e2e_lab_up
seed=$E2E_TOP/configs/seed-equivalent.json
lab_exec lb1 ip addr add "$LAB_VIP4/24" dev eth0 || e2e_fail "cannot add the VIP to lb1"
e2e_cfg "$seed" lb1 "$E2E_TMP/lb1.json" 'del(.vrrp)'
e2e_xlbd_start lb1 "$E2E_TMP/lb1.json"
for a in "$LAB_BE1_4" "$LAB_BE2_4" "$LAB_BE3_4"; do
	e2e_wait "backend $a up" 10 e2e_be_is lb1 "$a" up
done

e2e_stream_open 50
CURL=$E2E_STREAM_PID S=$E2E_STREAM_BE PEER=$E2E_STREAM_PEER
size() { e2e_stream_size; }
size_over() { e2e_stream_size_over "$1"; }
stream_peer() { e2e_stream_peer "$1"; }
others=$(for n in 1 2 3; do [ "$n" = "$S" ] || echo "$n"; done | tr '\n' ' ')
O1=${others%% *}
e2e_note "stream on be$S from $PEER; other backends: $others"

# still_flowing WHAT: curl alive, bytes grow within 5 s, same backend socket.
still_flowing() {
	local what=$1 s
	s=$(size)
	kill -0 "$CURL" 2>/dev/null || e2e_fail "$what: the /stream curl exited (after $s bytes)"
	E2E_CHECKS=$((E2E_CHECKS + 1))
	e2e_wait "$what: /stream receives data again (had $s bytes)" 5 size_over "$s"
	e2e_check "$what: be$S's /stream connection (peer)" "$PEER" "$(stream_peer "$S")"
	e2e_note "$what: stream still flowing ($(size) bytes)"
}

# 1. remove another backend
be_addr() { local v=LAB_BE$1_4; echo "${!v}"; }
e2e_cfg "$seed" lb1 "$E2E_TMP/minus.json" \
	"del(.vrrp) | .services[0].backends |= map(select(.address != \"$(be_addr "$O1")\"))"
out=$(e2e_ctl lb1 apply "$E2E_TMP/minus.json" 2>&1) || e2e_fail "apply without be$O1: $out"
still_flowing "be$O1 removed"

# 2. add it back, reweight every backend
e2e_cfg "$seed" lb1 "$E2E_TMP/reweight.json" \
	'del(.vrrp) | .services[0].backends[0].weight = 5 | .services[0].backends[1].weight = 2 |
	 .services[0].backends[2].weight = 7'
out=$(e2e_ctl lb1 apply "$E2E_TMP/reweight.json" 2>&1) || e2e_fail "apply with be$O1 back, reweighted: $out"
case $out in
*"+1"*"2 reweighted"*) ;;
*) e2e_fail "apply summary: expected +1 backend (re-added) and 2 reweighted, saw '$out'" ;;
esac
still_flowing "be$O1 added back, all reweighted"

# 3. restart xlbd.  lb1's kernel holds the VIP: if no XDP program is attached
# while xlbd is down, the stream's packets reach lb1's own TCP stack, which
# answers with resets; capture those for the failure message.
lab_exec lb1 timeout 15 tcpdump -l -nn -i eth0 \
	"src host $LAB_VIP4 and tcp[tcpflags] & tcp-rst != 0" >"$E2E_TMP/rst.txt" 2>"$E2E_TMP/rst.err" &
E2E_BG_PIDS="${E2E_BG_PIDS:-} $!"
e2e_wait "tcpdump listening on lb1" 5 grep -q 'listening on' "$E2E_TMP/rst.err"
e2e_xlbd_stop lb1 TERM
e2e_check "exit status of xlbd after SIGTERM" 0 "$E2E_XLBD_RC"
e2e_check_true "pinned flows map kept for the restart" test -e "$(e2e_pin_dir lb1)/flows"
xdp=$(lab_xdp_attached lb1)
echo "${xdp:-none}" >"$E2E_TMP/xdp_gap"
e2e_check_true "an XDP program on lb1's eth0 while xlbd is down (pinned link)" test -n "$xdp"
s=$(size)
E2E_CHECKS=$((E2E_CHECKS + 1))
e2e_wait "/stream receives data while xlbd is down (had $s bytes)" 5 size_over "$s"
e2e_note "xlbd down: the stream still got data ($(size) bytes)"
e2e_xlbd_start lb1 "$E2E_TMP/reweight.json"
e2e_check_true "xlbd reports reusing its pinned maps" grep -q "reused from an earlier run" "$E2E_TMP/lb1.log"
if ! kill -0 "$CURL" 2>/dev/null || [ "$(stream_peer "$S")" != "$PEER" ]; then
	e2e_fail "xlbd restarted: the /stream connection on be$S is gone (peer now '$(stream_peer "$S")'); lb1 sent $(grep -c . "$E2E_TMP/rst.txt") TCP resets from the VIP meanwhile ($(head -n 1 "$E2E_TMP/rst.txt")), and XDP on lb1's eth0 while xlbd was down: $(cat "$E2E_TMP/xdp_gap")"
fi
still_flowing "xlbd restarted"

echo "ok: test_e2e_longlived: $E2E_CHECKS checks ($(size) bytes streamed across the changes)"
