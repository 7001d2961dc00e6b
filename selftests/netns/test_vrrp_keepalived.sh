#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/netns/test_vrrp_keepalived.sh — xlbd (lb1) and a real keepalived
# (lb2) on the same virtual router of the namespace lab: VRID 51, the IPv4
# VIP; first VRRP version 2 with auth PASS 1111 (the seed configuration),
# then version 3. Each side must elect and fail over to the other:
#
#  v2, advert_int 1:
#   1. xlbd 100, keepalived 90: xlbd MASTER (VIP + XDP on lb1), keepalived
#      BACKUP (no VIP on lb2); the client is served through the VIP;
#   2. xlbd SIGKILLed: keepalived takes the VIP;
#   3. xlbd restarted (100 > 90, preempt): xlbd takes it back, keepalived
#      goes BACKUP and drops the VIP; the client is served;
#   4. keepalived restarted with priority 110: it preempts, xlbd goes
#      BACKUP (VIP and XDP gone from lb1);
#   5. keepalived stopped (SIGTERM) while MASTER: its priority 0 advert makes
#      xlbd take over before 3 x advert_int; the client is served;
#  v3, advert_int 0.5: steps 1, 4 and 5 again.
# Throughout: xlbd drops no advert of keepalived (checksum, auth, interval,
# address list...), keepalived logs no complaint about xlbd's.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export LAB_PREFIX="xtk$$-"
# shellcheck source=scripts/lab.sh
. "$top/scripts/lab.sh"
# shellcheck source=selftests/netns/vrrp_lib.sh
. "$here/vrrp_lib.sh"

vl_init keepalived
T=$VL_DIR

vl_fail() {
	echo "FAIL: $*" >&2
	vl_logs >&2
	exit 1
}
fail() { vl_fail "$@"; }
cleanup() {
	set +e
	lab_down # calls vl_stop_all first (LAB_PRE_DOWN)
	vl_stop_all
	rm -rf "$T"
}
LAB_PRE_DOWN=vl_stop_all
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_xlbd() { vl_wait_state "$@" || fail "expected xlbd (lb$1) $2 within ${3}s, saw $VL_SEEN"; }
wait_ka() { vl_wait_state "$1" "$2" "$3" ka || fail "expected keepalived (lb$1) $2 within ${3}s, saw $VL_SEEN"; }

# xlbd_is_master / xlbd_is_backup: lb1's xlbd state, VIP and XDP agree.
xlbd_is_master() {
	vl_has_vip 1 || fail "expected $LAB_VIP4 on lb1 (xlbd MASTER), saw none"
	vl_xdp_on 1 || fail "expected XDP on lb1 (xlbd MASTER), saw none"
	! vl_has_vip 2 || fail "expected no $LAB_VIP4 on lb2 (keepalived $(vl_ka_state 2)), saw it there"
}
xlbd_is_backup() {
	! vl_has_vip 1 || fail "expected no $LAB_VIP4 on lb1 (xlbd BACKUP), saw it there"
	! vl_xdp_on 1 || fail "expected no XDP on lb1 (xlbd BACKUP), saw $(lab_xdp_attached lb1)"
	vl_has_vip 2 || fail "expected $LAB_VIP4 on lb2 (keepalived MASTER), saw none"
}

# served: the client gets an answer through the VIP (bounded), then 16 more.
served() {
	local t out
	t=$(vl_wait_served "$(vl_now)" 10) ||
		fail "expected the client to be served through the VIP (xlbd MASTER), saw no answer in 10 s"
	out=$(lab_split 16)
	[[ $out == *" fail=0" ]] || fail "expected 16 requests through the VIP to succeed, saw $out"
	echo "   client served (first answer after ${t}s): $out"
}

# compatible: xlbd dropped no advert except other VRIDs; keepalived logged
# nothing against xlbd's adverts.
compatible() {
	local d bad
	d=$(vl_vfield 1 drops | jq -c 'del(.other_vrid)')
	[ "$d" = "{}" ] || fail "expected xlbd to accept every keepalived advert, saw drops $d"
	bad=$(grep -i -E 'invalid|mismatch|bad |checksum|authentication|wrong|error' "$T/ka-lb2.log" |
		grep -v -i 'script' | head -3)
	[ -z "$bad" ] || fail "expected keepalived to accept xlbd's adverts, saw: $bad"
}

