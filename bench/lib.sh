# Helpers shared by the benchmarks (bench/run.sh: export, bench/import.sh:
# import...). Sourced, not run. The caller sets ROOT (and cd's there), calls
# bench_defaults, then parses its options (common_option) before calling
# build_pm / start_servers / load_data.
# shellcheck shell=bash
# shellcheck disable=SC2034 # PM_*, ELAPSED, RSS_KB, CPU: results for the caller

# The defaults of the common options (the caller may change them after).
bench_defaults() {
    ENGINES=sqlite,mariadb,postgresql
    SCALE=1
    REPS=3
    REUSE=1
    WRITE_RESULTS=0
    SRV_DIR=/tmp/podmigrate-bench
    PM_BINARY=""
    WORK=$ROOT/bench/work # git-ignored
}

export PM_TEST_MYSQL_PORT=${PM_TEST_MYSQL_PORT:-53316}
export PM_TEST_PG_PORT=${PM_TEST_PG_PORT:-55442}

die() {
    echo "bench: $*" >&2
    exit 1
}
log() { echo "bench: $*" >&2; }
is_num() { [[ "$1" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && awk -v x="$1" 'BEGIN{exit !(x>0)}'; }

# ------------------------------------------------------------------ options

# The script's header comment, up to `set -euo`, is its help.
usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# The options both benchmarks take: sets SHIFT to the words $1... used, 0
# when $1 is not one of them (the caller handles its own).
common_option() {
    SHIFT=2
    case "$1" in
    --engines) ENGINES=${2:?} ;;
    --scale) SCALE=${2:?} ;;
    --reps) REPS=${2:?} ;;
    --server-dir) SRV_DIR=${2:?} ;;
    --write-results) WRITE_RESULTS=1; SHIFT=1 ;;
    --pm) PM_BINARY=${2:?} ;;
    -h | --help) usage ;;
    *) SHIFT=0 ;;
    esac
}

