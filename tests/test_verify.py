"""podmigrate verify: after each import (every engine and pair, with repairs, rejects, v4-only
rows, tricky tags) it proves the result (exit 0); each fault injected into a correct v4 makes it
exit 4 naming the table and the key; --report, --max-diffs, import --verify and the exit status
when a database cannot be reached."""
import json
import os
import sys

from dbquery import query
from pmtest import (SANITIZER_MARKS, V4, WORK, add_dangling_rows, break_v4_constraints, check, check_eq, edge_source,
                    engines, load_json, modified_source, podmigrate, run, sh, test)


def by_name():
    return {e.name: e for e in engines()}


def verify(*args, expect=0, what="verify"):
    res = podmigrate("verify", *args)
    check_eq(res.returncode, expect, "%s exit status: %s" % (what, res.stderr[-3000:]))
    return res


def imported(src, dst, dbname, path=None, expect=0):
    """src's edge data (or the file path) imported into a fresh v4 of dst: (v3 url, file, v4 url)."""
    v3, export = edge_source(src)
    path = path or export
    url = dst.create(dbname, version=V4)
    res = podmigrate("import", "--db", url, "-i", path, "-q")
    check_eq(res.returncode, expect, "import exit status: " + res.stderr[-2000:])
    return v3, path, url


def verified_pair(src_name, dst_name):
    engines_ = by_name()
    if src_name not in engines_ or dst_name not in engines_:
        return
    v3, path, url = imported(engines_[src_name], engines_[dst_name], "pm_vf_%s" % src_name)
    res = verify("--from", v3, "--to", url, what="verify --from %s --to %s" % (src_name, dst_name))
    check("v4 holds everything" in res.stderr, res.stderr[-1500:])
    check("video_tagging_tag_2_tagulous" in res.stderr and "(sequences)" in res.stderr, res.stderr[-3000:])
    verify("--file", path, "--to", url, what="verify --file (%s into %s)" % (src_name, dst_name))


@test
def verify_proves_every_pair_of_engines():
    names = [e.name for e in engines()]
    for src in names:
        for dst in names:
            verified_pair(src, dst)


# ---- faults injected into a correct v4: each one exits 4 and names its table and key ----

def q(engine, ident):
    return ("`%s`" if engine.name == "mariadb" else '"%s"') % ident


def first_id(engine, url, table, where="1=1"):
    rows = query(engine, url, "SELECT MIN(id) FROM %s WHERE %s;" % (q(engine, table), where))
    check(rows and rows[0][0] is not None, "no row of %s where %s" % (table, where))
    return int(rows[0][0])


def plus_one_microsecond(engine, column):
    if engine.name == "postgresql":
        return "%s + interval '1 microsecond'" % column
    if engine.name == "mariadb":
        return "DATE_ADD(%s, INTERVAL 1 MICROSECOND)" % column
    # SQLite keeps Django's text: the last digit of the microseconds, or .000001 added
    return ("CASE WHEN %s LIKE '%%.%%' THEN substr(%s, 1, length(%s) - 1) || "
            "(CAST(substr(%s, -1) AS INTEGER) + 1) %% 10 ELSE %s || '.000001' END") % ((column,) * 5)


