"""Helpers of the failure-guarantee tests (tests/test_faults.py): the ground truth of a
database read with the engine's own SQL, kill points injected with strace, a small tmpfs,
and the runs of the binary those tests need beyond pmtest.podmigrate (a cwd, stdin, a pipe)."""
import errno
import os
import re
import shutil
import signal
import subprocess
import sys

from dbquery import query
from dbstate import (changed_names, check_state, db_state, other_connections, state_diff,  # noqa: F401
                     wait_for_other_connections_to_end)
from pmtest import (PODMIGRATE, V4, WORK, add_dangling_rows, check, check_eq, check_no_sanitizer_report, edge_export,
                    modified_source, podmigrate)



# ---------------------------------------------------------------------------------------------
# Data and databases


_bench = {}
# 115,000 rows: 2-4 s to import with the ASan build, 12 MB exported (0.1 doubles the
# suite's time for no other fault found)
BENCH_SCALE = "0.05"


def bench_source(engine):
    """A v3 database of this engine with the bench data (gen_v3_data.py --mode bench) and its
    export: (url, file)."""
    if engine.name not in _bench:
        url = engine.create("pm_faults_bench")
        engine.load_generated(url, "bench", None, ["--scale", BENCH_SCALE])
        out = os.path.join(WORK, "faults-bench-%s.json" % engine.name)
        res = podmigrate("export", "--db", url, "-o", out, "-q")
        check_eq(res.returncode, 0, "export of the bench data: " + res.stderr[-2000:])
        _bench[engine.name] = (url, out)
    return _bench[engine.name]


_templates = {}


def loaded_target(engine, dbname):
    """A Pod v4 database as make createDB leaves it, then loaded with the edge-case export
    (so it has content to lose)."""
    return _copy(engine, dbname, "pm_faults_loaded", lambda name: _load_edge(engine, name))


def fresh_target(engine, dbname):
    """A Pod v4 database as make createDB leaves it."""
    return _copy(engine, dbname, "pm_faults_fresh", lambda name: engine.create(name, version=V4))


def _load_edge(engine, dbname):
    url = fresh_target(engine, dbname)
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "-q")
    check_eq(res.returncode, 0, "import of the edge data into %s: %s" % (dbname, res.stderr[-2000:]))
    return url


_made = {}


def _copy(engine, dbname, template_name, make):
    """make(dbname), or a copy of a template it made once: PostgreSQL CREATE DATABASE ...
    TEMPLATE, a file copy for SQLite. MariaDB has no template databases: a database made
    earlier under that name is given again if its state is still the one it was made with
    (a test that passed left it so), else made again."""
    if engine.name == "mariadb":
        made = _made.get((dbname, template_name))
        if made and db_state(engine, made[0]) == made[1]:
            return made[0]
        url = make(dbname)
        _made[(dbname, template_name)] = (url, db_state(engine, url))
        return url
    key = (engine.name, template_name)
    if key not in _templates:
        _templates[key] = make(template_name)
    template = _templates[key]
    if engine.name == "sqlite":
        path = os.path.join(WORK, dbname + ".sqlite3")
        for suffix in ("", "-journal"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        shutil.copyfile(template[len("sqlite:"):], path)
        return "sqlite:" + path
    engine.run_sql(engine.url("postgres"), 'DROP DATABASE IF EXISTS "%s";' % dbname)
    engine.run_sql(engine.url("postgres"), 'CREATE DATABASE "%s" TEMPLATE "%s";' % (dbname, template.rsplit("/", 1)[1]))
    return engine.url(dbname)


def file_with_dangling_rows(engine, directory, name="dangling.json"):
    """The edge export plus rows whose foreign keys point to nothing (pmtest.add_dangling_rows),
    as directory/name: an import leaves them out (exit 3) and writes them to its reject file."""
    path, _, _ = modified_source(engine, "faults-dangling", add_dangling_rows)
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, name)
    shutil.copyfile(path, target)  # not a link: modified_source rewrites its file in place
    return target


def fresh_dir(name):
    """An empty directory of its own under WORK (removed first if a previous test left it)."""
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def listing(directory):
    """Every name in a directory, hidden ones included, sorted."""
    return sorted(os.listdir(directory))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------
# Running the binary


def run_podmigrate(args, cwd=None, stdin_path=None, env=None, timeout=600):
    """pmtest.podmigrate with a working directory and a file on standard input."""
    full_env = dict(os.environ, **(env or {}))
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        res = subprocess.run([PODMIGRATE, *args], stdin=stdin, capture_output=True, text=True, cwd=cwd,
                             env=full_env, timeout=timeout, errors="backslashreplace")
    finally:
        if stdin_path:
            stdin.close()
    check_no_sanitizer_report(res.stderr, " ".join(args))
    return res


