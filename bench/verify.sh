#!/usr/bin/env bash
# Benchmark: podmigrate verify against podmigrate export of the same data, per
# engine pair (the issue's goal: verify, which reads two databases, within 2x the
# export of one), with peak RSS.
#
# Usage: bench/verify.sh [--engines sqlite,mariadb,postgresql] [--scale S]
#                        [--reps N] [--write-results] [--server-dir DIR] [--pm BINARY]
#
#   --engines        comma-separated subset (default: all three); the pairs timed are
#                    each engine with itself, and v3 on the first engine with v4 on
#                    the last (cross-engine)
#   --scale S        size of the v3 data set (tests/gen_v3_data.py --mode bench;
#                    1 = 100 000 videos, 2 000 000 view counts, 500 000 tag links)
#   --reps N         timed repetitions, the median is reported (default 3)
#   --write-results  also write the report into bench/RESULTS.md (its own section,
#                    between the verify markers)
#   --server-dir DIR data directory of the throwaway servers (default
#                    /tmp/podmigrate-bench, shared with bench/run.sh; data sets reused)
#   --pm BINARY      time this podmigrate binary instead of build/podmigrate
#
# For each pair (v3 engine A, v4 engine B): the v3 data set of A (cached), its
# export, imported once into a fresh v4 database of B (not timed); then N times,
# alternating: podmigrate export of A (to a file), podmigrate verify --from A --to B,
# podmigrate verify --file (the export) --to B. Every verify must exit 0.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_defaults
bench_setup "$@"

V4DB=pm_bench_verify_v4
PAIRS=()
for e in "${ENGINE_LIST[@]}"; do PAIRS+=("$e:$e"); done
first=${ENGINE_LIST[0]} last=${ENGINE_LIST[${#ENGINE_LIST[@]}-1]}
[[ "$first" != "$last" ]] && PAIRS+=("$first:$last")

ROWS=()
OUT=/dev/null
for pair in "${PAIRS[@]}"; do
    a=${pair%%:*} b=${pair##*:}
    load_data "$a" "$SCALE"
    v3=$(db_url "$a" "$SCALE") v4=$(url_of "$b" "$V4DB") json=$WORK/verify-$a.json
    log "$a -> $b: export and import (not timed) ..."
    "$PM" export --db "$v3" -o "$json" -q
    fresh_v4 "$b"
    "$PM" import --db "$v4" -i "$json" -q
    ex=() vd=() vf=() ex_rss=0 vd_rss=0 vf_rss=0 rows=0
    for ((r = 1; r <= REPS; r++)); do
        timed "$PM" export --db "$v3" -o "$json" -q
        ex+=("$ELAPSED"); ((RSS_KB > ex_rss)) && ex_rss=$RSS_KB
        timed "$PM" verify --from "$v3" --to "$v4" -q
        vd+=("$ELAPSED"); ((RSS_KB > vd_rss)) && vd_rss=$RSS_KB
        timed "$PM" verify --file "$json" --to "$v4" -q
        vf+=("$ELAPSED"); ((RSS_KB > vf_rss)) && vf_rss=$RSS_KB
        log "$a -> $b rep $r: export ${ex[-1]} s, verify --from ${vd[-1]} s, verify --file ${vf[-1]} s"
    done
    rows=$("$PM" verify --from "$v3" --to "$v4" 2>&1 | awk '/^Verified/ {print $7}')
    e_med=$(median "${ex[@]}") d_med=$(median "${vd[@]}") f_med=$(median "${vf[@]}")
    ROWS+=("| $a → $b | $(thousands "$rows") | $e_med s | $d_med s | $(awk -v a="$d_med" -v b="$e_med" 'BEGIN {printf "%.2f", a / b}') | $(rate "$rows" "$d_med") | $f_med s | $(awk -v a="$f_med" -v b="$e_med" 'BEGIN {printf "%.2f", a / b}') | $((ex_rss / 1024)) / $((vd_rss / 1024)) / $((vf_rss / 1024)) MB |")
done

report() {
    echo "<!-- bench/verify.sh: begin -->"
    echo "## verify against export ($(date -u +%Y-%m-%d), scale $SCALE, median of $REPS, \`bench/verify.sh\`)"
    echo
    echo "$PM_VERSION ($PM_BUILD, sha256 $PM_SHA); $(nproc) cores. Goal: verify within 2x the export of the same data."
    echo
    echo "| v3 → v4 | rows compared | export | verify --from | ratio | rows/s | verify --file | ratio | peak RSS export / --from / --file |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "<!-- bench/verify.sh: end -->"
}
report
if ((WRITE_RESULTS)); then
    replace_results_section '<!-- bench/verify.sh: begin -->' '<!-- bench/verify.sh: end -->' "$(report)"
fi
