#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench/failover.sh — how long the service is gone when the VRRP
# master dies, xlbd beside keepalived, on the namespace lab (scripts/lab.sh).
#
# Two pairs on the same lab with the same VRRP timers:
#   xlbd:       xlbd on lb1 (priority 100) and lb2 (90): VRRP, VIP, XDP;
#   keepalived: the classic setup xlb replaces: keepalived 2.2.7 on lb1
#               (100) and lb2 (90) moving the VIP, and on each node an
#               nginx reverse proxy (listen *:80, upstream = the three lab
#               backends, weights 3:1:4) serving whatever VIP it holds.
# Both with nopreempt, VRID 51, the seed VIP; VRRP v2 (PASS) at advert_int
# 1 s, then v3 at 0.1 s (v2 cannot go below 1 s).
#
# One run: the pair is settled and the client served through the VIP. Then
# the master's VRRP process gets SIGKILL (xlbd; keepalived's VRRP child) and,
# in the same instant, its link goes down: a dead machine, whose kernel can
# no longer answer ARP for the VIP it still holds. Measured
# from the kill:
#   VIP moved:    the backup holds the VIP (polled every 10 ms);
#   first answer: the client's first HTTP answer through the VIP (a new
#                 connection every 20 ms, connect timeout 0.2 s).
# Each run kills at another point of the advert cycle (spread over one
# advert_int). The dead node then comes back as a new machine would (VIP gone, link up,
# daemon started as backup) and the roles swap for the next run. Each figure
# is the median of RUNS runs (FAILOVER_RUNS, default 5); each configuration
# gets an equal share of FAILOVER_BUDGET seconds (default 160) and starts no
# run after its share is spent, so the bench ends within about 3 minutes.
#
# Usage: selftests/bench/failover.sh [OUTPUT_DIR]   (default build)
# Prints figures; exits non-zero only when the setup fails, never on time.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export XLB_BUILD=${1:-${XLB_BUILD:-build}}
RUNS=${FAILOVER_RUNS:-5}
BUDGET=${FAILOVER_BUDGET:-160}

if [ "$(id -u)" -ne 0 ]; then
	echo "failover: skipped (needs root: network namespaces, XDP)"
	exit 0
fi
for cmd in ip jq nsenter curl nginx clang timeout keepalived; do
	if ! command -v "$cmd" >/dev/null; then
		echo "failover: skipped ('$cmd' not installed)"
		exit 0
	fi
done

export LAB_PREFIX="xbf$$-"
# shellcheck source=scripts/lab.sh
. "$top/scripts/lab.sh"
# shellcheck source=selftests/netns/vrrp_lib.sh
. "$top/selftests/netns/vrrp_lib.sh"
vl_init keepalived
T=$VL_DIR
POLLER=
export VL_KA_ARGS=--dont-respawn

vl_fail() {
	echo "failover: FAILED: $*" >&2
	vl_logs >&2
	exit 1
}
stop_all() {
	if [ -n "$POLLER" ]; then
		kill "$POLLER" 2>/dev/null
		wait "$POLLER" 2>/dev/null
		POLLER=
	fi
	vl_stop_all
	nginx_stop_all
}
cleanup() {
	set +e
	lab_down # calls stop_all first (LAB_PRE_DOWN)
	stop_all
	rm -rf "$T"
}
LAB_PRE_DOWN=stop_all
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

START=$SECONDS
lab_up >/dev/null 2>"$T/lab.err" || vl_fail "lab_up: $(cat "$T/lab.err")"

other() { echo $((3 - $1)); }

# nginx_start N: the classic reverse proxy on lbN (own config, pid, logs).
nginx_start() {
	local n=$1 d=$T/ngx-lb$1 i
	[ -s "$d/nginx.pid" ] && return 0
	mkdir -p "$d/tmp" || vl_fail "cannot make $d/tmp"
	chmod 0755 "$T" "$d" || vl_fail "cannot open $d to nginx's workers"
	cat >"$d/nginx.conf" <<EOF
user www-data www-data;
worker_processes 1;
pid $d/nginx.pid;
lock_file $d/nginx.lock;
error_log $d/error.log;
events {
	worker_connections 1024;
}
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	upstream web {
		server $LAB_BE1_4:80 weight=3;
		server $LAB_BE2_4:80 weight=1;
		server $LAB_BE3_4:80 weight=4;
	}
	server {
		listen 80;
		location / {
			proxy_pass http://web;
			proxy_connect_timeout 1s;
		}
	}
}
EOF
	ip netns exec "$(vl_ns "$n")" nginx -p "$d/" -c "$d/nginx.conf" </dev/null \
		>"$d/start.log" 2>&1 || vl_fail "nginx on lb$n did not start: $(tail -3 "$d/start.log")"
	for ((i = 0; i < 150; i++)); do
		[ -s "$d/nginx.pid" ] && return 0
		sleep 0.02
	done
	vl_fail "nginx on lb$n wrote no pid file $d/nginx.pid"
}

