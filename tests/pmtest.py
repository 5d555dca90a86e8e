"""Shared helpers of the podmigrate integration tests: real databases, the real binary.

Each engine is a small class that creates a fresh database, loads a Pod schema
from tests/data and gives the URL podmigrate uses. Tests are plain functions
registered with @test; run() prints one line per test and "N passed, N failed".
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, HERE)
import v4_fresh  # noqa: E402

PODMIGRATE = os.environ.get("PODMIGRATE", os.path.join(HERE, "..", "build", "podmigrate"))
WORK = tempfile.mkdtemp(prefix="podmigrate-tests.")
V4 = "v4.0.3"  # the Pod v4 schema the import tests load (tests/data)


def schema_path(version, engine):
    return os.path.join(DATA, version, engine + ".sql")


def sh(args, input=None, env=None, check=True, timeout=600):
    """Runs a command; returns CompletedProcess with text output."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    res = subprocess.run(args, input=input, capture_output=True, text=True, env=full_env,
                         timeout=timeout, errors="backslashreplace")
    if check and res.returncode != 0:
        raise AssertionError("command failed (%d): %s\n%s%s" % (
            res.returncode, " ".join(args), res.stdout[-2000:], res.stderr[-4000:]))
    return res


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "WARNING: ThreadSanitizer")


def podmigrate(*args, env=None, timeout=600, wrapper=()):
    """Runs the binary under test (under `wrapper`, e.g. valgrind, if given). A sanitizer report,
    or death by a signal (SIGSEGV, SIGABRT...: this wrapper never sends one; tests that kill
    podmigrate on purpose use Popen), fails the test whatever the build."""
    res = sh([*wrapper, PODMIGRATE, *args], env=env, check=False, timeout=timeout)
    if res.returncode < 0:
        raise AssertionError("podmigrate %s killed by %s:\n%s" % (
            " ".join(args), signal_name(-res.returncode), res.stderr[-6000:]))
    for mark in SANITIZER_MARKS:
        if mark in res.stderr:
            raise AssertionError("sanitizer report from podmigrate %s:\n%s" % (" ".join(args), res.stderr[-6000:]))
    if not wrapper:
        verify_import(args, res, env)
    return res


def _option(args, *names):
    for i, a in enumerate(args[:-1]):
        if a in names:
            return args[i + 1]
    return None


def verify_import(args, res, env):
    """Every import the suite makes is proven by verify --file (exit 0), unless it was a dry run,
    --onlytags (the other tables are not loaded), read standard input or failed
    (PM_VERIFY_EVERY_IMPORT=0 turns this off)."""
    if (os.environ.get("PM_VERIFY_EVERY_IMPORT", "1") == "0" or not args or args[0] != "import"
            or res.returncode not in (0, 3) or {"--dry", "--dry-run", "--onlytags", "--only-tags", "-h",
                                                  "--help", "--verify"} & set(args)):
        return
    path = _option(args, "-i", "--input")
    url = _option(args, "--db") or (env or {}).get("PODMIGRATE_DB") or os.environ.get("PODMIGRATE_DB")
    pod_dir = _option(args, "--pod-dir")
    if pod_dir:  # an install of tests/podinstall.py: its database and upstream's file
        import podinstall
        url = url or podinstall.database_of(pod_dir)
        path = path or podinstall.export_file(pod_dir)
    if not path or path == "-" or not url:
        return
    extra = ["--force"] if "--force" in args else []
    rejects = _option(args, "--rejects")
    if rejects and os.path.exists(rejects):
        extra += ["--rejects", rejects]
    check = sh([PODMIGRATE, "verify", "--file", path, "--to", url, "-q", *extra], env=env, check=False)
    if check.returncode != 0 or any(m in check.stderr for m in SANITIZER_MARKS):
        raise AssertionError("verify after 'podmigrate %s' exited %d:\n%s" % (
            " ".join(args), check.returncode, check.stderr[-5000:]))


def check_no_sanitizer_report(stderr, what):
    """What podmigrate() checks, for the runs it does not make (Popen, a pipe, a cwd)."""
    for mark in SANITIZER_MARKS:
        if mark in stderr:
            raise AssertionError("sanitizer report from podmigrate %s:\n%s" % (what, stderr[-6000:]))


def signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


