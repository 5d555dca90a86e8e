#!/usr/bin/env bash
# Benchmark: podmigrate export against each engine's own dump tool, same data.
#
# Usage: bench/run.sh [--engines sqlite,mariadb,postgresql] [--scale S]
#                     [--rss-scale S2|none] [--reps N] [--reuse]
#                     [--write-results] [--server-dir DIR] [--pm BINARY]
#
#   --engines        comma-separated subset (default: all three)
#   --scale S        size of the data set (tests/gen_v3_data.py --mode bench;
#                    1 = 100 000 videos, 2 000 000 view counts, 500 000 tag links)
#   --rss-scale S2   also export a data set of scale S2 (default 0.25) to show that
#                    podmigrate's peak RSS does not grow with the database; none = skip
#   --reps N         timed repetitions of each command, the median is reported (default 3)
#   --reuse          keep a data set already loaded by an earlier run (same schema, same
#                    scale, expected row counts) instead of reloading; only warns if
#                    tests/gen_v3_data.py changed since
#   --write-results  also write the report to bench/RESULTS.md
#   --server-dir DIR data directory of the throwaway servers
#                    (default /tmp/podmigrate-bench; kept between runs for --reuse)
#   --pm BINARY      time this podmigrate binary (copied to bench/work/podmigrate)
#                    instead of running `make` and taking build/podmigrate
#
# The servers listen on 127.0.0.1:53316 (MariaDB) and :55442 (PostgreSQL) so they
# never clash with the test servers of `make test` (53306/55432); both can be
# overridden with PM_TEST_MYSQL_PORT / PM_TEST_PG_PORT. They are stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_defaults
REUSE=0
RSS_SCALE=0.25
ORIG_ARGS=("$@")