def faults(engine, url):
    """(name, SQL, table, key) of each fault this engine can hold."""
    vid = first_id(engine, url, "video_video")
    vc = first_id(engine, url, "video_viewcount")
    user = first_id(engine, url, "auth_user", "last_login IS NOT NULL")
    link = first_id(engine, url, "video_video_tags")
    tag_of_link = int(query(engine, url, "SELECT tagulous_video_tags_id FROM video_video_tags WHERE id = %d;"
                            % link)[0][0])
    tag = first_id(engine, url, "video_tagulous_video_tags")
    found = [
        ("a row deleted", "DELETE FROM video_viewcount WHERE id = %d;" % vc, "video_viewcount", "id=%d" % vc),
        ("a row added", "INSERT INTO auth_group (id, name) VALUES (99999, 'intruder');", "auth_group", "id=99999"),
        ("a text changed", "UPDATE video_video SET title = 'changed' WHERE id = %d;" % vid, "video_video",
         "id=%d" % vid),
        ("a trailing space (collation-equal on MariaDB)",
         "UPDATE video_video SET title = %s WHERE id = %d;" % (
             "CONCAT(title, ' ')" if engine.name == "mariadb" else "title || ' '", vid), "video_video", "id=%d" % vid),
        ("one microsecond", "UPDATE video_video SET date_added = %s WHERE id = %d;" % (
            plus_one_microsecond(engine, "date_added"), vid), "video_video", "id=%d" % vid),
        ("a boolean flipped", "UPDATE video_video SET is_draft = %s WHERE id = %d;" % (
            "NOT is_draft" if engine.name == "postgresql" else "1 - is_draft", vid), "video_video", "id=%d" % vid),
        ("a NULL where a value was", "UPDATE auth_user SET last_login = NULL WHERE id = %d;" % user, "auth_user",
         "id=%d" % user),
        ("a tag link removed, its count lowered to match",
         "DELETE FROM video_video_tags WHERE id = %d; UPDATE video_tagulous_video_tags SET %s = %s - 1 WHERE id = %d;"
         % (link, q(engine, "count"), q(engine, "count"), tag_of_link), "video_tagging_tag_2_tagulous", "video_id="),
        ("a slug changed", "UPDATE video_tagulous_video_tags SET slug = 'changed-slug' WHERE id = %d;" % tag,
         "video_tagging_tag_2_tagulous", "column slug"),
        ("a tag count off", "UPDATE video_tagulous_video_tags SET %s = %s + 1 WHERE id = %d;" % (
            q(engine, "count"), q(engine, "count"), tag), "video_tagging_tag_2_tagulous", "column count"),
    ]
    if engine.name == "mariadb":  # the collation equates é and e: the engine cannot see it
        rows = query(engine, url, "SELECT MIN(id) FROM video_video WHERE title LIKE BINARY '%é%';")
        if rows and rows[0][0]:
            found.append(("an accent dropped", "UPDATE video_video SET title = REPLACE(title, 'é', 'e') WHERE id = %s;"
                          % rows[0][0], "video_video", "id=%s" % rows[0][0]))
    found.append(("a content type of no model, past v3's ids",
                  "INSERT INTO django_content_type (id, app_label, model) VALUES (5000, 'evil', 'evil');",
                  "django_content_type", "id=5000"))
    if engine.name == "sqlite":  # no type enforced: another text for the same value is another value to Django
        found.append(("a boolean stored as text", "UPDATE video_video SET is_draft = 'true' WHERE id = %d AND "
                      "is_draft = 1; UPDATE video_video SET is_draft = 'f' WHERE id = %d AND is_draft = 0;" % (vid, vid),
                      "video_video", "id=%d" % vid))
        found.append(("a datetime written with a T", "UPDATE video_video SET date_added = replace(date_added, ' ', 'T') "
                      "WHERE id = %d;" % vid, "video_video", "id=%d" % vid))
    if engine.name == "postgresql":  # InnoDB and SQLite never give an id below the largest
        found.append(("a sequence set back", "SELECT setval(pg_get_serial_sequence('video_video', 'id'), 1);",
                      "(sequences)", "video_video"))
    return found


@test
def each_fault_makes_verify_exit_4_naming_table_and_key(engine):
    v3, path, url = imported(engine, engine, "pm_vfault")
    verify("--from", v3, "--to", url, what="before any fault")
    for name, sql, table, key in faults(engine, url):
        engine.run_sql(url, sql)
        res = verify("--from", v3, "--to", url, expect=4, what="fault '%s'" % name)
        lines = [l for l in res.stderr.splitlines() if table in l and key in l]
        check(lines, "fault '%s': no line names %s and %s: %s" % (name, table, key, res.stderr[-2500:]))
        res = verify("--file", path, "--to", url, expect=4, what="fault '%s', --file" % name)
        # back to the imported state
        res = podmigrate("import", "--db", url, "-i", path, "-q")
        check_eq(res.returncode, 0, "re-import: " + res.stderr[-1500:])
        verify("--from", v3, "--to", url, what="after undoing '%s'" % name)


