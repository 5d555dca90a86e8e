"""podmigrate export against real SQLite, MariaDB and PostgreSQL databases."""
import json
import os
import signal
import stat
import subprocess
import sys
import time

from pmtest import (PODMIGRATE, WORK, MariadbEngine, PostgresqlEngine, SqliteEngine, check,
                    check_eq, engines, load_json, podmigrate, run, test)

_edge_cache = {}

# Django's JSONField: jsonb on PostgreSQL (which normalises the text), JSON text
# that Django wrote (ASCII escapes) on MariaDB and SQLite. The export keeps the
# stored text; the tests compare these columns as JSON values.
JSON_COLUMNS = {("quiz_multiplechoicequestion", "choices"), ("quiz_singlechoicequestion", "choices")}


def comparable(table, row, by_name=False):
    """A row with its JSON columns parsed; as sorted items when column order may differ."""
    items = [(k, json.loads(v) if (table, k) in JSON_COLUMNS and isinstance(v, str) else v)
             for k, v in row.items()]
    return sorted(items, key=lambda kv: kv[0]) if by_name else items


def export_generated(engine, dbname, extra=()):
    """Loads generated edge-case data into a fresh v3 database and exports it."""
    url = engine.create(dbname)
    expected_path = os.path.join(WORK, "expected-%s-%s.json" % (engine.name, dbname))
    engine.load_generated(url, "edge", expected_path, extra)
    out = os.path.join(WORK, "export-%s-%s" % (engine.name, dbname), "v3_exported_tables.json")
    res = podmigrate("export", "--db", url, "-o", out)
    check_eq(res.returncode, 0, "exit status (stderr: %s)" % res.stderr[-3000:])
    return url, out, load_json(expected_path), res


def edge_export(engine):
    """The full edge-case data set, exported once per engine."""
    if engine.name not in _edge_cache:
        _edge_cache[engine.name] = export_generated(engine, "pm_edge")
    return _edge_cache[engine.name]


def table_list():
    """The upstream table list, read back from the source so the test does not restate it."""
    with open(os.path.join(os.path.dirname(__file__), "..", "src", "pod_schema.c")) as f:
        text = f.read()
    body = text.split("pod_v3_tables[] = {", 1)[1].split("};", 1)[0]
    return [line.strip().strip('",') for line in body.splitlines() if line.strip().startswith('"')]


@test
def export_has_every_table_in_upstream_order(engine):
    _, out, _, _ = edge_export(engine)
    data = load_json(out)
    expected = table_list() + ["video_tagging_tag_2_tagulous", "recorder_tagging_tag_2_tagulous"]
    check_eq(len(table_list()), 132, "size of the upstream list")
    check_eq(list(data.keys()), expected, "tables of the file")


@test
def export_rows_match_generated_data(engine):
    _, out, expected, _ = edge_export(engine)
    data = load_json(out)
    check(sum(len(rows) for rows in expected.values()) > 300, "the generator made too few rows")
    # Django 3.2 orders a few SQLite columns differently: compare those by name
    by_name = engine.name == "sqlite"
    for table, rows in data.items():
        want = expected.get(table, [])
        check_eq(len(rows), len(want), "row count of %s" % table)
        for got_row, want_row in zip(rows, want):
            check_eq(comparable(table, got_row, by_name), comparable(table, want_row, by_name),
                     "row of %s" % table)


@test
def export_file_is_private_and_complete(engine):
    _, out, _, res = edge_export(engine)
    mode = stat.S_IMODE(os.stat(out).st_mode)
    check_eq(oct(mode), oct(0o600), "file mode")
    check_eq(sorted(os.listdir(os.path.dirname(out))), ["v3_exported_tables.json"], "files left")
    with open(out, "rb") as f:
        raw = f.read()
    check(raw.endswith(b"}\n"), "file does not end the JSON object")
    check(all(b < 0x80 for b in raw), "default output is not pure ASCII")
    check("Exported 134 tables" in res.stderr, "no summary line: " + res.stderr[-500:])
    check("video_viewcount" in res.stderr, "no per-table line")


@test
def files_are_0600_under_any_umask():
    """The export holds password hashes: 0600 whatever the umask (0 included),
    for a new file and for one replacing a 0644 file."""
    _, url = small_sqlite("umask")
    directory = os.path.join(WORK, "umask")
    os.makedirs(directory, exist_ok=True)
    out = os.path.join(directory, "out.json")
    for umask in (0o000, 0o022, 0o077):
        if os.path.exists(out):
            os.chmod(out, 0o644)
        old = os.umask(umask)
        try:
            res = podmigrate("export", "--db", url, "-o", out, "-q")
        finally:
            os.umask(old)
        check_eq(res.returncode, 0, "export under umask %o: %s" % (umask, res.stderr[-1000:]))
        check_eq(oct(stat.S_IMODE(os.stat(out).st_mode)), oct(0o600), "mode under umask %o" % umask)


