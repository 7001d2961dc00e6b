#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/soak.sh [BUILD_DIR] — soak test on the netns lab (`make soak`).
#
# Two xlbd (lb1 priority 100, lb2 priority 90, VRRP v2 from the seed
# configs, plus a track script and notify hooks so that xlbd keeps forking
# children) serve the seed service while, for SOAK_SECONDS (default 600):
#   - a client loop sends GET / through the VIP, one new connection per
#     request, and logs each request's start, end and result;
#   - the backends flap, one at a time, every FLAP_EVERY s (default 6):
#     nginx stopped / started, or switched to 503 / back to 200;
#   - every APPLY_EVERY s (default 3) `xlbctl apply` alternates two configs
#     (weights 3:1:4 and 2:2:4) on every running xlbd;
#   - every KILL_EVERY s (default max(20, SOAK_SECONDS / 12)) the MASTER's
#     xlbd is SIGKILLed and started again 3 s later (lb1 preempts back).
# At the end it reports requests sent and failed, which failures fall in a
# window after an event (kill, restart, backend stop or 503), xlbd's RSS and
# open descriptors at start and end, and zombie children, and prints
# PASS or FAIL:
#   FAIL when a request failed outside every window: a kill or restart
#        window is [t, t + 3 x advert_int + skew + 3 s] (the bound of
#        test_e2e_failover.sh), a backend window [t, t + fall x interval +
#        timeout + 2 s] (health checks take the backend out); a failed
#        request counts as inside when [start, end] overlaps a window;
#   FAIL when the RSS of an xlbd that ran the whole soak (lb2, never killed:
#        it takes over and hands back at each kill) grew by more than
#        RSS_BOUND_KB (default 2048) between the first and the last sample;
#   FAIL when its open descriptors grew (the minimum of 10 samples over a
#        second, at start and at end, so probes in flight do not count);
#   FAIL when a child of an xlbd stayed a zombie over two samples 5 s
#        apart, or one is left at the end;
#   FAIL when an apply to a running xlbd was refused, or no request at
#        all succeeded.
# Exit 0 PASS, 1 FAIL, 77 skip (not root, tools missing).
set -uo pipefail

[ -n "${1:-}" ] && export XLB_BUILD=$1
# shellcheck source=selftests/netns/e2e_lib.sh
. "$(dirname "$0")/netns/e2e_lib.sh"
e2e_init soak

# Private copies: a rebuild of the tree during a long soak must not swap
# the binaries under the xlbd restarts.
if ! cp "$XLBD" "$E2E_TMP/xlbd" || ! cp "$XLBCTL" "$E2E_TMP/xlbctl"; then
	e2e_fail "cannot copy $XLBD and $XLBCTL to $E2E_TMP"
fi
XLBD=$E2E_TMP/xlbd
XLBCTL=$E2E_TMP/xlbctl

SOAK_SECONDS=${SOAK_SECONDS:-600}
FLAP_EVERY=${FLAP_EVERY:-6}
APPLY_EVERY=${APPLY_EVERY:-3}
KILL_EVERY=${KILL_EVERY:-$((SOAK_SECONDS / 12 > 20 ? SOAK_SECONDS / 12 : 20))}
RSS_BOUND_KB=${RSS_BOUND_KB:-2048}
for v in SOAK_SECONDS FLAP_EVERY APPLY_EVERY KILL_EVERY RSS_BOUND_KB; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -eq 0 ]; then
		e2e_fail "$v='${!v}' is not a positive whole number"
	fi
done
# Windows (s): VRRP takeover bound as in test_e2e_failover.sh (lb2, priority
# 90 + track weight 2), health-check bound of the seed service.
KILL_WIN=$(awk -v a="$E2E_ADVERT_INT" 'BEGIN { printf "%.3f", 3 * a + (256 - 92) / 256 + 3 }')
BE_WIN=$(jq -r '.services[0].health_check | .fall * .interval + .timeout + 2' \
	"$E2E_TOP/configs/seed-equivalent.json")

EV=$E2E_TMP/events  # "TIME KIND DETAIL WINDOW_SECONDS"
REQ=$E2E_TMP/requests # "START END ok|fail:CURL_RC:STATUS"
: >"$EV"
: >"$REQ"
event() {
	echo "$(e2e_now) $1 $2 ${3:-0}" >>"$EV"
}

# ---------------------------------------------------------------- setup
e2e_lab_up
# Children for the zombie check: a track script every second, notify hooks.
HOOKS='.vrrp.instances[0].track_script = [ { "script": "/bin/true", "interval": 1, "weight": 2 } ]
	| .vrrp.instances[0].notify = { "master": "/bin/true", "backup": "/bin/true" }'