# nginx_stop_all: stop the proxies nginx_start started (their pid files).
nginx_stop_all() {
	local n pid
	for n in 1 2; do
		pid=$(cat "$T/ngx-lb$n/nginx.pid" 2>/dev/null) || continue
		if grep -q nginx "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM "$pid"
			timeout 5 tail --pid="$pid" -f /dev/null
		fi
		rm -f "$T/ngx-lb$n/nginx.pid"
	done
}

# vrrp_filter VERSION ADVERT_INT: jq edit of the seed VRRP instance.
vrrp_filter() {
	local f=".vrrp.instances[0].advert_int = $2 | .vrrp.instances[0].nopreempt = true"
	[ "$1" = 3 ] && f="$f | .vrrp.instances[0].version = 3 | del(.vrrp.instances[0].authentication)"
	echo "$f"
}

# pair_start KIND VERSION ADVERT_INT: both nodes up, lb1 master, client served.
pair_start() {
	local kind=$1 ver=$2 adv=$3 n down
	down=$(awk -v a="$adv" 'BEGIN { print 3 * a + 3 }')
	for n in 1 2; do
		: >"$T/lb$n.log"
		if [ "$kind" = xlbd ]; then
			vl_xlbd_cfg "$n" "$top/configs/seed-equivalent.json" \
				"$(vrrp_filter "$ver" "$adv") | .vrrp.instances[0].priority = $((110 - 10 * n))"
		else
			vl_ka_cfg "$n" $((110 - 10 * n)) "$ver" "$adv"
			# nopreempt, as for xlbd (keepalived wants it with state BACKUP)
			sed -i 's/^\tstate BACKUP$/\tstate BACKUP\n\tnopreempt/' "$T/ka-lb$n.conf"
			nginx_start "$n"
		fi
	done
	if [ "$kind" = xlbd ]; then
		vl_xlbd_start 1
		vl_xlbd_start 2
		vl_wait_state 1 MASTER "$down" || vl_fail "expected xlbd lb1 MASTER, saw $VL_SEEN"
	else
		vl_ka_start 1
		vl_ka_start 2
		vl_wait_state 1 MASTER "$down" ka || vl_fail "expected keepalived lb1 MASTER, saw $VL_SEEN"
	fi
	vl_wait_served "$(vl_now)" 15 >/dev/null ||
		vl_fail "expected the client served through the VIP ($kind pair, lb1 master), saw no answer in 15 s"
}

# kill_master KIND M: M dies: SIGKILL to its VRRP process (xlbd, or
# keepalived's VRRP child: started with --dont-respawn, its parent then
# exits by itself), its link down at once. nginx may live on: unreachable.
kill_master() {
	local kind=$1 m=$2 child
	if [ "$kind" = keepalived ]; then
		child=$(cat "$T/ka-lb$m.vrrp.pid" 2>/dev/null) || child=
		grep -q keepalived "/proc/${child:-none}/cmdline" 2>/dev/null ||
			vl_fail "expected keepalived's VRRP child in $T/ka-lb$m.vrrp.pid, saw '$child'"
		kill -KILL "$child"
	else
		kill -KILL "${VL_PID[$m]}"
	fi
	ip -n "$(vl_ns "$m")" link set eth0 down
	[ "$kind" = xlbd ] && vl_reap "$m"
} 2>/dev/null # bash's "Killed" notice

# revive KIND M B ADVERT_INT: M comes back like a rebooted machine (no VIP,
# link up, daemon started) and settles as backup of B.
revive() {
	local kind=$1 m=$2 b=$3 adv=$4 i
	if [ "$kind" = keepalived ]; then
		timeout 5 tail --pid="${VL_KA[$m]}" -f /dev/null ||
			vl_fail "expected keepalived's parent in lb$m to exit after its VRRP child was killed"
		{ wait "${VL_KA[$m]}"; } 2>/dev/null
		VL_KA[$m]=
	fi
	ip -n "$(vl_ns "$m")" addr del "$LAB_VIP4/24" dev eth0 2>/dev/null
	ip -n "$(vl_ns "$m")" link set eth0 up
	# as on a booting machine, the daemon starts once the network is up:
	# wait (bounded) until M reaches B, so at a 0.1 s advert interval the
	# revived node hears B within its 0.36 s Master_Down_Interval
	for ((i = 0; i < 30; i++)); do
		ip netns exec "$(vl_ns "$m")" ping -c1 -W0.1 "192.168.17.1$b" >/dev/null 2>&1 && break
	done
	if [ "$kind" = xlbd ]; then
		vl_xlbd_start "$m"
		for ((i = 0; i < 250; i++)); do
			[ "$(vl_vfield "$m" master)" = "192.168.17.1$b" ] && break
			sleep 0.02
		done
		[ "$(vl_vstate "$m")" = BACKUP ] || vl_fail "expected revived xlbd lb$m BACKUP, saw $(vl_vstate "$m")"
	else
		vl_ka_start "$m"
		sleep "$(awk -v a="$adv" 'BEGIN { print 2 * a }')"
		[ "$(vl_ka_state "$m")" = BACKUP ] ||
			vl_fail "expected revived keepalived lb$m BACKUP, saw $(vl_ka_state "$m")"
	fi
}