# For a script with only the common options: parses "$@", checks them.
common_options_only() {
    while (($#)); do
        common_option "$@"
        if ((SHIFT)); then shift "$SHIFT"; continue; fi
        echo "bench: unknown argument: $1" >&2
        usage
    done
    check_common_options
}

# For a script with only the common options: parses them, builds, starts the servers.
bench_setup() {
    common_options_only "$@"
    build_pm
    start_servers
}

# Checks the common options; sets ENGINE_LIST; makes WORK.
check_common_options() {
    IFS=, read -r -a ENGINE_LIST <<<"$ENGINES"
    local e
    for e in "${ENGINE_LIST[@]}"; do
        [[ "$e" == sqlite || "$e" == mariadb || "$e" == postgresql ]] || die "unknown engine: $e"
    done
    is_num "$SCALE" || die "--scale must be a positive number"
    [[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed: apt-get install time"
    mkdir -p "$WORK"
}

# ------------------------------------------------------------------ binary

# Others may run `make` in this tree while we measure: time a private copy so
# every repetition runs the very same binary: --pm BINARY's, or build/podmigrate
# after `make`. Sets PM, PM_VERSION, PM_SHA, PM_BUILD.
build_pm() {
    PM=$WORK/podmigrate
    if [[ -n "${PM_BINARY:-}" ]]; then
        [[ -x "$PM_BINARY" ]] || die "--pm $PM_BINARY: not an executable"
        cp "$PM_BINARY" "$PM"
        PM_BUILD="given with --pm; built by \`make\`, CFLAGS -O2 -g"
    else
        log "building (make) ..."
        make -s >&2
        cp build/podmigrate "$PM"
        PM_BUILD="release build \`make\`, CFLAGS -O2 -g"
    fi
    PM_VERSION=$("$PM" --version)
    PM_SHA=$(sha256sum "$PM" | cut -c1-12)
}

# ------------------------------------------------------------------ servers

# Starts the throwaway servers if an engine of ENGINE_LIST needs one; they
# are stopped when the script exits (EXIT trap).
start_servers() {
    need_servers=0
    local e
    for e in "${ENGINE_LIST[@]}"; do [[ "$e" == sqlite ]] || need_servers=1; done
    trap cleanup EXIT
    if ((need_servers)); then
        tests/servers.sh start "$SRV_DIR" >&2
        eval "$(tests/servers.sh env "$SRV_DIR")"
    fi
    # Only now: tests/servers.sh's own root connections must not see them.
    export MYSQL_PWD=podtest PGPASSWORD=podtest
}
cleanup() {
    # Always stop the servers we started, even after a failure or Ctrl-C.
    if ((need_servers)); then tests/servers.sh stop "$SRV_DIR" >&2 || true; fi
}

# The clients exactly as a DBA would type them. MYSQL_PWD/PGPASSWORD keep the
# password out of podmigrate's command line (it reads both).
my() { mariadb --no-defaults -h127.0.0.1 -P"$PM_TEST_MYSQL_PORT" -upodtest -ppodtest "$@"; }
pg() { PGPASSWORD=podtest psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PM_TEST_PG_PORT" -U podtest "$@"; }

# --------------------------------------------------------------- data sets

dbname() { echo "pm_bench_s${1//./_}"; }
sqlite_file() { echo "$WORK/$1.sqlite3"; } # database name -> SQLite file
sqlite_path() { sqlite_file "$(dbname "$1")"; }
url_of() { # engine database
    case "$1" in
    sqlite) echo "sqlite:$(sqlite_file "$2")" ;;
    mariadb) echo "mysql://podtest@127.0.0.1:$PM_TEST_MYSQL_PORT/$2" ;;
    postgresql) echo "postgresql://podtest@127.0.0.1:$PM_TEST_PG_PORT/$2" ;;
    esac
}
db_url() { url_of "$1" "$(dbname "$2")"; } # engine scale
key_file() { # where the "this data set is complete" marker of engine/scale lives
    if [[ "$1" == sqlite ]]; then echo "$(sqlite_path "$2").key"; else echo "$SRV_DIR/bench-keys/$1-$(dbname "$2").key"; fi
}
# Cache key: engine schema + scale. The generator's hash is only compared to
# warn: others edit tests/gen_v3_data.py all the time, mostly outside bench
# mode, and reloading scale 1 takes minutes; run without --reuse to refresh.
data_key() {
    local schema=tests/data/v3.8.4/$1.sql
    [[ "$1" == sqlite ]] && schema="tests/data/v3.8.4/sqlite.sql tests/data/v3.8.4/fresh_db_rows.json"
    # shellcheck disable=SC2086
    { echo "scale=$2"; cat $schema; } | sha256sum | cut -c1-16
}
gen_key() { sha256sum tests/gen_v3_data.py | cut -c1-16; }

# One SQL query per engine, run in the engine's client; -N/-At: bare values.
sql_in() { # engine database query
    case "$1" in
    sqlite) sqlite3 -batch "$(sqlite_file "$2")" "$3" ;;
    mariadb) my -N -B "$2" -e "$3" ;;
    postgresql) pg -At -d "$2" -c "$3" ;;
    esac
}
sql() { sql_in "$1" "$(dbname "$2")" "$3"; } # engine scale query
qident() { if [[ "$1" == mariadb ]]; then echo "\`$2\`"; else echo "\"$2\""; fi; }
# Sum of COUNT(*) of the given tables, in one query.
count_in() { # engine database table...
    local e=$1 d=$2 q="" t
    shift 2
    for t in "$@"; do q+="${q:+ + }(SELECT COUNT(*) FROM $(qident "$e" "$t"))"; done
    sql_in "$e" "$d" "SELECT $q"
}
count_rows() { local e=$1 s=$2; shift 2; count_in "$e" "$(dbname "$s")" "$@"; } # engine scale table...