class SqliteEngine:
    name = "sqlite"
    schema_name = "sqlite"

    def create(self, dbname, version="v3.8.4"):
        import gen_v3_data
        import sqlite3
        path = os.path.join(WORK, dbname + ".sqlite3")
        if os.path.exists(path):
            os.unlink(path)
        conn = sqlite3.connect(path)
        gen_v3_data.load_sqlite_schema(conn, schema_path(version, "sqlite"))
        conn.commit()
        conn.close()
        self.path = path
        url = "sqlite:" + path
        if version.startswith("v4"):
            self.run_sql(url, v4_fresh.fresh_rows_sql("sqlite"))  # what createDB writes
        return url

    def run_sql(self, url, sql):
        import gen_v3_data
        import sqlite3
        conn = sqlite3.connect(url[len("sqlite:"):])
        gen_v3_data.register_sqlite_functions(conn)
        conn.executescript(sql)
        conn.commit()
        conn.close()

    def load_generated(self, url, mode, expected_out=None, extra=()):
        # the generator makes the whole file, schema included
        args = [sys.executable, os.path.join(HERE, "gen_v3_data.py"), "--engine", "sqlite",
                "--mode", mode, "--sqlite-db", url[len("sqlite:"):], *extra]
        if expected_out:
            args += ["--expected-out", expected_out]
        sh(args)


class ServerEngine:
    """MariaDB or PostgreSQL reached through PM_TEST_*_URL (tests/servers.sh)."""

    def __init__(self, base_url):
        self.base_url = base_url
        parsed = urllib.parse.urlparse(base_url)
        self.user, self.password = parsed.username, parsed.password
        self.host, self.port = parsed.hostname, parsed.port

    def url(self, dbname):
        return self.base_url.rstrip("/") + "/" + dbname

    def load_generated(self, url, mode, expected_out=None, extra=()):
        sql_file = os.path.join(WORK, "gen-%s-%s.sql" % (self.name, mode))
        args = [sys.executable, os.path.join(HERE, "gen_v3_data.py"), "--engine", self.name,
                "--mode", mode, "--sql-out", sql_file, *extra]
        if expected_out:
            args += ["--expected-out", expected_out]
        sh(args)
        # newline="": keep the CR characters of the data as they are
        with open(sql_file, encoding="utf-8", newline="") as f:
            self.run_sql(url, f.read())


class MariadbEngine(ServerEngine):
    name = "mariadb"

    def client(self, db=None):
        args = ["mariadb", "--no-defaults", "-h", self.host, "-P", str(self.port), "-u", self.user,
                "--password=" + self.password, "--default-character-set=utf8mb4", "--batch"]
        return args + ([db] if db else [])

    def create(self, dbname, version="v3.8.4"):
        sh(self.client(), input="DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET "
           "utf8mb4 COLLATE utf8mb4_unicode_ci;" % (dbname, dbname))
        with open(schema_path(version, "mariadb"), encoding="utf-8") as f:
            sh(self.client(dbname), input=f.read())
        if version.startswith("v4"):
            sh(self.client(dbname), input=v4_fresh.fresh_rows_sql("mariadb"))
        return self.url(dbname)

    def run_sql(self, url, sql):
        sh(self.client(url.rsplit("/", 1)[1]), input=sql)


class PostgresqlEngine(ServerEngine):
    name = "postgresql"

    def client(self, db="postgres"):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port),
                "-U", self.user, "-d", db]

    def pgenv(self):
        return {"PGPASSWORD": self.password}

    def create(self, dbname, version="v3.8.4"):
        sh(self.client(), input='DROP DATABASE IF EXISTS "%s"; CREATE DATABASE "%s" ENCODING '
           "'UTF8' TEMPLATE template0;" % (dbname, dbname), env=self.pgenv())
        sh(self.client(dbname) + ["-f", schema_path(version, "postgresql")], env=self.pgenv())
        if version.startswith("v4"):
            sh(self.client(dbname), input="SET search_path = public;\n" + v4_fresh.fresh_rows_sql("postgresql"),
               env=self.pgenv())
        return self.url(dbname)

    def run_sql(self, url, sql):
        sh(self.client(url.rsplit("/", 1)[1]), input=sql, env=self.pgenv())


def engines():
    """The engines available to this run: SQLite always, servers when configured."""
    found = [SqliteEngine()]
    if os.environ.get("PM_TEST_MYSQL_URL"):
        found.append(MariadbEngine(os.environ["PM_TEST_MYSQL_URL"]))
    if os.environ.get("PM_TEST_PG_URL"):
        found.append(PostgresqlEngine(os.environ["PM_TEST_PG_URL"]))
    return found


_edge_exports = {}
_edge_sources = {}


def edge_export(engine, extra=("--portable",)):
    """The generated edge-case data loaded into a fresh v3 database of this engine and exported
    (once per engine and options): the input of the import and tag tests."""
    key = (engine.name, tuple(extra))
    if key not in _edge_exports:
        dbname = "pm_src_%d" % len(_edge_exports)
        url = engine.create(dbname)
        engine.load_generated(url, "edge", None, list(extra))
        out = os.path.join(WORK, "src-%s-%s.json" % (engine.name, dbname))
        res = podmigrate("export", "--db", url, "-o", out, "-q")
        if res.returncode != 0:
            raise AssertionError("export of the edge data: " + res.stderr[-2000:])
        _edge_exports[key] = out
        _edge_sources[key] = url
    return _edge_exports[key]


