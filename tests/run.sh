#!/usr/bin/env bash
# Runs every test: the C unit tests, then the integration tests against real
# SQLite, MariaDB and PostgreSQL. Starts throwaway MariaDB/PostgreSQL servers
# (tests/servers.sh) unless PM_TEST_MYSQL_URL and PM_TEST_PG_URL are set.
# Usage: tests/run.sh [BUILD_DIR]    (TESTS=substring runs only matching tests)
# Ends with the line "N passed, N failed"; exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
passed=0
failed=0

tally() { # adds the counts of a "NAME: N passed, M failed" line
    local line
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [[ -z "$line" ]]; then
        echo "run.sh: $2 printed no tally: counted as one failure"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== unit tests"
"$build/unit_tests" 2>&1 | tee "$log"
tally "$log" unit_tests

srvdir=""
if [[ -z "${PM_TEST_MYSQL_URL:-}" || -z "${PM_TEST_PG_URL:-}" ]]; then
    srvdir=$(mktemp -d /tmp/pm-srv.XXXXXX)
    trap 'tests/servers.sh stop "$srvdir" >/dev/null 2>&1; rm -rf "$srvdir" "$log"' EXIT
    echo "== starting test servers in $srvdir"
    if tests/servers.sh start "$srvdir"; then
        eval "$(tests/servers.sh env "$srvdir")"
    else
        echo "run.sh: could not start the test servers: MariaDB/PostgreSQL tests counted as failed"
        failed=$((failed + 1))
    fi
fi

export PODMIGRATE="$PWD/$build/podmigrate"
for suite in tests/test_*.py; do
    echo "== $suite"
    python3 "$suite" 2>&1 | tee "$log"
    tally "$log" "$suite"
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