@test
def repairs_are_accounted_for_and_a_repair_undone_is_a_difference(engine):
    path, _, facts = modified_source(engine, "vrepairs", break_v4_constraints)
    _, _, url = imported(engine, engine, "pm_vrepairs", path=path)
    res = verify("--file", path, "--to", url, what="repaired")
    check("1 repaired" in res.stderr and "merged" in res.stderr, res.stderr[-3000:])
    # its broken value itself is refused by v4's CHECK on every engine: another date, then
    day_after = {"postgresql": "CAST(start_at AS date) + 1", "mariadb": "DATE_ADD(DATE(start_at), INTERVAL 1 DAY)",
                 "sqlite": "date(start_at, '+1 day')"}[engine.name]
    engine.run_sql(url, "UPDATE meeting SET recurring_until = %s WHERE id = %d;" % (day_after, facts["meeting"]))
    res = verify("--file", path, "--to", url, expect=4, what="repair undone")
    check(any("meeting" in l and "id=%d" % facts["meeting"] in l and "recurring_until" in l
              for l in res.stderr.splitlines()), res.stderr[-2000:])


@test
def rejected_rows_are_accounted_for_and_one_present_after_all_is_a_difference(engine):
    path, data, _ = modified_source(engine, "vdangling", add_dangling_rows)
    _, _, url = imported(engine, engine, "pm_vdangling", path=path, expect=3)
    res = verify("--file", path, "--to", url, what="rejects")
    check("rejected" in res.stderr and "skipped" in res.stderr, res.stderr[-3000:])
    # a reject record that misstates a row: the proof takes the file's row, not the record
    vc = data["video_viewcount"][0]
    engine.run_sql(url, "DELETE FROM video_viewcount WHERE id = %d;" % vc["id"])
    forged = os.path.join(WORK, "vforged-%s.rejects.jsonl" % engine.name)
    with open(path[: -len(".json")] + ".rejects.jsonl") as f, open(forged, "w") as out:
        out.write(f.read())
        out.write(json.dumps({"table": "video_viewcount", "row": dict(vc, video_id=987655), "reason": "forged"}) + "\n")
    res = verify("--file", path, "--to", url, "--rejects", forged, expect=4, what="forged reject record")
    check(any("(reject file)" in l and "video_viewcount\t%d" % vc["id"] in l for l in res.stderr.splitlines()),
          res.stderr[-2000:])
    res = podmigrate("import", "--db", url, "-i", path, "-q")
    check_eq(res.returncode, 3, "re-import: " + res.stderr[-1500:])
    if engine.name == "postgresql":
        return  # its deferred foreign keys cannot hold a dangling row: the fault cannot exist
    row = data["video_viewcount"][-2]  # the one pointing at video 987655, which never existed
    check_eq(row["video_id"], 987655, "the dangling view count")
    engine.run_sql(url, "%sINSERT INTO video_viewcount (id, date, count, video_id) VALUES (%d, '%s', %d, %d);" % (
        "SET foreign_key_checks = 0; " if engine.name == "mariadb" else "", row["id"], row["date"], row["count"],
        row["video_id"]))
    res = verify("--file", path, "--to", url, expect=4, what="rejected row present")
    check(any("video_viewcount" in l and "id=%d" % row["id"] in l and "left out" in l
              for l in res.stderr.splitlines()), res.stderr[-2000:])


