#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the selected test suites and print one closing line:
#   N passed, N failed
# Usage: selftests/run.sh OUTPUT_DIR SUITE... (unit, bpf, netns)
set -uo pipefail

out=${1:?usage: run.sh OUTPUT_DIR SUITE...}
shift
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0

# Criterion prints "[====] Synthesis: Tested: 12 | Passing: 12 | Failing: 0 | Crashing: 0"
run_criterion() {
	local name=$1 bin=$2 log
	log=$(mktemp)
	echo "== $name: $bin"
	"$bin" -j1 --verbose=0 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line t p f c
	line=$(grep -a 'Synthesis:' "$log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "!! $name: no Criterion summary (exit $rc)"
		failed=$((failed + 1))
		return
	fi
	t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
	p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
	c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "!! $name: exit status $rc with no failing test"
		failed=$((failed + 1))
	fi
	: "$t" "$c"
}

run_netns() {
	local t rc
	for t in "$here"/netns/test_*.sh; do
		[ -e "$t" ] || continue
		echo "== netns: $(basename "$t")"
		XLB_BUILD="$out" XLB_SAN_BUILD="${XLB_SAN_BUILD:-}" timeout --kill-after=10 300 bash "$t"
		rc=$?
		case $rc in
		0) passed=$((passed + 1)); echo "ok   $(basename "$t")" ;;
		77) skipped=$((skipped + 1)); echo "skip $(basename "$t")" ;;
		*) failed=$((failed + 1)); echo "FAIL $(basename "$t") (exit $rc)" ;;
		esac
	done
}

for suite in "$@"; do
	case $suite in
	unit)  run_criterion unit "$out/selftests/unit_tests" ;;
	unit-san)
		# the same suites built with ASan+UBSan: a report is a crash or failure
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			run_criterion unit-san "${XLB_SAN_BUILD:?unit-san needs XLB_SAN_BUILD}/selftests/unit_tests" ;;
	bpf)   run_criterion bpf "$out/selftests/bpf_tests" ;;
	netns) run_netns ;;
	fuzz)
		echo "== fuzz: ${FUZZ_SECONDS:-20} s per target"
		flog=$(mktemp)
		bash "$here/fuzz/run.sh" "$out" "${FUZZ_SECONDS:-20}" | tee "$flog"
		p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$flog" | tail -1)
		f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$flog" | tail -1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-1}))
		rm -f "$flog" ;;
	*) echo "run.sh: unknown suite $suite" >&2; exit 2 ;;
	esac
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