@test
def same_data_gives_same_file_on_every_engine():
    # --portable: no tag names that MariaDB's collation would merge, so all engines hold the same data
    done = {e.name: export_generated(e, "pm_portable", ["--portable"]) for e in engines()}
    names = sorted(done)
    check(len(names) == 3 or not os.environ.get("CI"), "CI must test all three engines: %s" % names)
    files = {n: load_json(done[n][1]) for n in names}
    for a, b in zip(names, names[1:]):
        check_eq(list(files[a]), list(files[b]), "tables of %s and %s" % (a, b))
        for table in files[a]:
            by_name = "sqlite" in (a, b)
            check_eq([comparable(table, r, by_name) for r in files[a][table]],
                     [comparable(table, r, by_name) for r in files[b][table]],
                     "%s vs %s, table %s" % (a, b, table))
    if "mariadb" in done and "postgresql" in done:
        # same bytes but for the JSON text that jsonb normalises
        with open(done["mariadb"][1]) as a, open(done["postgresql"][1]) as b:
            differ = [(x, y) for x, y in zip(a, b) if x != y]
        check(all('"choices":' in x for x, _ in differ), "lines differ beyond JSON columns: %r" % differ[:2])


@test
def indent_output_is_what_python_json_dump_writes(engine):
    url, out, _, _ = edge_export(engine)
    pretty = os.path.join(WORK, "pretty-%s.json" % engine.name)
    res = podmigrate("export", "--db", url, "-o", pretty, "--indent", "4", "-q")
    check_eq(res.returncode, 0, "exit status: " + res.stderr)
    check_eq(res.stderr, "", "output of -q")
    data = load_json(out)
    with open(pretty, encoding="ascii") as f:
        # upstream writes json.dump(data, f, indent=4) then a newline
        check(f.read() == json.dumps(data, indent=4) + "\n", "--indent 4 differs from json.dump")


@test
def utf8_output_holds_the_same_data(engine):
    url, out, _, _ = edge_export(engine)
    raw = os.path.join(WORK, "utf8-%s.json" % engine.name)
    res = podmigrate("export", "--db", url, "-o", raw, "--utf8")
    check_eq(res.returncode, 0, "exit status: " + res.stderr)
    with open(raw, "rb") as f:
        content = f.read()
    check(any(b >= 0x80 for b in content), "--utf8 wrote no raw UTF-8")
    check(load_json(raw) == load_json(out), "--utf8 changes the data")


@test
def tags_are_aggregated_and_quoted_for_tagulous(engine):
    _, out, expected, _ = edge_export(engine)
    data = load_json(out)
    tags = data["video_tagging_tag_2_tagulous"]
    check(len(tags) >= 3, "too few tagged videos")
    ids = [row["video_id"] for row in tags]
    check_eq(ids, sorted(set(ids)), "one row per video, ascending ids")
    names = [row["tag_name"] for row in tags]
    check('"machine learning"' in names, "a lone multi-word tag must be quoted: %r" % names[:20])
    check(any('"a,b"' in n for n in names), "a name with a comma must be quoted")
    video_ids = {row["id"] for row in data["video_video"]}
    check(any(i not in video_ids for i in ids), "tags left on a deleted video must still be exported")
    check(len(data["recorder_tagging_tag_2_tagulous"]) >= 1, "recorder tags missing")


@test
def stdout_output():
    e = SqliteEngine()
    url, out, _, _ = edge_export(e)
    res = podmigrate("export", "--db", url, "-o", "-", "-q")
    check_eq(res.returncode, 0, "exit status")
    with open(out, encoding="ascii") as f:
        check(res.stdout == f.read(), "stdout export differs from file export")


def small_sqlite(name):
    e = SqliteEngine()
    url = e.create(name)
    e.run_sql(url, "INSERT INTO django_content_type(id, app_label, model) VALUES (1, 'video', 'video');"
              "INSERT INTO tagging_tag(id, name) VALUES (1, 'x');"
              "INSERT INTO tagging_taggeditem(id, tag_id, content_type_id, object_id) VALUES (1, 1, 1, 1);")
    return e, url


