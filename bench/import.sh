#!/usr/bin/env bash
# Benchmark: podmigrate import against each engine's own bulk loader, same rows,
# same fresh Pod v4.0.3 schema.
#
# Usage: bench/import.sh [--engines sqlite,mariadb,postgresql] [--scale S]
#                        [--reps N] [--reload] [--reexport] [--write-results]
#                        [--tags-only] [--server-dir DIR] [--pm BINARY]
#
#   --engines        comma-separated subset (default: all three)
#   --scale S        size of the v3 data set (tests/gen_v3_data.py --mode bench;
#                    1 = 100 000 videos, 2 000 000 view counts, 500 000 tag links)
#   --reps N         timed repetitions, the median is reported (default 3)
#   --reload         regenerate the v3 data set (default: reuse the one bench/run.sh
#                    loaded, as its --reuse does)
#   --reexport       export bench/work/E.json again (default: reuse it when it is
#                    newer than the v3 data set, e.g. left by bench/run.sh)
#   --write-results  also write the report into bench/RESULTS.md (its own section,
#                    between the import markers; the export part is left alone)
#   --tags-only      time only the tag runs (step 3 without the full import and the
#                    full raw load); the report leaves the import table out
#   --server-dir DIR data directory of the throwaway servers (default
#                    /tmp/podmigrate-bench, shared with bench/run.sh)
#   --pm BINARY      time this podmigrate binary (copied to bench/work/podmigrate)
#                    instead of running `make` and taking build/podmigrate
#
# For each engine, in this order:
#   1. the v3 data set (cached), its export bench/work/E.json (cached);
#   2. warm-up (not timed): podmigrate import into a fresh v4 database; its row
#      counts per table define the rows of the benchmark; the raw load files are
#      written (the tables copied from the v3 database, v4 columns, in the format of
#      the engine's loader: cached; the 4 tagulous tables from the imported v4
#      database), then loaded once by the raw loader, which must give the very same
#      row count in every table;
#   3. N times, alternating: fresh v4 database (not timed) + podmigrate import;
#      on that imported database: podmigrate import --onlytags (a re-run: the tag
#      rows are already right), the raw tag reload (empty the 4 tagulous tables,
#      load them again), then, the tagulous tables emptied (not timed) before
#      each, podmigrate import --onlytags (a first conversion) and the raw load
#      of the 4 tables alone; fresh v4 database (not timed) + the raw load.
# Servers: tests/servers.sh on 127.0.0.1:53316 (MariaDB) and :55442 (PostgreSQL),
# stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_defaults
REEXPORT=0
TAGS_ONLY=0
ORIG_ARGS=("$@")

while (($#)); do
    common_option "$@"
    if ((SHIFT)); then shift "$SHIFT"; continue; fi
    case "$1" in
    --reload) REUSE=0; shift ;;
    --reuse) REUSE=1; shift ;; # the default; accepted like bench/run.sh's
    --reexport) REEXPORT=1; shift ;;
    --tags-only) TAGS_ONLY=1; shift ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
check_common_options

build_pm
start_servers

V4DB=pm_bench_v4 # the target database, recreated before every run
TAGULOUS_TABLES=(video_tagulous_video_tags video_video_tags recorder_tagulous_recorder_tags recorder_recorder_tags)
is_tagulous() { [[ " ${TAGULOUS_TABLES[*]} " == *" $1 "* ]]; }
rel() { echo "${1#"$ROOT"/}"; } # path for the report
# The quoted column list of a .cols file ("name<TAB>type" lines).
quoted_cols() { # engine cols-file
    # shellcheck disable=SC2016
    if [[ "$1" == mariadb ]]; then cut -f1 "$2" | sed 's/.*/`&`/' | paste -sd,; else cut -f1 "$2" | sed 's/.*/"&"/' | paste -sd,; fi
}

# "table<TAB>rows" for every table of database $2 (one query).
table_counts() { # engine database
    local e=$1 d=$2 list q="" t
    case "$e" in
    sqlite) list=$(sql_in "$e" "$d" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") ;;
    mariadb) list=$(sql_in "$e" "$d" "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name") ;;
    postgresql) list=$(sql_in "$e" "$d" "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename") ;;
    esac
    for t in $list; do q+="${q:+ UNION ALL }SELECT '$t', COUNT(*) FROM $(qident "$e" "$t")"; done
    case "$e" in
    sqlite) sqlite3 -batch -separator $'\t' "$(sqlite_file "$d")" "$q" ;;
    *) sql_in "$e" "$d" "$q" | tr '|' '\t' ;;
    esac
}

