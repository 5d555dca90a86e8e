"""The failure guarantees of podmigrate, proven on real SQLite, MariaDB and PostgreSQL: kill -9
at many points of an import, the server connection killed, a full disk, symlinked output
paths, an export over its own source, leftover files, dry runs that touch nothing, and
PostgreSQL sequences rolled back with the rest. The target's state is always read with the
engine's own SQL (faults.db_state), never through podmigrate."""
import os
import signal
import sys

from dbquery import query
from faults import (Tmpfs, bench_source, check_one_line_error, check_state, check_status,
                    check_strace_kills_before_the_call, choose_kill_points, count_kill_points, db_state,
                    file_with_dangling_rows, fresh_dir, fresh_target, interrupt_at, kill_at, listing, loaded_target,
                    read_bytes, run_podmigrate, run_with_connection_killed, start_streaming, state_diff)
from pmtest import check, check_eq, edge_export, engines, podmigrate, run, test

# the one name of the loaded target the tests get (a fresh copy, see faults.loaded_target)
TARGET = "pm_faults_target"
CONNECTION_LOST = ("connection", "server", "terminat", "killed", "lost", "closed")
NO_SPACE = ("No space left on device", "ENOSPC")


def on_engines(*names):
    """Registers a test once per available engine among names (for faults that exist only
    there), labelled like pmtest's per-engine tests."""
    def register(fn):
        for engine in engines():
            if engine.name in names:
                def call(e=engine):  # not named engine: pmtest would run it on every engine
                    fn(e)
                call.__name__ = "%s[%s]" % (fn.__name__, engine.name)
                call.__doc__ = fn.__doc__
                test(call)
        return fn
    return register


def in_dir(directory, source, name):
    """source linked (not copied: they are big) into directory under name."""
    path = os.path.join(directory, name)
    os.link(source, path)
    return path


def write(path, content):
    with open(path, "wb") as f:
        f.write(content)
    return path


