"""podmigrate import: export a generated Pod v3 database, import it into the real Pod v4
schema on each engine and across engines, and compare every row with the source."""
import json
import os
import signal
import subprocess
import sys
import time

from dbquery import query, read_tags
from pmtest import (V4, edge_export, PODMIGRATE, WORK, MariadbEngine, PostgresqlEngine, SqliteEngine,
                    add_dangling_rows, break_v4_constraints, check, check_eq, engines, load_json, modified_source, podmigrate, run,
                    schema_loader_command, test)

# columns v3 had and v4 dropped (the tags moved to tagulous)
DROPPED = {("video_video", "tags"), ("recorder_recorder", "tags")}
JSON_COLUMNS = {("quiz_multiplechoicequestion", "choices"), ("quiz_singlechoicequestion", "choices")}


def by_name():
    return {e.name: e for e in engines()}


def source_export(engine):
    """The edge-case data set (portable: the same on every engine) exported from v3."""
    return edge_export(engine)


def snapshot(engine, url, name):
    """Every table of the v4 database as our export reads it (--force: it is not a v3 schema)."""
    out = os.path.join(WORK, "snap-%s-%s.json" % (engine.name, name))
    res = podmigrate("export", "--db", url, "-o", out, "--force", "-q")
    check_eq(res.returncode, 0, "snapshot export: " + res.stderr[-2000:])
    return load_json(out)


def normal(table, row):
    return sorted((k, json.loads(v) if (table, k) in JSON_COLUMNS and isinstance(v, str) else v)
                  for k, v in row.items() if (table, k) not in DROPPED)


# tables to which the import adds back the rows only v4 has (see v4_only_content_types...)
V4_ROWS_KEPT = {"django_content_type", "auth_permission"}


def compare_with_source(src_file, snap):
    src = load_json(src_file)
    compared = 0
    for table, rows in src.items():
        if table not in snap:
            continue  # pseudo-tables and tables v4 lacks
        if table in V4_ROWS_KEPT:
            ids = {r["id"] for r in rows}
            snap[table] = [r for r in snap[table] if r["id"] in ids]
        check_eq(len(snap[table]), len(rows), "row count of %s" % table)
        for got, want in zip(snap[table], rows):
            check_eq(normal(table, got), normal(table, want), "row of %s" % table)
            compared += 1
    check(compared > 300, "too few rows compared: %d" % compared)


def import_into(target, src_file, dbname, *extra, expect=0):
    url = target.create(dbname, version=V4)
    res = podmigrate("import", "--db", url, "-i", src_file, *extra)
    check_eq(res.returncode, expect, "import exit status: " + res.stderr[-3000:])
    return url, res


def round_trip(src_name, dst_name):
    engines_ = by_name()
    if src_name not in engines_ or dst_name not in engines_:
        return
    src_file = source_export(engines_[src_name])
    target = engines_[dst_name]
    url, res = import_into(target, src_file, "pm_rt_%s" % src_name)
    check("total" in res.stderr and "video_video" in res.stderr, "no summary: " + res.stderr[-1000:])
    compare_with_source(src_file, snapshot(target, url, "rt-" + src_name))


@test
def same_engine_round_trip(engine):
    round_trip(engine.name, engine.name)


@test
def mariadb_to_postgresql():
    round_trip("mariadb", "postgresql")


@test
def postgresql_to_mariadb():
    round_trip("postgresql", "mariadb")


@test
def sqlite_to_postgresql():
    round_trip("sqlite", "postgresql")


@test
def postgresql_to_sqlite():
    round_trip("postgresql", "sqlite")


@test
def second_import_gives_the_same_database(engine):
    src_file = source_export(engine)
    url, _ = import_into(engine, src_file, "pm_twice")
    first = snapshot(engine, url, "twice-1")
    res = podmigrate("import", "--db", url, "-i", src_file, "-q")
    check_eq(res.returncode, 0, "second import: " + res.stderr[-2000:])
    check(snapshot(engine, url, "twice-2") == first, "the second import changed the database")


@test
def dry_run_changes_nothing(engine):
    src_file = source_export(engine)
    url = engine.create("pm_dry", version=V4)
    before = snapshot(engine, url, "dry-before")
    res = podmigrate("import", "--db", url, "-i", src_file, "--dry")
    check_eq(res.returncode, 0, "dry run: " + res.stderr[-2000:])
    check("rolled back" in res.stderr, "dry run does not say so")
    check(snapshot(engine, url, "dry-after") == before, "--dry changed the database")