# The columns of table $3 in database $2, in table order: "name<TAB>type" lines.
columns_of() { # engine database table
    case "$1" in
    sqlite) sqlite3 -batch -separator $'\t' "$(sqlite_file "$2")" "SELECT name, type FROM pragma_table_info('$3') ORDER BY cid" ;;
    mariadb) sql_in "$1" "$2" "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '$3' ORDER BY ordinal_position" ;;
    postgresql) sql_in "$1" "$2" "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$3' ORDER BY ordinal_position" | tr '|' '\t' ;;
    esac
}

# ------------------------------------------------------------ raw load files

# One file per table in the format of the engine's loader, v4 columns in v4
# order: COPY text (PostgreSQL), LOAD DATA's default tab-separated format with
# \N for NULL (MariaDB), CSV (SQLite). Rows in the source's natural order
# (clustered index / heap / rowid: primary key order for these data sets).
#   dump_table engine database table "c1,c2,..." types-file out-file
dump_table() {
    local e=$1 d=$2 t=$3 cols=$4 types=$5 out=$6 sel="" c ty
    case "$e" in
    postgresql)
        pg -d "$d" -c "COPY public.\"$t\" ($cols) TO STDOUT" >"$out"
        ;;
    mariadb)
        # secure_file_priv is NULL on these servers (no SELECT ... INTO OUTFILE):
        # the client writes the file, --raw, the escaping of LOAD DATA done in SQL.
        while IFS=$'\t' read -r c ty; do
            case "$ty" in
            *char | *text | enum | set | json)
                sel+="${sel:+, }COALESCE(REPLACE(REPLACE(REPLACE(\`$c\`, '\\\\', '\\\\\\\\'), '\\t', '\\\\t'), '\\n', '\\\\n'), '\\\\N')" ;;
            *blob | *binary | bit) die "mariadb: $t.$c: binary column type $ty not handled" ;;
            *) sel+="${sel:+, }COALESCE(\`$c\`, '\\\\N')" ;;
            esac
        done <"$types"
        my --quick --raw -N -B "$d" -e "SELECT $sel FROM \`$t\`" >"$out"
        ;;
    sqlite)
        # .import reads an empty field as '' (it has no NULL marker): NULLs
        # come back as empty strings, the same amount of work for the loader.
        sqlite3 -batch -bail "$(sqlite_file "$d")" ".headers off" ".mode csv" ".output $out" \
            "SELECT $(cut -f1 "$types" | sed 's/.*/"&"/' | paste -sd,) FROM \"$t\""
        ;;
    esac
}

raw_ext() { case "$1" in postgresql) echo copy ;; mariadb) echo tsv ;; sqlite) echo csv ;; esac; }