while (($#)); do
    common_option "$@"
    if ((SHIFT)); then shift "$SHIFT"; continue; fi
    case "$1" in
    --rss-scale) RSS_SCALE=${2:?}; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
check_common_options
[[ "$RSS_SCALE" == none ]] || is_num "$RSS_SCALE" || die "--rss-scale must be a positive number or none"

build_pm
start_servers

# The native dump command of engine/scale for the tables in $TABLES.
native_cmd() { # engine scale -> NATIVE array, NATIVE_DESC text (NATIVE2*: optional 2nd baseline)
    local e=$1 s=$2 db t
    NATIVE2=() NATIVE_NOTE=""
    db=$(dbname "$s")
    case "$e" in
    sqlite)
        # One sqlite3 process. `.dump A B ...` takes several tables, but the
        # shell keeps only ~50 arguments per dot-command (the rest are silently
        # dropped), and each `.dump` costs ~11 ms of fixed overhead (schema
        # re-read): so one `.dump` per 40 tables. BEGIN/COMMIT: one read
        # snapshot for all, like podmigrate. .dump takes LIKE patterns (`_` =
        # any character): check_native makes sure they select exactly ours.
        {
            echo "BEGIN;"
            printf '%s\n' "${TABLES[@]}" | xargs -n 40 echo .dump --data-only
            echo "COMMIT;"
        } >"$WORK/sqlite-dump.txt"
        NATIVE=(sqlite3 -batch -init "$WORK/sqlite-dump.txt" "$(sqlite_path "$s")" .quit)
        # Second baseline, same INSERT text without .dump's per-pattern scans
        # of sqlite_schema (~0.9 s whatever the data size): .mode insert T.
        {
            echo "BEGIN;"
            for t in "${TABLES[@]}"; do printf '.mode insert %s\nSELECT * FROM "%s";\n' "$t" "$t"; done
            echo "COMMIT;"
        } >"$WORK/sqlite-insert.txt"
        NATIVE2=(sqlite3 -batch -init "$WORK/sqlite-insert.txt" "$(sqlite_path "$s")" .quit)
        NATIVE2_NAME="sqlite3 .mode insert"
        NATIVE2_NOTE="bench/work/sqlite-insert.txt: BEGIN; .mode insert T + SELECT * FROM \"T\"; (x${#TABLES[@]}); COMMIT"
        NATIVE2_DESC="sqlite3 -batch -init bench/work/sqlite-insert.txt $(sqlite_path "$s" | sed "s|^$ROOT/||") .quit"
        NATIVE_NOTE="bench/work/sqlite-dump.txt: BEGIN; .dump --data-only T1 ... T40 (x$(((${#TABLES[@]} + 39) / 40))); COMMIT"
        NATIVE_DESC="sqlite3 -batch -init bench/work/sqlite-dump.txt $(sqlite_path "$s" | sed "s|^$ROOT/||") .quit"
        ;;
    mariadb)
        NATIVE=(mariadb-dump --no-defaults -h127.0.0.1 -P"$PM_TEST_MYSQL_PORT" -upodtest -ppodtest
            --no-create-info --skip-triggers --single-transaction "$db" "${TABLES[@]}")
        NATIVE_NOTE="<tables>: the ${#TABLES[@]} table names, space-separated"
        NATIVE_DESC="mariadb-dump --no-defaults -h127.0.0.1 -P$PM_TEST_MYSQL_PORT -upodtest -ppodtest --no-create-info --skip-triggers --single-transaction $db <${#TABLES[@]} tables>"
        ;;
    postgresql)
        # One psql session, all COPYs in one read-only snapshot like podmigrate.
        {
            echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
            for t in "${TABLES[@]}"; do echo "COPY public.\"$t\" TO STDOUT;"; done
            echo "COMMIT;"
        } >"$WORK/postgresql-copy.sql"
        NATIVE=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PM_TEST_PG_PORT" -U podtest -d "$db"
            -f "$WORK/postgresql-copy.sql")
        NATIVE_NOTE="bench/work/postgresql-copy.sql: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; COPY public.\"T\" TO STDOUT; (x${#TABLES[@]}); COMMIT;"
        NATIVE_DESC="PGPASSWORD=podtest psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PM_TEST_PG_PORT -U podtest -d $db -f bench/work/postgresql-copy.sql"
        ;;
    esac
}
check_native() { # sqlite only: the LIKE patterns must not catch other tables
    local s=$1 q="" t got want
    [[ "$2" == sqlite ]] || return 0
    for t in "${TABLES[@]}"; do q+="${q:+ OR }name LIKE '$t'"; done
    got=$(sqlite3 -batch "$(sqlite_path "$s")" "SELECT name FROM sqlite_master WHERE type='table' AND ($q) ORDER BY name" | LC_ALL=C sort)
    want=$(printf '%s\n' "${TABLES[@]}" | LC_ALL=C sort)
    [[ "$got" == "$want" ]] || die "sqlite .dump patterns select other tables than podmigrate's: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
}

native_name() {
    case "$1" in
    sqlite) echo 'sqlite3 .dump' ;;
    mariadb) echo 'mariadb-dump' ;;
    postgresql) echo 'psql COPY' ;;
    esac
}

# ------------------------------------------------------------------- run

RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A R # results, R[engine.key]
RAW=""       # one markdown line per timed run

for e in "${ENGINE_LIST[@]}"; do
    load_data "$e" "$SCALE"
    [[ "$RSS_SCALE" == none ]] || load_data "$e" "$RSS_SCALE"
done