@test
def new_video_after_import_gets_a_fresh_id(engine):
    src_file = source_export(engine)
    url, _ = import_into(engine, src_file, "pm_seq")
    max_id = max(r["id"] for r in load_json(src_file)["video_video"])
    # a row without id, as Django inserts it
    row = dict(load_json(src_file)["video_video"][0])
    del row["id"]
    del row["tags"]
    row["slug"] = "new-video-after-import"
    row["video"] = "videos/new.mp4"
    cols = ", ".join(('"%s"' if engine.name != "mariadb" else "`%s`") % c for c in row)

    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return ("TRUE" if v else "FALSE") if engine.name == "postgresql" else str(int(v))
        if isinstance(v, (int, float)):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"
    if engine.name == "mariadb":
        engine.run_sql(url, "SET sql_mode='NO_BACKSLASH_ESCAPES';INSERT INTO video_video (%s) VALUES (%s);"
                       % (cols, ", ".join(lit(v) for v in row.values())))
    else:
        engine.run_sql(url, "INSERT INTO video_video (%s) VALUES (%s);" % (cols, ", ".join(lit(v) for v in row.values())))
    ids = [r["id"] for r in snapshot(engine, url, "seq")["video_video"]]
    check_eq(max(ids), max_id + 1, "id of the new video")


def bad_file(name, content):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(content)
    return path


def unchanged_after(engine, path, dbname, *messages, status=1):
    """Imports a bad file into a loaded v4 database: it must fail with messages and change nothing."""
    src_file = source_export(engine)
    url, _ = import_into(engine, src_file, dbname, "-q")
    before = snapshot(engine, url, dbname + "-before")
    res = podmigrate("import", "--db", url, "-i", path)
    check_eq(res.returncode, status, "exit status: " + res.stderr[-2000:])
    for m in messages:
        check(m in res.stderr, "message lacks %r: %s" % (m, res.stderr[-2000:]))
    check(snapshot(engine, url, dbname + "-after") == before, "the failed import changed the database")
    return res