# Writes the raw files of the tables in LOADED (the v4 tables podmigrate filled)
# into RAWDIR and the loader script RAWSCRIPT. Tables present in v3 are copied
# from the v3 data set (cached with a key: data set + column lists); the
# tagulous tables are dumped from the v4 database podmigrate just imported.
make_raw_files() { # engine
    local e=$1 v3db ext t key manifest="" types f
    v3db=$(dbname "$SCALE")
    ext=$(raw_ext "$e")
    RAWDIR=$WORK/raw-$e
    mkdir -p "$RAWDIR"
    for t in "${LOADED[@]}"; do
        columns_of "$e" "$V4DB" "$t" >"$RAWDIR/$t.cols"
        manifest+="$t:$(cut -f1 "$RAWDIR/$t.cols" | paste -sd,);"
    done
    key=$({ cat "$(key_file "$e" "$SCALE")"; echo "$manifest"; } | sha256sum | cut -c1-16)
    if [[ -f "$RAWDIR/key" && "$(cat "$RAWDIR/key")" == "$key" ]]; then
        log "$e: reusing the raw files of the v3 tables ($(rel "$RAWDIR"))"
    else
        log "$e: writing the raw files of the v3 tables from $v3db (not timed) ..."
        rm -f "$RAWDIR"/*."$ext" "$RAWDIR/key"
        for t in "${LOADED[@]}"; do
            is_tagulous "$t" && continue
            types=$RAWDIR/$t.cols
            dump_table "$e" "$v3db" "$t" "$(quoted_cols "$e" "$types")" "$types" "$RAWDIR/$t.$ext"
        done
        echo "$key" >"$RAWDIR/key"
    fi
    for t in "${LOADED[@]}"; do
        is_tagulous "$t" || continue
        types=$RAWDIR/$t.cols
        dump_table "$e" "$V4DB" "$t" "$(quoted_cols "$e" "$types")" "$types" "$RAWDIR/$t.$ext"
    done

    # The loader scripts: every table in one transaction, in the order of
    # podmigrate's JSON (parents first), tagulous tables last; and the tags
    # alone (what --onlytags does: empty the tagulous tables, load them again).
    local suffix tagtables=()
    suffix=$([[ "$e" == sqlite ]] && echo txt || echo sql)
    RAWSCRIPT=$RAWDIR/load.$suffix
    write_load_script "$e" "${LOADED[@]}" >"$RAWSCRIPT"
    for t in "${TAGULOUS_TABLES[@]}"; do
        # the tags before their relations, as a DBA would (all deferred anyway)
        [[ " ${LOADED[*]} " == *" $t "* ]] && tagtables+=("$t")
    done
    RAWTAGSCRIPT=$RAWDIR/tags.$suffix
    DELETE_FIRST=1 write_load_script "$e" "${tagtables[@]}" >"$RAWTAGSCRIPT"
    RAWTAGLOADSCRIPT=$RAWDIR/tags-load.$suffix
    write_load_script "$e" "${tagtables[@]}" >"$RAWTAGLOADSCRIPT"
    RAW_MB=$(mb "$(cat "$RAWDIR"/*."$ext" | wc -c)")
}

# The loader script of engine $1 for tables $2...; with DELETE_FIRST=1 the
# tagulous tables are emptied first (relations, then tags).
write_load_script() {
    local e=$1 t f ext
    shift
    ext=$(raw_ext "$e")
    case "$e" in
    postgresql) echo "BEGIN;"; echo "SET CONSTRAINTS ALL DEFERRED;" ;;
    mariadb) echo "SET SESSION foreign_key_checks = 0;"; echo "START TRANSACTION;" ;;
    sqlite) echo "BEGIN;" ;;
    esac
    if [[ "${DELETE_FIRST:-0}" == 1 ]]; then
        # video_video_tags before video_tagulous_video_tags, recorder likewise
        for t in video_video_tags video_tagulous_video_tags recorder_recorder_tags recorder_tagulous_recorder_tags; do
            echo "DELETE FROM $(qident "$e" "$t");"
        done
    fi
    for t in "$@"; do
        f=$RAWDIR/$t.$ext
        case "$e" in
        postgresql) echo "\\copy public.\"$t\" ($(quoted_cols "$e" "$RAWDIR/$t.cols")) FROM '$f'" ;;
        mariadb) echo "LOAD DATA LOCAL INFILE '$f' INTO TABLE \`$t\` CHARACTER SET utf8mb4 ($(quoted_cols "$e" "$RAWDIR/$t.cols"));" ;;
        sqlite) echo ".import --csv '$f' $t" ;;
        esac
    done
    echo "COMMIT;"
}

# Empties the 4 tagulous tables (not timed) as fresh as \`make createDB\` leaves
# them: what a first conversion starts from (TRUNCATE: no deleted index
# entries left behind for the load to step over; SQLite's DELETE without
# WHERE, foreign keys off in the CLI, truncates too).
empty_tags() { # engine
    local e=$1 t sql="" list=""
    for t in video_video_tags video_tagulous_video_tags recorder_recorder_tags recorder_tagulous_recorder_tags; do
        sql+="DELETE FROM $(qident "$e" "$t"); "
        list+="${list:+, }$(qident "$e" "$t")"
    done
    case "$e" in
    sqlite) sqlite3 -batch -bail "$(sqlite_file "$V4DB")" "BEGIN; $sql COMMIT;" ;;
    mariadb) my "$V4DB" -e "SET SESSION foreign_key_checks = 0; ${sql//DELETE FROM/TRUNCATE}" ;;
    postgresql) pg -d "$V4DB" -c "TRUNCATE $list" -c "CHECKPOINT" >/dev/null ;;
    esac
}

# One timed tag step of round $i: "$1" names it, $2 is the prefix of its
# result arrays (${2}_t, ${2}_r), the command follows; OUT says where its
# output goes (a raw loader must print nothing). The tag relations must then
# number REL.
timed_tag_step() {
    local what=$1
    local -n times=${2}_t rss=${2}_r
    shift 2
    timed "$@"
    [[ "$OUT" == /dev/null || ! -s "$OUT" ]] || die "$e: $what printed something: $(head -c 2000 "$OUT")"
    times+=("$ELAPSED") rss+=("$RSS_KB")
    RAW+="| $e | $i | $what | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
    log "$e run $i: $what ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
    local got
    got=$(count_in "$e" "$V4DB" video_video_tags recorder_recorder_tags)
    ((got == REL)) || die "$e: after $what: $got tag relations, expected $REL"
}

# The raw load command of engine $1 for script $2, in RAWCMD (array) and
# RAW_DESC (report); RAW_NAME names the loader.
raw_cmd() {
    local script=$2
    case "$1" in
    postgresql)
        RAWCMD=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PM_TEST_PG_PORT" -U podtest -d "$V4DB" -f "$script")
        RAW_NAME="psql \\copy (COPY FROM STDIN)"
        RAW_DESC="PGPASSWORD=podtest ${RAWCMD[*]/#$ROOT\//}"
        ;;
    mariadb)
        RAWCMD=(mariadb --no-defaults --local-infile=1 -h127.0.0.1 -P"$PM_TEST_MYSQL_PORT" -upodtest -ppodtest "$V4DB"
            -e "source $script")
        RAW_NAME="mariadb LOAD DATA LOCAL INFILE"
        RAW_DESC="mariadb --no-defaults --local-infile=1 -h127.0.0.1 -P$PM_TEST_MYSQL_PORT -upodtest -ppodtest $V4DB -e \"source $(rel "$script")\""
        ;;
    sqlite)
        RAWCMD=(sqlite3 -batch -bail -init "$script" "$(sqlite_file "$V4DB")" .quit)
        RAW_NAME="sqlite3 .import (csv)"
        RAW_DESC="${RAWCMD[*]/#$ROOT\//}"
        RAW_DESC=${RAW_DESC//$ROOT\//}
        ;;
    esac
}

# Is $2 a complete export of the v3 data set of engine $1 at SCALE? bench/run.sh
# writes E.json for whatever scale it ran: newer than the data set, ends the
# JSON object, and the same row counts for video_video and video_viewcount.
json_matches() { # engine json key-file
    local e=$1 json=$2 kf=$3 got want
    [[ -s "$json" && "$json" -nt "$kf" ]] || return 1
    [[ "$(tail -c 3 "$json" | tr -d '\n')" == "}" ]] || return 1
    got=$(awk '/^"[A-Za-z0-9_]+":\[/ {t = $0} /^\{/ && (t ~ /^"video_video":/ || t ~ /^"video_viewcount":/) {n[t]++}
        END {print n["\"video_video\":["] + 0, n["\"video_viewcount\":["] + 0}' "$json")
    want="$(count_rows "$e" "$SCALE" video_video) $(count_rows "$e" "$SCALE" video_viewcount)"
    [[ "$got" == "$want" ]] || { log "$e: $(rel "$json") is not an export of this data set ($got rows, want $want)"; return 1; }
}

# ------------------------------------------------------------------- run

RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
# Others commit and edit src/ while we run: name the commit and whether src/ differed from it.
[[ -n "$PM_BINARY" ]] && PM_SOURCE="whatever the tree held when $PM_BINARY was built" ||
    PM_SOURCE="commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Makefile 2>/dev/null || echo ' plus uncommitted changes in src/')"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A R # results, R[engine.key]
RAW=""       # one markdown line per timed run

for e in "${ENGINE_LIST[@]}"; do
    load_data "$e" "$SCALE"
done

for e in "${ENGINE_LIST[@]}"; do
    json=$WORK/$e.json
    kf=$(key_file "$e" "$SCALE")
    # The export bench/run.sh leaves behind, if it was made from this data set
    # and is complete; otherwise export it now (not timed).
    if ((!REEXPORT)) && json_matches "$e" "$json" "$kf"; then
        log "$e: reusing $(rel "$json") ($(date -u -r "$json" '+%Y-%m-%d %H:%M UTC'))"
        R[$e.json_note]="left by an earlier run, $(date -u -r "$json" '+%Y-%m-%d %H:%M UTC')"
    else
        log "$e: exporting the v3 data set to $(rel "$json") (not timed) ..."
        "$PM" export --db "$(db_url "$e" "$SCALE")" -o "$json" -q
        R[$e.json_note]="exported by this run's binary"
    fi
    R[$e.json_mb]=$(mb "$(stat -c %s "$json")")
    R[$e.json_rows]=$(grep -c '^{' "$json" || true)
    url=$(url_of "$e" "$V4DB")
    PMCMD=("$PM" import --db "$url" -i "$json" -q)
    TAGCMD=("$PM" import --db "$url" -i "$json" --onlytags -q)

    # ---- warm-up: the rows, the raw files, one raw load that must match.
    log "$e: warm-up podmigrate import ..."
    fresh_v4 "$e"
    OUT=/dev/null timed "${PMCMD[@]}"
    log "$e: warm-up podmigrate import ${ELAPSED}s"
    table_counts "$e" "$V4DB" | awk -F'\t' '$2 > 0' >"$WORK/import-counts-$e.txt"
    # Load order: podmigrate's (the JSON's), then the tagulous tables.
    mapfile -t LOADED < <(
        grep -oE '^"[A-Za-z0-9_]+":\[' "$json" | sed -E 's/^"(.*)":\[$/\1/' |
            grep -Fxf <(cut -f1 "$WORK/import-counts-$e.txt") || true
        printf '%s\n' "${TAGULOUS_TABLES[@]}" | grep -Fxf <(cut -f1 "$WORK/import-counts-$e.txt") || true
    )
    ((${#LOADED[@]} == $(wc -l <"$WORK/import-counts-$e.txt"))) ||
        die "$e: tables with rows after the import that are neither in the JSON nor tagulous: $(cut -f1 "$WORK/import-counts-$e.txt" | grep -vFxf <(printf '%s\n' "${LOADED[@]}") | tr '\n' ' ')"
    ROWS=$(awk -F'\t' '{s += $2} END {print s}' "$WORK/import-counts-$e.txt")
    REL=$(awk -F'\t' '$1 == "video_video_tags" || $1 == "recorder_recorder_tags" {s += $2} END {print s + 0}' "$WORK/import-counts-$e.txt")
    TAGS=$(awk -F'\t' '$1 == "video_tagulous_video_tags" || $1 == "recorder_tagulous_recorder_tags" {s += $2} END {print s + 0}' "$WORK/import-counts-$e.txt")
    make_raw_files "$e"
    raw_cmd "$e" "$RAWTAGSCRIPT"
    TAGRAWCMD=("${RAWCMD[@]}") TAGRAW_DESC=$RAW_DESC
    raw_cmd "$e" "$RAWTAGLOADSCRIPT"
    TAGLOADCMD=("${RAWCMD[@]}") TAGLOAD_DESC=$RAW_DESC
    raw_cmd "$e" "$RAWSCRIPT"

    log "$e: warm-up $RAW_NAME of ${#LOADED[@]} tables ..."
    fresh_v4 "$e"
    OUT=$WORK/raw-load-$e.out
    if [[ "$e" == mariadb ]]; then
        # Once, with the warnings shown: LOAD DATA LOCAL turns errors into warnings.
        timed "${RAWCMD[@]}" --show-warnings
    else
        timed "${RAWCMD[@]}"
    fi
    [[ ! -s "$OUT" ]] || die "$e: the raw load printed something (warnings?): $(head -c 2000 "$OUT")"
    log "$e: warm-up $RAW_NAME ${ELAPSED}s"
    table_counts "$e" "$V4DB" | awk -F'\t' '$2 > 0' >"$WORK/raw-counts-$e.txt"
    diff "$WORK/import-counts-$e.txt" "$WORK/raw-counts-$e.txt" >&2 ||
        die "$e: the raw load gives other row counts than podmigrate (above: < podmigrate, > raw)"

    # ---- timed runs, alternating.
    # shellcheck disable=SC2034 # tl_r: filled by timed_tag_step, not reported
    pm_t=() pm_r=() tg_t=() tg_r=() tr_t=() tr_r=() rw_t=() rw_r=() te_t=() te_r=() tl_t=() tl_r=()
    for ((i = 1; i <= REPS; i++)); do
        if ((!TAGS_ONLY)); then
            fresh_v4 "$e"
            OUT=/dev/null timed "${PMCMD[@]}"
            pm_t+=("$ELAPSED") pm_r+=("$RSS_KB")
            RAW+="| $e | $i | podmigrate import | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
            log "$e run $i: podmigrate import ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
        fi

        # A re-run, then the same job done by the engine's loader: empty the 4
        # tagulous tables, load them again from the raw files.
        OUT=/dev/null timed_tag_step "podmigrate import --onlytags" tg "${TAGCMD[@]}"
        OUT=$WORK/raw-load-$e.out timed_tag_step "$RAW_NAME, tags only" tr "${TAGRAWCMD[@]}"

        # A first conversion: the tagulous tables empty, podmigrate then the raw loader.
        empty_tags "$e"
        OUT=/dev/null timed_tag_step "podmigrate import --onlytags, tag tables empty" te "${TAGCMD[@]}"
        empty_tags "$e"
        OUT=$WORK/raw-load-$e.out timed_tag_step "$RAW_NAME, tags only, tables empty" tl "${TAGLOADCMD[@]}"

        ((TAGS_ONLY)) && continue
        fresh_v4 "$e"
        OUT=/dev/null timed "${RAWCMD[@]}"
        rw_t+=("$ELAPSED") rw_r+=("$RSS_KB")
        RAW+="| $e | $i | $RAW_NAME | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
        log "$e run $i: $RAW_NAME ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
    done
    got=$(count_in "$e" "$V4DB" "${LOADED[@]}")
    ((got == ROWS)) || die "$e: after the last run: $got rows, expected $ROWS"

    R[$e.rows]=$ROWS
    R[$e.tables]=${#LOADED[@]}
    R[$e.rel]=$REL
    R[$e.tags]=$TAGS
    # shellcheck disable=SC2016 # backquotes for markdown
    R[$e.big]=$(sort -t$'\t' -k2,2nr "$WORK/import-counts-$e.txt" | head -n 6 |
        while IFS=$'\t' read -r t n; do printf '`%s` %s, ' "$t" "$(thousands "$n")"; done | sed 's/, $//')
    if ((!TAGS_ONLY)); then
        R[$e.pm_s]=$(median "${pm_t[@]}")
        R[$e.pm_rss]=$(median "${pm_r[@]}")
        R[$e.rw_s]=$(median "${rw_t[@]}")
        R[$e.rw_rss]=$(median "${rw_r[@]}")
    fi
    R[$e.te_s]=$(median "${te_t[@]}")
    R[$e.te_rss]=$(median "${te_r[@]}")
    R[$e.tl_s]=$(median "${tl_t[@]}")
    R[$e.tl_cmd]=$TAGLOAD_DESC
    R[$e.tl_name]=$(rel "$RAWTAGLOADSCRIPT")
    R[$e.tl_script]=$(sed "s|$ROOT/||g" "$RAWTAGLOADSCRIPT")
    R[$e.tg_s]=$(median "${tg_t[@]}")
    R[$e.tg_rss]=$(median "${tg_r[@]}")
    R[$e.tr_s]=$(median "${tr_t[@]}")
    R[$e.tr_rss]=$(median "${tr_r[@]}")
    R[$e.tr_cmd]=$TAGRAW_DESC
    R[$e.tr_script]=$(sed "s|$ROOT/||g" "$RAWTAGSCRIPT")
    R[$e.tr_name]=$(rel "$RAWTAGSCRIPT")
    R[$e.raw_name]=$RAW_NAME
    R[$e.raw_mb]=$RAW_MB
    case "$e" in
    mariadb) R[$e.pw]="MYSQL_PWD=podtest " ;;
    postgresql) R[$e.pw]="PGPASSWORD=podtest " ;;
    *) R[$e.pw]="" ;;
    esac
    R[$e.pm_cmd]="${R[$e.pw]}${PMCMD[*]/#$ROOT\//}"
    R[$e.tg_cmd]="${R[$e.pw]}${TAGCMD[*]/#$ROOT\//}"
    R[$e.rw_cmd]=$RAW_DESC
    R[$e.script]=$(rel "$RAWSCRIPT")
    R[$e.script_head]=$(sed -n '1,4p' "$RAWSCRIPT" | sed "s|$ROOT/||g")
    R[$e.script_tail]=$(tail -n 2 "$RAWSCRIPT" | sed "s|$ROOT/||g")
    R[$e.version]=$(server_version "$e")
done

# ------------------------------------------------------------------ report

under5() { awk -v s="$1" 'BEGIN {exit !(s < 5)}' && echo "yes" || echo "**no**"; }
report() {
    local e cpu ram
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
    cat <<EOF
# Benchmark: podmigrate import vs. the engines' own bulk loaders

Written by \`bench/import.sh\`; every number below comes from the run described here.

**Targets:** ratio (podmigrate rows/s ÷ raw bulk-load rows/s) **≥ 0.7**, podmigrate peak RSS **< 64 MB**,
\`import --onlytags\` **< 5 s** per engine.

## Import run

- Date: $RUN_DATE
- Command: \`bench/import.sh${ORIG_ARGS[*]:+ ${ORIG_ARGS[*]}}\`
- Machine: $(nproc) vCPUs ($cpu), shared with other sessions; $ram RAM, $(uname -sr); load average before
  the run: $LOAD_BEFORE
- podmigrate: $PM_VERSION ($PM_BUILD; binary sha256 $PM_SHA…; source: $PM_SOURCE)
EOF
    for e in "${ENGINE_LIST[@]}"; do echo "- $e: ${R[$e.version]}"; done
    cat <<EOF
- Input: \`bench/work/E.json\`, \`podmigrate export\` of the v3 data set
  \`python3 tests/gen_v3_data.py --engine E --mode bench --scale $SCALE\` (Pod v3.8.4 schema), exported from the same
  engine: $(for e in "${ENGINE_LIST[@]}"; do printf '%s %s MB, %s (%s); ' "$e" "${R[$e.json_mb]}" "$(thousands "${R[$e.json_rows]}") JSON rows" "${R[$e.json_note]}"; done | sed 's/; $//').
- Target: a fresh Pod v4.0.3 database before every timed run (\`tests/data/v4.0.3/E.sql\`; SQLite loaded
  by \`gen_v3_data.load_sqlite_schema\`, which registers \`django_datetime_cast_date\`; PostgreSQL followed by a
  \`CHECKPOINT\`), made outside the timing.
- Raw bulk load: the same rows into the same fresh schema, one transaction, from files written once (not
  timed): the $(printf '%s' "${R[${ENGINE_LIST[0]}.tables]}") tables podmigrate filled, v4 columns in v4 order; the tables v3
  also has are copied from the v3 database (\`video_video.tags\`/\`recorder_recorder.tags\` left out, as v4 has
  no such column), the 4 tagulous tables from the v4 database podmigrate had just imported. A warm-up load
  must give exactly podmigrate's row count in every table.
  - PostgreSQL: \`COPY public."T" (cols) TO STDOUT\` from v3, loaded by psql \`\\copy … FROM 'file'\` (COPY FROM STDIN)
    after \`BEGIN; SET CONSTRAINTS ALL DEFERRED\` (podmigrate does the same; Django's FKs are deferrable).
  - MariaDB: \`mariadb --quick --raw -N -B\` of a SELECT that writes LOAD DATA's escapes and \`\\N\` (the server has
    \`secure_file_priv = NULL\`, no \`SELECT … INTO OUTFILE\`), loaded by \`LOAD DATA LOCAL INFILE\` with
    \`SET SESSION foreign_key_checks = 0\` in the same session (podmigrate does the same); warm-up run with
    \`--show-warnings\`: none.
  - SQLite: \`sqlite3\` \`.mode csv\` of v3, loaded by \`.import --csv\` between \`BEGIN\`/\`COMMIT\`. The sqlite3 CLI
    leaves \`foreign_keys\` off (podmigrate turns it on, deferred) and \`.import\` reads NULL as \`''\` (no NULL
    marker in CSV): so podmigrate checks every foreign key at commit, the raw load none.
- Method: one untimed warm-up of each, then $REPS rounds alternating: $( ((TAGS_ONLY)) && echo "(\`--tags-only\`: the tag runs alone, on the database the warm-up raw load filled)" || echo "podmigrate import,") \`import --onlytags\` on
  that database, raw tag reload on it, then the tagulous tables emptied (not timed) before \`import --onlytags\` and
  before the raw load of those tables alone$( ((TAGS_ONLY)) || echo ", raw load"); median of the $REPS for time (\`/usr/bin/time -v\` elapsed wall clock)
  and peak RSS (\`Maximum resident set size\`, the client process only, not the server). The servers run on the
  same 2 vCPUs: their work competes with the client's.
- Rows: \`COUNT(*)\` of every v4 table after podmigrate's import (the raw load gives the same counts), so
  ratio = raw seconds ÷ podmigrate seconds. Largest: ${R[${ENGINE_LIST[0]}.big]}.

EOF
    ((TAGS_ONLY)) || cat <<EOF

## Import results (scale $SCALE)

| engine | rows | podmigrate s | podmigrate rows/s | podmigrate peak RSS MB | raw bulk load | raw s | raw rows/s | raw peak RSS MB | ratio (target ≥ 0.7) | RSS < 64 MB | JSON MB | raw files MB |
|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|
EOF
    for e in "${ENGINE_LIST[@]}"; do
        ((TAGS_ONLY)) && break
        local rows=${R[$e.rows]} pr nr
        pr=$(rate "$rows" "${R[$e.pm_s]}")
        nr=$(rate "$rows" "${R[$e.rw_s]}")
        echo "| $e | $(thousands "$rows") | ${R[$e.pm_s]} | $(thousands "$pr") | $(kb2mb "${R[$e.pm_rss]}") | ${R[$e.raw_name]} | ${R[$e.rw_s]} | $(thousands "$nr") | $(kb2mb "${R[$e.rw_rss]}") | $(ratio_cell "$pr" "$nr") | $(ok "${R[$e.pm_rss]} < 65536") | ${R[$e.json_mb]} | ${R[$e.raw_mb]} |"
    done
    cat <<EOF

## Tags alone: \`podmigrate import --onlytags\` (scale $SCALE)

\`--onlytags\` scans over the other tables of the JSON (brackets and strings only), parses
\`video_tagging_tag_2_tagulous\` / \`recorder_tagging_tag_2_tagulous\`, computes the tagulous rows, reads the rows
the 4 tagulous tables hold and writes only the difference, one transaction. Two cases:

- **re-run**: on the database just imported, whose tag rows are already right (nothing to write). For scale, the
  engine's own loader doing what \`--onlytags\` did before it compared rows: \`DELETE\` the 4 tagulous tables and
  bulk-load them again from the raw files, one transaction (same session settings as the raw load above).
- **first conversion**: the 4 tagulous tables emptied beforehand (not timed), so every row is written. For scale,
  the engine's loader filling the same empty tables from the raw files (the floor for writing those rows).

| engine | tags | relations | re-run s | peak RSS MB | < 5 s | raw reload s | first conversion s | peak RSS MB | < 5 s | raw load, empty tables s | ratio (raw ÷ podmigrate) |
|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|
EOF
    for e in "${ENGINE_LIST[@]}"; do
        echo "| $e | $(thousands "${R[$e.tags]}") | $(thousands "${R[$e.rel]}") | ${R[$e.tg_s]} | $(kb2mb "${R[$e.tg_rss]}") | $(under5 "${R[$e.tg_s]}") | ${R[$e.tr_s]} | ${R[$e.te_s]} | $(kb2mb "${R[$e.te_rss]}") | $(under5 "${R[$e.te_s]}") | ${R[$e.tl_s]} | $(awk -v a="${R[$e.tl_s]}" -v b="${R[$e.te_s]}" 'BEGIN {printf "%.2f", a / b}') |"
    done
    echo
    echo "## Exact import commands (scale $SCALE)"
    echo
    echo "\`bench/work/podmigrate\` is the copy of the binary timed (see \"podmigrate\" above); \`pm_bench_v4\` is recreated"
    echo "before each podmigrate import and each raw load."
    echo
    echo '```sh'
    local first=1
    for e in "${ENGINE_LIST[@]}"; do
        ((first)) || echo
        first=0
        echo "# $e (${R[$e.tables]} tables with rows, $(thousands "${R[$e.rows]}") rows)"
        ((TAGS_ONLY)) || echo "${R[$e.pm_cmd]}"
        echo "${R[$e.tg_cmd]}"
        if ((!TAGS_ONLY)); then
            echo "# ${R[$e.raw_name]}; ${R[$e.script]}:"
            printf '%s\n' "${R[$e.script_head]}" | sed 's/^/#   /'
            echo "#   ... (one line per table)"
            printf '%s\n' "${R[$e.script_tail]}" | sed 's/^/#   /'
            echo "${R[$e.rw_cmd]}"
        fi
        echo "# the raw tag reload; ${R[$e.tr_name]}:"
        printf '%s\n' "${R[$e.tr_script]}" | sed 's/^/#   /'
        echo "${R[$e.tr_cmd]}"
        echo "# the raw tag load into the emptied tables; ${R[$e.tl_name]}:"
        printf '%s\n' "${R[$e.tl_script]}" | sed 's/^/#   /'
        echo "${R[$e.tl_cmd]}"
    done
    echo '```'
    echo
    echo "## Every timed import run"
    echo
    echo "CPU s = user + system time of the client process (the server's CPU is not counted)."
    echo
    echo "| engine | run | tool | wall s | CPU s | peak RSS MB |"
    echo "|---|---:|---|---:|---:|---:|"
    printf '%s' "$RAW"
}

REPORT=$(report)
printf '%s\n' "$REPORT"
if ((WRITE_RESULTS)); then
    # Our section of bench/RESULTS.md sits between these markers, after the
    # export part (bench/run.sh keeps everything from its "## Notes" on, so it
    # keeps this section too). Hand-written notes under NOTES_HDR survive.
    BEGIN_MARK='<!-- bench/import.sh: begin -->'
    END_MARK='<!-- bench/import.sh: end -->'
    NOTES_HDR='## Notes on the import'
    f=bench/RESULTS.md
    touch "$f"
    notes=""
    if grep -qxF "$BEGIN_MARK" "$f"; then
        notes=$(awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v h="$NOTES_HDR" \
            '$0 == b {inb = 1} $0 == e {inb = 0; inn = 0} inb && $0 == h {inn = 1} inn {print}' "$f")
        before=$(awk -v b="$BEGIN_MARK" '$0 == b {exit} {print}' "$f")
        after=$(awk -v e="$END_MARK" 'found {print} $0 == e {found = 1}' "$f")
    else
        before=$(cat "$f") after=""
    fi
    {
        [[ -z "$before" ]] || printf '%s\n\n' "$before"
        printf '%s\n%s\n' "$BEGIN_MARK" "$REPORT"
        [[ -z "$notes" ]] || printf '\n%s\n' "$notes"
        printf '%s\n' "$END_MARK"
        [[ -z "$after" ]] || printf '%s\n' "$after"
    } >"$f.tmp"
    mv -f "$f.tmp" "$f"
    log "wrote the import section of $f"
fi