for e in "${ENGINE_LIST[@]}"; do
    url=$(db_url "$e" "$SCALE")
    json=$WORK/$e.json
    native_out=$WORK/$e.native
    PMCMD=("$PM" export --db "$url" -o "$json" -q)

    # Warm-up (not counted): fills the caches for both tools alike, and gives
    # the table list of the native dump.
    log "$e: warm-up podmigrate export ..."
    OUT=/dev/null timed "${PMCMD[@]}"
    mapfile -t TABLES < <(tables_of_json "$json")
    check_native "$SCALE" "$e"
    native_cmd "$e" "$SCALE"
    log "$e: warm-up $(native_name "$e") of ${#TABLES[@]} tables ..."
    OUT=$native_out timed "${NATIVE[@]}"
    ROWS=$(count_rows "$e" "$SCALE" "${TABLES[@]}")
    if ((${#NATIVE2[@]})); then
        OUT=$native_out.2 timed "${NATIVE2[@]}"
        got=$(grep -c '^INSERT INTO ' "$native_out.2" || true)
        ((got == ROWS)) || die "$e: $NATIVE2_NAME wrote $got rows, the tables hold $ROWS"
    fi
    # Make sure the native dump really holds every row (one line per row for
    # .dump and COPY text; mariadb-dump packs rows in extended INSERTs).
    case "$e" in
    sqlite) got=$(grep -c '^INSERT INTO ' "$native_out" || true) ;;
    postgresql) got=$(wc -l <"$native_out") ;;
    mariadb) got=$ROWS ;;
    esac
    ((got == ROWS)) || die "$e: the native dump holds $got rows, the tables $ROWS"
    JSON_ROWS=$(grep -c '^{' "$json" || true)

    # Alternate the two tools so a drift of the machine hits both alike.
    pm_t=() pm_r=() nt_t=() nt_r=() n2_t=() n2_r=()
    for ((i = 1; i <= REPS; i++)); do
        OUT=/dev/null timed "${PMCMD[@]}"
        pm_t+=("$ELAPSED") pm_r+=("$RSS_KB")
        RAW+="| $e | $SCALE | $i | podmigrate | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
        log "$e run $i: podmigrate ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
        OUT=$native_out timed "${NATIVE[@]}"
        nt_t+=("$ELAPSED") nt_r+=("$RSS_KB")
        RAW+="| $e | $SCALE | $i | $(native_name "$e") | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
        log "$e run $i: $(native_name "$e") ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
        if ((${#NATIVE2[@]})); then
            OUT=$native_out.2 timed "${NATIVE2[@]}"
            n2_t+=("$ELAPSED") n2_r+=("$RSS_KB")
            RAW+="| $e | $SCALE | $i | $NATIVE2_NAME | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
            log "$e run $i: $NATIVE2_NAME ${ELAPSED}s $(kb2mb "$RSS_KB") MB"
        fi
    done
    if ((${#NATIVE2[@]})); then
        R[$e.n2_name]=$NATIVE2_NAME
        R[$e.n2_s]=$(median "${n2_t[@]}")
        R[$e.n2_rss]=$(median "${n2_r[@]}")
        R[$e.n2_mb]=$(mb "$(stat -c %s "$native_out.2")")
        R[$e.n2_cmd]=$NATIVE2_DESC
        R[$e.n2_note]=$NATIVE2_NOTE
        rm -f "$native_out.2"
    fi
    R[$e.rows]=$ROWS
    R[$e.json_rows]=$JSON_ROWS
    R[$e.tables]=${#TABLES[@]}
    R[$e.pm_s]=$(median "${pm_t[@]}")
    R[$e.pm_rss]=$(median "${pm_r[@]}")
    R[$e.nt_s]=$(median "${nt_t[@]}")
    R[$e.nt_rss]=$(median "${nt_r[@]}")
    R[$e.pm_mb]=$(mb "$(stat -c %s "$json")")
    R[$e.nt_mb]=$(mb "$(stat -c %s "$native_out")")
    case "$e" in
    mariadb) R[$e.pm_cmd]="MYSQL_PWD=podtest " ;;
    postgresql) R[$e.pm_cmd]="PGPASSWORD=podtest " ;;
    *) R[$e.pm_cmd]="" ;;
    esac
    R[$e.pm_cmd]+="${PMCMD[*]/#$ROOT\//}"
    R[$e.nt_cmd]=$NATIVE_DESC
    R[$e.nt_note]=$NATIVE_NOTE
    R[$e.version]=$(server_version "$e")

    if [[ "$RSS_SCALE" != none ]]; then
        # Memory scaling: the same export on the smaller data set.
        small_json=$WORK/$e-s$RSS_SCALE.json
        SCMD=("$PM" export --db "$(db_url "$e" "$RSS_SCALE")" -o "$small_json" -q)
        OUT=/dev/null timed "${SCMD[@]}" # warm-up
        s_t=() s_r=()
        for ((i = 1; i <= REPS; i++)); do
            OUT=/dev/null timed "${SCMD[@]}"
            s_t+=("$ELAPSED") s_r+=("$RSS_KB")
            RAW+="| $e | $RSS_SCALE | $i | podmigrate | $ELAPSED | $CPU | $(kb2mb "$RSS_KB") |"$'\n'
        done
        R[$e.small_rows]=$(count_rows "$e" "$RSS_SCALE" "${TABLES[@]}")
        R[$e.small_s]=$(median "${s_t[@]}")
        R[$e.small_rss]=$(median "${s_r[@]}")
        R[$e.small_mb]=$(mb "$(stat -c %s "$small_json")")
        rm -f "$small_json"
    fi
    rm -f "$native_out" # big; its size is recorded
done

# ------------------------------------------------------------------ report

report() {
    local e cpu ram
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
    cat <<EOF
# Benchmark: podmigrate export vs. the engines' own dump tools

Written by \`bench/run.sh\`; every number below comes from the run described here.

**Targets:** ratio (podmigrate rows/s ÷ native tool rows/s) **≥ 0.7**, podmigrate peak RSS **< 64 MB**.

## Run

- Date: $RUN_DATE
- Command: \`bench/run.sh${ORIG_ARGS[*]:+ ${ORIG_ARGS[*]}}\`
- Machine: $(nproc) CPUs ($cpu), $ram RAM, $(uname -sr); load average before the run: $LOAD_BEFORE
- podmigrate: $PM_VERSION ($PM_BUILD; binary sha256 $PM_SHA…)
EOF
    for e in "${ENGINE_LIST[@]}"; do echo "- $e: ${R[$e.version]}"; done
    cat <<EOF
- Data: \`python3 tests/gen_v3_data.py --engine E --mode bench --scale $SCALE\` into the Pod v3.8.4 schema
  (\`tests/data/v3.8.4/\`), servers from \`tests/servers.sh\` on 127.0.0.1 (same machine: the server's
  CPU time competes with the client's).
- Method: one untimed warm-up of each command, then $REPS runs alternating podmigrate and the native tool;
  median of the $REPS for time (\`/usr/bin/time -v\` elapsed wall clock) and peak RSS (\`Maximum resident set size\`,
  the client process only, not the server).
- Rows: \`SELECT COUNT(*)\` of every table dumped (podmigrate's JSON keys minus the two
  \`*_tagging_tag_2_tagulous\` pseudo-tables, plus \`tagging_tag\` and \`tagging_taggeditem\` that podmigrate
  reads for them); the same row count gives both tools' rows/s, so ratio = native seconds ÷ podmigrate seconds.

## Results (scale $SCALE)

| engine | rows | podmigrate s | podmigrate rows/s | podmigrate peak RSS MB | native tool | native s | native rows/s | native peak RSS MB | ratio (target ≥ 0.7) | RSS < 64 MB | podmigrate JSON MB | native output MB |
|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|
EOF
    for e in "${ENGINE_LIST[@]}"; do
        local rows=${R[$e.rows]} pr nr
        pr=$(rate "$rows" "${R[$e.pm_s]}")
        nr=$(rate "$rows" "${R[$e.nt_s]}")
        echo "| $e | $(thousands "$rows") | ${R[$e.pm_s]} | $(thousands "$pr") | $(kb2mb "${R[$e.pm_rss]}") | $(native_name "$e") | ${R[$e.nt_s]} | $(thousands "$nr") | $(kb2mb "${R[$e.nt_rss]}") | $(ratio_cell "$pr" "$nr") | $(ok "${R[$e.pm_rss]} < 65536") | ${R[$e.pm_mb]} | ${R[$e.nt_mb]} |"
    done
    for e in "${ENGINE_LIST[@]}"; do
        [[ -n "${R[$e.n2_name]:-}" ]] || continue
        local rows=${R[$e.rows]} pr nr
        pr=$(rate "$rows" "${R[$e.pm_s]}")
        nr=$(rate "$rows" "${R[$e.n2_s]}")
        cat <<EOF

Second $e baseline, timed in the same alternation: \`${R[$e.n2_name]}\` writes the very same INSERT
statements as \`.dump\` but skips its LIKE-pattern scans of \`sqlite_schema\` (a fixed cost of the order of a
second for ${R[$e.tables]} tables, whatever the data size).

| engine | native tool | native s | native rows/s | native peak RSS MB | ratio (target ≥ 0.7) | native output MB |
|---|---|---:|---:|---:|---:|---:|
| $e | ${R[$e.n2_name]} | ${R[$e.n2_s]} | $(thousands "$nr") | $(kb2mb "${R[$e.n2_rss]}") | $(ratio_cell "$pr" "$nr") | ${R[$e.n2_mb]} |
EOF
    done
    if [[ "$RSS_SCALE" != none ]]; then
        cat <<EOF

## Peak RSS does not grow with the database

The same \`podmigrate export\` on a data set $(awk -v a="$SCALE" -v b="$RSS_SCALE" 'BEGIN {printf "%g", a / b}')× smaller (scale $RSS_SCALE), median of $REPS runs.

| engine | rows at scale $RSS_SCALE | peak RSS MB | s | JSON MB | rows at scale $SCALE | peak RSS MB | s | JSON MB |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
        for e in "${ENGINE_LIST[@]}"; do
            echo "| $e | $(thousands "${R[$e.small_rows]}") | $(kb2mb "${R[$e.small_rss]}") | ${R[$e.small_s]} | ${R[$e.small_mb]} | $(thousands "${R[$e.rows]}") | $(kb2mb "${R[$e.pm_rss]}") | ${R[$e.pm_s]} | ${R[$e.pm_mb]} |"
        done
    fi
    echo
    echo "## Exact commands (scale $SCALE)"
    echo
    echo "\`bench/work/podmigrate\` is a copy of \`build/podmigrate\` taken right after \`make\`."
    echo
    echo '```sh'
    local first=1
    for e in "${ENGINE_LIST[@]}"; do
        ((first)) || echo
        first=0
        echo "# $e (${R[$e.tables]} tables; podmigrate's JSON holds $(thousands "${R[$e.json_rows]}") rows: the tags grouped per object)"
        echo "${R[$e.pm_cmd]}"
        echo "# $(native_name "$e")${R[$e.nt_note]:+ (${R[$e.nt_note]})}"
        echo "${R[$e.nt_cmd]} > bench/work/$e.native"
        if [[ -n "${R[$e.n2_cmd]:-}" ]]; then
            echo "# ${R[$e.n2_name]}${R[$e.n2_note]:+ (${R[$e.n2_note]})}"
            echo "${R[$e.n2_cmd]} > bench/work/$e.native.2"
        fi
    done
    echo '```'
    echo
    echo "## Every timed run"
    echo
    echo "CPU s = user + system time of the client process (the server's CPU is not counted)."
    echo
    echo "| engine | scale | run | tool | wall s | CPU s | peak RSS MB |"
    echo "|---|---:|---:|---|---:|---:|---:|"
    printf '%s' "$RAW"
}

REPORT=$(report)
printf '%s\n' "$REPORT"
if ((WRITE_RESULTS)); then
    # Hand-written notes below this heading survive a rerun.
    NOTES_HDR='## Notes'
    notes=""
    if [[ -f bench/RESULTS.md ]] && grep -qx "$NOTES_HDR" bench/RESULTS.md; then
        notes=$(sed -n "/^$NOTES_HDR\$/,\$p" bench/RESULTS.md)
    fi
    { printf '%s\n' "$REPORT"; [[ -z "$notes" ]] || printf '\n%s\n' "$notes"; } >bench/RESULTS.md
    log "wrote bench/RESULTS.md"
fi