# xlbd_cfg VERSION ADVERT_INT: lb1's xlbd, priority 100.
xlbd_cfg() {
	if [ "$1" = 2 ]; then
		vl_xlbd_cfg 1 "$top/configs/seed-equivalent.json" ".vrrp.instances[0].advert_int = $2"
	else
		vl_xlbd_cfg 1 "$top/configs/seed-equivalent.json" \
			".vrrp.instances[0].version = 3 | .vrrp.instances[0].advert_int = $2
			 | del(.vrrp.instances[0].authentication)"
	fi
}

lab_up || fail "expected the lab to come up"

# run VERSION ADVERT_INT FULL: the scenario above (FULL=0: steps 1, 4, 5).
run() {
	local ver=$1 adv=$2 full=$3 down t0 t
	down=$(awk -v a="$adv" 'BEGIN { print 3 * a + 3 }') # a bound, not a measure
	echo "== VRRP v$ver, advert_int $adv"

	echo "1. xlbd 100 + keepalived 90"
	xlbd_cfg "$ver" "$adv"
	vl_ka_cfg 2 90 "$ver" "$adv"
	vl_xlbd_start 1
	vl_ka_start 2
	wait_xlbd 1 MASTER "$down"
	sleep "$adv"
	wait_ka 2 BACKUP 1
	xlbd_is_master
	served
	compatible

	if [ "$full" = 1 ]; then
		echo "2. xlbd SIGKILLed"
		t0=$(vl_now)
		kill -KILL "${VL_PID[1]}"
		vl_reap 1
		wait_ka 2 MASTER "$down"
		t=$(vl_since "$t0")
		vl_has_vip 2 || fail "expected $LAB_VIP4 on lb2 (keepalived MASTER), saw none"
		echo "   keepalived MASTER ${t}s after the kill"

		echo "3. xlbd restarted, priority 100 > 90"
		t0=$(vl_now)
		vl_xlbd_start 1
		wait_xlbd 1 BACKUP 1
		# It hears keepalived before preempting it.
		for ((i = 0; i < 100; i++)); do
			[ "$(vl_vfield 1 master)" = "$LAB_LB2_4" ] && break
			[ "$(vl_vstate 1)" = MASTER ] && break
			sleep 0.02
		done
		wait_xlbd 1 MASTER "$down"
		wait_ka 2 BACKUP 2
		t=$(vl_since "$t0")
		echo "   xlbd MASTER again, keepalived BACKUP, ${t}s after the restart"
		xlbd_is_master
		served
		compatible
	fi

	echo "4. keepalived restarted with priority 110"
	vl_ka_stop 2
	vl_ka_cfg 2 110 "$ver" "$adv"
	t0=$(vl_now)
	vl_ka_start 2
	wait_ka 2 MASTER "$down"
	wait_xlbd 1 BACKUP 2
	t=$(vl_since "$t0")
	[ "$(vl_vfield 1 master)" = "$LAB_LB2_4" ] ||
		fail "expected xlbd to see master $LAB_LB2_4, saw $(vl_vfield 1 master)"
	[ "$(vl_vfield 1 master_priority)" = 110 ] ||
		fail "expected xlbd to see master priority 110, saw $(vl_vfield 1 master_priority)"
	xlbd_is_backup
	echo "   keepalived MASTER, xlbd BACKUP, ${t}s after keepalived started"
	compatible

	echo "5. keepalived stopped while MASTER"
	t0=$(vl_now)
	kill -TERM "${VL_KA[2]}" # keepalived takes a while to exit: poll meanwhile
	wait_xlbd 1 MASTER "$down"
	t=$(vl_since "$t0")
	vl_ka_stop 2
	echo "   xlbd MASTER ${t}s after keepalived's SIGTERM (priority 0; 3 x advert_int = $(awk -v a="$adv" 'BEGIN { print 3 * a }') s)"
	vl_fle "$t" "$(awk -v a="$adv" 'BEGIN { print 3 * a }')" ||
		fail "expected xlbd to take over before 3 x advert_int after keepalived's priority 0 advert, saw ${t}s"
	xlbd_is_master
	served
	compatible

	# Next round starts from nothing.
	vl_stop_all
	vl_has_vip 1 && fail "expected no $LAB_VIP4 left on lb1 after xlbd stopped, saw it there"
	: >"$T/lb1.log"
}

run 2 1 1
run 3 0.5 0
echo "ok: xlbd and keepalived elect and fail over to each other, VRRP v2 (PASS) and v3"