# settle M: the client's ARP entry for the VIP names M (the master), so the
# measure starts from a client that talks to the master; re-learnt through a
# request when it does not.
settle() {
	local m=$1 mac i cur
	mac=$(vl_mac "$m")
	for ((i = 0; i < 3; i++)); do
		cur=$(ip -n "$LAB_NS_CLIENT" -j neigh show "$LAB_VIP4" dev eth0 | jq -r '.[0].lladdr // ""')
		[ "$cur" = "$mac" ] && return 0
		ip -n "$LAB_NS_CLIENT" neigh flush "$LAB_VIP4" dev eth0 2>/dev/null
		vl_wait_served "$(vl_now)" 10 >/dev/null ||
			vl_fail "expected the client served through the VIP before a run, saw no answer in 10 s"
	done
	vl_fail "expected the client's ARP entry for $LAB_VIP4 to name lb$m ($mac), saw '$cur'"
}

# vip_poller B T0 OUT: write the seconds from T0 to B holding the VIP.
vip_poller() {
	local b=$1 t0=$2 out=$3 end=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$end" ]; do
		# no jq here: each poll must cost a few ms, not tens
		if ip -n "$(vl_ns "$b")" -o -4 addr show dev eth0 | grep -q " $LAB_VIP4/"; then
			vl_since "$t0" >"$out"
			return 0
		fi
		sleep 0.01
	done
	echo "-" >"$out"
}

median() { tr ' ' '\n' | grep -v '^-*$' | sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) { print "-"; exit }
	if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench KIND VERSION ADVERT_INT CONFIGS_LEFT: up to RUNS failovers within
# this configuration's share of the budget; one result line.
declare -a RESULTS=()
bench() {
	local kind=$1 ver=$2 adv=$3 left=$4 m=1 b=2 r t0 served moved all_m="" all_s="" n=0 end
	# This configuration's share of what is left of the budget.
	end=$((SECONDS + (BUDGET - (SECONDS - START)) / left))
	pair_start "$kind" "$ver" "$adv"
	for ((r = 0; r < RUNS; r++)); do
		[ "$SECONDS" -lt "$end" ] || break
		settle "$m"
		# Kill at a different point of the advert cycle each run.
		sleep "$(awk -v a="$adv" -v r="$r" -v n="$RUNS" 'BEGIN { print a * (2 * r + 1) / (2 * n) }')"
		t0=$(vl_now)
		vip_poller "$b" "$t0" "$T/moved" &
		POLLER=$!
		kill_master "$kind" "$m"
		served=$(vl_wait_served "$t0" 20) || served=-
		wait "$POLLER" 2>/dev/null
		POLLER=
		moved=$(cat "$T/moved")
		all_m="$all_m $moved"
		all_s="$all_s $served"
		n=$((n + 1))
		revive "$kind" "$m" "$b" "$adv"
		m=$b
		b=$(other "$m")
	done
	stop_all
	RESULTS+=("$(printf '%-11s v%s %6s s %5d  %14s s %14s s   moved:%s  answer:%s' "$kind" "$ver" \
		"$adv" "$n" "$(median <<<"$all_m")" "$(median <<<"$all_s")" "$all_m" "$all_s")")
	echo "${RESULTS[-1]}" >&2
}

bench xlbd 2 1 4
bench keepalived 2 1 3
bench xlbd 3 0.1 2
bench keepalived 3 0.1 1

echo "failover: SIGKILL of the VRRP master (+ its link down) -> backup holds the VIP / client's first answer"
echo "  xlbd: xlbd VRRP + XDP; keepalived: keepalived VRRP + nginx proxy; nopreempt; roles swap each run; medians of n runs"
printf '  %-11s %-3s %8s %5s  %16s %16s   (runs, seconds)\n' pair ver advert n "VIP moved" "first answer"
for r in "${RESULTS[@]}"; do
	echo "  $r"
done
echo "  total $((SECONDS - START)) s"