def check_status(status, expected, what, stderr):
    """An exit status, or the failure naming what ran, the status and the last lines it printed."""
    expected = expected if isinstance(expected, tuple) else (expected,)
    if status not in expected:
        tail = "\n    ".join(stderr.rstrip("\n").splitlines()[-6:])
        raise AssertionError("%s: exit status %s, expected %s; its last lines:\n    %s" % (
            what, status, " or ".join(map(str, expected)), tail))


TABLE_LINE = re.compile(r"^  (\S+) +\d+ (rows|compared)", re.M)  # export and import; verify


def start_streaming(args):
    """Starts podmigrate and returns (process, stderr read so far) once it has printed its
    first table line, i.e. once it is streaming rows."""
    proc = subprocess.Popen([PODMIGRATE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    seen = b""
    while True:
        line = proc.stderr.readline()
        seen += line
        if not line or TABLE_LINE.search(line.decode("utf-8", "replace")):
            break
    check(proc.poll() is None, "podmigrate ended before its first table line: %s" % seen.decode()[-2000:])
    return proc, seen


def check_one_line_error(stderr, *reasons):
    """A failure reported as podmigrate's own one-line error naming one of the reasons: no
    crash, no sanitizer report, no multi-line library message."""
    check_no_sanitizer_report(stderr, "(see above)")
    errors = [line for line in stderr.splitlines() if line.startswith("podmigrate: error: ")]
    check(errors, "no 'podmigrate: error:' line: " + stderr[-2000:])
    check(any(re.search("|".join(reasons), e, re.I) for e in errors),
          "the error does not say why (%s): %r" % ("/".join(reasons), errors))
    # libpq and Connector/C messages run over several lines ("\n\tThis probably means ...")
    check(not re.search(r"^\t|^This probably means", stderr, re.M), "a multi-line error: " + stderr[-2000:])


# ---------------------------------------------------------------------------------------------
# Kill points with strace


# The system calls a kill point is put on. MariaDB Connector/C and libpq write every request
# to the server with sendto (send() in their code), never with write: killing at the n-th
# sendto stops the client right before its n-th request leaves. SQLite writes the database
# and its journal with pwrite64, syncs with fdatasync/fsync and commits by unlinking the
# journal; its integrity-check queries only read (pread64), so reads are kill points too.
KILL_SYSCALLS = {
    "postgresql": ("sendto",),
    "mariadb": ("sendto",),
    "sqlite": ("pwrite64", "pread64", "fdatasync", "fsync", "ftruncate", "unlink"),
}
SQLITE_WRITES = ("pwrite64", "fdatasync", "fsync", "ftruncate", "unlink")


def strace_env():
    # LeakSanitizer cannot run under ptrace; the runs under strace are checked for leaks elsewhere
    options = os.environ.get("ASAN_OPTIONS", "")
    return dict(os.environ, ASAN_OPTIONS=(options + ":" if options else "") + "detect_leaks=0")


def strace_command(trace_file, trace, inject=None, extra=(), sig="SIGKILL"):
    # not --seccomp-bpf: with it, strace 6.1 here never delivered the injected signal
    cmd = ["strace", "-f", "-qq", "-o", trace_file, "-e", "trace=" + ",".join(trace), *extra]
    if inject:
        name, when = inject
        cmd += ["-e", "inject=%s:signal=%s:when=%d" % (name, sig, when)]
    return cmd


def check_strace_kills_before_the_call():
    """The method rests on this: strace delivers the injected SIGKILL at the call's entry and
    the kernel, finding a fatal signal pending when the tracee resumes from its
    syscall-enter-stop, kills it without running the call. Shown here on a pwrite64 and an
    unlink whose effects would be visible: neither happens. Fails (with strace's message) where
    ptrace is not allowed."""
    check(shutil.which("strace"), "strace is not installed (scripts/install-deps.sh installs it)")
    path = os.path.join(WORK, "strace-probe")
    script = ("import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.pwrite(fd, b'after!', 0); "
              "os.unlink(sys.argv[1])")
    # killed at the pwrite64: the file keeps its bytes; at the unlink: written, not removed
    for name, left in (("pwrite64", b"before"), ("unlink", b"after!")):
        with open(path, "wb") as f:
            f.write(b"before")
        res = subprocess.run(strace_command(os.devnull, [name], (name, 1)) + [sys.executable, "-c", script, path],
                             capture_output=True, text=True, timeout=60)
        check_eq(res.returncode, -9, "strace kill at %s (strace cannot trace here?): %s" % (name, res.stderr[-1000:]))
        check(os.path.exists(path), "the unlink ran although the SIGKILL was injected at its entry")
        check_eq(read_bytes(path), left, "the file after a SIGKILL injected at the %s" % name)


# Phases of an import, in order, told by the last line it logged (-v: every SQL statement).
PHASES = ("loading", "tags", "content types", "integrity", "commit", "after commit")
_TAGS = re.compile(r"^debug: .*(SELECT id FROM [`\"](video_video|recorder_recorder)[`\"] ORDER BY id|"
                   r"tagulous_video_tags|tagulous_recorder_tags)|^  (video|recorder)_tagging_tag_2_tagulous ")
_CONTENT_TYPES = re.compile(r"^debug: .*FROM django_content_type|content types")
# the import's anti-joins, or PostgreSQL's foreign keys validated as they are added back (which
# spares them when no row dangles)
_INTEGRITY = re.compile(r"NOT EXISTS \(SELECT 1 FROM|foreign keys set aside added back")
_COMMIT = re.compile(r"^debug: \S+ COMMIT\b")
_SUMMARY = re.compile(r"^table +read +inserted")


def phase_after(lines):
    """The phase an import is in once it has logged these lines: the latest one begun."""
    phase = 0
    for line in lines:
        if _SUMMARY.match(line):
            phase = max(phase, PHASES.index("after commit"))
        elif _COMMIT.match(line):
            phase = max(phase, PHASES.index("commit"))
        elif _INTEGRITY.search(line):
            phase = max(phase, PHASES.index("integrity"))
        elif phase >= PHASES.index("tags") and _CONTENT_TYPES.search(line):
            phase = max(phase, PHASES.index("content types"))
        elif _TAGS.search(line):
            phase = max(phase, PHASES.index("tags"))
    return PHASES[phase]


def _complete_lines(stderr_bytes):
    """The lines of stderr up to its last newline."""
    text = stderr_bytes.decode("utf-8", "replace")
    return text[: text.rfind("\n") + 1].splitlines()


_TRACE_LINE = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
_SEND_SIZE = re.compile(r'"(?:[^"\\]|\\.)*"(?:\.\.\.)?, (\d+),')
# the statement ends the payload: PostgreSQL "Q...COMMIT\0", MariaDB "\3COMMIT"
_COMMIT_SENT = re.compile(r'COMMIT(\\0)?"')
# the last message of a session: PostgreSQL Terminate, MariaDB COM_QUIT
_GOODBYE = re.compile(r'"(X\\0\\0\\0\\4|\\1\\0\\0\\0\\1)"')


class Call:
    """One traced call: its name, its rank among the calls of that name (strace's when=), its
    logical rank, its arguments as strace shows them, what the import had logged before it.

    The logical rank leaves out the calls that only retry a send: MariaDB Connector/C sends
    with MSG_DONTWAIT, and a full socket buffer gives an EAGAIN failure or a partial send
    followed by more sendto calls for the rest, as the server's pace decides. The logical
    rank of a statement's send is the same in every run; its rank may be a little higher."""

    def __init__(self, name, rank, logical, args, stderr_offset):
        self.name, self.rank, self.logical, self.args = name, rank, logical, args
        self.stderr_offset = stderr_offset
        self.phase = None

    def is_commit(self):
        return self.name == "sendto" and bool(_COMMIT_SENT.search(self.args))

    def __repr__(self):
        return "%s#%d (%s)" % (self.name, self.rank, self.phase)


def parse_trace(path, syscalls):
    """The calls of syscalls in a strace log, and the bytes written to stderr before each."""
    calls, ranks, offset, extras, continuing = [], {}, 0, 0, False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = _TRACE_LINE.match(line)
            if not m:
                continue
            name, args, ret = m.groups()
            if name == "write" and re.match(r"2\b", args):
                offset += int(ret) if ret not in ("?", "-1") else 0
                continue
            if name not in syscalls:
                continue
            ranks[name] = ranks.get(name, 0) + 1
            if name == "sendto":
                size = _SEND_SIZE.search(args)
                sent = int(ret) if ret != "?" else None
                if continuing or sent == -1:
                    extras += 1
                if sent is not None and sent >= 0:
                    continuing = size is not None and sent < int(size.group(1))
            calls.append(Call(name, ranks[name], ranks[name] - (extras if name == "sendto" else 0), args, offset))
    return calls


def count_kill_points(engine, url, args):
    """The counting run: the whole import under strace, on a copy of the target, recording
    every call of KILL_SYSCALLS with the phase it falls in. Returns the calls."""
    trace_file = os.path.join(WORK, "strace-count-%s.txt" % engine.name)
    syscalls = KILL_SYSCALLS[engine.name]
    cmd = strace_command(trace_file, syscalls + ("write",), extra=["-y", "-s", "24"])
    res = subprocess.run(cmd + [PODMIGRATE, "import", "--db", url, *args, "-v"], capture_output=True,
                         env=strace_env(), timeout=600)
    stderr = res.stderr.decode("utf-8", "backslashreplace")
    check_no_sanitizer_report(stderr, " ".join(args))
    check(res.returncode in (0, 3), "the counting run failed (%d): %s" % (res.returncode, stderr[-3000:]))
    calls = parse_trace(trace_file, syscalls)
    phases = {}
    for c in calls:
        if c.stderr_offset not in phases:
            phases[c.stderr_offset] = phase_after(_complete_lines(res.stderr[: c.stderr_offset]))
        c.phase = phases[c.stderr_offset]
    _mark_commit(engine, url, calls)
    return calls


def _mark_commit(engine, url, calls):
    """COMMIT is sent (SQLite: run) without a log line: the calls that belong to it are found
    in the trace. Servers: the send that carries the COMMIT statement. SQLite: the writes to
    the database or its journal after the last line logged before the summary."""
    if engine.name != "sqlite":
        commits = [i for i, c in enumerate(calls) if c.is_commit() and c.phase != "after commit"]
        check(commits, "no send of COMMIT among the %d traced sends: is %s the call that sends?"
              % (len(calls), KILL_SYSCALLS[engine.name]))
        calls[commits[-1]].phase = "commit"
        for c in calls[commits[-1] + 1:]:
            c.phase = "after commit"
        return
    path = url[len("sqlite:"):]
    final = [c for c in calls if c.phase != "after commit"]
    last_offset = final[-1].stderr_offset if final else -1
    for c in final:
        if c.stderr_offset == last_offset and c.name in SQLITE_WRITES and path in c.args:
            c.phase = "commit"
    check(any(c.phase == "commit" and c.name == "unlink" and path + "-journal" in c.args for c in calls),
          "no unlink of the journal (SQLite's commit point) among the traced calls")


# how many kill points each phase gets, spread evenly within it: 10 per engine
KILLS_PER_PHASE = {
    "server": {"loading": 4, "tags": 2, "content types": 1, "integrity": 2, "commit": 1},
    "sqlite": {"loading": 3, "tags": 2, "content types": 1, "integrity": 2, "commit": 2},
}


def choose_kill_points(engine, calls):
    """Kill points spread evenly within each phase (an even spread over all the calls would
    put nearly all of them in the loading, which sends most), COMMIT itself always one of
    them: on SQLite, the unlink of the journal. Returns them and, apart, the first call after
    COMMIT if there is one but the session's goodbye message (which can change nothing)."""
    chosen, spare = [], 0
    for phase, k in KILLS_PER_PHASE["sqlite" if engine.name == "sqlite" else "server"].items():
        items = [c for c in calls if c.phase == phase]
        if not items and phase == "content types":  # SQLite may keep those writes in its cache
            spare = k
            continue
        check(items, "no traced call in the %s phase: %r" % (phase, sorted({c.phase for c in calls})))
        if phase == "integrity":
            k += spare
        if phase == "commit":
            chosen.append(items[-1])
            items, k = items[:-1], k - 1
        chosen += [items[(2 * i + 1) * len(items) // (2 * k)] for i in range(k) if items]
    check(all(c.rank <= 65535 for c in chosen), "strace's when= stops at 65535: %r" % chosen)
    after = [c for c in calls if c.phase == "after commit" and not _GOODBYE.search(c.args)]
    return sorted(set(chosen), key=calls.index), after[:1]


class Kill:
    """What one killed run did: the phase its log was in, whether its COMMIT had been sent
    (then the import is done and the state must be the imported one), the call killed."""

    def __init__(self, phase, committed, killed):
        self.phase, self.committed, self.killed = phase, committed, killed

    def __repr__(self):
        return "%r, the log in %s%s" % (self.killed, self.phase, ", COMMIT sent" if self.committed else "")


def kill_at(engine, url, args, point, tries=8):
    """Runs the import killed with SIGKILL at the entry of point's call: yields each Kill; the
    caller checks the state after each (and restores the target after a committed one).
    Servers: the sends are traced, and a kill meant for COMMIT or past it that landed on
    another send (retries of sends shift the ranks from run to run) is done again, aimed at
    the logical rank plus the retries of the last run. SQLite's calls are the same in every run."""
    rank = point.logical  # never past the point: retries only add calls before it
    trace_file = os.path.join(WORK, "strace-kill-%s.txt" % engine.name)
    exact = engine.name != "sqlite" and point.phase in ("commit", "after commit")
    for _ in range(tries):
        cmd = strace_command(trace_file if engine.name != "sqlite" else os.devnull, [point.name],
                             (point.name, rank), extra=["-s", "24"])
        res = subprocess.run(cmd + [PODMIGRATE, "import", "--db", url, *args, "-v"], capture_output=True,
                             env=strace_env(), timeout=600)
        stderr = res.stderr.decode("utf-8", "backslashreplace")
        check_no_sanitizer_report(stderr, " ".join(args))
        phase = phase_after(_complete_lines(res.stderr))
        if engine.name == "sqlite":
            check_eq(res.returncode, -9, "the run to be killed at %r (not reached?): %s" % (point, stderr[-1500:]))
            # COMMIT is not logged: it follows the last line of the integrity check
            yield Kill("commit" if point.phase == "commit" and phase == "integrity" else phase, False, point)
            return
        sent = parse_trace(trace_file, [point.name])
        if res.returncode != -9:  # aimed past the last send of this run: the import is done
            check(exact and res.returncode in (0, 3), "the run to be killed at %r (%d): %s" % (
                point, res.returncode, stderr[-1500:]))
            yield Kill("after commit (not killed)", True, None)
        else:
            killed = sent[-1]
            committed = any(c.is_commit() for c in sent[:-1])
            killed.phase = "after commit" if committed else "commit" if killed.is_commit() else phase
            yield Kill(killed.phase, committed, killed)
            if not exact or killed.logical == point.logical:
                return
        rank = point.logical + sent[-1].rank - sent[-1].logical
    raise AssertionError("%d runs did not reach the kill point %r" % (tries, point))


def interrupt_at(engine, url, args, point):
    """Runs the import with SIGINT (a Ctrl-C) delivered at the entry of point's call, aimed at
    its logical rank (never past it, whatever sends are retried): the handler only records it,
    the call goes on. Returns the completed process, stderr decoded."""
    cmd = strace_command(os.devnull, [point.name], (point.name, point.logical), sig="SIGINT")
    res = subprocess.run(cmd + [PODMIGRATE, "import", "--db", url, *args], capture_output=True,
                         env=strace_env(), timeout=600)
    res.stderr = res.stderr.decode("utf-8", "backslashreplace")
    check_no_sanitizer_report(res.stderr, " ".join(args))
    return res


# ---------------------------------------------------------------------------------------------
# A small file system to fill


class Tmpfs:
    """A tmpfs of the given size mounted on a fresh directory (needs root); always unmounted."""

    def __init__(self, name, size="512k"):
        self.path = fresh_dir(name)
        self.size = size

    def __enter__(self):
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + self.size, "tmpfs", self.path],
                             capture_output=True, text=True)
        check_eq(res.returncode, 0, "cannot mount a tmpfs on %s (root needed): %s" % (self.path, res.stderr))
        return self.path

    def __exit__(self, *exc):
        subprocess.run(["umount", self.path], capture_output=True)
        return False

    def fill(self, name="filler"):
        """Fills the file system completely: not one block left for another file's data."""
        path = os.path.join(self.path, name)
        chunk = b"\0" * 4096
        with open(path, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(chunk)
            except OSError as e:
                check_eq(e.errno, errno.ENOSPC, "filling the tmpfs")
        return path


def kill_server_connection(engine, url):
    """Kills podmigrate's connection to the database of url from another connection: PostgreSQL
    pg_terminate_backend, MariaDB KILL. It is the one other connection to that database (named
    'podmigrate' on PostgreSQL once application_name is set)."""
    conns = other_connections(engine, url)
    named = [c for c in conns if c[1] == "podmigrate"]
    conns = named or conns
    check_eq(len(conns), 1, "podmigrate's connections to %s: %r" % (url, conns))
    if engine.name == "postgresql":
        query(engine, url, "SELECT pg_terminate_backend(%s);" % conns[0][0])
    else:
        engine.run_sql(url, "KILL %s;" % conns[0][0])
    wait_for_other_connections_to_end(engine, url)


def run_with_connection_killed(engine, url, args):
    """Runs podmigrate until it streams rows, stops it (SIGSTOP: no race with its end), kills
    its server connection, lets it go on; returns (exit status, stderr)."""
    proc, seen = start_streaming(args)
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        kill_server_connection(engine, url)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=600)
    return proc.returncode, (seen + err).decode("utf-8", "backslashreplace")
