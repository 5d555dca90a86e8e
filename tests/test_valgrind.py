"""valgrind memcheck over podmigrate's main paths on every engine: export, import, import with
rejects, --dry, --onlytags, --createDB, --strict, and verify (against v3, against the file, with
differences and a report), migrate. Run against the release build (tests/run.sh
does), the binary users install: a read of uninitialised memory, an invalid access or a definite
leak of our own code fails the test, with valgrind's report. The data is the small edge-case set:
valgrind runs some 30 times slower."""
import glob
import json
import os
import re
import sys

from pmtest import (V4, WORK, SqliteEngine, add_dangling_rows, check, check_eq, edge_export, edge_source,
                    load_json, modified_source, podmigrate, run, schema_loader_command, test)

_runs = [0]


def memcheck(*args):
    """podmigrate ARGS under valgrind; fails on any valgrind error, else returns the result.
    Leaks: only 'definite' ones count (nothing points to the block any more: a real leak);
    'possible' and 'reachable' are what libraries keep until exit."""
    _runs[0] += 1
    log = os.path.join(WORK, "valgrind-%d" % _runs[0])
    vg = ["valgrind", "--error-exitcode=99", "--track-origins=yes", "--leak-check=full",
          "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite", "--num-callers=30",
          "--child-silent-after-fork=yes", "--log-file=" + log + ".%p.log"]
    res = podmigrate(*args, wrapper=vg, timeout=1200)
    reports = ""
    for path in sorted(glob.glob(log + ".*.log")):
        with open(path, errors="backslashreplace") as f:
            reports += f.read()
    counts = re.findall(r"ERROR SUMMARY: (\d+) errors", reports)
    check(counts, "valgrind wrote no summary: is valgrind installed?\n" + reports[-2000:] + res.stderr[-2000:])
    clean = set(counts) == {"0"} and res.returncode != 99
    check(clean, "valgrind errors in podmigrate %s (exit %d):\n%s\npodmigrate's stderr:\n%s" % (
        " ".join(args), res.returncode, _head_and_tail(reports), res.stderr[-2000:]))
    return res


def _head_and_tail(text, head=10000, tail=1500):
    """The first errors (the cause, usually) and the summaries at the end."""
    if len(text) <= head + tail:
        return text
    return text[:head] + "\n[... %d characters ...]\n" % (len(text) - head - tail) + text[-tail:]


def loaded_v4(engine, dbname):
    """A v4 database holding the edge data, imported without valgrind."""
    url = engine.create(dbname, version=V4)
    res = podmigrate("import", "--db", url, "-i", edge_export(engine), "-q")
    check_eq(res.returncode, 0, "import without valgrind: " + res.stderr[-2000:])
    return url


@test
def export(engine):
    url = engine.create("pm_vg_export")
    engine.load_generated(url, "edge", None, ["--portable"])
    out = os.path.join(WORK, "vg-export-%s.json" % engine.name)
    res = memcheck("export", "--db", url, "-o", out)
    check_eq(res.returncode, 0, "export exit status: " + res.stderr[-2000:])
    check_eq(load_json(out), load_json(edge_export(engine)), "the export under valgrind")


@test
def export_by_pod_dir():
    """The settings read through the install's Python (not under valgrind: it is not traced), the
    answer parsed and the connection string built and wiped by podmigrate."""
    import podinstall
    engine = SqliteEngine()
    url = engine.create("pm_vg_poddir")
    engine.load_generated(url, "edge", None, ["--portable"])
    root = os.path.join(WORK, "vg-poddir")
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), url)
    res = memcheck("export", "--pod-dir", podv3)
    check_eq(res.returncode, 0, "export --pod-dir exit status: " + res.stderr[-2000:])
    check("read by Django" in res.stderr, "not read by Django: " + res.stderr[-2000:])
    check_eq(load_json(podinstall.export_file(podv3)), load_json(edge_export(engine)), "the export of --pod-dir")


@test
def import_into_a_fresh_v4(engine):
    url = engine.create("pm_vg_import", version=V4)
    res = memcheck("import", "--db", url, "-i", edge_export(engine))
    check_eq(res.returncode, 0, "import exit status: " + res.stderr[-2000:])
    check("total" in res.stderr, "no summary: " + res.stderr[-1000:])


@test
def import_with_rejects(engine):
    path, _, _ = modified_source(engine, "vg-dangling", add_dangling_rows)
    url = engine.create("pm_vg_rejects", version=V4)
    res = memcheck("import", "--db", url, "-i", path)
    check_eq(res.returncode, 3, "exit status (rows left out): " + res.stderr[-2000:])
    with open(path[: -len(".json")] + ".rejects.jsonl") as f:
        tables = [json.loads(line)["table"] for line in f]
    check_eq(tables.count("video_viewcount"), 2, "video_viewcount rows in the reject file")