@test
def refuses_a_v4_database_unless_forced():
    e = SqliteEngine()
    url = e.create("pm_v4", version="v4.0.3")
    out = os.path.join(WORK, "v4", "out.json")
    res = podmigrate("export", "--db", url, "-o", out)
    check_eq(res.returncode, 1, "exit status")
    check("tagulous" in res.stderr and "--force" in res.stderr, "message: " + res.stderr)
    check(not os.path.exists(out), "a file was written")
    res = podmigrate("export", "--db", url, "-o", out, "--force", "-q")
    check_eq(res.returncode, 0, "exit status with --force: " + res.stderr)
    check("video_video" in load_json(out), "forced export lacks video_video")


@test
def bad_value_fails_naming_table_row_column_and_keeps_old_file():
    e, url = small_sqlite("pm_badutf8")
    e.run_sql(url, "INSERT INTO auth_user(id, password, is_superuser, username, first_name, last_name, "
              "email, is_staff, is_active, date_joined) VALUES (7, 'x', 0, 'bob', CAST(X'E96C6F' AS TEXT), "
              "'', '', 0, 1, '2024-01-01 00:00:00');")
    out = os.path.join(WORK, "keep", "v3_exported_tables.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("OLD")
    res = podmigrate("export", "--db", url, "-o", out)
    check_eq(res.returncode, 1, "exit status")
    for word in ("auth_user", "(id=7)", "first_name", "UTF-8"):
        check(word in res.stderr, "message lacks %r: %s" % (word, res.stderr))
    with open(out) as f:
        check_eq(f.read(), "OLD", "previous file")
    check_eq(os.listdir(os.path.dirname(out)), ["v3_exported_tables.json"], "files left")


@test
def nul_and_control_characters_survive():
    e, url = small_sqlite("pm_nul")
    e.run_sql(url, "INSERT INTO auth_user(id, password, is_superuser, username, first_name, last_name, "
              "email, is_staff, is_active, date_joined) VALUES (1, 'x', 0, 'bob', "
              "CAST(X'61006209' AS TEXT), '', '', 0, 1, '2024-01-01 00:00:00.5');")
    out = os.path.join(WORK, "nul.json")
    res = podmigrate("export", "--db", url, "-o", out, "-q")
    check_eq(res.returncode, 0, "exit status: " + res.stderr)
    row = load_json(out)["auth_user"][0]
    check_eq(row["first_name"], "a\x00b\t", "text with NUL")
    check_eq(row["date_joined"], "2024-01-01 00:00:00.500000", "datetime with microseconds")
    check_eq(row["is_active"], True, "boolean")


@test
def absent_tables_get_a_notice():
    e, url = small_sqlite("pm_absent")
    e.run_sql(url, "DROP TABLE ai_enhancement_aienhancement;")
    out = os.path.join(WORK, "absent.json")
    res = podmigrate("export", "--db", url, "-o", out)
    check_eq(res.returncode, 0, "exit status: " + res.stderr)
    check("ai_enhancement_aienhancement" in res.stderr and "notice" in res.stderr, res.stderr[-800:])
    check("ai_enhancement_aienhancement" not in load_json(out), "absent table written")


@test
def interrupted_export_keeps_the_previous_file():
    e, url = small_sqlite("pm_sigterm")
    # enough rows for the export to take a while
    e.run_sql(url, "INSERT INTO django_site(id, domain, name) VALUES (1, 'x', 'x');"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
              "INSERT INTO video_viewcount(id, date, count, video_id) SELECT i, '2024-01-01', i, i FROM n;")
    out = os.path.join(WORK, "sig", "v3_exported_tables.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("OLD")
    proc = subprocess.Popen([PODMIGRATE, "export", "--db", url, "-o", out], stderr=subprocess.PIPE,
                            text=True)
    # the table before video_viewcount is done: stop it in the middle of the big one
    line = proc.stderr.readline()
    while line and "video_video_theme " not in line:
        line = proc.stderr.readline()
    check(proc.poll() is None, "the export ended before it could be interrupted")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    check_eq(proc.returncode, 1, "exit status after SIGTERM: " + err[-500:])
    check("interrupted" in err, "message: " + err[-500:])
    with open(out) as f:
        check_eq(f.read(), "OLD", "previous file")
    check_eq(os.listdir(os.path.dirname(out)), ["v3_exported_tables.json"], "files left")


@test
def usage_errors_exit_2():
    check_eq(podmigrate("export").returncode, 2, "no --db")
    check_eq(podmigrate("export", "--db", "sqlite:x", "--bogus").returncode, 2, "unknown option")
    check_eq(podmigrate("export", "--db", "sqlite:x", "--indent", "x").returncode, 2, "bad --indent")
    check_eq(podmigrate("export", "--db", "oracle://x").returncode, 2, "unknown URL scheme")
    check_eq(podmigrate("frobnicate").returncode, 2, "unknown command")
    res = podmigrate("export", "--help")
    check(res.returncode == 0 and "Examples" in res.stdout and "--db" in res.stdout, "export --help")
    res = podmigrate("--version")
    check(res.returncode == 0 and res.stdout.startswith("podmigrate "), "--version")


@test
def missing_sqlite_file_is_an_error_not_a_new_database():
    path = os.path.join(WORK, "does-not-exist.sqlite3")
    res = podmigrate("export", "--db", "sqlite:" + path, "-o", os.path.join(WORK, "x.json"))
    check_eq(res.returncode, 1, "exit status")
    check(path in res.stderr, "message names the file: " + res.stderr)
    check(not os.path.exists(path), "export created a database file")


@test
def unwritable_output_is_a_clear_error():
    e, url = small_sqlite("pm_unwritable")
    res = podmigrate("export", "--db", url, "-o", "/proc/podmigrate/out.json")
    check_eq(res.returncode, 1, "exit status")
    check("/proc/podmigrate" in res.stderr, "message names the path: " + res.stderr)


@test
def wrong_password_is_reported_without_echoing_it(engine):
    if engine.name == "sqlite":
        return
    url, _, _, _ = edge_export(engine)
    bad = url.replace(":%s@" % engine.password, ":Wr0ngSecret@")
    res = podmigrate("export", "--db", bad, "-o", os.path.join(WORK, "pw.json"))
    check_eq(res.returncode, 1, "exit status")
    check("Wr0ngSecret" not in res.stderr + res.stdout, "password echoed: " + res.stderr)
    check("cannot connect" in res.stderr, "message: " + res.stderr)


@test
def password_from_the_engine_environment(engine):
    if engine.name == "sqlite":
        return
    url, _, _, _ = edge_export(engine)
    bare = url.replace(":%s@" % engine.password, "@")
    check(bare != url, "URL without password")
    var = "MYSQL_PWD" if engine.name == "mariadb" else "PGPASSWORD"
    out = os.path.join(WORK, "env-%s.json" % engine.name)
    res = podmigrate("export", "--db", bare, "-o", out, "-q", env={var: engine.password})
    check_eq(res.returncode, 0, "exit status with %s: %s" % (var, res.stderr))


@test
def export_reads_one_consistent_snapshot(engine):
    """A row written while the export runs, into a table it has not read yet, is not in the file."""
    url = engine.create("pm_snapshot")
    many = {
        "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
                  "INSERT INTO video_viewcount(id, date, count, video_id) SELECT i, '2024-01-01', i, i FROM n;",
        "mariadb": "SET foreign_key_checks = 0; INSERT INTO video_viewcount(id, date, count, video_id) "
                   "SELECT seq, '2024-01-01', seq, seq FROM seq_1_to_1000000;",
        "postgresql": "SET session_replication_role = replica; INSERT INTO video_viewcount(id, date, count, "
                      "video_id) SELECT i, '2024-01-01', i, i FROM generate_series(1, 1000000) i;",
    }[engine.name]
    engine.run_sql(url, "INSERT INTO django_content_type(id, app_label, model) VALUES (1, 'video', 'video');"
                   "INSERT INTO tagging_tag(id, name) VALUES (1, 'x');" + many)
    out = os.path.join(WORK, "snapshot-%s.json" % engine.name)
    proc = subprocess.Popen([PODMIGRATE, "export", "--db", url, "-o", out], stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    while line and "video_video_theme " not in line:  # the table before video_viewcount
        line = proc.stderr.readline()
    check(proc.poll() is None, "the export ended too early")
    if engine.name == "sqlite":
        # SQLite holds its read lock: a writer waits until the export ends, then succeeds
        writer = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], "
                                   "timeout=60); c.execute(\"INSERT INTO webpush_group(id, name) VALUES (1, 'late')\"); "
                                   "c.commit()", url[len("sqlite:"):]])
    else:
        engine.run_sql(url, "INSERT INTO webpush_group(id, name) VALUES (1, 'late');")
        writer = None
    _, err = proc.communicate(timeout=120)
    if writer:
        check_eq(writer.wait(timeout=120), 0, "the concurrent writer")
    check_eq(proc.returncode, 0, "export: " + err[-1000:])
    data = load_json(out)
    check_eq(len(data["video_viewcount"]), 1000000, "rows of video_viewcount")
    check_eq(data["webpush_group"], [], "a row written during the export")


if __name__ == "__main__":
    sys.exit(0 if run("export") else 1)