def truncated_copy(engine, directory, name="truncated.json"):
    content = read_bytes(edge_export(engine))
    return write(os.path.join(directory, name), content[: len(content) * 2 // 3])


# --- 1. kill -9 --------------------------------------------------------------------------------


@test
def kill_9_at_any_point_of_an_import_leaves_the_target_as_it_was(engine):
    """kill -9 of an import at 10 or more points spread over the loading, the tags, the
    integrity check and the commit (the COMMIT itself included) of the bench data: each time the
    target is exactly as before (every table, PostgreSQL sequences too); killed once COMMIT is
    sent, the import is whole; and a re-run then succeeds with the state of an uninterrupted
    import. The kill points are system calls counted in one run under strace and killed at in
    the next ones (faults.KILL_SYSCALLS), with no hook in the binary."""
    check_strace_kills_before_the_call()
    _, big = bench_source(engine)
    args = ["-i", big]
    target = loaded_target(engine, "pm_faults_kill")
    counted = loaded_target(engine, "pm_faults_kill_count")
    calls = count_kill_points(engine, counted, args)
    imported = db_state(engine, counted)
    chosen, late = choose_kill_points(engine, calls)
    before = db_state(engine, target)
    check(imported != before, "the bench import changes nothing: no proof")
    check(len(chosen) >= 10, "only %d kill points: %r" % (len(chosen), chosen))
    phases, changed, kills = {}, [], 0
    for point, name in [(p, "pm_faults_kill") for p in chosen] + [(p, "pm_faults_kill_late") for p in late]:
        url = target if name == "pm_faults_kill" else loaded_target(engine, name)
        for kill in kill_at(engine, url, args, point):
            kills += 1
            phases.setdefault(kill.phase, []).append(kill.killed)
            state, expected = db_state(engine, url), imported if kill.committed else before
            if state != expected:
                changed.append("%r: %s" % (kill, state_diff(expected, state, 4)))
            if kill.committed or state != before:  # start the next kill from the same state
                check_state(before, db_state(engine, loaded_target(engine, name)), "making the target again")
    check(not changed, "%d of %d kills left the target changed:\n  %s" % (len(changed), kills, "\n  ".join(changed)))
    missing = [p for p in ("loading", "tags", "integrity", "commit") if p not in phases]
    check(not missing, "no kill in the %s phase (kills by phase: %r)" % (missing, phases))
    res = podmigrate("import", "--db", target, *args, "-q")
    check_status(res.returncode, (0, 3), "the import after the kills", res.stderr)
    check_state(imported, db_state(engine, target), "an import after the kills, compared with one never killed,")


@test
def a_stop_signal_after_the_loading_still_rolls_back(engine):
    """SIGINT (Ctrl-C) delivered in the tags, the content types and the integrity check, where
    no loop asks for it, and at the last call before COMMIT: the import still notices it
    before committing, exits 1 naming the signal, and the target is exactly as before (it used
    to commit: only the loading's loops asked)."""
    check_strace_kills_before_the_call()
    _, big = bench_source(engine)
    args = ["-i", big]
    calls = count_kill_points(engine, loaded_target(engine, "pm_faults_int_count"), args)
    points = []
    for phase in ("tags", "content types", "integrity"):
        items = [c for c in calls if c.phase == phase]
        if items:
            points.append(items[len(items) // 2])
    # the last call before COMMIT. SQLite's COMMIT logs nothing and reads too (its deferred keys):
    # there, the last call before the last line logged ahead of it (a signal during COMMIT
    # rightly ends in a commit)
    last = [c for c in calls if c.phase not in ("commit", "after commit")]
    if engine.name == "sqlite":
        last = [c for c in last if c.stderr_offset < last[-1].stderr_offset]
    points.append(last[-1])
    check(len(points) >= 3, "too few points after the loading: %r" % points)
    target = loaded_target(engine, "pm_faults_int")
    before = db_state(engine, target)
    for point in points:
        res = interrupt_at(engine, target, args, point)
        check_eq(res.returncode, 1, "the import interrupted at %r: %s" % (point, res.stderr[-1500:]))
        check("interrupted by signal %d" % signal.SIGINT in res.stderr, "the signal is not named: %s"
              % res.stderr[-1500:])
        check_state(before, db_state(engine, target), "the target after a SIGINT at %r" % point)


# --- 2. the server connection killed ------------------------------------------------------------


@on_engines("mariadb", "postgresql")
def a_killed_server_connection_fails_the_import_and_changes_nothing(engine):
    """The import's connection killed by the server mid-load: exit 1 with a clear one-line
    error, the target unchanged, no reject file or partial file next to the input."""
    _, big = bench_source(engine)
    url = loaded_target(engine, TARGET)
    directory = fresh_dir("connkill-import-" + engine.name)
    source = in_dir(directory, big, "big.json")
    before, files = db_state(engine, url), listing(directory)
    status, err = run_with_connection_killed(engine, url, ["import", "--db", url, "-i", source])
    check_status(status, 1, "import whose connection was killed", err)
    check_one_line_error(err, *CONNECTION_LOST)
    check_state(before, db_state(engine, url), "an import whose connection was killed")
    check_eq(listing(directory), files, "files next to the input")


@on_engines("mariadb", "postgresql")
def a_killed_server_connection_fails_the_export_and_writes_nothing(engine):
    """The export's connection killed by the server mid-stream: exit 1 with a clear one-line
    error; no output file created, a previous one byte-identical, nothing else left."""
    src, _ = bench_source(engine)
    for previous in (None, b'{"previous": "export"}\n'):
        directory = fresh_dir("connkill-export-" + engine.name)
        out = os.path.join(directory, "out.json")
        if previous:
            write(out, previous)
        files = listing(directory)
        status, err = run_with_connection_killed(engine, src, ["export", "--db", src, "-o", out])
        check_status(status, 1, "export whose connection was killed", err)
        check_one_line_error(err, *CONNECTION_LOST)
        check_eq(listing(directory), files, "files in the output directory")
        if previous:
            check(read_bytes(out) == previous, "the previous output file changed")


@on_engines("mariadb", "postgresql")
def a_killed_server_connection_stops_verify_with_exit_1_and_no_report(engine):
    """verify's v4 connection (read by its second thread) killed by the server mid-table: exit
    1 with a clear one-line error, nothing said to be proven, no report written."""
    _, big = bench_source(engine)
    url = fresh_target(engine, "pm_faults_verify")
    res = podmigrate("import", "--db", url, "-i", big, "-q")
    check_eq(res.returncode, 0, "import of the bench data: " + res.stderr[-2000:])
    directory = fresh_dir("connkill-verify-" + engine.name)
    report = os.path.join(directory, "report.json")
    status, err = run_with_connection_killed(engine, url, ["verify", "--file", big, "--to", url, "--report", report])
    check_status(status, 1, "verify whose connection was killed", err)
    check_one_line_error(err, *CONNECTION_LOST)
    check("nothing is proven" in err, err[-1500:])
    check_eq(listing(directory), [], "files in the report's directory")


# --- 3. disk full ------------------------------------------------------------------------------


@test
def export_to_a_full_disk_fails_and_keeps_the_previous_file(engine):
    """An export that fills the disk (a 512 KiB tmpfs): exit 1 saying "No space left on
    device", the previous file byte-identical, no temporary file left."""
    src, _ = bench_source(engine)
    fs = Tmpfs("tmpfs-export-" + engine.name)
    with fs as directory:
        out = write(os.path.join(directory, "out.json"), b'{"previous": "export"}\n')
        res = podmigrate("export", "--db", src, "-o", out)
        check_status(res.returncode, 1, "export to a full disk", res.stderr)
        check(any(m in res.stderr for m in NO_SPACE), "the reason is not given: " + res.stderr[-2000:])
        check_eq(read_bytes(out), b'{"previous": "export"}\n', "the previous output file")
        check_eq(listing(directory), ["out.json"], "files in the output directory")


@test
def reject_file_on_a_full_disk_fails_the_import_and_changes_nothing(engine):
    """Rows left out cannot be kept when the reject file's disk is full: the import fails
    (exit 1, the reason given) rather than drop them, the target unchanged, no file left."""
    url = loaded_target(engine, TARGET)
    source = file_with_dangling_rows(engine, fresh_dir("rejects-full-" + engine.name))
    before = db_state(engine, url)
    fs = Tmpfs("tmpfs-rejects-" + engine.name)
    with fs as directory:
        fs.fill()
        res = podmigrate("import", "--db", url, "-i", source, "--rejects", os.path.join(directory, "r.jsonl"))
        check_status(res.returncode, 1, "import with its reject file on a full disk", res.stderr)
        check(any(m in res.stderr for m in NO_SPACE), "the reason is not given: " + res.stderr[-2000:])
        check_eq(listing(directory), ["filler"], "files on the full disk")
    check_state(before, db_state(engine, url), "an import whose reject file could not be written")


@test
def tag_scratch_file_on_a_full_disk_fails_the_import_and_changes_nothing(engine):
    """The tag pseudo-tables' rows go to a scratch file in $TMPDIR: on a full disk the import
    fails (exit 1, naming what the file was for, where, and the reason), the target unchanged,
    nothing left in $TMPDIR; a $TMPDIR that does not exist is named the same way."""
    url = loaded_target(engine, TARGET)
    before = db_state(engine, url)
    fs = Tmpfs("tmpfs-spill-" + engine.name, size="64k")
    with fs as directory:
        fs.fill()
        res = podmigrate("import", "--db", url, "-i", edge_export(engine), env={**os.environ, "TMPDIR": directory})
        check_status(res.returncode, 1, "import with $TMPDIR full", res.stderr)
        check("temporary file for the rows of video_tagging_tag_2_tagulous (in %s)" % directory in res.stderr,
              "the scratch file is not named: " + res.stderr[-2000:])
        check(any(m in res.stderr for m in NO_SPACE), "the reason is not given: " + res.stderr[-2000:])
        check_eq(listing(directory), ["filler"], "files in the full $TMPDIR")
    check_state(before, db_state(engine, url), "an import whose scratch file could not be written")
    missing = os.path.join(fresh_dir("spill-missing-" + engine.name), "nowhere")
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "--onlytags",
                     env={**os.environ, "TMPDIR": missing})
    check_status(res.returncode, 1, "import with $TMPDIR missing", res.stderr)
    check("(in %s): cannot create it" % missing in res.stderr, "the missing $TMPDIR is not named: " + res.stderr[-2000:])
    check_state(before, db_state(engine, url), "an import whose scratch file could not be made")


# --- 4. symlinks -------------------------------------------------------------------------------


def symlink_to_victim(directory, name):
    victim = write(os.path.join(directory, "victim.txt"), b"another file, not ours\n")
    link = os.path.join(directory, name)
    os.symlink(victim, link)
    return link, victim


def check_link_kept(link, victim, res):
    check_status(res.returncode, 1, "with %s a symlink" % link, res.stderr)
    check(link in res.stderr and "symbolic link" in res.stderr,
          "the message does not name %s as a symbolic link: %s" % (link, res.stderr[-2000:]))
    check_eq(read_bytes(victim), b"another file, not ours\n", "the file the link points to")
    check(os.path.islink(link) and os.readlink(link) == victim, "%s is no longer the same symlink" % link)


@test
def export_refuses_an_output_path_that_is_a_symlink(engine):
    """export -o LINK, LINK a symlink to another file: refused (exit 1, naming LINK as a
    symbolic link), never followed; the other file and the link as they were."""
    src, _ = bench_source(engine)
    directory = fresh_dir("symlink-export-" + engine.name)
    link, victim = symlink_to_victim(directory, "out.json")
    res = podmigrate("export", "--db", src, "-o", link)
    check_link_kept(link, victim, res)
    check_eq(listing(directory), ["out.json", "victim.txt"], "files in the output directory")


@test
def import_refuses_a_reject_path_that_is_a_symlink(engine):
    """A reject file path (--rejects LINK, or the default NAME.rejects.jsonl) that is a symlink
    to another file: the import is refused (exit 1, naming it), the target unchanged, the
    other file intact."""
    url = loaded_target(engine, TARGET)
    directory = fresh_dir("symlink-rejects-" + engine.name)
    source = file_with_dangling_rows(engine, directory)
    before = db_state(engine, url)
    link, victim = symlink_to_victim(directory, "r.jsonl")
    check_link_kept(link, victim, podmigrate("import", "--db", url, "-i", source, "--rejects", link))
    check_state(before, db_state(engine, url), "an import refused for its --rejects symlink")
    os.unlink(link)
    default = os.path.join(directory, "dangling.rejects.jsonl")
    os.symlink(victim, default)
    check_link_kept(default, victim, podmigrate("import", "--db", url, "-i", source))
    check_state(before, db_state(engine, url), "an import refused for its default reject path, a symlink")
    check_eq(listing(directory), ["dangling.json", "dangling.rejects.jsonl", "victim.txt"], "files")


# --- 5. an export over its own source ------------------------------------------------------------


@on_engines("sqlite")
def export_refuses_to_overwrite_its_own_sqlite_source(engine):
    """export --db sqlite:X -o X (or a symlink or hard link to X): a usage error (exit 2) and
    X still the same SQLite database, byte for byte."""
    src, _ = bench_source(engine)
    directory = fresh_dir("self-export")
    x = os.path.join(directory, "pod.sqlite3")
    with open(src[len("sqlite:"):], "rb") as f:
        original = f.read()
    write(x, original)
    os.symlink(x, os.path.join(directory, "link.json"))
    os.link(x, os.path.join(directory, "hardlink.json"))
    for out in ("pod.sqlite3", "link.json", "hardlink.json"):
        res = podmigrate("export", "--db", "sqlite:" + x, "-o", os.path.join(directory, out))
        check_status(res.returncode, 2, "export of sqlite:pod.sqlite3 -o " + out, res.stderr)
        check(read_bytes(x) == original, "the source database was overwritten through -o %s" % out)
    check_eq(listing(directory), ["hardlink.json", "link.json", "pod.sqlite3"], "files")


# --- 6. leftovers ------------------------------------------------------------------------------


@test
def kill_9_during_export_leaves_only_what_was_there(engine):
    """kill -9 of an export while it streams: the output directory holds what it held before,
    the previous file byte-identical, no hidden .*.partial-* file."""
    src, _ = bench_source(engine)
    directory = fresh_dir("kill-export-" + engine.name)
    out = write(os.path.join(directory, "out.json"), b'{"previous": "export"}\n')
    proc, _ = start_streaming(["export", "--db", src, "-o", out])
    proc.kill()
    proc.communicate(timeout=600)
    check_eq(proc.returncode, -signal.SIGKILL, "the export was not killed (it ended first?)")
    check_eq(listing(directory), ["out.json"], "files after kill -9 of the export")
    check_eq(read_bytes(out), b'{"previous": "export"}\n', "the previous output file")


@test
def a_successful_export_removes_stale_partial_files_of_its_target(engine):
    """A hidden .out.json.partial-XXXXXX that an older version left (killed) is removed by
    the next successful export to out.json; another file's partial is not ours to remove."""
    src, _ = bench_source(engine)
    directory = fresh_dir("stale-partial-" + engine.name)
    write(os.path.join(directory, ".out.json.partial-Ab12Cd"), b'{"stale": ')
    write(os.path.join(directory, ".other.json.partial-Ef34Gh"), b'{"not ours": ')
    res = podmigrate("export", "--db", src, "-o", os.path.join(directory, "out.json"), "-q")
    check_status(res.returncode, 0, "export", res.stderr)
    check_eq(listing(directory), [".other.json.partial-Ef34Gh", "out.json"], "files after the export")


@test
def a_failed_import_leaves_no_reject_or_partial_file(engine):
    """An import that fails (a truncated file; rows left out under --strict) leaves no reject
    file and no partial file next to its input, and the target unchanged."""
    url = loaded_target(engine, TARGET)
    directory = fresh_dir("failed-import-" + engine.name)
    truncated = truncated_copy(engine, directory)
    dangling = file_with_dangling_rows(engine, directory)
    before, files = db_state(engine, url), listing(directory)
    for source, extra in ((truncated, ()), (dangling, ("--strict",))):
        res = podmigrate("import", "--db", url, "-i", source, *extra)
        check_status(res.returncode, 1, "import of " + os.path.basename(source), res.stderr)
        check_eq(listing(directory), files, "files after the failed import of " + os.path.basename(source))
        check_state(before, db_state(engine, url), "the failed import of " + os.path.basename(source))


# --- 7. dry runs ------------------------------------------------------------------------------


OLD_REJECTS = b'{"table": "from an earlier run", "row": {}, "reason": "kept"}\n'


@test
def a_dry_run_keeps_an_existing_reject_file(engine):
    """--dry of a clean file writes and deletes nothing: a reject file of an earlier run at
    the default path (NAME.rejects.jsonl next to NAME.json) stays byte-identical."""
    url = loaded_target(engine, TARGET)
    directory = fresh_dir("dry-keep-" + engine.name)
    source = in_dir(directory, edge_export(engine), "clean.json")
    rejects = write(os.path.join(directory, "clean.rejects.jsonl"), OLD_REJECTS)
    before = db_state(engine, url)
    res = podmigrate("import", "--db", url, "-i", source, "--dry")
    check_status(res.returncode, 0, "--dry", res.stderr)
    check(os.path.exists(rejects) and read_bytes(rejects) == OLD_REJECTS, "--dry removed or changed " + rejects)
    check_eq(listing(directory), ["clean.json", "clean.rejects.jsonl"], "files")
    check_state(before, db_state(engine, url), "--dry")


@test
def a_dry_run_with_dangling_rows_writes_no_reject_file(engine):
    """--dry of a file with rows to leave out: exit 3, says they were left out and that no
    reject file was written, writes none, and the target unchanged (sequences included)."""
    url = loaded_target(engine, TARGET)
    directory = fresh_dir("dry-dangling-" + engine.name)
    source = file_with_dangling_rows(engine, directory)
    before = db_state(engine, url)
    res = podmigrate("import", "--db", url, "-i", source, "--dry")
    check_status(res.returncode, 3, "--dry with rows to leave out", res.stderr)
    check_eq(listing(directory), ["dangling.json"], "files after --dry")
    check("left out" in res.stderr, "--dry does not say rows were left out: " + res.stderr[-1500:])
    check(any(m in res.stderr.lower() for m in ("no reject file", "reject file was not written",
                                                 "not written")),
          "--dry does not say no reject file was written: " + res.stderr[-1500:])
    check_state(before, db_state(engine, url), "--dry with dangling rows")


@test
def a_dry_run_from_stdin_touches_no_file_in_the_cwd(engine):
    """import -i - --dry (clean, then with rows to leave out) in a directory holding a
    stdin.rejects.jsonl and a podmigrate.rejects.jsonl (the default reject file of -i -): both
    byte-identical, nothing added, the target unchanged."""
    url = loaded_target(engine, TARGET)
    sources = fresh_dir("dry-stdin-sources-" + engine.name)
    cwd = fresh_dir("dry-stdin-" + engine.name)
    kept = {name: write(os.path.join(cwd, name), OLD_REJECTS + name.encode() + b"\n")
            for name in ("stdin.rejects.jsonl", "podmigrate.rejects.jsonl")}
    contents = {name: read_bytes(path) for name, path in kept.items()}
    before = db_state(engine, url)
    for source, status in ((edge_export(engine), 0), (file_with_dangling_rows(engine, sources), 3)):
        res = run_podmigrate(["import", "--db", url, "-i", "-", "--dry"], cwd=cwd, stdin_path=source)
        check_status(res.returncode, status, "import -i - --dry of " + os.path.basename(source), res.stderr)
        check_eq(listing(cwd), sorted(kept), "files in the cwd")
        for name, path in kept.items():
            check(read_bytes(path) == contents[name], "--dry from stdin changed ./" + name)
    check_state(before, db_state(engine, url), "--dry from stdin")


# --- 8. PostgreSQL sequences (and the others' counters) ------------------------------------------


def pod_insert(engine, url, table, **values):
    """A row inserted as Django does, without id; returns None or the engine's error."""
    cols = ", ".join(values)
    lits = ", ".join(("TRUE" if v else "FALSE") if isinstance(v, bool) and engine.name == "postgresql" else
                     str(int(v)) if isinstance(v, bool) else
                     str(v) if isinstance(v, int) else "'%s'" % v.replace("'", "''") for v in values.values())
    try:
        engine.run_sql(url, "INSERT INTO %s (%s) VALUES (%s);" % (table, cols, lits))
        return None
    except AssertionError as e:
        return str(e).strip().splitlines()[-1]


@test
def a_dry_run_leaves_every_sequence_as_it_was(engine):
    """--dry over a target where Pod has created groups since (its sequence past the file's
    ids): the state is identical, sequences included, and Pod's next insert works (it failed
    with a duplicate key when setval moved auth_group_id_seq back)."""
    url = loaded_target(engine, TARGET)
    for n in (1, 2):
        check_eq(pod_insert(engine, url, "auth_group", name="created by pod %d" % n), None, "Pod's insert")
    before = db_state(engine, url)
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "--dry", "-q")
    check_status(res.returncode, 0, "--dry", res.stderr)
    after = db_state(engine, url)
    error = pod_insert(engine, url, "auth_group", name="created by pod 3")
    check(after == before and error is None, "--dry changed the database: %s; Pod's next insert: %s" % (
        state_diff(before, after) or "nothing", error or "ok"))


@test
def a_failed_import_leaves_every_sequence_as_it_was(engine):
    """An import failing at the end of its input (truncated file) after loading most tables:
    the state is identical, sequences included."""
    url = loaded_target(engine, TARGET)
    source = truncated_copy(engine, fresh_dir("seq-failed-" + engine.name))
    before = db_state(engine, url)
    res = podmigrate("import", "--db", url, "-i", source, "-q")
    check_status(res.returncode, 1, "import of a truncated file", res.stderr)
    check_state(before, db_state(engine, url), "the failed import")


@test
def an_onlytags_dry_run_leaves_every_sequence_as_it_was(engine):
    """--onlytags --dry over a target whose tags differ from the file's: the state is
    identical, the tag tables' sequences included."""
    url = loaded_target(engine, TARGET)
    check_eq(pod_insert(engine, url, "video_tagulous_video_tags", name="pod tag", slug="pod-tag", count=0,
                        protected=False), None, "Pod's insert of a tag")
    before = db_state(engine, url)
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "--onlytags", "--dry", "-q")
    check_status(res.returncode, 0, "--onlytags --dry", res.stderr)
    check_state(before, db_state(engine, url), "--onlytags --dry")


@test
def rows_created_after_an_import_get_the_next_free_id(engine):
    """After an import whose ids are past the target's counters, a row inserted without id
    (as Django does) gets max(id) + 1, in a table loaded from the file and in a tag table
    the tag conversion wrote."""
    url = fresh_target(engine, "pm_faults_fresh_target")
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "-q")
    check_status(res.returncode, 0, "import", res.stderr)
    for table, values in (("auth_group", {"name": "new after import"}),
                          ("video_tagulous_video_tags", {"name": "new tag", "slug": "new-tag", "count": 0,
                                                         "protected": False})):
        top = int(query(engine, url, "SELECT max(id) FROM %s;" % table)[0][0])
        check_eq(pod_insert(engine, url, table, **values), None, "insert into %s" % table)
        new = int(query(engine, url, "SELECT max(id) FROM %s;" % table)[0][0])
        check_eq(new, top + 1, "id of the row inserted into %s" % table)


if __name__ == "__main__":
    sys.exit(0 if run("faults") else 1)
