#!/usr/bin/env bash
# Runs every test. First the layering of src/ (tests/check_layers.py); then for each
# BUILD_DIR: its C unit tests, then the integration tests (tests/test_*.py) against real
# SQLite, MariaDB and PostgreSQL. A release build (one without AddressSanitizer) runs
# with MALLOC_PERTURB_ so that uninitialised heap memory is garbage, not zero, and gets
# the valgrind memcheck pass (tests/test_valgrind.py).
# With PODMIGRATE_TSAN (the ThreadSanitizer binary; make test sets it), its unit tests too.
# Then the fuzzers' smoke run, when tests/fuzz/run.sh exists.
# Starts throwaway MariaDB/PostgreSQL servers (tests/servers.sh), once for the whole
# run, unless PM_TEST_MYSQL_URL and PM_TEST_PG_URL are set.
# Usage: tests/run.sh [BUILD_DIR...]   (default: build; TESTS=substring runs only matching
#        tests, KEEP_TEST_FILES=1 keeps their files)
# Ends with the line "N passed, N failed"; exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
builds=("$@")
((${#builds[@]})) || builds=(build)
valgrind_suite=tests/test_valgrind.py
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

run_logged() { # NAME COMMAND...: prints the command's output and its duration, tallies it
    local name=$1 start=$SECONDS
    shift
    "$@" 2>&1 | tee "$log"
    tally "$log" "$name"
    echo "-- $name: $((SECONDS - start)) s"
}

kind() { # "asan" or "release": the sanitizer runtime is a shared library of the binary
    # (no `ldd | grep -q`: grep's early exit can fail ldd with SIGPIPE, under pipefail)
    if [[ $(ldd "$1/podmigrate" 2>/dev/null) == *libasan* ]]; then echo asan; else echo release; fi
}

set_build_env() { # BUILD: sets k (its kind) and buildenv (the environment its tests run in)
    k=$(kind "$1")
    buildenv=(PODMIGRATE="$PWD/$1/podmigrate")
    # glibc's malloc then fills each new block with this byte (ASan's malloc ignores it)
    if [[ $k == release ]]; then buildenv+=(MALLOC_PERTURB_=165); fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== tests/check_layers.py (the include arrows of src/)"
run_logged tests/check_layers.py python3 tests/check_layers.py

for build in "${builds[@]}"; do
    set_build_env "$build"
    echo "== unit tests ($k)"
    run_logged "$build/unit_tests" env "${buildenv[@]}" "$build/unit_tests"
done
# The ThreadSanitizer build (make test makes it): its unit tests drive verify's reader
# thread (tests/unit/test_row_stream.c); tests/test_verify.py runs its binary as well.
tsan_units=${PODMIGRATE_TSAN:+$(dirname "$PODMIGRATE_TSAN")/unit_tests}
if [[ -n "$tsan_units" && -x "$tsan_units" ]]; then
    echo "== unit tests (ThreadSanitizer)"
    run_logged "$tsan_units" env TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$tsan_units"
fi

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

for build in "${builds[@]}"; do
    set_build_env "$build"
    for suite in tests/test_*.py; do
        [[ $suite == "$valgrind_suite" ]] && continue
        echo "== $suite ($k)"
        run_logged "$suite" env "${buildenv[@]}" python3 "$suite"
    done
    if [[ $k == release ]]; then
        # valgrind cannot run an ASan binary, and it replaces malloc: no MALLOC_PERTURB_
        echo "== $valgrind_suite ($k)"
        run_logged "$valgrind_suite" env PODMIGRATE="$PWD/$build/podmigrate" python3 "$valgrind_suite"
    fi
done

if [[ -x tests/fuzz/run.sh ]]; then
    echo "== tests/fuzz/run.sh --smoke"
    run_logged tests/fuzz/run.sh tests/fuzz/run.sh --smoke
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
