#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# exec health checks, end to end in the namespace lab: xlbd on lb1 runs a
# check script (interval 0.5 s, timeout 0.45 s, rise 2, fall 2) that gets
# the backend's address and port, and hangs in a `sleep` (a grandchild of
# xlbd) or fails when the test says so through flag files.
#  - a passing script keeps every backend up: several intervals later none
#    has changed state and the last result is "exec ok: exit 0";
#  - be1's script hangs: be1 goes down with reason "timeout"; for 3 s the
#    hanging check and its sleep never outlive the timeout (never more than
#    one alive, i.e. each is killed before the next starts) and no child of
#    xlbd stays a zombie; no new connection reaches be1;
#  - the script stops hanging: no check process is left, be1 comes back up;
#  - be2's script exits 1: down with "exit 1" in the reason;
#  - after SIGTERM, xlbd leaves no check process behind.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/netns/health_lib.sh
. "$here/health_lib.sh"
hl_init exec

MAX=$(awk 'BEGIN { print 2 * 0.5 + 0.45 + 2.5 }')
# The hanging sleep carries a number unique to this run, so /proc tells
# its processes from everything else on the machine.
MARK="29.$$"
FLAGS=$HL_TMP/flags
mkdir -p "$FLAGS"
cat >"$HL_TMP/check.sh" <<EOF
#!/bin/sh
# exec health check of test_health_exec.sh: \$1 address, \$2 port
[ -n "\$1" ] && [ "\$2" = 80 ] || exit 2
if [ -e "$FLAGS/hang-\$1" ]; then
	sleep $MARK
fi
[ ! -e "$FLAGS/fail-\$1" ]
EOF
chmod 0755 "$HL_TMP/check.sh"

hl_config '.services[0].health_check = { type: "exec", script: "'"$HL_TMP/check.sh"'",
	interval: 0.5, timeout: 0.45, rise: 2, fall: 2 }' >"$HL_TMP/cfg.json"
hl_start "$HL_TMP/cfg.json"
[ "$(cat "/proc/$HL_XPID/comm" 2>/dev/null)" = xlbd ] ||
	hl_fail "expected PID $HL_XPID to be xlbd (nsenter execs it), saw $(cat "/proc/$HL_XPID/comm" 2>/dev/null)"

# PIDs of processes running the hanging sleep of this run: an argument
# equal to MARK in their NUL-separated command line (matched as the regex
# 29[.]PID, which grep's own command line does not match).
hangers() {
	grep -s -l -z -x -- "${MARK/./[.]}" /proc/[0-9]*/cmdline | sed 's|^/proc/\([0-9]*\)/cmdline$|\1|'
}

# Zombie children of xlbd, one PID a line.
zombies() {
	local f
	grep -s -l "^PPid:[[:space:]]*$HL_XPID\$" /proc/[0-9]*/status | while read -r f; do
		grep -qs '^State:[[:space:]]*Z' "$f" && { f=${f#/proc/}; echo "${f%/status}"; }
	done
}

# 1. a passing script keeps everybody up
for n in 1 2 3; do
	hl_wait "$n" '.last_result != null' 2 || hl_fail "expected a first exec check of be$n within 2 s, saw $(hl_be "$n")"
done
sleep 1.5
for n in 1 2 3; do
	hl_expect_be "$n" '.state == "up" and .reason == "initial state" and .changed_s_ago >= 1.5' \
		"up since the start with a passing script"
	hl_expect_be "$n" '.last_result == "exec ok: exit 0"' "passing its exec check"
done

# 2. be1's script hangs: killed at the timeout, be1 down with reason timeout
: >"$FLAGS/hang-${HL_BE_ADDR[1]}"
hl_wait 1 '.state == "down"' "$MAX" || hl_fail "expected be1 down within ${MAX}s of its check hanging, saw $(hl_be 1)"
hl_note "be1 down ${HL_WAITED}s after its check started hanging"
hl_expect_be 1 '.reason | test("2 consecutive exec failures \\(timeout\\)")' "down with reason timeout"
hl_expect_be 1 '.last_result == "exec failed: timeout"' "last check timed out"
maxalive=0 seen=0 prevz=""
for ((i = 0; i < 30; i++)); do
	h=$(hangers | wc -l)
	[ "$h" -gt "$maxalive" ] && maxalive=$h
	[ "$h" -gt 0 ] && seen=$((seen + 1))
	z=$(zombies | tr '\n' ' ')
	for p in $z; do
		case " $prevz " in
		*" $p "*) hl_fail "expected no zombie child of xlbd, saw PID $p a zombie for 100 ms" ;;
		esac
	done
	prevz=$z
	sleep 0.1
done
[ "$maxalive" -le 1 ] ||
	hl_fail "expected at most 1 hanging check alive at a time (each killed at timeout), saw $maxalive"
[ "$seen" -gt 0 ] || hl_fail "expected to see the hanging check running in 30 samples, saw it never"
hl_note "hanging check: alive in $seen of 30 samples over 3 s, never more than $maxalive at once"
hl_split_check "be1 check hanging" 0 1 4

# 3. the script stops hanging: nothing left over, be1 comes back
rm -f "$FLAGS/hang-${HL_BE_ADDR[1]}"
sleep 0.7 # the check that may be hanging now is killed within its 0.45 s timeout
left=$(hangers | tr '\n' ' ')
[ -z "$left" ] || hl_fail "expected no hanging check left 0.5 s after the script stopped hanging, saw PIDs $left"
hl_wait 1 '.state == "up" and .in_table == true' "$MAX" || hl_fail "expected be1 up within ${MAX}s, saw $(hl_be 1)"
hl_expect_be 1 '.last_result == "exec ok: exit 0"' "passing again"

# 4. be2's script fails
: >"$FLAGS/fail-${HL_BE_ADDR[2]}"
hl_wait 2 '.state == "down"' "$MAX" || hl_fail "expected be2 down within ${MAX}s of its check failing, saw $(hl_be 2)"
hl_expect_be 2 '.reason | test("exit 1")' "down with reason exit 1"
hl_expect_be 3 '.state == "up" and .reason == "initial state"' "up all along"

# 5. a hanging check at shutdown is not left behind
: >"$FLAGS/hang-${HL_BE_ADDR[3]}"
for ((i = 0; i < 20; i++)); do
	[ -n "$(hangers)" ] && break
	sleep 0.05
done
hl_finish "exec checks: hangs killed at timeout, no zombies, passing script keeps it up" >"$HL_TMP/finish"
sleep 0.2
left=$(hangers | tr '\n' ' ')
[ -z "$left" ] || hl_fail "expected no check process left after xlbd exited, saw PIDs $left"
cat "$HL_TMP/finish"
