"""podmigrate migrate: export, import and verify in one process. Between every pair of engines
it gives the v4 that export then import give (compared table by table by the engines
themselves), --keep-file writes the very file export writes, a failure on either side (bad v3
data, a v4 that refuses, kill -9, Ctrl-C, a server connection killed) leaves v4 as it was, and
usage errors are caught before connecting."""
import os
import signal
import sqlite3
import threading

import podinstall

from dbstate import check_state, db_state
from faults import (Tmpfs, bench_source, check_one_line_error, check_status, fresh_dir, listing, read_bytes,
                    run_podmigrate, run_with_connection_killed, start_streaming)
from pmtest import (SANITIZER_MARKS, V4, WORK, check, check_eq, edge_source, engines, podmigrate, run,
                    schema_loader_command, sh, test)

CONNECTION_LOST = ("lost", "gone away", "terminat", "closed", "connection")


def by_name():
    return {e.name: e for e in engines()}


def on_pairs(fn):
    """Registers fn(src, dst) once per ordered pair of available engines."""
    for src in engines():
        for dst in engines():
            def call(s=src, d=dst):
                fn(s, d)
            call.__name__ = "%s[%s->%s]" % (fn.__name__, src.name, dst.name)
            test(call)
    return fn


def migrate(*args, expect=(0,), what="migrate"):
    res = podmigrate("migrate", *args)
    check_status(res.returncode, expect, what, res.stderr)
    return res


@on_pairs
def migrate_gives_the_v4_that_export_then_import_give(src, dst):
    """The edge data of src migrated into a fresh v4 of dst and, separately, exported then
    imported into another: every table (and PostgreSQL sequence) the same; same exit status,
    same reject file; verify ran at the end and proved it; --keep-file is byte for byte the file
    export wrote."""
    v3, export = edge_source(src)
    two_step = dst.create("pm_mg_two", version=V4)
    imported = podmigrate("import", "--db", two_step, "-i", export, "-q")
    check_status(imported.returncode, (0, 3), "the two-step import", imported.stderr)
    one_step = dst.create("pm_mg_one", version=V4)
    directory = fresh_dir("migrate-%s-%s" % (src.name, dst.name))
    kept = os.path.join(directory, "v3_exported_tables.json")
    res = migrate("--from", v3, "--to", one_step, "--keep-file", kept, expect=(imported.returncode,))
    check("Verifying" in res.stderr and "v4 holds everything" in res.stderr, res.stderr[-2000:])
    check_state(db_state(dst, two_step), db_state(dst, one_step), "migrate against export + import")
    check(read_bytes(kept) == read_bytes(export), "--keep-file differs from export's file")
    check_eq(os.stat(kept).st_mode & 0o777, 0o600, "mode of the kept file")
    rejects = os.path.join(directory, "v3_exported_tables.rejects.jsonl")
    two_rejects = export[:-len(".json")] + ".rejects.jsonl"
    if imported.returncode == 3:
        check_eq(sorted(read_bytes(rejects).splitlines()), sorted(read_bytes(two_rejects).splitlines()),
                 "the reject file of migrate against import's")
    expected = ["v3_exported_tables.json"] + (["v3_exported_tables.rejects.jsonl"] if imported.returncode == 3 else [])
    check_eq(listing(directory), sorted(expected), "files next to --keep-file")


@test
def without_keep_file_the_rejects_go_to_the_working_directory_and_no_file_is_written():
    e = by_name()["sqlite"]
    v3, _ = edge_source(e)
    v4 = e.create("pm_mg_cwd", version=V4)
    directory = fresh_dir("migrate-cwd")
    res = run_podmigrate(["migrate", "--from", v3, "--to", v4, "--no-verify"], cwd=directory)
    check_status(res.returncode, (0, 3), "migrate", res.stderr)
    check("Verifying" not in res.stderr, "--no-verify still verified: " + res.stderr[-1000:])
    check_eq(listing(directory), ["podmigrate.rejects.jsonl"] if res.returncode == 3 else [], "files left")


