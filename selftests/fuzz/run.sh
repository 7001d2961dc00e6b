#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every libFuzzer target for a while: selftests/fuzz/run.sh OUTPUT SECONDS
#
# For each OUTPUT/fuzz/fuzz_NAME (built by `make build/fuzz/fuzz_NAME`):
#  1. replay the regression inputs in selftests/fuzz/regress/NAME/ once each
#     (inputs that crashed it once; they must keep passing);
#  2. fuzz for SECONDS on a temporary copy of selftests/fuzz/corpus/NAME/
#     (the committed corpus never grows), with selftests/fuzz/NAME.dict as
#     the dictionary when there is one. SECONDS 0: only run the corpus once.
# Prints "ok fuzz_NAME (N execs)" or "FAIL fuzz_NAME" with the input that
# failed (copied to OUTPUT/fuzz/crashes/) and the command that reproduces it,
# then "N passed, N failed". Exit 1 when any target failed.
set -uo pipefail

OUTPUT=${1:-build}
SECONDS_EACH=${2:-60}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FUZZ_DIR=$OUTPUT/fuzz
CRASH_DIR=$FUZZ_DIR/crashes

case $SECONDS_EACH in
''|*[!0-9]*) echo "usage: $0 OUTPUT SECONDS (whole seconds)" >&2; exit 2 ;;
esac

# Sanitizer reports end the run with a distinct exit code and a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

TMP=$(mktemp -d /tmp/xlb-fuzz.XXXXXX)
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

passed=0
failed=0

# fail NAME LOG [INPUT]: report, keep the input, show the reproducer.
fail() {
	local name=$1 log=$2 input=${3:-}
	local keep

	echo "FAIL $name"
	if [ -n "$input" ] && [ -f "$input" ]; then
		mkdir -p "$CRASH_DIR"
		keep=$CRASH_DIR/$name-$(basename "$input")
		cp "$input" "$keep"
		echo "  input:     $keep"
		echo "  reproduce: $FUZZ_DIR/$name $keep"
		echo "  then add it to selftests/fuzz/regress/${name#fuzz_}/ with the fix"
	fi
	# the report's first lines: what, where (first frames), summary
	{
		grep -m 3 -E "ERROR: |runtime error|deadly signal|Test unit written" "$log"
		grep -m 8 -E "^ +#[0-9]+ 0x" "$log"
		grep -m 1 -E "SUMMARY: " "$log"
	} | sed 's/^/  | /'
	failed=$((failed + 1))
}

shopt -s nullglob
srcs=("$HERE"/fuzz_*.c)
if [ ${#srcs[@]} -eq 0 ]; then
	echo "no fuzz targets in $HERE"
	exit 1
fi

for src in "${srcs[@]}"; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	bin=$FUZZ_DIR/$name
	log=$TMP/$name.log
	if [ ! -x "$bin" ]; then
		echo "FAIL $name"
		echo "  $bin is not built (make $bin)"
		failed=$((failed + 1))
		continue
	fi

	# 1. regressions, each input once
	regress=("$HERE/regress/$short"/*)
	bad=
	mkdir -p "$TMP/corpus/$short" "$TMP/art/$short"
	for input in "${regress[@]}"; do
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 "-artifact_prefix=$TMP/art/$short/" \
			"$input" >"$log" 2>&1; then
			bad=$input
			break
		fi
	done
	if [ -n "$bad" ]; then
		fail "$name" "$log" "$bad"
		continue
	fi

	# 2. fuzz on a copy of the corpus
	[ -d "$HERE/corpus/$short" ] && cp -r "$HERE/corpus/$short/." "$TMP/corpus/$short/"
	args=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1
	      "-artifact_prefix=$TMP/art/$short/")
	[ -f "$HERE/$short.dict" ] && args+=("-dict=$HERE/$short.dict")
	if [ "$SECONDS_EACH" -eq 0 ]; then
		args+=(-runs=0)
	else
		args+=("-max_total_time=$SECONDS_EACH")
	fi
	if "$bin" "${args[@]}" "$TMP/corpus/$short" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "ok $name (${execs:-?} execs)"
		passed=$((passed + 1))
	else
		artifact=$(ls -t "$TMP/art/$short"/* 2>/dev/null | head -n 1)
		fail "$name" "$log" "$artifact"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