@test
def rejects_are_derived_from_v3_itself(engine):
    if engine.name == "postgresql":
        return  # v3 on PostgreSQL cannot hold a dangling row either
    v3 = engine.create("pm_vrej_src")
    engine.load_generated(v3, "edge", None, ["--portable"])
    counts = query(engine, v3, "SELECT MAX(id), MIN(video_id) FROM video_viewcount;")
    engine.run_sql(v3, "%sINSERT INTO video_viewcount (id, date, count, video_id) VALUES (%d, '2001-02-03', 1, 987655);"
                   % ("SET foreign_key_checks = 0; " if engine.name == "mariadb" else "", int(counts[0][0]) + 1))
    export = os.path.join(WORK, "vrej-%s.json" % engine.name)
    check_eq(podmigrate("export", "--db", v3, "-o", export, "-q").returncode, 0, "export")
    url = engine.create("pm_vrej", version=V4)
    rejects = os.path.join(WORK, "vrej-%s.rejects.jsonl" % engine.name)
    res = podmigrate("import", "--db", url, "-i", export, "--rejects", rejects, "-q")
    check_eq(res.returncode, 3, "import: " + res.stderr[-1500:])
    res = verify("--from", v3, "--to", url, what="derived rejects")
    check("1 rejected" in res.stderr, res.stderr[-3000:])
    verify("--from", v3, "--to", url, "--rejects", rejects, what="derived rejects against the file")


@test
def report_and_max_diffs(engine):
    v3, path, url = imported(engine, engine, "pm_vreport")
    report = os.path.join(WORK, "verify-%s.json" % engine.name)
    ids = [int(r[0]) for r in query(engine, url, "SELECT id FROM video_viewcount ORDER BY id LIMIT 5;")]
    engine.run_sql(url, "DELETE FROM video_viewcount WHERE id IN (%s);" % ", ".join(map(str, ids)))
    res = verify("--from", v3, "--to", url, "--report", report, "--max-diffs", "2", "-q", expect=4)
    shown = [l for l in res.stderr.splitlines() if "video_viewcount id=" in l]
    check_eq(len(shown), 2, "differences shown with --max-diffs 2, even with -q")
    check("3 more differences not shown" in res.stderr, res.stderr[-1500:])
    doc = load_json(report)
    check_eq(doc["result"], "different", "report result")
    check_eq(doc["differences"], 5, "report differences")
    vc = doc["tables"]["video_viewcount"]
    check_eq(vc["missing"], 5, "missing in the report")
    check_eq([d["key"] for d in vc["differences"]], ["id=%d" % i for i in ids[:2]], "keys in the report")
    check_eq(doc["tables"]["auth_permission"]["accounted"].get("v4_only", 0) > 0, True, "v4-only permissions")
    check_eq(doc["tables"]["video_video"]["columns_not_in_v4"], ["tags"], "dropped column named")
    res = podmigrate("verify", "--from", v3, "--to", url, "--report", "-", "-q")
    check_eq(res.returncode, 4, "--report - exit status")
    check_eq(json.loads(res.stdout)["tables"]["video_viewcount"]["missing"], 5, "the report on standard output")
    # a table the file lacks is named, not compared
    partial = os.path.join(WORK, "vpartial-%s.json" % engine.name)
    data = load_json(path)
    del data["video_vote"]
    with open(partial, "w") as f:
        json.dump(data, f)
    res = podmigrate("verify", "--file", partial, "--to", url)
    check(any("video_vote" in l and "not in the file" in l for l in res.stderr.splitlines()), res.stderr[-3000:])


@test
def import_verify_proves_the_import(engine):
    _, export = edge_source(engine)
    url = engine.create("pm_vimport", version=V4)
    res = podmigrate("import", "--db", url, "-i", export, "--verify")
    check_eq(res.returncode, 0, "import --verify: " + res.stderr[-2000:])
    check("v4 holds everything" in res.stderr, res.stderr[-1500:])