has_data() { # engine scale: complete, up to date data set already there?
    local e=$1 s=$2 kf nv
    kf=$(key_file "$e" "$s")
    [[ -f "$kf" && "$(head -n 1 "$kf")" == "$(data_key "$e" "$s")" ]] || return 1
    [[ "$(sed -n 2p "$kf")" == "$(gen_key)" ]] ||
        log "$e scale $s: note: tests/gen_v3_data.py changed since this data set was loaded"
    # Same rounding as the generator.
    nv=$(python3 -c "print(max(1, int(round(100000 * float('$s')))))")
    [[ "$(count_rows "$e" "$s" video_video 2>/dev/null)" == "$nv" ]] &&
        [[ "$(count_rows "$e" "$s" video_viewcount 2>/dev/null)" == "$((nv * 20))" ]] &&
        [[ "$(count_rows "$e" "$s" tagging_taggeditem 2>/dev/null)" == "$((nv * 5))" ]]
}

load_data() { # engine scale
    local e=$1 s=$2 db kf t0
    db=$(dbname "$s")
    kf=$(key_file "$e" "$s")
    if ((REUSE)) && has_data "$e" "$s"; then
        log "$e scale $s: reusing the data set already loaded ($db)"
        return
    fi
    log "$e scale $s: loading the bench data set into $db (slow) ..."
    rm -f "$kf"
    mkdir -p "$(dirname "$kf")"
    t0=$(date +%s)
    case "$e" in
    sqlite)
        # The generator creates the file with its schema; a temporary name so an
        # interrupted load never looks like a data set.
        rm -f "$(sqlite_path "$s")".tmp*
        python3 tests/gen_v3_data.py --engine sqlite --mode bench --scale "$s" \
            --sqlite-db "$(sqlite_path "$s").tmp"
        mv -f "$(sqlite_path "$s").tmp" "$(sqlite_path "$s")"
        ;;
    mariadb)
        my -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        my "$db" <tests/data/v3.8.4/mariadb.sql
        python3 tests/gen_v3_data.py --engine mariadb --mode bench --scale "$s" | my "$db"
        # Fresh statistics, as a database in service has them.
        my -N -B "$db" -e "ANALYZE TABLE video_video, video_viewcount, tagging_taggeditem, tagging_tag" >/dev/null
        ;;
    postgresql)
        pg -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0"
        pg -d "$db" -f tests/data/v3.8.4/postgresql.sql
        python3 tests/gen_v3_data.py --engine postgresql --mode bench --scale "$s" | pg -d "$db"
        # A live database is vacuumed: hint bits and visibility map set, so the
        # first timed read does not pay for them.
        pg -d "$db" -c "VACUUM (ANALYZE, FREEZE)"
        ;;
    esac
    { data_key "$e" "$s"; gen_key; } >"$kf"
    log "$e scale $s: loaded in $(($(date +%s) - t0)) s"
}

# ------------------------------------------------------------ v4 databases

# A fresh, empty Pod v4.0.3 database (schema only, as `make createDB` leaves
# it before loaddata). Not timed.
fresh_v4() { # engine (the database: $V4DB, which the script sets)
    case "$1" in
    sqlite)
        local f
        f=$(sqlite_file "$V4DB")
        rm -f "$f" "$f-journal" "$f-wal" "$f-shm"
        # The meeting table's CHECK calls django_datetime_cast_date: load the
        # schema with that function registered, as Django does.
        python3 -c "import sqlite3, sys; sys.path.insert(0, 'tests'); import gen_v3_data
conn = sqlite3.connect(sys.argv[1]); gen_v3_data.load_sqlite_schema(conn, sys.argv[2]); conn.commit(); conn.close()" \
            "$f" tests/data/v4.0.3/sqlite.sql
        ;;
    mariadb)
        my -e "DROP DATABASE IF EXISTS \`$V4DB\`; CREATE DATABASE \`$V4DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        my "$V4DB" <tests/data/v4.0.3/mariadb.sql
        ;;
    postgresql)
        pg -d postgres -c "DROP DATABASE IF EXISTS \"$V4DB\"" -c "CREATE DATABASE \"$V4DB\" ENCODING 'UTF8' TEMPLATE template0"
        pg -d "$V4DB" -f tests/data/v4.0.3/postgresql.sql >/dev/null
        # Write out what the DROP and the schema left dirty, so the timed run
        # does not pay for the previous one.
        pg -d "$V4DB" -c "CHECKPOINT"
        ;;
    esac
}