def edge_source(engine, extra=("--portable",)):
    """(url of the v3 database, its export) of edge_export."""
    out = edge_export(engine, extra)
    return _edge_sources[(engine.name, tuple(extra))], out


def modified_source(engine, name, change):
    data = load_json(edge_export(engine))
    facts = change(data)
    path = os.path.join(WORK, "%s-%s.json" % (name, engine.name))
    with open(path, "w") as f:
        json.dump(data, f)
    return path, data, facts


def add_dangling_rows(data):
    sites = data["video_video_sites"]
    sites.append(dict(sites[0], id=max(r["id"] for r in sites) + 1, video_id=987654))
    counts = data["video_viewcount"]
    counts.append(dict(counts[0], id=max(r["id"] for r in counts) + 1, video_id=987655))
    # a video whose owner is gone, and what hangs on that video: left out in cascade
    videos = data["video_video"]
    gone = dict(videos[0], id=max(r["id"] for r in videos) + 1, owner_id=99999,
                slug="orphan-video", video="videos/orphan.mp4")
    videos.append(gone)
    counts.append(dict(counts[0], id=max(r["id"] for r in counts) + 1, video_id=gone["id"],
                       date="2001-01-01"))
    # its tags: one only it carries, one shared with the first tagged video
    tagged = data["video_tagging_tag_2_tagulous"]
    tagged.append({"video_id": gone["id"], "tag_name": "orphan-only tag," + tagged[0]["tag_name"]})


def break_v4_constraints(data):
    meetings = [m for m in data["meeting"] if m["start_at"]]
    m = meetings[0]
    m["recurring_until"] = "2000-01-01"  # before any start date
    m["nb_occurrences"] = m["nb_occurrences"] or 3
    todelete = data["video_videotodelete"]
    first = todelete[0]
    twin = dict(first, id=max(r["id"] for r in todelete) + 1)
    todelete.append(twin)
    links = data["video_videotodelete_video"]
    video_ids = [v["id"] for v in data["video_video"]]
    links.append({"id": max(r["id"] for r in links) + 1, "videotodelete_id": twin["id"], "video_id": video_ids[0]})
    links.append({"id": max(r["id"] for r in links) + 1, "videotodelete_id": first["id"], "video_id": video_ids[0]})
    links.append({"id": max(r["id"] for r in links) + 1, "videotodelete_id": twin["id"], "video_id": video_ids[1]})
    return {"meeting": m["id"], "todelete": (first["id"], twin["id"], video_ids[0], video_ids[1])}


def schema_loader_command(engine, url):
    """A stand-in for Pod's 'make createDB': loads the v4 schema and its initial rows."""
    if engine.name == "sqlite":
        return ("%s -c 'import sys; sys.path.insert(0, \"%s\"); import gen_v3_data, sqlite3, v4_fresh; "
                "c = sqlite3.connect(\"%s\"); gen_v3_data.load_sqlite_schema(c, \"%s\"); "
                "c.executescript(v4_fresh.fresh_rows_sql(\"sqlite\")); c.commit()'"
                % (sys.executable, HERE, url[len("sqlite:"):], schema_path(V4, "sqlite")))
    return None


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def check(cond, message="check failed"):
    if not cond:
        raise AssertionError(message)


def check_eq(actual, expected, what="value"):
    if actual != expected:
        raise AssertionError("%s differs:\n  got:      %r\n  expected: %r" % (
            what, _short(actual), _short(expected)))


def _short(v):
    s = repr(v)
    return s if len(s) < 600 else s[:600] + "..."


def run(suite):
    """Runs the registered tests (TESTS=substring filters them); prints the tally."""
    only = os.environ.get("TESTS", "")
    passed = failed = 0
    for fn in _tests:
        for label, call in _expand(fn):
            if only and only not in label:
                continue
            started = time.monotonic()
            try:
                call()
                passed += 1
                print("ok   %-60s %6.2f s" % (label, time.monotonic() - started), flush=True)
            except Exception:
                failed += 1
                print("FAIL %-60s %6.2f s" % (label, time.monotonic() - started), flush=True)
                traceback.print_exc(file=sys.stdout)
    if os.environ.get("KEEP_TEST_FILES"):
        print("test files kept in", WORK)
    else:
        shutil.rmtree(WORK, ignore_errors=True)
    print("%s: %d passed, %d failed" % (suite, passed, failed))
    return failed == 0


def _expand(fn):
    """A test taking `engine` runs once per available engine."""
    import inspect
    params = inspect.signature(fn).parameters
    if "engine" in params:
        return [("%s[%s]" % (fn.__name__, e.name), (lambda e=e: fn(e))) for e in engines()]
    return [(fn.__name__, fn)]
