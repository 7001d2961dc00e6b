#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xlbd and xlbctl end to end in a namespace this test creates:
#  - start xlbd with a config; status and the pinned maps (read with
#    bpftool) hold exactly that config;
#  - xlbctl apply a changed config (add a backend, reweight one, remove one):
#    the summary says so and the maps hold exactly the new state;
#  - a bad config is refused whole and the old state is unchanged;
#  - a restart reuses the pinned flow table (an entry inserted before the
#    restart is still there) and keeps backend ids;
#  - with keep_maps false, SIGTERM leaves no pinned objects behind.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
# Prefer the sanitizer build when there is one: a report fails the test.
B=${XLB_SAN_BUILD:-${XLB_BUILD:-build}}
[ -x "$B/xlbd" ] || B=${XLB_BUILD:-build}
XLBD=$(realpath "$B/xlbd")
XLBCTL=$(realpath "$B/xlbctl")
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=24
NS=xlbtctl$$
NODE=tctl$$
SOCK=/run/xlb/tctl$$.sock
PIN=/sys/fs/bpf/xlb/$NODE
TMP=$(mktemp -d /tmp/xlb-test-ctl.XXXXXX)
XPID=

fail() { echo "FAIL: $*" >&2; [ -f "$TMP/xlbd.log" ] && sed 's/^/  xlbd: /' "$TMP/xlbd.log" >&2; exit 1; }