@test
def dry_run_changes_nothing(engine):
    """--dry rolls v4 back and skips verify. Run from an empty directory: no reject file is
    written there (none was named), and the --keep-file asked for is the one file written."""
    v3, _ = edge_source(engine)
    v4 = engine.create("pm_mg_dry", version=V4)
    before = db_state(engine, v4)
    directory = fresh_dir("migrate-dry-" + engine.name)
    res = run_podmigrate(["migrate", "--from", v3, "--to", v4, "--dry", "--keep-file", "kept.json"], cwd=directory)
    check_status(res.returncode, (0, 3), "migrate --dry", res.stderr)
    check("Dry run" in res.stderr and "Verifying" not in res.stderr, res.stderr[-1500:])
    check_state(before, db_state(engine, v4), "v4 after a dry run")
    check_eq(listing(directory), ["kept.json"], "files written by a dry run")


def sqlite_v3_with(name, sql):
    """A copy of the SQLite edge source with sql applied to it."""
    e = by_name()["sqlite"]
    v3, _ = edge_source(e)
    path = os.path.join(WORK, name + ".sqlite3")
    with open(v3[len("sqlite:"):], "rb") as f, open(path, "wb") as g:
        g.write(f.read())
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.commit()
    conn.close()
    return "sqlite:" + path


@test
def bad_v3_data_fails_with_the_export_error_and_v4_unchanged(engine):
    """A title that is not UTF-8 in v3's last big table: the export half names the table and the
    row, the import half rolls back without an error of its own (no 'read error', no truncated
    stream), v4 as it was, the kept file not written."""
    v3 = sqlite_v3_with("pm_mg_badutf8", "UPDATE video_video SET title = CAST(x'41ff42' AS TEXT) "
                                        "WHERE id = (SELECT MAX(id) FROM video_video);")
    v4 = engine.create("pm_mg_bad", version=V4)
    before = db_state(engine, v4)
    directory = fresh_dir("migrate-bad-" + engine.name)
    kept = os.path.join(directory, "kept.json")
    res = migrate("--from", v3, "--to", v4, "--keep-file", kept, expect=(1,))
    errors = [l for l in res.stderr.splitlines() if l.startswith("podmigrate: error: ")]
    check(errors and "video_video" in errors[0] and "UTF-8" in errors[0], "first error: %r" % errors[:3])
    check(not any("read error" in l or "end of file" in l or "cannot write" in l for l in errors),
          "the other half reported the failure as its own: %r" % errors)
    check_state(before, db_state(engine, v4), "v4 after a failed export half")
    check_eq(listing(directory), [], "files next to --keep-file")


@test
def a_v4_that_refuses_stops_the_export_without_an_error_of_its_own(engine):
    """The target is a Pod v3 database, not v4: refused before anything is written; the export
    half stops without reporting a write error; the target unchanged."""
    v3, _ = edge_source(engine)
    target = engine.create("pm_mg_notv4")  # a v3 schema
    before = db_state(engine, target)
    res = migrate("--from", v3, "--to", target, expect=(1,))
    errors = [l for l in res.stderr.splitlines() if l.startswith("podmigrate: error: ")]
    check(errors and "v4" in errors[0], "first error: %r" % errors[:3])
    check(not any("cannot write" in l or "export failed" in l for l in errors), "export half errors: %r" % errors)
    check_state(before, db_state(engine, target), "the refused target")


@test
def kill_9_and_ctrl_c_during_migrate_leave_v4_as_it_was(engine):
    """kill -9 and SIGINT once migrate streams rows (the bench data): v4 as it was."""
    v3, _ = bench_source(engine)
    v4 = engine.create("pm_mg_kill", version=V4)
    before = db_state(engine, v4)
    for sig in (signal.SIGKILL, signal.SIGINT):
        proc, seen = start_streaming(["migrate", "--from", v3, "--to", v4])
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=600)
        if sig == signal.SIGKILL:
            check_eq(proc.returncode, -signal.SIGKILL, "killed migrate's status")
        else:
            check_status(proc.returncode, 1, "migrate after Ctrl-C", (seen + err).decode("utf-8", "replace"))
            check(b"interrupted by signal" in err, err[-1500:])
        check_state(before, db_state(engine, v4), "v4 after migrate got signal %d" % sig)