@test
def truncated_file_changes_nothing(engine):
    with open(source_export(engine), "rb") as f:
        content = f.read()
    path = bad_file("truncated.json", content[: len(content) * 2 // 3])
    unchanged_after(engine, path, "pm_trunc", "truncated.json", "line")


@test
def wrong_type_names_table_row_and_column(engine):
    path = bad_file("wrongtype.json", b'{"auth_group": [{"id": 1, "name": "a"}, {"id": "two", "name": "b"}]}')
    unchanged_after(engine, path, "pm_type", "auth_group", "row 2", "column id")


@test
def invalid_utf8_changes_nothing(engine):
    path = bad_file("badutf8.json", b'{"auth_group": [{"id": 1, "name": "caf\xe9"}]}')
    unchanged_after(engine, path, "pm_utf8", "badutf8.json")


@test
def nul_in_text_is_refused_by_postgresql_with_a_clear_error():
    engine = by_name().get("postgresql")
    if not engine:
        return
    path = bad_file("nul.json", b'{"auth_group": [{"id": 1, "name": "a\\u0000b"}]}')
    unchanged_after(engine, path, "pm_nul", "auth_group", "row 1", "name", "NUL")


@test
def unknown_tables_and_columns_are_reported_not_fatal(engine):
    path = bad_file("unknown.json", b'{"no_such_table": [{"id": 1}], "auth_group": '
                    b'[{"id": 5, "name": "g", "colour": "red"}, {"id": 6, "name": "h", "colour": null}]}')
    url = engine.create("pm_unknown", version=V4)
    res = podmigrate("import", "--db", url, "-i", path)
    check_eq(res.returncode, 0, "exit status: " + res.stderr[-2000:])
    check("no_such_table" in res.stderr and "skipped" in res.stderr, res.stderr[-2000:])
    check("colour" in res.stderr and "1 non-null values dropped" in res.stderr, res.stderr[-2000:])
    check_eq([r["name"] for r in snapshot(engine, url, "unknown")["auth_group"]], ["g", "h"], "auth_group")


@test
def kill_9_during_import_changes_nothing():
    for engine in engines():
        src = engine.create("pm_kill_src")
        engine.load_generated(src, "bench", None, ["--scale", "0.1"])
        big = os.path.join(WORK, "big-%s.json" % engine.name)
        check_eq(podmigrate("export", "--db", src, "-o", big, "-q").returncode, 0, "export")
        url, _ = import_into(engine, source_export(engine), "pm_kill", "-q")
        before = snapshot(engine, url, "kill-before")
        proc = subprocess.Popen([PODMIGRATE, "import", "--db", url, "-i", big], stderr=subprocess.PIPE,
                                text=True)
        # kill it once it has written rows: after its first table line, well before its end
        line = proc.stderr.readline()
        while line and "auth_user " not in line:
            line = proc.stderr.readline()
        time.sleep(0.3)
        check(proc.poll() is None, "%s: the import ended before it could be killed" % engine.name)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        time.sleep(0.5)  # let the server notice the dead connection and roll back
        check(snapshot(engine, url, "kill-after") == before, "%s: kill -9 left a change" % engine.name)


@test
def refuses_a_database_that_is_not_v4(engine):
    url = engine.create("pm_not_v4")  # a v3 schema
    res = podmigrate("import", "--db", url, "-i", source_export(engine))
    check_eq(res.returncode, 1, "exit status")
    check("not a Pod v4" in res.stderr, res.stderr[-1000:])


@test
def import_usage():
    check_eq(podmigrate("import").returncode, 2, "no --db")
    check_eq(podmigrate("import", "--db", "sqlite:x", "--nope").returncode, 2, "unknown option")
    res = podmigrate("import", "--help")
    check(res.returncode == 0 and "Examples" in res.stdout and "--dry" in res.stdout, "import --help")
    res = podmigrate("import", "--db", "sqlite:" + os.path.join(WORK, "x.db"), "-i", "/nonexistent.json")
    check_eq(res.returncode, 1, "missing input file")
    check("/nonexistent.json" in res.stderr, res.stderr)



@test
def dangling_rows_are_left_out_in_cascade_and_kept_in_the_reject_file(engine):
    path, data, _ = modified_source(engine, "dangling", add_dangling_rows)
    url = engine.create("pm_dangling", version=V4)
    res = podmigrate("import", "--db", url, "-i", path)
    check_eq(res.returncode, 3, "exit status (rows left out): " + res.stderr[-2000:])
    rejects_path = path[: -len(".json")] + ".rejects.jsonl"
    with open(rejects_path) as f:
        rejects = [json.loads(line) for line in f]
    by_table = sorted((r["table"], r["row"]["id"]) for r in rejects)
    orphan = max(r["id"] for r in data["video_video"])
    check_eq([t for t, _ in by_table].count("video_viewcount"), 2, "viewcount rejects: %r" % by_table)
    check(("video_video", orphan) in by_table, "the orphan video is not rejected: %r" % by_table)
    check(("video_video_sites", max(r["id"] for r in data["video_video_sites"])) in by_table, repr(by_table))
    check(all(r["reason"] and "does not exist" in r["reason"] for r in rejects), repr(rejects[:2]))
    snap = snapshot(engine, url, "dangling")
    check(orphan not in {r["id"] for r in snap["video_video"]}, "orphan video loaded")
    check_eq(len(snap["video_viewcount"]), len(data["video_viewcount"]) - 2, "viewcount rows")
    check("left out" in res.stderr, res.stderr[-1500:])
    check(any(t == "video_video_tags" for t, _ in by_table), "the orphan's tag links are not left out: %r" % by_table)
    # the tags' counts are those of the links left; a tag only the orphan carried is gone
    tags, relations = read_tags(engine, url)["video"]
    check("orphan-only tag" not in [name for _, name, _, _, _ in tags], "a tag without links is left: %r" % tags[-3:])
    per_tag = {}
    for _, _, tag in relations:
        per_tag[tag] = per_tag.get(tag, 0) + 1
    check_eq([(i, n) for i, n, _, c, _ in tags if c != per_tag.get(i, 0)], [], "tags whose count is not their links")
    # --strict: the same file is refused and nothing changes
    before = snapshot(engine, url, "dangling-before-strict")
    res = podmigrate("import", "--db", url, "-i", path, "--strict")
    check_eq(res.returncode, 1, "exit status with --strict")
    check("--strict" in res.stderr and "does not exist" in res.stderr, res.stderr[-1500:])
    check(snapshot(engine, url, "dangling-after-strict") == before, "--strict changed the database")


@test
def known_v3_data_breaking_v4_constraints_is_repaired(engine):
    path, data, facts = modified_source(engine, "repairs", break_v4_constraints)
    url = engine.create("pm_repairs", version=V4)
    res = podmigrate("import", "--db", url, "-i", path)
    check_eq(res.returncode, 0, "exit status: " + res.stderr[-2000:])
    check("repaired meeting" in res.stderr and "repaired video_videotodelete" in res.stderr, res.stderr[-2000:])
    snap = snapshot(engine, url, "repairs")
    meeting = [m for m in snap["meeting"] if m["id"] == facts["meeting"]][0]
    check_eq(meeting["recurring_until"], meeting["start_at"][:10], "recurring_until")
    first, twin, v0, v1 = facts["todelete"]
    check(twin not in {r["id"] for r in snap["video_videotodelete"]}, "the duplicate date was not merged")
    links = {(r["videotodelete_id"], r["video_id"]) for r in snap["video_videotodelete_video"]}
    check((first, v0) in links and (first, v1) in links, "links not re-pointed: %r" % links)
    check(all(t != twin for t, _ in links), "a link still points to the merged row")


@test
def v4_only_content_types_and_permissions_are_kept(engine):
    src_file = source_export(engine)
    url, _ = import_into(engine, src_file, "pm_ct")
    snap = snapshot(engine, url, "ct")
    v3_max = max(r["id"] for r in load_json(src_file)["django_content_type"])
    types = {(r["app_label"], r["model"]): r["id"] for r in snap["django_content_type"]}
    for key in [("hyperlinks", "hyperlink"), ("hyperlinks", "videohyperlink"), ("video", "tagulous_video_tags"),
                ("recorder", "tagulous_recorder_tags"), ("django_cas_ng", "sessionticket")]:
        check(key in types, "content type %s.%s missing after import" % key)
        check(types[key] > v3_max, "content type %s.%s has an id inside v3's" % key)
    perms = {(p["content_type_id"], p["codename"]) for p in snap["auth_permission"]}
    check((types[("hyperlinks", "hyperlink")], "add_hyperlink") in perms, "permission add_hyperlink missing")
    check_eq(len(types), len(set(types.values())), "content type ids unique")
    # one v4 has for a model it has no table for is a leftover, not createDB's: a re-import drops it
    engine.run_sql(url, "INSERT INTO django_content_type (id, app_label, model) VALUES (5000, 'gone', 'model'); "
                   "INSERT INTO auth_permission (id, name, content_type_id, codename) VALUES "
                   "(50000, 'Can add model', 5000, 'add_model');")
    res = podmigrate("import", "--db", url, "-i", src_file)
    check_eq(res.returncode, 0, "re-import: " + res.stderr[-2000:])
    check("not kept" in res.stderr and "gone.model" in res.stderr, res.stderr[-2000:])
    snap = snapshot(engine, url, "ct-again")
    check(("gone", "model") not in {(r["app_label"], r["model"]) for r in snap["django_content_type"]},
          "the leftover content type was kept")
    check("add_model" not in {p["codename"] for p in snap["auth_permission"]}, "its permission was kept")
    check(("hyperlinks", "hyperlink") in {(r["app_label"], r["model"]) for r in snap["django_content_type"]},
          "v4's own content type lost on the re-import")



@test
def create_db_runs_the_command_on_an_empty_database_only():
    engine = SqliteEngine()
    src_file = source_export(engine)
    path = os.path.join(WORK, "createdb.sqlite3")
    open(path, "w").close()  # an empty SQLite file: no tables
    url = "sqlite:" + path
    cmd = schema_loader_command(engine, url)
    res = podmigrate("import", "--db", url, "-i", src_file, "--createDB", "--createdb-command", cmd, "--dry")
    check_eq(res.returncode, 0, "dry run: " + res.stderr[-1500:])
    check("would run" in res.stderr, res.stderr[-500:])
    check_eq(os.path.getsize(path), 0, "--dry --createDB ran the command")
    res = podmigrate("import", "--db", url, "-i", src_file, "--createDB", "--createdb-command", cmd,
                     "--pod-dir", WORK)
    check_eq(res.returncode, 0, "--createDB: " + res.stderr[-1500:])
    compare_with_source(src_file, snapshot(engine, url, "createdb"))
    # now that it has tables, --createDB refuses and changes nothing
    before = snapshot(engine, url, "createdb-before")
    res = podmigrate("import", "--db", url, "-i", src_file, "--createDB", "--createdb-command", "false")
    check_eq(res.returncode, 1, "--createDB on a non-empty database")
    check("empty" in res.stderr, res.stderr[-500:])
    check(snapshot(engine, url, "createdb-after") == before, "refused --createDB changed the database")
    # a failing command stops the import with its exit status
    empty = os.path.join(WORK, "createdb-fail.sqlite3")
    open(empty, "w").close()
    res = podmigrate("import", "--db", "sqlite:" + empty, "-i", src_file, "--createDB",
                     "--createdb-command", "echo making; exit 7")
    check_eq(res.returncode, 1, "exit status of a failing createDB command")
    check("exit status 7" in res.stderr, "the command's own status is not named: " + res.stderr[-500:])
    check("making" in res.stdout + res.stderr, "the command's output is not shown")


@test
def a_row_the_engine_refuses_is_named(engine):
    if engine.name == "sqlite":
        return  # SQLite does not enforce varchar lengths
    rows = [{"id": i, "name": "group %d" % i} for i in range(1, 40)]
    rows[16]["name"] = "x" * 200  # auth_group.name is varchar(150)
    path = bad_file("toolong-%s.json" % engine.name, json.dumps({"auth_group": rows}).encode())
    res = unchanged_after(engine, path, "pm_toolong", "auth_group")
    check("row 17" in res.stderr or "line 17" in res.stderr, "the refused row is not named: " + res.stderr[-1500:])
    check("name" in res.stderr, res.stderr[-1500:])


@test
def a_duplicate_row_is_named_not_dropped(engine):
    """A row breaking a unique constraint stops the import, named; MariaDB's LOAD DATA LOCAL
    (which would skip it with a warning) must not let it pass."""
    rows = [{"id": i, "name": "group %d" % i} for i in range(1, 40)]
    rows[20]["name"] = "group 3"  # auth_group.name is unique
    path = bad_file("dupname-%s.json" % engine.name, json.dumps({"auth_group": rows}).encode())
    res = unchanged_after(engine, path, "pm_dupname", "auth_group")
    check("row 21" in res.stderr or "line 21" in res.stderr, "the refused row is not named: " + res.stderr[-1500:])
    check("group 3" in res.stderr or "UNIQUE" in res.stderr, res.stderr[-1500:])


@test
def mariadb_without_local_infile_loads_with_inserts():
    """A server refusing LOAD DATA LOCAL (MySQL 8's default) gets multi-row INSERTs: same rows,
    same naming of a refused row."""
    engine = by_name().get("mariadb")
    if engine is None:
        return
    src_file = source_export(engine)
    engine.run_sql(engine.create("pm_noinfile_switch", version=V4), "SET GLOBAL local_infile = 0;")
    try:
        url, res = import_into(engine, src_file, "pm_noinfile", "-v")
        check("bulk loads with multi-row INSERT" in res.stderr, "not the INSERT path: " + res.stderr[:1500])
        check("LOAD DATA" not in res.stderr, "LOAD DATA used anyway")
        compare_with_source(src_file, snapshot(engine, url, "noinfile"))
        rows = [{"id": i, "name": "group %d" % i} for i in range(1, 40)]
        rows[20]["name"] = "group 3"
        path = bad_file("dupname-noinfile.json", json.dumps({"auth_group": rows}).encode())
        res = unchanged_after(engine, path, "pm_noinfile_dup", "auth_group")
        check("row 21" in res.stderr, "the refused row is not named: " + res.stderr[-1500:])
    finally:
        engine.run_sql(engine.create("pm_noinfile_switch", version=V4), "SET GLOBAL local_infile = 1;")
    url, res = import_into(engine, src_file, "pm_infile", "-v")
    check("bulk loads with LOAD DATA LOCAL INFILE" in res.stderr, "not the LOAD DATA path: " + res.stderr[:1500])


@test
def reads_upstream_files(engine):
    src_file = source_export(engine)
    for flavor in ("mariadb", "postgresql"):
        data = load_json(src_file)
        expected = json.loads(json.dumps(data))
        for table, rows in data.items():
            for row, want in zip(rows, expected[table]):
                for col, v in list(row.items()):
                    if isinstance(v, bool) and flavor == "mariadb":
                        row[col] = int(v)
                    elif isinstance(v, str) and len(v) > 20 and v[4:5] == "-" and v[10:11] == " " and v[19:20] == ".":
                        row[col] = want[col] = v[:19]  # upstream drops microseconds
                    elif (table, col) in JSON_COLUMNS and flavor == "postgresql" and isinstance(v, str):
                        row[col] = json.loads(v)  # psycopg2 gives jsonb as Python objects
                    elif flavor == "postgresql" and col == "id" and isinstance(v, str) and len(v) == 32:
                        row[col] = "%s-%s-%s-%s-%s" % (v[:8], v[8:12], v[12:16], v[16:20], v[20:])
        # upstream joins tag names without quoting ("a,b" or "a, b"): only simple names here
        for table in ("video_tagging_tag_2_tagulous", "recorder_tagging_tag_2_tagulous"):
            data[table] = [{k: ("python, cours" if k == "tag_name" and flavor == "postgresql" else
                                "python,cours" if k == "tag_name" else v) for k, v in row.items()}
                           for row in data[table]]
        path = os.path.join(WORK, "upstream-%s-%s.json" % (flavor, engine.name))
        with open(path, "w") as f:
            json.dump(data, f, indent=4)  # ensure_ascii: \uXXXX escapes and surrogate pairs
            f.write("\n")
        expected_file = os.path.join(WORK, "upstream-expected-%s-%s.json" % (flavor, engine.name))
        with open(expected_file, "w") as f:
            json.dump(expected, f)
        url, _ = import_into(engine, path, "pm_upstream_" + flavor)
        snap = snapshot(engine, url, "upstream-" + flavor)
        compare_with_source(expected_file, snap)
        names = sorted(name for _, name, _, _, _ in read_tags(engine, url)["video"][0])
        check_eq(names, ["cours", "python"], "tags from upstream's %s file" % flavor)


def foreign_keys(engine, url):
    """Every foreign key of the database as (table, definition) pairs, from the catalog."""
    sql = {
        "postgresql": "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE contype = 'f' ORDER BY 1, 2;",
        "mariadb": "SELECT TABLE_NAME, CONCAT(COLUMN_NAME, '>', REFERENCED_TABLE_NAME, '.', REFERENCED_COLUMN_NAME) "
                   "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
                   "AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY 1, 2;",
        "sqlite": "SELECT m.name, f.\"from\" || '>' || f.\"table\" || '.' || f.\"to\" FROM sqlite_master m, "
                  "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1, 2;",
    }[engine.name]
    return query(engine, url, sql)


def keys_and_indexes(engine, url):
    """Every constraint and index of the database, with its definition, from the catalog."""
    sql = {
        "postgresql": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE connamespace = current_schema()::regnamespace UNION ALL "
                      "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                      "ORDER BY 1, 2, 3;",
        "mariadb": "SELECT TABLE_NAME, INDEX_NAME, CONCAT(NON_UNIQUE, ' ', SEQ_IN_INDEX, ' ', COLUMN_NAME) "
                   "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2, 3;",
        "sqlite": "SELECT tbl_name, name, IFNULL(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY 1, 2;",
    }[engine.name]
    return query(engine, url, sql)


@test
def every_key_and_index_is_back_after_import(engine):
    """PostgreSQL's foreign keys, indexes and unique keys are dropped for the load and built again:
    none may be lost or changed, on success or on failure (a duplicate found at a unique key's
    build, a dangling row found at the end)."""
    url = engine.create("pm_fks", version=V4)
    before, before_all = foreign_keys(engine, url), keys_and_indexes(engine, url)
    check(len(before) > 200, "too few foreign keys in the v4 schema: %d" % len(before))
    check(len(before_all) > len(before), "too few keys and indexes: %d" % len(before_all))
    res = podmigrate("import", "--db", url, "-i", source_export(engine), "-q")
    check_eq(res.returncode, 0, "import: " + res.stderr[-1000:])
    check(foreign_keys(engine, url) == before, "foreign keys changed by the import")
    check_eq(keys_and_indexes(engine, url), before_all, "keys and indexes after the import")
    path, _, _ = modified_source(engine, "fks-dangling", add_dangling_rows)
    check_eq(podmigrate("import", "--db", url, "-i", path, "--strict", "-q").returncode, 1, "strict import")
    check(foreign_keys(engine, url) == before, "foreign keys changed by a failed import")
    rows = [{"id": i, "name": "group %d" % i} for i in range(1, 40)] * 2
    path = bad_file("dupids-%s.json" % engine.name, json.dumps({"auth_group": rows}).encode())
    res = podmigrate("import", "--db", url, "-i", path, "-q")
    check_eq(res.returncode, 1, "duplicate ids: " + res.stderr[-1000:])
    check("row 40" in res.stderr or "line 40" in res.stderr, "the refused row is not named: " + res.stderr[-1500:])
    check_eq(keys_and_indexes(engine, url), before_all, "keys and indexes after a failed import")


if __name__ == "__main__":
    sys.exit(0 if run("import") else 1)