WEIGHTS_B='.services[0].backends[0].weight = 2 | .services[0].backends[1].weight = 2'
for lb in lb1 lb2; do
	src=$E2E_TOP/configs/seed-equivalent.json
	[ "$lb" = lb2 ] && src=$E2E_TOP/configs/seed-equivalent-backup.json
	e2e_cfg "$src" "$lb" "$E2E_TMP/$lb-a.json" "$HOOKS"
	e2e_cfg "$src" "$lb" "$E2E_TMP/$lb-b.json" "$HOOKS | $WEIGHTS_B"
done
e2e_xlbd_start lb1 "$E2E_TMP/lb1-a.json"
e2e_xlbd_start lb2 "$E2E_TMP/lb2-a.json"
e2e_wait "lb1 MASTER" 15 e2e_is_state lb1 MASTER
e2e_wait "lb2 BACKUP" 5 e2e_is_state lb2 BACKUP
for a in "$LAB_BE1_4" "$LAB_BE2_4" "$LAB_BE3_4"; do
	e2e_wait "backend $a up on lb1" 10 e2e_be_is lb1 "$a" up
done
e2e_first_success 5 >/dev/null || e2e_fail "no request through the VIP answered before the soak"

# ------------------------------------------------------- process sampling
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
# fd_min PID: the least open-descriptor count of 10 samples over a second.
fd_min() {
	local i n min=""
	for ((i = 0; i < 10; i++)); do
		n=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		sleep 0.1
	done
	echo "$min"
}
# zombies_of PID: PIDs of PID's children in state Z.
zombies_of() {
	ps --ppid "$1" -o pid=,stat= 2>/dev/null | awk '$2 ~ /^Z/ { print $1 }'
	return 0
}

P2=$(e2e_pid lb2)
RSS2_START=$(rss_kb "$P2")
FD2_START=$(fd_min "$P2")
P1=$(e2e_pid lb1)
RSS1_FIRST=$(rss_kb "$P1")
e2e_note "start: lb2 xlbd pid $P2 rss ${RSS2_START} KiB fds $FD2_START; lb1 xlbd pid $P1 rss ${RSS1_FIRST} KiB"

# ----------------------------------------------------------- request loop
# shellcheck disable=SC2016
LOOP='
log=$1 url=$2 stop=$3 max=$4
end=$((SECONDS + max))
while [ ! -e "$stop" ] && [ "$SECONDS" -lt "$end" ]; do
	t0=$EPOCHREALTIME
	out=$(curl -s -g --connect-timeout 1 --max-time 2 -H "Connection: close" -w "|%{http_code}" "$url")
	rc=$?
	t1=$EPOCHREALTIME
	code=${out##*|}
	case $rc:$code:${out%|*} in
	0:200:be[123]*) r=ok ;;
	*) r="fail:$rc:$code" ;;
	esac
	echo "${t0/,/.} ${t1/,/.} $r" >>"$log"
	sleep 0.02
done
'
e2e_bg ip netns exec "$LAB_NS_CLIENT" bash -c "$LOOP" soak-load "$REQ" "http://$LAB_VIP4/" \
	"$E2E_TMP/load.stop" $((SOAK_SECONDS + 30))
LOAD_PID=$E2E_BG

# ------------------------------------------------------------- the soak
APPLY_FAILS=0
APPLIES=0
KILLS=0
ZOMBIE_MSG=""
declare -A SEEN_Z=()
flap_step=0
cfg=b
master_of() {
	local lb
	for lb in lb1 lb2; do
		[ -n "$(e2e_pid "$lb")" ] && e2e_is_state "$lb" MASTER && { echo "$lb"; return 0; }
	done
	return 0
}
# flap: one step of the backend cycle; a stop/503 opens a window.
flap() {
	local n=$((flap_step / 2 % 3 + 1)) kind=$((flap_step / 6 % 2))
	if [ $((flap_step % 2)) = 0 ]; then
		if [ "$kind" = 0 ]; then
			event be_stop "be$n" "$BE_WIN"
			lab_backend_stop "$n" || e2e_fail "cannot stop be$n"
		else
			event be_503 "be$n" "$BE_WIN"
			lab_backend_status "$n" 503 || e2e_fail "cannot switch be$n to 503"
		fi
	else
		if [ "$kind" = 0 ]; then
			lab_backend_start "$n" || e2e_fail "cannot start be$n"
			event be_start "be$n" 0
		else
			lab_backend_status "$n" 200 || e2e_fail "cannot switch be$n back to 200"
			event be_200 "be$n" 0
		fi
	fi
	flap_step=$((flap_step + 1))
}
apply_all() {
	local lb out
	for lb in lb1 lb2; do
		[ -n "$(e2e_pid "$lb")" ] || continue
		APPLIES=$((APPLIES + 1))
		if ! out=$(e2e_ctl "$lb" apply "$E2E_TMP/$lb-$cfg.json" 2>&1); then
			# refused by a running xlbd (not one that died meanwhile)
			if [ -n "$(e2e_pid "$lb")" ]; then
				APPLY_FAILS=$((APPLY_FAILS + 1))
				e2e_note "apply of $lb-$cfg.json to $lb failed: $out"
			fi
		fi
	done
	event apply "$cfg" 0
	if [ "$cfg" = a ]; then cfg=b; else cfg=a; fi
}
check_zombies() {
	local lb p z
	declare -A cur=()
	for lb in lb1 lb2; do
		p=$(e2e_pid "$lb")
		[ -n "$p" ] || continue
		for z in $(zombies_of "$p"); do
			cur[$z]=1
			if [ -n "${SEEN_Z[$z]:-}" ]; then
				ZOMBIE_MSG="$ZOMBIE_MSG $lb:$z"
			fi
		done
	done
	SEEN_Z=()
	for z in "${!cur[@]}"; do SEEN_Z[$z]=1; done
}

