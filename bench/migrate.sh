#!/usr/bin/env bash
# Benchmark: podmigrate migrate against the engines' own copy (a dump of v3
# restored into an empty database) and against export then import, same data,
# same run, with peak RSS.
#
# Usage: bench/migrate.sh [--engines sqlite,mariadb,postgresql] [--scale S]
#                         [--reps N] [--write-results] [--server-dir DIR] [--pm BINARY]
#
#   --engines        comma-separated subset (default: all three); each engine is timed
#                    with itself (the native tools copy within one engine)
#   --scale S        size of the v3 data set (tests/gen_v3_data.py --mode bench;
#                    1 = 100 000 videos, 2 000 000 view counts, 500 000 tag links)
#   --reps N         timed repetitions, the median is reported (default 3)
#   --write-results  also write the report into bench/RESULTS.md (its own section,
#                    between the migrate markers)
#   --server-dir DIR data directory of the throwaway servers (default
#                    /tmp/podmigrate-bench, shared with bench/run.sh; data sets reused)
#   --pm BINARY      time this podmigrate binary instead of build/podmigrate
#
# Per engine, N times, alternating (every v4 made fresh, not timed):
#   migrate --no-verify    the copy itself, into a fresh v4 (schema of make createDB)
#   migrate                the same, then verify (the default)
#   export + import        the two commands one after the other (the sum is reported)
#   dump | restore         pg_dump | psql, mariadb-dump | mariadb, sqlite3 .dump | sqlite3,
#                          into an empty database (schema included: it is in the dump)
#   restore alone          the same restore, from the dump written to a file first
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_defaults
bench_setup "$@"

V4DB=pm_bench_migrate_v4
COPYDB=pm_bench_copy
OUT=/dev/null
write_meeting_sed
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)

ROWS=()
CMDS=()
for e in "${ENGINE_LIST[@]}"; do
    load_data "$e" "$SCALE"
    v3=$(db_url "$e" "$SCALE") v4=$(url_of "$e" "$V4DB") json=$WORK/migrate-$e.json dump=$WORK/migrate-$e.dump
    mg=() mv=() ei=() dr=() ro=() mg_rss=0 mv_rss=0 ex_rss=0 im_rss=0 dr_rss=0 ro_rss=0
    for ((r = 1; r <= REPS; r++)); do
        fresh_v4 "$e"
        timed "$PM" migrate --from "$v3" --to "$v4" --no-verify -q
        mg+=("$ELAPSED"); ((RSS_KB > mg_rss)) && mg_rss=$RSS_KB
        fresh_v4 "$e"
        timed "$PM" migrate --from "$v3" --to "$v4" -q
        mv+=("$ELAPSED"); ((RSS_KB > mv_rss)) && mv_rss=$RSS_KB
        fresh_v4 "$e"
        timed "$PM" export --db "$v3" -o "$json" -q
        t_ex=$ELAPSED; ((RSS_KB > ex_rss)) && ex_rss=$RSS_KB
        timed "$PM" import --db "$v4" -i "$json" -q
        ei+=("$(awk -v a="$t_ex" -v b="$ELAPSED" 'BEGIN {print a + b}')"); ((RSS_KB > im_rss)) && im_rss=$RSS_KB
        empty_copy "$e"
        timed bash -o pipefail -c "$(dump_cmd "$e") | $(restore_cmd "$e")"
        dr+=("$ELAPSED"); ((RSS_KB > dr_rss)) && dr_rss=$RSS_KB
        bash -o pipefail -c "$(dump_cmd "$e") > $dump"
        empty_copy "$e"
        timed bash -o pipefail -c "{ $(restore_cmd "$e"); } < $dump"
        ro+=("$ELAPSED"); ((RSS_KB > ro_rss)) && ro_rss=$RSS_KB
        log "$e rep $r: migrate ${mg[-1]} s, with verify ${mv[-1]} s, export+import ${ei[-1]} s, dump|restore ${dr[-1]} s, restore ${ro[-1]} s"
    done
    rows=$(tables_of_json "$json" | { mapfile -t t; count_rows "$e" "$SCALE" "${t[@]}"; })
    m=$(median "${mg[@]}") v=$(median "${mv[@]}") x=$(median "${ei[@]}") d=$(median "${dr[@]}") o=$(median "${ro[@]}")
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
    ROWS+=("| $e | $(thousands "$rows") | $m s | $(rate "$rows" "$m") | $v s | $x s | $d s | $o s | $(ratio "$m" "$d") | $(ratio "$m" "$o") | $(ratio "$m" "$x") | $((mg_rss / 1024)) / $((mv_rss / 1024)) / $((im_rss / 1024)) / $((dr_rss / 1024)) MB |")
    CMDS+=("# $e" "$PM migrate --from $v3 --to $v4 [--no-verify] -q"
           "$PM export --db $v3 -o $json -q && $PM import --db $v4 -i $json -q"
           "$(dump_cmd "$e") | $(restore_cmd "$e")"
           "$(dump_cmd "$e") > $dump; { $(restore_cmd "$e"); } < $dump   # only the restore timed")
done

report() {
    echo "<!-- bench/migrate.sh: begin -->"
    echo "## migrate against the engines' own copy and export + import ($(date -u +%Y-%m-%d), scale $SCALE, median of $REPS, \`bench/migrate.sh\`)"
    echo
    echo "$PM_VERSION ($PM_BUILD, sha256 $PM_SHA); $(nproc) cores; load average before: $LOAD_BEFORE."
    echo "Goal: migrate no slower than dump | restore (ratio ≤ 1), aiming at the restore alone, and clearly"
    echo "faster than export then import. Ratios are migrate's time over the other's (below 1: migrate is faster)."
    echo
    echo "| engine | rows | migrate --no-verify | rows/s | migrate (with verify) | export + import | dump \\| restore | restore alone | ÷ dump\\|restore | ÷ restore | ÷ export+import | peak RSS migrate / with verify / import / dump\\|restore |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo '```sh'
    printf '%s\n' "${CMDS[@]}"
    echo '```'
    echo
    echo "<!-- bench/migrate.sh: end -->"
}
report
if ((WRITE_RESULTS)); then
    replace_results_section '<!-- bench/migrate.sh: begin -->' '<!-- bench/migrate.sh: end -->' "$(report)"
fi