cleanup() {
	set +e
	if [ -n "$XPID" ] && kill -0 "$XPID" 2>/dev/null; then
		kill "$XPID"; wait "$XPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" "$TMP"
	rm -f "$SOCK"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add veth0 type veth peer name veth1
ip -n "$NS" addr add 10.77.0.1/24 dev veth0
ip -n "$NS" link set veth0 up
ip -n "$NS" link set veth1 up

# config NAME KEEP_MAPS BACKENDS_JSON [WEIGHT_OVERRIDE]
write_cfg() {
	local file=$1 keep=$2 backends=$3
	cat > "$file" <<JSON
{
  "node": { "name": "$NODE", "interface": "veth0", "xdp_mode": "auto",
            "keep_maps": $keep, "control_socket": "$SOCK" },
  "services": [ {
    "name": "web", "vip": "10.77.0.50", "port": 80, "protocol": "tcp",
    "backends": [ $backends ]
  } ]
}
JSON
}
BE1='{ "address": "10.77.0.181", "port": 80, "weight": 3 }'
BE2='{ "address": "10.77.0.182", "port": 80, "weight": 1 }'
BE2b='{ "address": "10.77.0.182", "port": 80, "weight": 2 }'
BE3='{ "address": "10.77.0.183", "port": 80, "weight": 4 }'
BE4='{ "address": "10.77.0.184", "port": 8080, "weight": 2 }'

start_xlbd() {
	nsenter --net="/run/netns/$NS" "$XLBD" --config "$1" >>"$TMP/xlbd.log" 2>&1 &
	XPID=$!
	for _ in $(seq 50); do
		"$XLBCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
		kill -0 "$XPID" 2>/dev/null || fail "xlbd exited during start"
		sleep 0.1
	done
	fail "xlbd did not answer on $SOCK within 5 s"
}

stop_xlbd() {
	kill -TERM "$XPID"
	local rc=0
	wait "$XPID" || rc=$?
	XPID=
	[ "$rc" = 0 ] || fail "xlbd exited with $rc after SIGTERM (expected 0)"
}

status() { "$XLBCTL" -s "$SOCK" -j status; }

# "addr:port weight share" per backend, sorted
backend_table() {
	status | jq -r '.services[0].backends[] | "\(.address):\(.port) \(.weight) \(.share*1000|round)"' | sort
}

# backends map entry for an id, as "addr port state family"
map_backend() {
	bpftool -j map lookup pinned "$PIN/backends" key $(printf '%d 0 0 0' "$1") |
		jq -r '.formatted.value | "\(.family) \(.state) \(.port) \(.service)"'
}

write_cfg "$TMP/a.json" true "$BE1, $BE2, $BE3"
start_xlbd "$TMP/a.json"

# 1. the running state is the config
got=$(backend_table)
want=$'10.77.0.181:80 3 375\n10.77.0.182:80 1 125\n10.77.0.183:80 4 500'
[ "$got" = "$want" ] || fail "status after start: expected
$want
got
$got"
status | jq -e '.node.xdp_attached == true' >/dev/null || fail "XDP not attached after start"
ip -n "$NS" -j link show veth0 | jq -e '.[0].xdp.prog.id > 0' >/dev/null ||
	fail "ip link shows no XDP program on veth0"
n=$(bpftool -j map dump pinned "$PIN/services" | jq 'length')
[ "$n" = 1 ] || fail "services map has $n entries, expected 1"
port=$(bpftool -j map dump pinned "$PIN/services" | jq -r '.[0].formatted.key.port')
# port is stored in network byte order: 80 -> 0x5000 = 20480 when read as host order
[ "$port" = 20480 ] || fail "services key port $port, expected 20480 (80 in network order)"
id3=$(status | jq -r '.services[0].backends[] | select(.address=="10.77.0.183") | .id')
id1=$(status | jq -r '.services[0].backends[] | select(.address=="10.77.0.181") | .id')
[ "$(map_backend "$id3")" = "2 1 20480 0" ] || fail "backends[$id3] = $(map_backend "$id3")"

# the Maglev table the data plane reads holds exactly the shares the
# controller computed: count slots per backend id in the active inner map
table_counts() {
	local tidx mid hex n
	tidx=$(bpftool -j map dump pinned "$PIN/services" | jq -r '.[0].formatted.value.table')
	# the inner maps carry no BTF: values come as little-endian hex bytes
	hex=$(bpftool map lookup pinned "$PIN/maglev" key $(printf '%d 0 0 0' "$tidx") |
		awk '/value:/ { print $NF $(NF-1) $(NF-2) $(NF-3) }')
	mid=$((16#$hex))
	bpftool map dump id "$mid" |
		awk '/value:/ { n[$NF $(NF-1) $(NF-2) $(NF-3)]++ } END { for (v in n) print v, n[v] }' |
		while read -r hex n; do echo "$((16#$hex)) $n"; done | sort
}
status_counts() {
	status | jq -r '.services[0].backends[] | select(.slots > 0) | "\(.id) \(.slots)"' | sort
}
got=$(table_counts)
[ "$got" = "$(status_counts)" ] || fail "Maglev table in the map (id slots):
$got
differs from the controller's:
$(status_counts)"

# 2. apply a change: add .184:8080, reweight .182 to 2, remove .183
write_cfg "$TMP/b.json" true "$BE1, $BE2b, $BE4"
out=$("$XLBCTL" -s "$SOCK" apply "$TMP/b.json") || fail "apply of b.json failed: $out"
case $out in
*"backends +1 -1, 1 reweighted"*) ;;
*) fail "apply summary: $out" ;;
esac
got=$(backend_table)
want=$'10.77.0.181:80 3 429\n10.77.0.182:80 2 286\n10.77.0.184:8080 2 286'
[ "$got" = "$want" ] || fail "status after apply: expected
$want
got
$got"
[ "$(map_backend "$id3")" = "0 0 0 0" ] || fail "removed backend $id3 still in map: $(map_backend "$id3")"
[ "$(table_counts)" = "$(status_counts)" ] || fail "Maglev table in the map after apply: $(table_counts)"
id4=$(status | jq -r '.services[0].backends[] | select(.address=="10.77.0.184") | .id')
[ "$(map_backend "$id4")" = "2 1 36895 0" ] || fail "new backend $id4: $(map_backend "$id4")"
[ "$(status | jq -r '.services[0].backends[] | select(.address=="10.77.0.181") | .id')" = "$id1" ] ||
	fail "backend .181 changed id across apply"

# 3. a bad config is refused whole; nothing changes
write_cfg "$TMP/bad.json" true "$BE1, { \"address\": \"10.77.0.185\", \"weight\": 300 }"
# the services as configured and planned (without ages, which move on)
svc_state() { status | jq -c '.services | del(.. | .changed_s_ago?, .last_result?)'; }
before=$(svc_state)
if out=$("$XLBCTL" -s "$SOCK" apply "$TMP/bad.json" 2>&1); then
	fail "bad config was accepted: $out"
fi
case $out in
*"backends[1].weight"*) ;;
*) fail "refusal does not name the bad key: $out" ;;
esac
[ "$(svc_state)" = "$before" ] || fail "state changed after a refused apply: $(svc_state)"
# the daemon itself refuses too (bypassing xlbctl's local check) and says why
printf '{"node": {"name": "%s", "interface": "veth0"}, "services": [ { "name": "x" } ] }' "$NODE" > "$TMP/bad2.json"
if "$XLBCTL" -s "$SOCK" apply "$TMP/bad2.json" >/dev/null 2>&1; then fail "bad2 accepted"; fi
[ "$(svc_state)" = "$before" ] || fail "state changed after refused bad2"

