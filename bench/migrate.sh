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

ENGINES=sqlite,mariadb,postgresql
SCALE=1
REPS=3
REUSE=1
WRITE_RESULTS=0
SRV_DIR=/tmp/podmigrate-bench
PM_BINARY=""
WORK=$ROOT/bench/work # git-ignored

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

common_options_only "$@"
build_pm
start_servers

V4DB=pm_bench_migrate_v4
COPYDB=pm_bench_copy
OUT=/dev/null
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)

# An empty database named $COPYDB (no schema: the dump brings it).
empty_copy() {
    case "$1" in
    sqlite) rm -f "$(sqlite_file "$COPYDB")" ;;
    mariadb) my -e "DROP DATABASE IF EXISTS \`$COPYDB\`; CREATE DATABASE \`$COPYDB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ;;
    postgresql) pg -d postgres -c "DROP DATABASE IF EXISTS \"$COPYDB\"" -c "CREATE DATABASE \"$COPYDB\" ENCODING 'UTF8' TEMPLATE template0" ;;
    esac
}

# The dump and the restore, as a DBA types them. SQLite's restore drops Pod's
# meeting CHECK from its CREATE TABLE: it calls django_datetime_cast_date(),
# which only Django's connections define, and sqlite3 refuses the statement.
dump_cmd() {
    local db
    db=$(dbname "$SCALE")
    case "$1" in
    sqlite) echo "sqlite3 -batch $(sqlite_path "$SCALE") .dump" ;;
    mariadb) echo "mariadb-dump --no-defaults -h127.0.0.1 -P$PM_TEST_MYSQL_PORT -upodtest --single-transaction --default-character-set=utf8mb4 $db" ;;
    postgresql) echo "pg_dump -h 127.0.0.1 -p $PM_TEST_PG_PORT -U podtest $db" ;;
    esac
}
cat >"$WORK/meeting-check.sed" <<'SED'
/^CREATE TABLE/s/, CONSTRAINT "[a-z_]+" CHECK \(\("recurring_until" >= django_datetime_cast_date\([^)]*\) OR "recurring_until" IS NULL\)\)//
SED
restore_cmd() {
    case "$1" in
    sqlite) echo "sed -E -f $WORK/meeting-check.sed | sqlite3 -batch $(sqlite_file "$COPYDB")" ;;
    mariadb) echo "mariadb --no-defaults -h127.0.0.1 -P$PM_TEST_MYSQL_PORT -upodtest --default-character-set=utf8mb4 $COPYDB" ;;
    postgresql) echo "psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PM_TEST_PG_PORT -U podtest -d $COPYDB >/dev/null" ;;
    esac
}

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
    tmp=$(mktemp)
    if grep -q '<!-- bench/migrate.sh: begin -->' bench/RESULTS.md; then
        # ENVIRON, not -v: awk -v would turn the report's backslashes into escapes
        NEW=$(report) awk '/<!-- bench\/migrate.sh: begin -->/ {print ENVIRON["NEW"]; skip = 1; next}
            /<!-- bench\/migrate.sh: end -->/ {skip = 0; next} !skip' bench/RESULTS.md >"$tmp"
    else
        { cat bench/RESULTS.md; echo; report; } >"$tmp"
    fi
    mv "$tmp" bench/RESULTS.md
fi
