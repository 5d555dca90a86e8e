#!/usr/bin/env bash
# Throwaway MariaDB and PostgreSQL servers for the podmigrate tests.
#
# Usage: tests/servers.sh start|stop|env DIR
#   start DIR  init (first time) and start both servers, data under DIR;
#              reuses servers that already run from DIR
#   stop DIR   stop both servers (fine if they are not running)
#   env DIR    print `export` lines for the tests: eval "$(tests/servers.sh env DIR)"
#
# Both listen only on 127.0.0.1, on non-default ports so they never clash
# with system services:
#   PM_TEST_MYSQL_PORT (default 53306), PM_TEST_PG_PORT (default 55432).
# Both get a superuser podtest/podtest. Tuned for speed, not durability.
# Meant to run as root (as in CI): PostgreSQL runs as user `postgres`
# because initdb refuses root; MariaDB runs as root.
# If `start` fails half-way (e.g. MariaDB after PostgreSQL came up), run
# `stop DIR` to clean up: the caller's trap should do that anyway.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|env DIR" >&2
    exit 2
}

log() { echo "servers.sh: $*" >&2; }
die() {
    log "$*"
    exit 1
}

(($# == 2)) || usage
CMD=$1
[[ -n "$2" ]] || usage
# Absolute path: the servers and `runuser` do not share our cwd.
DIR=$(realpath -m -- "$2")
# mariadb-install-db breaks on paths with spaces, and unix socket paths are
# limited to ~107 bytes ($DIR/pgrun/.s.PGSQL.NNNNN): refuse early.
[[ "$DIR" =~ ^[A-Za-z0-9._/+-]+$ ]] ||
    die "DIR must contain only letters, digits and ._/+- (got: $DIR)"
((${#DIR} <= 80)) || die "DIR path too long for unix sockets (max 80 chars): $DIR"

MY_PORT=${PM_TEST_MYSQL_PORT:-53306}
PG_PORT=${PM_TEST_PG_PORT:-55432}
TIMEOUT=60
for p in "$MY_PORT" "$PG_PORT"; do
    if ! [[ "$p" =~ ^[1-9][0-9]{0,4}$ ]] || ((p > 65535)); then
        die "bad port: $p"
    fi
done

# Layout under DIR.
PG_DATA=$DIR/pg          # data dir, owned by postgres
PG_RUN=$DIR/pgrun        # unix socket + server log, owned by postgres
PG_LOG=$PG_RUN/postgres.log
MY_DATA=$DIR/mysql
MY_SOCK=$DIR/mysql.sock
MY_PID=$DIR/mysql.pid
MY_ERR=$DIR/mysql.err
PORTS_FILE=$DIR/ports.env # ports actually used by the last `start`

# Is anything listening on 127.0.0.1:$1? Checked before starting a server
# so that another server (e.g. from another DIR) is never mistaken for ours.
port_busy() {
    (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------- PostgreSQL

pg_bindir() {
    # Highest installed major version; sort -V so that 16 > 9.6.
    local d
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    [[ -x "$d/pg_ctl" ]] || die "PostgreSQL server not found in /usr/lib/postgresql/*/bin (run scripts/install-deps.sh)"
    echo "$d"
}

# Run a PostgreSQL server binary as `postgres`. cd / first so it does not
# warn about an unreadable cwd (e.g. /root).
as_pg() {
    (cd / && runuser -u postgres -- "$@")
}

pg_running() {
    [[ -f "$PG_DATA/postmaster.pid" ]] &&
        as_pg "$PGBIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_ready() {
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2
}

pg_sql() {
    "$PGBIN/psql" -X -q -w -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
        -U postgres -d postgres "$@"
}

# The server on our port is the one with our data dir.
pg_ours() {
    local d
    d=$(pg_sql -At -c 'SHOW data_directory' 2>/dev/null) || return 1
    [[ "$d" == "$PG_DATA" ]]
}

# Quote a value for postgresql.conf (single quotes, '' escapes).
pg_quote() { printf "'%s'" "${1//\'/\'\'}"; }

pg_start() {
    PGBIN=$(pg_bindir)
    local ver
    ver=$(basename "$(dirname "$PGBIN")") # major version, e.g. 15

    if pg_running; then
        if ! pg_ready || ! pg_ours; then
            die "PostgreSQL in $PG_DATA runs but not on 127.0.0.1:$PG_PORT (other port? run: $0 stop $DIR)"
        fi
        log "PostgreSQL $ver already running on 127.0.0.1:$PG_PORT, reusing"
    else
        ! port_busy "$PG_PORT" ||
            die "127.0.0.1:$PG_PORT is already in use (another server or DIR?); set PM_TEST_PG_PORT"
        id postgres >/dev/null 2>&1 || die "user postgres missing (run scripts/install-deps.sh)"
        mkdir -p "$PG_DATA" "$PG_RUN"
        chown postgres: "$PG_DATA" "$PG_RUN"
        chmod 700 "$PG_DATA"
        # postgres must be able to traverse DIR (mktemp -d makes it 0700).
        chmod a+x "$DIR"
        as_pg test -w "$PG_DATA" ||
            die "user postgres cannot reach $PG_DATA (a parent directory is not world-searchable); use a DIR under /tmp"

        if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
            log "initdb PostgreSQL $ver in $PG_DATA ..."
            # --no-sync: throwaway cluster, no need to fsync the new files.
            as_pg "$PGBIN/initdb" -D "$PG_DATA" -E UTF8 --locale=C.UTF-8 \
                --auth=trust -U postgres --no-sync >"$PG_RUN/initdb.log" 2>&1 ||
                {
                    cat "$PG_RUN/initdb.log" >&2
                    die "initdb failed"
                }
            # Settings live in an included file rewritten at every start,
            # so a changed port or DIR path is picked up.
            echo "include_if_exists = 'pm_test.conf'" >>"$PG_DATA/postgresql.conf"
            # Passwords are checked for the test role (tests of wrong passwords
            # and PGPASSWORD rely on it); the postgres superuser stays trusted
            # on loopback for this script's own set-up.
            cat >"$PG_DATA/pg_hba.conf" <<'HBA'
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
        fi

        # Written as postgres so the server can read it.
        as_pg tee "$PG_DATA/pm_test.conf" >/dev/null <<EOF
# Written by tests/servers.sh at each start: throwaway test server.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = $(pg_quote "$PG_RUN")
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

        log "starting PostgreSQL $ver on 127.0.0.1:$PG_PORT ..."
        # -w: pg_ctl waits for "ready" and notices at once if the server dies.
        if ! as_pg "$PGBIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" >/dev/null; then
            cat "$PG_LOG" >&2 || true
            die "PostgreSQL did not start (log: $PG_LOG)"
        fi
        local waited=0
        until pg_ready; do
            if ((waited >= TIMEOUT)); then
                cat "$PG_LOG" >&2 || true
                die "PostgreSQL not ready on 127.0.0.1:$PG_PORT after ${TIMEOUT}s (log: $PG_LOG)"
            fi
            sleep 1
            waited=$((waited + 1))
        done
        pg_ours || die "the server on 127.0.0.1:$PG_PORT is not the one in $PG_DATA"
    fi

    # Superuser so the tests can create and drop their own databases.
    # Over TCP as postgres (trust auth); idempotent.
    pg_sql >/dev/null <<'EOF'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'podtest') THEN
        CREATE ROLE podtest SUPERUSER LOGIN PASSWORD 'podtest';
    ELSE
        ALTER ROLE podtest SUPERUSER LOGIN PASSWORD 'podtest';
    END IF;
END
$$;
EOF
    log "PostgreSQL ready: postgresql://podtest:podtest@127.0.0.1:$PG_PORT/"
}

pg_stop() {
    if [[ ! -f "$PG_DATA/postmaster.pid" ]]; then
        log "PostgreSQL not running in $PG_DATA"
        return 0
    fi
    PGBIN=$(pg_bindir) || return 1
    if ! pg_running; then
        log "PostgreSQL not running in $PG_DATA (stale postmaster.pid)"
        return 0
    fi
    log "stopping PostgreSQL ..."
    if ! as_pg "$PGBIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$TIMEOUT" >/dev/null; then
        log "PostgreSQL did not stop (log: $PG_LOG)"
        return 1
    fi
}

# ------------------------------------------------------------------- MariaDB

my_sql() {
    mariadb --no-defaults -h127.0.0.1 -P"$MY_PORT" -uroot "$@"
}

# The server on our port answers and is the one with our data dir
# (@@datadir ends with a slash).
my_ours() {
    local d
    mariadb-admin --no-defaults -h127.0.0.1 -P"$MY_PORT" -uroot ping >/dev/null 2>&1 || return 1
    d=$(my_sql -N -B -e 'SELECT @@datadir' 2>/dev/null) || return 1
    [[ "${d%/}" == "$MY_DATA" ]]
}

# Pid from the pid file if that process is still a mariadbd (guards
# against a stale file whose pid was reused).
my_pid() {
    local pid comm
    [[ -f "$MY_PID" ]] || return 1
    pid=$(cat "$MY_PID" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ "$comm" == mariadbd || "$comm" == mysqld ]] || return 1
    echo "$pid"
}

my_start() {
    command -v mariadbd >/dev/null 2>&1 || die "mariadbd not found (run scripts/install-deps.sh)"
    local ver
    ver=$(mariadbd --no-defaults --version | sed -E 's/.*Ver ([0-9.]+).*/\1/')

    if my_pid >/dev/null; then
        my_ours ||
            die "MariaDB in $MY_DATA runs but not on 127.0.0.1:$MY_PORT (other port? run: $0 stop $DIR)"
        log "MariaDB $ver already running on 127.0.0.1:$MY_PORT, reusing"
    else
        ! port_busy "$MY_PORT" ||
            die "127.0.0.1:$MY_PORT is already in use (another server or DIR?); set PM_TEST_MYSQL_PORT"
        mkdir -p "$DIR"
        if [[ ! -d "$MY_DATA/mysql" ]]; then
            log "mariadb-install-db in $MY_DATA ..."
            # normal auth: passwordless root over TCP (no unix_socket plugin),
            # needed to create the podtest users below.
            mariadb-install-db --no-defaults --datadir="$MY_DATA" \
                --auth-root-authentication-method=normal --user=root \
                --skip-test-db >"$DIR/mysql-install.log" 2>&1 ||
                {
                    cat "$DIR/mysql-install.log" >&2
                    die "mariadb-install-db failed"
                }
        fi

        log "starting MariaDB $ver on 127.0.0.1:$MY_PORT ..."
        rm -f "$MY_PID"
        # Only look at what this start appends to the (appended-to) error log.
        local log_off=0
        [[ -f "$MY_ERR" ]] && log_off=$(stat -c %s "$MY_ERR")
        # setsid + nohup: detach from our session so the server survives the
        # caller's terminal/process group going away.
        setsid nohup mariadbd --no-defaults --user=root --datadir="$MY_DATA" \
            --socket="$MY_SOCK" --port="$MY_PORT" --bind-address=127.0.0.1 \
            --pid-file="$MY_PID" --log-error="$MY_ERR" \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=512M \
            --skip-log-bin --local-infile=1 \
            </dev/null >>"$DIR/mysql.out" 2>&1 &
        local bgpid=$!

        local waited=0
        until my_ours; do
            # Fail fast when the server aborted. ($! may be a setsid that
            # forked and exited, so its death alone proves nothing.)
            if ! kill -0 "$bgpid" 2>/dev/null && ! my_pid >/dev/null &&
                tail -c +"$((log_off + 1))" "$MY_ERR" 2>/dev/null | grep -q 'Aborting'; then
                cat "$MY_ERR" >&2 || true
                die "MariaDB aborted at startup (log: $MY_ERR)"
            fi
            if ((waited >= TIMEOUT)); then
                cat "$MY_ERR" >&2 || true
                die "MariaDB not answering on 127.0.0.1:$MY_PORT after ${TIMEOUT}s (log: $MY_ERR)"
            fi
            sleep 1
            waited=$((waited + 1))
        done
    fi

    # 127.0.0.1 connections may be matched as host 'localhost' (reverse
    # lookup), so create both. Idempotent.
    my_sql <<'EOF'
CREATE USER IF NOT EXISTS 'podtest'@'127.0.0.1' IDENTIFIED BY 'podtest';
CREATE USER IF NOT EXISTS 'podtest'@'localhost' IDENTIFIED BY 'podtest';
ALTER USER 'podtest'@'127.0.0.1' IDENTIFIED BY 'podtest';
ALTER USER 'podtest'@'localhost' IDENTIFIED BY 'podtest';
GRANT ALL PRIVILEGES ON *.* TO 'podtest'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'podtest'@'localhost' WITH GRANT OPTION;
EOF
    log "MariaDB ready: mysql://podtest:podtest@127.0.0.1:$MY_PORT/"
}

my_stop() {
    local pid
    if ! pid=$(my_pid); then
        log "MariaDB not running in $MY_DATA"
        rm -f "$MY_PID"
        return 0
    fi
    log "stopping MariaDB (pid $pid) ..."
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    # SIGTERM = clean shutdown; wait so the next start finds the datadir free.
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= TIMEOUT * 10)); then
            log "MariaDB (pid $pid) still running after ${TIMEOUT}s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$MY_PID"
}

# ---------------------------------------------------------------------- main

case "$CMD" in
start)
    mkdir -p "$DIR"
    pg_start
    my_start
    printf 'MY_PORT=%s\nPG_PORT=%s\n' "$MY_PORT" "$PG_PORT" >"$PORTS_FILE"
    ;;
stop)
    # Try both even if one fails, then report.
    rc=0
    pg_stop || rc=1
    my_stop || rc=1
    exit "$rc"
    ;;
env)
    # Prefer the ports the servers in DIR were started with; explicit
    # PM_TEST_*_PORT variables still win.
    if [[ -f "$PORTS_FILE" ]]; then
        rec_my=$(sed -n 's/^MY_PORT=//p' "$PORTS_FILE")
        rec_pg=$(sed -n 's/^PG_PORT=//p' "$PORTS_FILE")
        MY_PORT=${PM_TEST_MYSQL_PORT:-${rec_my:-$MY_PORT}}
        PG_PORT=${PM_TEST_PG_PORT:-${rec_pg:-$PG_PORT}}
    fi
    echo "export PM_TEST_MYSQL_PORT=$MY_PORT"
    echo "export PM_TEST_PG_PORT=$PG_PORT"
    echo "export PM_TEST_MYSQL_URL=mysql://podtest:podtest@127.0.0.1:$MY_PORT/"
    echo "export PM_TEST_PG_URL=postgresql://podtest:podtest@127.0.0.1:$PG_PORT/"
    ;;
*)
    usage
    ;;
esac