# ------------------------------------------------- the engines' own copy

# The caller sets COPYDB and SCALE.
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
write_meeting_sed() {
    cat >"$WORK/meeting-check.sed" <<'SED'
/^CREATE TABLE/s/, CONSTRAINT "[a-z_]+" CHECK \(\("recurring_until" >= django_datetime_cast_date\([^)]*\) OR "recurring_until" IS NULL\)\)//
SED
}
restore_cmd() {
    case "$1" in
    sqlite) echo "sed -E -f $WORK/meeting-check.sed | sqlite3 -batch $(sqlite_file "$COPYDB")" ;;
    mariadb) echo "mariadb --no-defaults -h127.0.0.1 -P$PM_TEST_MYSQL_PORT -upodtest --default-character-set=utf8mb4 $COPYDB" ;;
    postgresql) echo "psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PM_TEST_PG_PORT -U podtest -d $COPYDB >/dev/null" ;;
    esac
}

# ------------------------------------------------------------- measuring

# Run "$@" under GNU time; stdout goes to $OUT. Sets ELAPSED (s), RSS_KB, CPU (s).
timed() {
    local tf=$WORK/time.txt
    /usr/bin/time -v -o "$tf" "$@" >"$OUT"
    ELAPSED=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tf")
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
    # Client CPU, to tell "podmigrate is busy" from "podmigrate waits for the server".
    CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$tf")
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
kb2mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rate() { awk -v r="$1" -v s="$2" 'BEGIN {printf "%.0f", r / s}'; }
thousands() { echo "$1" | sed -E ':a; s/([0-9])([0-9]{3})($| )/\1 \2\3/; ta'; }

# The tables podmigrate exported: the keys of its JSON (one `"name":[` per
# line, rows start with `{`), the two tagulous pseudo-tables replaced by what
# podmigrate reads to build them.
tables_of_json() {
    grep -oE '^"[A-Za-z0-9_]+":\[' "$1" | sed -E 's/^"(.*)":\[$/\1/' |
        grep -vE '^(video|recorder)_tagging_tag_2_tagulous$'
    printf '%s\n' tagging_tag tagging_taggeditem
}


server_version() {
    case "$1" in
    sqlite) echo "SQLite $(sqlite3 -batch :memory: 'SELECT sqlite_version()') (sqlite3 CLI; podmigrate links libsqlite3 $(dpkg-query -W -f='${Version}' 'libsqlite3-0' 2>/dev/null || echo '?'))" ;;
    mariadb) echo "MariaDB $(my -N -B -e 'SELECT VERSION()') ($(mariadb-dump --version | sed -E 's/.*(Distrib [^ ,]+).*/mariadb-dump \1/'))" ;;
    postgresql) echo "PostgreSQL $(pg -At -d postgres -c 'SHOW server_version') ($(psql --version))" ;;
    esac
}

ratio_cell() { awk -v a="$1" -v b="$2" 'BEGIN {r = a / b; printf "%.2f %s", r, (r >= 0.7 ? "✓" : "✗")}'; }
ok() { if awk "BEGIN {exit !($1)}"; then echo yes; else echo "**no**"; fi; }

# Puts REPORT (which starts with the line BEGIN and ends with END) in place of
# the section between those lines of bench/RESULTS.md, or at its end.
replace_results_section() { # begin end report
    local tmp
    tmp=$(mktemp)
    if grep -qxF "$1" bench/RESULTS.md; then
        # ENVIRON, not -v: awk -v would turn the report's backslashes into escapes
        B=$1 E=$2 NEW=$3 awk '$0 == ENVIRON["B"] {print ENVIRON["NEW"]; skip = 1; next}
            $0 == ENVIRON["E"] {skip = 0; next} !skip' bench/RESULTS.md >"$tmp"
    else
        { cat bench/RESULTS.md; echo; printf '%s\n' "$3"; } >"$tmp"
    fi
    mv "$tmp" bench/RESULTS.md
    log "wrote $(head -c 60 <<<"$1")... in bench/RESULTS.md"
}
