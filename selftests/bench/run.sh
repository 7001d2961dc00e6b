#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every benchmark binary OUTPUT_DIR/selftests/bench_* in name order and
# print its figures. Benchmarks measure; they never pass or fail on speed,
# only on errors (a wrong path, a failed setup).
# Usage: selftests/bench/run.sh OUTPUT_DIR
set -uo pipefail

out=${1:?usage: run.sh OUTPUT_DIR}
rc=0 ran=0

shopt -s nullglob
export LC_ALL=C
for b in "$out"/selftests/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	ran=$((ran + 1))
	echo "== $(basename "$b")"
	"$b"
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "!! $(basename "$b") exited with status $st"
		rc=1
	fi
done
# The scripted failover benchmark on the netns lab (root; else "skipped").
s=$(dirname "$0")/failover.sh
if [ -x "$s" ]; then
	ran=$((ran + 1))
	echo "== failover.sh"
	bash "$s" "$out"
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "!! failover.sh exited with status $st"
		rc=1
	fi
fi
[ "$ran" -gt 0 ] || echo "no benchmark binaries in $out/selftests"
exit "$rc"