# 4. restart keeps the pinned flow table and the backend ids
key="10 77 0 9 0 0 0 0 0 0 0 0 0 0 0 0 10 77 0 50 0 0 0 0 0 0 0 0 0 0 0 0 0x9c 0x40 0 80 6 2 0 0"
val="1 0 0 0 0 0 0 0 $id1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0"
bpftool map update pinned "$PIN/flows" key $key value $val
xdp_id() { ip -n "$NS" -j link show veth0 | jq -r '.[0].xdp.prog.id // empty'; }
old_prog=$(xdp_id)
stop_xlbd
[ -e "$PIN/flows" ] || fail "flows map unpinned on SIGTERM with keep_maps true"
# the pinned link keeps the program forwarding while xlbd is down
[ "$(xdp_id)" = "$old_prog" ] || fail "XDP program $old_prog not attached while xlbd is down (saw '$(xdp_id)')"
start_xlbd "$TMP/b.json"
grep -q "XDP program replaced in the link pinned on veth0" "$TMP/xlbd.log" ||
	fail "restarted xlbd did not take over the pinned XDP link"
new_prog=$(xdp_id)
[ -n "$new_prog" ] && [ "$new_prog" != "$old_prog" ] ||
	fail "after the restart the attached program is '$new_prog' (was $old_prog): expected the new one"
grep -q "reused from an earlier run" "$TMP/xlbd.log" || fail "xlbd did not report reusing pinned maps"
bpftool map lookup pinned "$PIN/flows" key $key >/dev/null 2>&1 ||
	fail "flow entry inserted before the restart is gone"
[ "$(status | jq -r '.services[0].backends[] | select(.address=="10.77.0.181") | .id')" = "$id1" ] ||
	fail "backend .181 changed id across the restart"
got=$(backend_table)
[ "$got" = $'10.77.0.181:80 3 429\n10.77.0.182:80 2 286\n10.77.0.184:8080 2 286' ] ||
	fail "state after restart: $got"

# 5. keep_maps false: nothing pinned after SIGTERM
stop_xlbd
write_cfg "$TMP/c.json" false "$BE1"
start_xlbd "$TMP/c.json"
stop_xlbd
[ ! -e "$PIN" ] || fail "pins left in $PIN after SIGTERM with keep_maps false: $(ls "$PIN")"
# the kernel releases a closed link asynchronously: allow it a moment
for _ in $(seq 20); do
	ip -n "$NS" -j link show veth0 | jq -e '.[0].xdp == null' >/dev/null && break
	sleep 0.1
done
ip -n "$NS" -j link show veth0 | jq -e '.[0].xdp == null' >/dev/null ||
	fail "XDP still attached 2 s after xlbd exited"
if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$TMP/xlbd.log"; then
	fail "sanitizer report in the xlbd log"
fi
echo "ok: apply, refusal, restart with pinned flows, cleanup ($B)"
