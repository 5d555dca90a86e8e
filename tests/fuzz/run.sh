#!/bin/sh
# Runs every libFuzzer harness (tests/fuzz/fuzz_*.c) over its corpus, builds them first if needed.
#   tests/fuzz/run.sh [--smoke | --seconds N | --runs N] [NAME...]
# --smoke: 20 s each (CI); --seconds N: N s each (default $FUZZ_SECONDS or 60); --runs N: N executions each.
# A harness passes when its regression inputs (tests/fuzz/regressions/NAME/) run clean and the
# fuzzing ends without a crash, leak or timeout. The seeds (tests/fuzz/corpus/NAME/) are only read:
# new inputs go to build/fuzz/corpus/NAME/, crashes to build/fuzz/artifacts/NAME/, logs to
# build/fuzz/logs/NAME.log. FUZZ_SKIP_KNOWN=1 uses the build that lets known bugs through (fuzz.h).
# FUZZ_OUT=DIR puts corpus, artifacts and logs under DIR instead of build/fuzz (a long run beside
# short ones); FUZZ_BIN_DIR=DIR runs the harnesses found there (a copy that a rebuild leaves alone).
set -u
cd "$(dirname "$0")/../.." || exit 2

limit="-max_total_time=${FUZZ_SECONDS:-60}"
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) limit="-max_total_time=20" ;;
	--seconds) limit="-max_total_time=$2"; shift ;;
	--runs) limit="-runs=$2"; shift ;;
	-h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done

out=${FUZZ_OUT:-build/fuzz}
bin_dir=build/fuzz
[ "${FUZZ_SKIP_KNOWN:-0}" = 1 ] && bin_dir=build/fuzz-skip-known
if [ -n "${FUZZ_BIN_DIR:-}" ]; then
	bin_dir=$FUZZ_BIN_DIR
elif ! make -s FUZZ_SKIP_KNOWN="${FUZZ_SKIP_KNOWN:-0}" fuzz-build >/dev/null; then
	echo "fuzz: build failed"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

names="$*"
[ -n "$names" ] || names=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')

# Inputs larger than a harness needs only slow it down.
max_len() {
	case "$1" in
	json_reader) echo 16384 ;;
	tags) echo 512 ;; # a Pod tag string is at most 255 characters
	*) echo 1024 ;;
	esac
}

passed=0 failed=0
for name in $names; do
	bin=$bin_dir/fuzz_$name
	corpus=$out/corpus/$name
	artifacts=$out/artifacts/$name
	log=$out/logs/$name.log
	mkdir -p "$corpus" "$artifacts" "$out/logs"
	result=ok

	regressions=$(ls -d tests/fuzz/regressions/"$name"/* 2>/dev/null)
	if [ -n "$regressions" ]; then
		# shellcheck disable=SC2086
		"$bin" -artifact_prefix="$artifacts/regression-" $regressions > "$log.regressions" 2>&1 ||
			result="FAILED (a regression input: see $log.regressions)"
	fi

	start=$(date +%s)
	"$bin" $limit -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 -max_len="$(max_len "$name")" \
		-artifact_prefix="$artifacts/" "$corpus" "tests/fuzz/corpus/$name" > "$log" 2>&1
	rc=$?
	wall=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	size=$(ls "$corpus" | wc -l)
	if [ $rc -ne 0 ]; then
		what=$(grep -a -m1 -o 'ERROR: [A-Za-z]*: [a-z -]*\|invariant broken at [^ ]*' "$log")
		artifact=$(grep -a -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
		result="FAILED (${what:-exit $rc}${artifact:+, input $artifact}; see $log)"
	fi
	[ "$wall" -gt 0 ] && rate=$(( ${execs:-0} / wall )) || rate=${execs:-0}
	echo "fuzz_$name: ${execs:-?} execs in ${wall} s (${rate}/s), ${cov:-cov: ?}, corpus $size: $result"
	if [ "$result" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# Inputs of bugs reported and not fixed yet (tests/fuzz/known/NAME/): told, not counted. Once a
# bug is fixed its inputs run clean and move to tests/fuzz/regressions/NAME/.
if [ "${FUZZ_SKIP_KNOWN:-0}" != 1 ] && [ -z "${FUZZ_BIN_DIR:-}" ]; then
	for name in $names; do
		for input in tests/fuzz/known/"$name"/*; do
			[ -f "$input" ] || continue
			if "$bin_dir/fuzz_$name" "$input" > "$out/logs/known.log" 2>&1; then
				echo "known bug input $input runs clean now: move it to tests/fuzz/regressions/$name/"
			else
				echo "known bug input $input: still fails"
			fi
		done
	done
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