@test
def a_full_disk_under_keep_file_fails_and_leaves_v4_and_the_directory_as_they_were(engine):
    """--keep-file on a file system with not one block left: the tee's write (or the kept
    file's commit) fails, one error names the kept file and the disk, the import half rolls
    back without an error of its own, nothing is left in the directory but the filler."""
    v3, _ = edge_source(engine)
    v4 = engine.create("pm_mg_full", version=V4)
    before = db_state(engine, v4)
    fs = Tmpfs("tmpfs-migrate-" + engine.name)
    with fs as directory:
        fs.fill()
        res = migrate("--from", v3, "--to", v4, "--keep-file", os.path.join(directory, "kept.json"), expect=(1,))
        errors = [l for l in res.stderr.splitlines() if l.startswith("podmigrate: error: ")]
        check(errors and "kept.json" in errors[0] and "space" in errors[0], "first error: %r" % errors[:3])
        check(not any("read error" in l or "end of file" in l for l in errors), "import half errors: %r" % errors)
        check_eq(listing(directory), ["filler"], "files on the full disk")
    check_state(before, db_state(engine, v4), "v4 after a full disk under --keep-file")


def server_engines(*names):
    return [e for e in engines() if e.name in names]


@test
def a_server_connection_killed_on_either_side_leaves_v4_as_it_was():
    """The v3 connection (read by the export thread) or the v4 one (the import's), killed by the
    server mid-stream: exit 1, one clear error, v4 unchanged."""
    for engine in server_engines("mariadb", "postgresql"):
        v3, _ = bench_source(engine)
        for side in ("v3", "v4"):
            v4 = engine.create("pm_mg_connkill", version=V4)
            before = db_state(engine, v4)
            status, err = run_with_connection_killed(engine, v3 if side == "v3" else v4,
                                                     ["migrate", "--from", v3, "--to", v4])
            check_status(status, 1, "migrate whose %s connection was killed" % side, err)
            check_one_line_error(err, *CONNECTION_LOST)
            check_state(before, db_state(engine, v4), "v4 after the %s connection was killed" % side)


@test
def the_threadsanitizer_build_migrates_with_no_race(engine):
    """The export thread, the channel and the import, then verify's own thread: the
    ThreadSanitizer build (PODMIGRATE_TSAN, which make test sets) over tables of many channel
    fills, into every engine, reports no race and proves its result."""
    tsan = os.environ.get("PODMIGRATE_TSAN")
    if not tsan:
        print("     (PODMIGRATE_TSAN not set: make test sets it)")
        return
    v3, _ = bench_source(by_name()["sqlite"])
    v4 = engine.create("pm_mg_tsan", version=V4)
    res = sh([tsan, "migrate", "--from", v3, "--to", v4], env={"TSAN_OPTIONS": "halt_on_error=1 exitcode=66"},
             check=False, timeout=1200)
    marks = [m for m in SANITIZER_MARKS if m in res.stderr]
    check(not marks and res.returncode == 0, "ThreadSanitizer build, migrate: exit %d\n%s" % (
        res.returncode, res.stderr[-5000:]))


def installs(name, v3_url, v4_url, **v4_kwargs):
    """Upstream's layout: ROOT/podv3 and ROOT/podv4, each with its settings and a .venv."""
    root = fresh_dir("installs-" + name)
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), v3_url, version="v3")
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), v4_url, version="v4", **v4_kwargs)
    return root, podv3, podv4