@test
def strict_refuses_dangling_rows(engine):
    path, _, _ = modified_source(engine, "vg-strict", add_dangling_rows)
    url = engine.create("pm_vg_strict", version=V4)
    res = memcheck("import", "--db", url, "-i", path, "--strict")
    check_eq(res.returncode, 1, "exit status with --strict: " + res.stderr[-2000:])
    check("--strict" in res.stderr, res.stderr[-1500:])


@test
def dry_run(engine):
    url = engine.create("pm_vg_dry", version=V4)
    res = memcheck("import", "--db", url, "-i", edge_export(engine), "--dry")
    check_eq(res.returncode, 0, "--dry exit status: " + res.stderr[-2000:])


@test
def onlytags(engine):
    url = loaded_v4(engine, "pm_vg_tags")
    res = memcheck("import", "--db", url, "-i", edge_export(engine), "--onlytags")
    check_eq(res.returncode, 0, "--onlytags exit status: " + res.stderr[-2000:])


@test
def create_db():
    engine = SqliteEngine()
    path = os.path.join(WORK, "vg-createdb.sqlite3")
    open(path, "w").close()  # an empty SQLite file: no tables
    url = "sqlite:" + path
    res = memcheck("import", "--db", url, "-i", edge_export(engine), "--createDB",
                   "--createdb-command", schema_loader_command(engine, url), "--pod-dir", WORK)
    check_eq(res.returncode, 0, "--createDB exit status: " + res.stderr[-2000:])


@test
def refused_input(engine):
    """The error paths: a truncated file, a value the column would not hold, a reference from a
    table the file does not hold, an unreachable database."""
    url = loaded_v4(engine, "pm_vg_refused")
    with open(edge_export(engine), "rb") as f:
        content = f.read()
    cases = {
        "truncated": content[: len(content) // 2],
        "too-long": json.dumps({"auth_group": [{"id": 1, "name": "x" * 300}]}).encode(),
        "v4-own-row-left-broken": json.dumps({"auth_group": [{"id": 99, "name": "only"}]}).encode(),
    }
    for name, data in cases.items():
        path = os.path.join(WORK, "vg-%s-%s.json" % (name, engine.name))
        with open(path, "wb") as f:
            f.write(data)
        res = memcheck("import", "--db", url, "-i", path)
        check_eq(res.returncode, 1, "%s: exit status: %s" % (name, res.stderr[-1500:]))
    res = memcheck("import", "--db", url.rsplit("/", 1)[0] + "/no_such_database_vg" if engine.name != "sqlite"
                   else "sqlite:" + os.path.join(WORK, "missing-vg.sqlite3"), "-i", edge_export(engine))
    check_eq(res.returncode, 1, "unreachable database: " + res.stderr[-1500:])


@test
def verify(engine):
    """Both sides read at once (a second thread), the tags, the sequences; then differences and
    their report, and rows left out accounted for from the reject file."""
    v3, export = edge_source(engine)
    url = loaded_v4(engine, "pm_vg_verify")
    res = memcheck("verify", "--from", v3, "--to", url)
    check_eq(res.returncode, 0, "verify --from: " + res.stderr[-2000:])
    engine.run_sql(url, "DELETE FROM video_viewcount WHERE id IN (SELECT id FROM video_viewcount WHERE id > 3);"
                   if engine.name != "mariadb" else "DELETE FROM video_viewcount WHERE id > 3;")
    engine.run_sql(url, "UPDATE video_video SET title = 'changed';")
    res = memcheck("verify", "--file", export, "--to", url, "--report", os.path.join(WORK, "vg-verify.json"))
    check_eq(res.returncode, 4, "verify with differences: " + res.stderr[-2000:])
    path, _, _ = modified_source(engine, "vg-vrejects", add_dangling_rows)
    url = engine.create("pm_vg_vrejects", version=V4)
    check_eq(podmigrate("import", "--db", url, "-i", path, "-q").returncode, 3, "import with rejects")
    res = memcheck("verify", "--file", path, "--to", url)
    check_eq(res.returncode, 0, "verify --file with rejects: " + res.stderr[-2000:])


@test
def migrate(engine):
    """The two halves in two threads through the byte channel, --keep-file, then verify; and a
    target that refuses, which stops the export half through the channel."""
    v3, export = edge_source(engine)
    url = engine.create("pm_vg_migrate", version=V4)
    kept = os.path.join(WORK, "vg-migrate-%s.json" % engine.name)
    res = memcheck("migrate", "--from", v3, "--to", url, "--keep-file", kept)
    check_eq(res.returncode, 0, "migrate: " + res.stderr[-2000:])
    with open(kept, "rb") as a, open(export, "rb") as b:
        check(a.read() == b.read(), "--keep-file differs from the export")
    res = memcheck("migrate", "--from", v3, "--to", engine.create("pm_vg_migrate_v3"))
    check_eq(res.returncode, 1, "migrate into a v3 database: " + res.stderr[-2000:])


if __name__ == "__main__":
    sys.exit(0 if run("valgrind") else 1)
