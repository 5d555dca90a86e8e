#!/usr/bin/env bash
# Benchmark: podmigrate export and import against what an admin would
# otherwise run, the engine's own full dump of v3 and the restore of that dump
# into an empty database, same data, same run, with peak RSS.
#
# Usage: bench/native.sh [--engines sqlite,mariadb,postgresql] [--scale S]
#                        [--reps N] [--write-results] [--server-dir DIR] [--pm BINARY]
#
#   --engines        comma-separated subset (default: all three)
#   --scale S        size of the v3 data set (tests/gen_v3_data.py --mode bench;
#                    1 = 100 000 videos, 2 000 000 view counts, 500 000 tag links;
#                    10 = 1 M videos, 20 M view counts, 5 M tag links: ~25 GB of disk)
#   --reps N         timed repetitions, the median is reported (default 3)
#   --write-results  also write the report into bench/RESULTS.md (one section per
#                    scale, between the native.sh markers of that scale)
#   --server-dir DIR data directory of the throwaway servers (default
#                    /tmp/podmigrate-bench, shared with the other benchmarks)
#   --pm BINARY      time this podmigrate binary instead of build/podmigrate
#
# Per engine, N times, alternating:
#   dump             pg_dump DB > f, mariadb-dump DB > f, sqlite3 DB .dump > f
#   export           podmigrate export -o f.json
#   restore          the dump into an empty database (psql -f, mariadb <, sqlite3 <)
#   import           podmigrate import of that JSON into a fresh v4 (schema of
#                    make createDB; made outside the timing)
#   --onlytags       podmigrate import --onlytags of the same JSON on that v4
# Ratios: the engine's tool's seconds over podmigrate's (above 1: podmigrate is faster).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_defaults
bench_setup "$@"

V4DB=pm_bench_native_v4
COPYDB=pm_bench_copy
OUT=/dev/null
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
write_meeting_sed
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
max_rss() { local m=0 k; for k in "$@"; do ((k > m)) && m=$k; done; kb2mb "$m"; }

ROWS=()
RUNS=()
CMDS=()
for e in "${ENGINE_LIST[@]}"; do
    load_data "$e" "$SCALE"
    v3=$(db_url "$e" "$SCALE") v4=$(url_of "$e" "$V4DB")
    json=$WORK/native-$e.json dump=$WORK/native-$e.dump
    du=() ex=() re=() im=() ot=() ex_rss=() im_rss=() ot_rss=() du_rss=() re_rss=()
    for ((r = 1; r <= REPS; r++)); do
        timed bash -o pipefail -c "$(dump_cmd "$e") > $dump"
        du+=("$ELAPSED") du_rss+=("$RSS_KB"); RUNS+=("| $e | $SCALE | $r | dump | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |")
        timed "$PM" export --db "$v3" -o "$json" -q
        ex+=("$ELAPSED") ex_rss+=("$RSS_KB"); RUNS+=("| $e | $SCALE | $r | podmigrate export | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |")
        empty_copy "$e"
        timed bash -o pipefail -c "{ $(restore_cmd "$e"); } < $dump"
        re+=("$ELAPSED") re_rss+=("$RSS_KB"); RUNS+=("| $e | $SCALE | $r | restore | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |")
        empty_copy "$e" # not kept: the disk of scale 10 is counted in tens of GB
        fresh_v4 "$e"
        timed "$PM" import --db "$v4" -i "$json" -q
        im+=("$ELAPSED") im_rss+=("$RSS_KB"); RUNS+=("| $e | $SCALE | $r | podmigrate import | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |")
        timed "$PM" import --db "$v4" -i "$json" --onlytags -q
        ot+=("$ELAPSED") ot_rss+=("$RSS_KB"); RUNS+=("| $e | $SCALE | $r | podmigrate import --onlytags | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |")
        log "$e rep $r: dump ${du[-1]} s, export ${ex[-1]} s, restore ${re[-1]} s, import ${im[-1]} s, --onlytags ${ot[-1]} s"
    done
    rows=$(tables_of_json "$json" | { mapfile -t t; count_rows "$e" "$SCALE" "${t[@]}"; })
    d=$(median "${du[@]}") x=$(median "${ex[@]}") s=$(median "${re[@]}") i=$(median "${im[@]}") o=$(median "${ot[@]}")
    ROWS+=("| $e | $(thousands "$rows") | $d s | $x s | $(rate "$rows" "$x") | $(ratio "$d" "$x") | $s s | $i s | $(rate "$rows" "$i") | $(ratio "$s" "$i") | $o s | $(max_rss "${ex_rss[@]}") / $(max_rss "${im_rss[@]}") / $(max_rss "${ot_rss[@]}") MB | $(max_rss "${du_rss[@]}") / $(max_rss "${re_rss[@]}") MB | $(mb "$(stat -c %s "$json")") / $(mb "$(stat -c %s "$dump")") MB |")
    CMDS+=("# $e" "$(dump_cmd "$e") > $dump"
           "$PM export --db $v3 -o $json -q"
           "{ $(restore_cmd "$e"); } < $dump   # into an empty $COPYDB"
           "$PM import --db $v4 -i $json -q   # into a fresh v4"
           "$PM import --db $v4 -i $json --onlytags -q")
    rm -f "$dump" "$json"
done

BEGIN_MARK="<!-- bench/native.sh scale $SCALE: begin -->"
END_MARK="<!-- bench/native.sh scale $SCALE: end -->"
report() {
    echo "$BEGIN_MARK"
    echo "## export and import against the engine's own dump and restore (scale $SCALE, $(date -u +%Y-%m-%d), median of $REPS, \`bench/native.sh\`)"
    echo
    echo "$PM_VERSION ($PM_BUILD, sha256 $PM_SHA); $(nproc) cores; load average before: $LOAD_BEFORE."
    echo "Goal (issue 12): export ≥ 0.8 × the dump, import ≥ 0.8 × the restore (ratio = the engine's seconds ÷"
    echo "podmigrate's); peak RSS of export, import and --onlytags < 64 MB."
    echo
    echo "| engine | rows | dump | export | rows/s | ratio | restore | import | rows/s | ratio | --onlytags | peak RSS export / import / --onlytags | dump / restore RSS | JSON / dump |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo '```sh'
    printf '%s\n' "${CMDS[@]}"
    echo '```'
    echo
    echo "Every timed run (CPU s: user + system of the client process, not the server's):"
    echo
    echo "| engine | scale | rep | tool | wall s | CPU s | peak RSS MB |"
    echo "|---|---:|---:|---|---:|---:|---:|"
    printf '%s\n' "${RUNS[@]}"
    echo
    echo "$END_MARK"
}
report
if ((WRITE_RESULTS)); then
    replace_results_section "$BEGIN_MARK" "$END_MARK" "$(report)"
fi