@test
def migrate_between_two_pod_installs_reads_their_settings(engine):
    """--from podv3 --to podv4, Pod installs read by their own Python and Django (NAME computed
    across settings files, so only Django's composition finds the database), then verify of
    the two installs: the same v4 as
    export then import; nothing written beside the installs (no file in between) but the reject
    file, where import --pod-dir would write it."""
    v3, export = edge_source(engine)
    v4 = engine.create("pm_mg_inst", version=V4)
    root, podv3, podv4 = installs("settings-" + engine.name, v3, v4)
    res = podmigrate("migrate", "--from", podv3, "--to", podv4)
    check_status(res.returncode, (0, 3), "migrate --from DIR --to DIR", res.stderr)
    for install in (podv3, podv4):
        check("Pod settings of %s read by Django " % install in res.stderr, res.stderr[-3000:])
    check("v4 holds everything" in res.stderr, res.stderr[-1500:])
    upstream = os.path.join(root, "data_from_v3_to_v4")
    check_eq(sorted(os.listdir(root)), ["podv3", "podv4"] + (["data_from_v3_to_v4"] if res.returncode == 3 else []),
             "files beside the installs")
    if res.returncode == 3:
        check_eq(os.listdir(upstream), ["v3_exported_tables.rejects.jsonl"], "upstream's folder")
        check(os.path.join(upstream, "v3_exported_tables.rejects.jsonl") in res.stderr, res.stderr[-1000:])
    two_step = engine.create("pm_mg_inst2", version=V4)
    check_status(podmigrate("import", "--db", two_step, "-i", export, "-q").returncode, (0, 3), "import", "")
    check_state(db_state(engine, two_step), db_state(engine, v4), "migrate of the installs against export + import")
    # verify takes the installs too; a change in v4 behind its back is found through them
    res = podmigrate("verify", "--from", podv3, "--to", podv4)
    check_status(res.returncode, 0, "verify --from DIR --to DIR", res.stderr)
    engine.run_sql(v4, "UPDATE video_video SET title = 'changed behind verify' WHERE id = (SELECT id FROM "
                   "(SELECT MIN(id) AS id FROM video_video) m);")
    res = podmigrate("verify", "--from", podv3, "--to", podv4, "-q")
    check_status(res.returncode, 4, "verify of the installs after a change", res.stderr)
    check("video_video" in res.stderr, res.stderr[-1500:])


@test
def create_db_runs_in_the_v4_install_on_the_database_of_its_settings():
    """--createDB with --to DIR: Pod's command runs in DIR (a stand-in loading the v4 schema,
    as make createDB would) and the rows go to the database of DIR's settings. With --to URL it
    needs --pod-dir, whose settings must name that database; with --dry it only says what it
    would run."""
    e = by_name()["sqlite"]
    v3, _ = edge_source(e)
    v4_path = os.path.join(WORK, "pm_mg_cdb.sqlite3")
    if os.path.exists(v4_path):
        os.unlink(v4_path)
    open(v4_path, "w").close()  # the database exists, empty: createDB makes its tables
    root, podv3, podv4 = installs("createdb", v3, "sqlite:" + v4_path)
    loader = schema_loader_command(e, "sqlite:" + v4_path)
    res = podmigrate("migrate", "--from", podv3, "--to", podv4, "--createDB", "--dry", "--createdb-command", loader)
    check_status(res.returncode, 0, "migrate --createDB --dry", res.stderr)
    check("would run" in res.stderr and os.path.getsize(v4_path) == 0, res.stderr[-1500:])
    other = os.path.join(WORK, "pm_mg_cdb_other.sqlite3")
    for args, says in [(["--to", "sqlite:" + v4_path], "--pod-dir"),
                       (["--to", "sqlite:" + other, "--pod-dir", podv4], "--to names"),
                       (["--to", podv4, "--pod-dir", os.path.join(root, "nowhere")], "not a directory")]:
        res = podmigrate("migrate", "--from", podv3, *args, "--createDB", "--createdb-command", loader)
        check_status(res.returncode, 2, "migrate --createDB %r" % args, res.stderr)
        check(says in res.stderr, "%r: %s" % (args, res.stderr[-1500:]))
        check(os.path.getsize(v4_path) == 0 and not os.path.exists(other), "a database was written")
    res = podmigrate("migrate", "--from", podv3, "--to", podv4, "--createDB", "--createdb-command", loader + " && pwd",
                     "--rejects", os.path.join(WORK, "cdb.rejects"))
    check_status(res.returncode, (0, 3), "migrate --createDB", res.stderr)
    check(podv4 in res.stdout, "createDB did not run in the install: " + res.stdout)
    check("v4 holds everything" in res.stderr, res.stderr[-1500:])


