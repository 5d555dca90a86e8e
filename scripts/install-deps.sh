#!/usr/bin/env bash
# Install everything podmigrate needs to build, test and benchmark on a
# fresh Debian 12 machine. Idempotent: when every package is already
# installed it returns without touching apt (no network, ~instant).
#
# Usage: scripts/install-deps.sh        (as root, or a user with sudo)
set -euo pipefail

PACKAGES=(
    # build
    build-essential pkg-config
    libpq-dev libmariadb-dev libsqlite3-dev libyajl-dev libutf8proc-dev
    # throwaway test servers (tests/servers.sh) and their clients
    mariadb-server mariadb-client postgresql postgresql-client sqlite3
    # test/bench helpers: python3 for scripts, time + procps for measuring,
    # strace for the kill points of tests/test_faults.py
    python3 time procps strace
    # a real Django for the fake Pod installs of --pod-dir's tests (tests/podinstall.py)
    python3-django
    # the memcheck pass of the release build (tests/test_valgrind.py)
    valgrind
    # the libFuzzer harnesses (make fuzz, tests/fuzz/): clang and its fuzzer/sanitizer runtimes
    clang libclang-rt-14-dev
)

# Only "install ok installed" counts: `dpkg -s` alone also succeeds for
# packages that were removed but left config files behind.
missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed" >&2
    exit 0
fi
echo "install-deps: missing: ${missing[*]}" >&2

# apt needs root; fall back to sudo only when we are not root already.
SUDO=()
if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: must run as root (sudo not available)" >&2
        exit 1
    fi
    SUDO=(sudo)
fi

# Never prompt (CI has no stdin); wait for a concurrent apt/dpkg instead of
# failing at once on the lock.
APT_OPTS=(-o DPkg::Lock::Timeout=300)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update
# Install the full list (not just the missing ones) so apt also fixes any
# half-configured package; already-installed ones cost nothing.
# Postinst scripts may try to start the system MariaDB/PostgreSQL services;
# that is harmless (or denied by policy-rc.d): the tests start their own
# servers on other ports.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" \
    install -y --no-install-recommends "${PACKAGES[@]}"

echo "install-deps: done" >&2