t_start=$(e2e_now)
elapsed() { awk -v a="$t_start" -v b="$(e2e_now)" 'BEGIN { printf "%d", b - a }'; }
next_flap=$FLAP_EVERY next_apply=$APPLY_EVERY next_kill=$KILL_EVERY next_z=5 restart_at=-1
KILLED=""
rss_series=""
next_rss=0
e2e_note "soak: ${SOAK_SECONDS}s; flap every ${FLAP_EVERY}s, apply every ${APPLY_EVERY}s, kill the MASTER every ${KILL_EVERY}s"
while :; do
	now=$(elapsed)
	[ "$now" -ge "$SOAK_SECONDS" ] && [ -z "$KILLED" ] && break
	if [ -n "$KILLED" ] && [ "$now" -ge "$restart_at" ]; then
		event restart "$KILLED" "$KILL_WIN"
		e2e_xlbd_start "$KILLED" "$E2E_TMP/$KILLED-a.json"
		KILLED=""
	fi
	if [ "$now" -ge "$next_kill" ] && [ -z "$KILLED" ] && [ "$now" -lt "$((SOAK_SECONDS - 5))" ]; then
		m=$(master_of)
		if [ -n "$m" ] && [ "$m" != lb2 ]; then
			event kill "$m" "$KILL_WIN"
			e2e_xlbd_stop "$m" KILL
			KILLS=$((KILLS + 1))
			KILLED=$m
			restart_at=$((now + 3))
			tk=$(e2e_now)
			e2e_wait "lb2 MASTER after lb1 was killed" 10 e2e_is_state lb2 MASTER
			event takeover lb2 0
			e2e_note "kill #$KILLS at ${now}s: lb2 MASTER after $(e2e_since "$tk")s"
		fi
		next_kill=$((next_kill + KILL_EVERY))
	fi
	if [ "$now" -ge "$next_flap" ]; then
		flap
		next_flap=$((now + FLAP_EVERY))
	fi
	if [ "$now" -ge "$next_apply" ]; then
		apply_all
		next_apply=$((now + APPLY_EVERY))
	fi
	if [ "$now" -ge "$next_z" ]; then
		check_zombies
		next_z=$((now + 5))
	fi
	if [ "$now" -ge "$next_rss" ]; then
		rss_series="$rss_series $(rss_kb "$P2")"
		next_rss=$((now + 30))
	fi
	kill -0 "$LOAD_PID" 2>/dev/null || e2e_fail "the request loop died"
	[ -n "$(e2e_pid lb2)" ] || e2e_fail "lb2's xlbd (never killed) exited: see $E2E_TMP/lb2.log"
	sleep 0.2
done

# Let everything settle (backends healthy, lb1 MASTER), then end the load.
for n in 1 2 3; do
	lab_backend_start "$n" >/dev/null 2>&1
	lab_backend_status "$n" 200 >/dev/null 2>&1
done
event settle all "$BE_WIN"
sleep 3
: >"$E2E_TMP/load.stop"
e2e_wait "request loop finished" 10 bash -c "! kill -0 $LOAD_PID 2>/dev/null"