@test
def a_password_from_the_settings_reaches_only_the_servers(engine):
    """Both installs' settings hold a password full of URL and quoting characters: migrate
    connects to both, and neither the messages nor any process's command line or environment
    (podmigrate's, the Python children's) ever holds it."""
    if engine.name == "sqlite":
        return
    secret = "m!gr@te:p/w'\\%40 \"q"
    user = "pm_mg_secret"
    podinstall.create_user(engine, user, secret)
    v3, _ = edge_source(engine)
    v4 = engine.create("pm_mg_secret", version=V4)
    as_user = lambda url: dict(podinstall.parts_from_url(url), USER=user, PASSWORD=secret)  # noqa: E731
    root, podv3, podv4 = installs("secret-" + engine.name, as_user(v3), as_user(v4))
    with open(os.path.join(podv3, "pod", "custom", "settings_local.py"), "a") as f:
        f.write("import time\ntime.sleep(1.0)\n")  # long enough for the scan to see the Python child
    stop, seen = threading.Event(), {}
    watcher = threading.Thread(target=podinstall.watch_processes, args=(secret, stop, seen, "migrate"))
    watcher.start()
    try:
        res = podmigrate("migrate", "--from", podv3, "--to", podv4, "-v",
                         "--rejects", os.path.join(WORK, "secret.rejects"))
    finally:
        stop.set()
        watcher.join()
    check_status(res.returncode, (0, 3), "migrate with the special password", res.stderr)
    check(seen.get("reader") and seen.get("podmigrate"), "the scan saw neither podmigrate nor its Python: %r"
          % sorted(seen))
    check(not seen.get("leaks"), "the password in a command line or environment: %r" % seen.get("leaks"))
    for form in (secret, "m!gr@te", "p/w'", "gr%40te"):
        check(form not in res.stderr + res.stdout, "the password (%r) in a message" % form)


@test
def an_argument_that_is_no_pod_install_or_broken_settings_are_refused():
    e = by_name()["sqlite"]
    v3, _ = edge_source(e)
    v4 = e.create("pm_mg_badinst", version=V4)
    plain = fresh_dir("not-an-install")
    res = podmigrate("migrate", "--from", plain, "--to", v4)
    check_status(res.returncode, 2, "migrate --from a folder without manage.py", res.stderr)
    check("manage.py" in res.stderr, res.stderr[-1000:])
    root, podv3, podv4 = installs("broken", v3, v4)
    with open(os.path.join(podv4, "pod", "custom", "settings_local.py"), "a") as f:
        f.write("\nDATABASES = {\n")
    before = db_state(e, v4)
    res = podmigrate("migrate", "--from", podv3, "--to", podv4)
    check_status(res.returncode, 1, "migrate --to an install with a syntax error", res.stderr)
    check("settings_local.py" in res.stderr and "line" in res.stderr, res.stderr[-1500:])
    check_state(before, db_state(e, v4), "v4 after refused settings")


@test
def usage_errors_are_caught_before_connecting():
    e = by_name()["sqlite"]
    v3, _ = edge_source(e)
    v4 = e.create("pm_mg_usage", version=V4)
    for args, says in [
        (["--from", v3], "required"),
        (["--to", v4], "required"),
        (["--from", v3, "--to", v3], "same database"),
        (["--from", v3, "--to", v4, "--keep-file", "-"], "--keep-file"),
        (["--from", v3, "--to", v4, "--keep-file", v4[len("sqlite:"):]], "the v4 database"),
        (["--from", v3, "--to", v4, "--rejects", v3[len("sqlite:"):]], "the v3 database"),
        (["--from", v3, "--to", v4, "--keep-file", "/tmp/pm-same.json", "--report", "/tmp/pm-same.json"], "--keep-file"),
        (["--from", v3, "--to", v4, "extra"], "unexpected argument"),
        (["--from", "nosuch://x", "--to", v4], "nosuch"),
        (["--bogus"], "migrate --help"),
    ]:
        before = db_state(e, v4)
        res = migrate(*args, expect=(2,), what="migrate %s" % " ".join(args))
        check(says in res.stderr, "%r: %s" % (args, res.stderr[-800:]))
        check_state(before, db_state(e, v4), "v4 after a usage error")
    res = migrate("--help")
    for word in ("--from", "--to", "--keep-file", "--no-verify", "Exit status"):
        check(word in res.stdout, "--help lacks " + word)


if __name__ == "__main__":
    raise SystemExit(0 if run("migrate") else 1)