@test
def a_file_not_in_key_order_exits_1_naming_table_and_row():
    sqlite = by_name()["sqlite"]
    _, export, url = imported(sqlite, sqlite, "pm_vorder")
    data = load_json(export)
    data["video_video"].reverse()
    path = os.path.join(WORK, "vorder.json")
    with open(path, "w") as f:
        json.dump(data, f)
    res = podmigrate("verify", "--file", path, "--to", url)
    check_eq(res.returncode, 1, "exit status: " + res.stderr[-1500:])
    check("video_video" in res.stderr and "not in key order" in res.stderr and "--from" in res.stderr,
          res.stderr[-1500:])


@test
def an_unreachable_database_exits_1_and_usage_errors_2():
    sqlite = by_name()["sqlite"]
    _, export = edge_source(sqlite)
    res = podmigrate("verify", "--file", export, "--to", "postgresql://nobody@127.0.0.1:1/none")
    check_eq(res.returncode, 1, "unreachable: " + res.stderr[-1000:])
    res = podmigrate("verify", "--file", export, "--to", "sqlite:" + os.path.join(WORK, "no", "such.sqlite3"))
    check_eq(res.returncode, 1, "missing SQLite file: " + res.stderr[-1000:])
    check_eq(podmigrate("verify", "--to", "sqlite:x").returncode, 2, "no --from nor --file")
    check_eq(podmigrate("verify", "--file", export).returncode, 2, "no --to")
    check_eq(podmigrate("verify", "--file", export, "--to", "sqlite:x", "--max-diffs", "x").returncode, 2,
             "bad --max-diffs")
    # a report onto an input is refused before anything is read, the input untouched
    with open(export, "rb") as f:
        before = f.read()
    check_eq(podmigrate("verify", "--file", export, "--to", "sqlite:x", "--report", export).returncode, 2,
             "--report onto the file")
    target = os.path.join(WORK, "vreport-target.sqlite3")
    with open(target, "wb") as f:
        f.write(b"not touched")
    check_eq(podmigrate("verify", "--file", export, "--to", "sqlite:" + target, "--report", target).returncode, 2,
             "--report onto the v4 database")
    with open(export, "rb") as f:
        check(f.read() == before, "the file was changed")
    with open(target, "rb") as f:
        check(f.read() == b"not touched", "the database was changed")
    res = podmigrate("verify", "--help")
    check(res.returncode == 0 and "Exit status" in res.stdout and "4 differences" in res.stdout, res.stdout[-500:])


@test
def the_reader_thread_under_threadsanitizer(engine):
    """verify's second side is read by a thread handing batches over a ring of 4 (row_stream.c):
    the ThreadSanitizer build (make test makes it: PODMIGRATE_TSAN) over tables of many batches,
    both modes, three times each, must find the same and report no race."""
    tsan = os.environ.get("PODMIGRATE_TSAN")
    if not tsan:
        print("     (PODMIGRATE_TSAN not set: make test sets it)")
        return
    v3 = engine.create("pm_vtsan_src")
    engine.load_generated(v3, "bench", None, ["--scale", "0.02"])  # 40 000 view counts: 20 batches
    export = os.path.join(WORK, "vtsan-%s.json" % engine.name)
    check_eq(podmigrate("export", "--db", v3, "-o", export, "-q").returncode, 0, "export")
    url = engine.create("pm_vtsan", version=V4)
    check_eq(podmigrate("import", "--db", url, "-i", export, "-q").returncode, 0, "import")
    env = {"TSAN_OPTIONS": "halt_on_error=1 exitcode=66"}
    for args in [("--from", v3), ("--file", export)] * 3:
        res = sh([tsan, "verify", *args, "--to", url], env=env, check=False, timeout=900)
        marks = [m for m in SANITIZER_MARKS if m in res.stderr]
        check(not marks and res.returncode == 0, "ThreadSanitizer build, verify %s: exit %d\n%s" % (
            args[0], res.returncode, res.stderr[-5000:]))
        check("video_viewcount" in res.stderr and " 40000 equal" in res.stderr, res.stderr[-3000:])


if __name__ == "__main__":
    sys.exit(0 if run("verify") else 1)