# --------------------------------------------------------------- report
P2_END=$(e2e_pid lb2)
[ "$P2_END" = "$P2" ] || e2e_fail "lb2's xlbd changed pid ($P2 -> ${P2_END:-none})"
RSS2_END=$(rss_kb "$P2")
FD2_END=$(fd_min "$P2")
rss_series="$rss_series $RSS2_END"
P1=$(e2e_pid lb1)
RSS1_END=$( [ -n "$P1" ] && rss_kb "$P1")
check_zombies
LEFT_Z=""
for lb in lb1 lb2; do
	p=$(e2e_pid "$lb")
	[ -n "$p" ] && LEFT_Z="$LEFT_Z$(zombies_of "$p" | tr '\n' ' ')"
done

read -r SENT FAILED INSIDE OUTSIDE < <(awk -v evf="$EV" '
	BEGIN {
		while ((getline l < evf) > 0) {
			split(l, f, " ")
			if (f[4] > 0) { n++; ws[n] = f[1]; we[n] = f[1] + f[4] }
		}
	}
	{
		sent++
		if ($3 == "ok") next
		failed++
		hit = 0
		for (i = 1; i <= n; i++) if ($2 >= ws[i] && $1 <= we[i]) { hit = 1; break }
		if (hit) inside++; else { outside++; print $0 > "/dev/stderr" }
	}
	END { print sent + 0, failed + 0, inside + 0, outside + 0 }' "$REQ" 2>"$E2E_TMP/outside")
# Measured windows: for each kill/stop/503, the last failure overlapping it.
awk -v evf="$EV" '
	BEGIN { while ((getline l < evf) > 0) { split(l, f, " "); if (f[4] > 0) { n++; t[n] = f[1]; k[n] = f[2] " " f[3]; w[n] = f[4] } } }
	$3 != "ok" { for (i = 1; i <= n; i++) if ($2 >= t[i] && $1 <= t[i] + w[i]) { c[i]++; if ($2 - t[i] > m[i]) m[i] = $2 - t[i] } }
	END { for (i = 1; i <= n; i++) if (c[i]) printf "    %-12s %3d failed, the last ended %5.2fs after it (window %.2fs)\n", k[i], c[i], m[i], w[i] }
' "$REQ" >"$E2E_TMP/windows"

verdict=PASS
why=""
fail_if() { if [ "$1" = 1 ]; then verdict=FAIL; why="$why; $2"; fi; }
fail_if "$([ "$SENT" -gt "$FAILED" ] || echo 1)" "no request succeeded"
fail_if "$([ "$OUTSIDE" = 0 ] || echo 1)" "$OUTSIDE failed requests outside every window"
growth=$((RSS2_END - RSS2_START))
fail_if "$([ "$growth" -le "$RSS_BOUND_KB" ] || echo 1)" "lb2 RSS grew by $growth KiB (bound $RSS_BOUND_KB)"
fail_if "$([ "$FD2_END" -le "$FD2_START" ] || echo 1)" "lb2 open descriptors grew from $FD2_START to $FD2_END"
fail_if "$([ -z "$ZOMBIE_MSG" ] || echo 1)" "zombie children lasting 5 s:$ZOMBIE_MSG"
fail_if "$([ -z "${LEFT_Z// /}" ] || echo 1)" "zombie children at the end: $LEFT_Z"
fail_if "$([ "$APPLY_FAILS" = 0 ] || echo 1)" "$APPLY_FAILS applies refused"

echo "soak report ($(elapsed)s, SOAK_SECONDS=$SOAK_SECONDS):"
echo "  requests: $SENT sent, $FAILED failed ($INSIDE inside an event window, $OUTSIDE outside)"
echo "  events: $KILLS master kills (SIGKILL + restart 3 s later), $(grep -c ' be_stop \| be_503 ' "$EV") backend stops/503s, $APPLIES applies ($APPLY_FAILS refused)"
echo "  windows: kill/restart ${KILL_WIN}s, backend ${BE_WIN}s; per event with failures:"
cat "$E2E_TMP/windows"
echo "  xlbd lb2 (pid $P2, whole run): RSS $RSS2_START -> $RSS2_END KiB (samples every 30 s:$rss_series), fds $FD2_START -> $FD2_END"
echo "  xlbd lb1 (restarted $KILLS times): RSS $RSS1_FIRST KiB at first start, ${RSS1_END:-?} KiB at the end"
echo "  zombies: ${ZOMBIE_MSG:-none lasting}; at the end: ${LEFT_Z:-none}"
if [ -s "$E2E_TMP/outside" ]; then
	echo "  failures outside windows (start end result):"
	head -n 20 "$E2E_TMP/outside" | sed 's/^/    /'
fi
if [ "$verdict" = PASS ]; then
	echo "soak: PASS"
	exit 0
fi
echo "soak: FAIL${why/#;/:}"
exit 1
