"""podmigrate import against hostile input, on every engine: malformed files, values the target
would not hold, foreign keys from tables the file lacks; passwords never shown; NUL in URLs;
linear time on hostile rows; exit-status contracts. Each failure must leave the target exactly
as it was, checked with the engine's own SQL (inputs_lib.db_state), not with podmigrate."""
import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.parse

from dbquery import hexed, query, unhex
from inputs_lib import (V4, changed_files, check_no_leak, check_no_sanitizer_report, child_cpu_seconds,
                        closed_port, db_state, mysql_connections, outcome_table, position_problems, changed_names,
                        target, visible, word, write_file)
from pmtest import PODMIGRATE, WORK, SqliteEngine, check, check_eq, engines, podmigrate, run, test


def by_name():
    return {e.name: e for e in engines()}


# ---------------------------------------------------------------------------------------------
# The form table: each form is a file, what its import must exit with, and what it must say.

class Form:
    """One malformed input. expect(res) returns the problems of the outcome (empty: as it must
    be); status is the exit status it must give; args are extra import options."""

    def __init__(self, name, content, expect, status=1, args=()):
        self.name, self.content, self.expect, self.status, self.args = name, content, expect, status, args


def syntax_form(name, content, lo, hi=None):
    """A syntax-level fault: the message names the file and a line/column/byte within [lo, hi]."""
    hi = lo if hi is None else hi
    return lambda path: Form(name, content, lambda res: position_problems(res.stderr, path, content, lo, hi))


def worded_form(name, content, *words):
    """A fault whose message must hold these words (table, "row N", column...), as whole words."""
    def expect(res):
        return ["%r not said" % w for w in words if not re.search(word(w), res.stderr)]
    return lambda path: Form(name, content, expect)


class Raw(str):
    """A value written into the file as raw JSON text (nesting Python's json cannot build)."""


def value_form(name, table, rows, row, column, *extra):
    """A value-level fault in row `row` (1-based) of `table`: the place is named."""
    raws = {}

    def placeholder(v):
        if isinstance(v, Raw):
            raws["@raw%d@" % len(raws)] = v
            return "@raw%d@" % (len(raws) - 1)
        return v
    text = json.dumps({table: [{k: placeholder(v) for k, v in r.items()} for r in rows]})
    for key, v in raws.items():
        text = text.replace(json.dumps(key), v)
    return worded_form(name, text.encode(), table, "row %d" % row, column, *extra)


def run_forms(engine, forms, what):
    """Imports each form into the shared loaded target: each must give its exit status and
    message and leave every table and sequence as it was, with no sanitizer report. One failing
    form does not hide the others: all run, then the table of outcomes is printed."""
    t = target(engine)
    outcomes = []
    for i, make in enumerate(forms):
        path = os.path.join(WORK, "%s-%s-%02d.json" % (what, engine.name, i))
        form = make(path)
        with open(path, "wb") as f:
            f.write(form.content)
        url = t.get()
        problems = []
        try:
            res = podmigrate("import", "--db", url, "-i", path, *form.args, timeout=300)
        except AssertionError as e:  # a sanitizer report
            problems.append(str(e).splitlines()[0])
            res = None
        if res is not None:
            if res.returncode != form.status:
                first = "".join(": " + line[:200] for line in res.stderr.splitlines() if "error" in line)
                problems.append("exit %d, expected %d%s" % (res.returncode, form.status, first[:202]))
            problems += form.expect(res)
        changed = t.changes()
        if changed:
            problems.append("changed %d tables/sequences: %s" % (len(changed), ", ".join(changed[:4])))
        os.unlink(path)  # the big ones would fill the work directory
        outcomes.append((form.name, res.returncode if res else "?", problems))
    if any(p for _, _, p in outcomes):
        print("%s forms on %s:\n%s" % (what, engine.name, outcome_table(outcomes)))
        failed = [n for n, _, p in outcomes if p]
        raise AssertionError("%d of %d forms failed on %s: %s" % (len(failed), len(outcomes), engine.name,
                                                                  ", ".join(failed)))
    return outcomes


def truncation_forms(t):
    """The edge data with visible changes (a wrongly committed prefix shows), cut at points
    spread over the file: each gives a syntax error at the end of the file."""
    ascii_file, utf8_file = changed_files(t)
    content = ascii_file
    n = len(content)

    def after(pattern, fraction, shift):
        m = re.compile(pattern).search(content, int(n * fraction))
        return m.start() + shift

    last_close = content.rindex(b"]")
    cuts = [
        ("truncated after the opening brace", 1),
        ("truncated inside the first table name", 6),
        ("truncated between two tables", after(rb"\],\n\"", 0.2, 2)),
        ("truncated between rows, after the comma", after(rb"\},\n\{", 0.33, 2)),
        ("truncated after a row, before its comma", after(rb"\},\n\{", 0.1, 1)),
        ("truncated inside a short string", after(rb'":"[^"\\]{12}', 0.02, 8)),
        ("truncated inside a 100 kB string", after(rb'"description":"', 0.4, 5000)),
        ("truncated inside true", after(rb":true", 0.05, 3)),
        ("truncated inside a \\u escape", after(rb"\\u00", 0.6, 4)),
        ("truncated inside a number", after(rb":\d{3,}", 0.25, 3)),
        ("truncated inside a key", after(rb',"[a-z_]{6,}"', 0.3, 4)),
        ("truncated after the last row", content.rindex(b"}", 0, last_close) + 1),
        ("truncated after the last table", last_close + 1),
    ]
    forms = [syntax_form("%s (byte %d)" % (name, cut), content[:cut], cut) for name, cut in cuts]
    mid_char = utf8_file.index("é".encode(), len(utf8_file) // 2) + 1
    forms.append(syntax_form("truncated inside a UTF-8 character", utf8_file[:mid_char], mid_char))
    return forms


def at(prefix, fault, suffix):
    """A file with a fault at a known byte: (content, offset of the fault)."""
    return prefix + fault + suffix, len(prefix)


GROUP_2 = b'{"auth_group": [{"id": 1, "name": "ok"}, {"id": 2, "name": "caf'
END_2 = b'"}]}\n'


def byte_forms():
    """Faults at one exact byte: bad UTF-8, NUL, BOM, lone surrogates."""
    forms = []
    for name, bad in [("lone continuation byte", b"\x80"), ("overlong 2-byte form", b"\xc0\xaf"),
                      ("overlong 3-byte form", b"\xe0\x80\xaf"), ("encoded surrogate", b"\xed\xa0\x80"),
                      ("sequence cut short", b"\xc3"), ("byte 0xFF", b"\xff"),
                      ("above U+10FFFF", b"\xf4\x90\x80\x80")]:
        content, pos = at(GROUP_2, bad, END_2)
        forms.append(syntax_form("invalid UTF-8: " + name, content, pos))
    content, pos = at(b'{"auth_gr', b"\xe9", b'oup": []}')
    forms.append(syntax_form("invalid UTF-8 in a table name", content, pos))
    content, pos = at(GROUP_2, b"\x00", END_2)
    forms.append(syntax_form("raw NUL byte in a string", content, pos))
    content, pos = at(b'{"auth_group": [', b"\x00", b"]}")
    forms.append(syntax_form("raw NUL byte between tokens", content, pos))
    forms.append(syntax_form("UTF-8 byte-order mark", b'\xef\xbb\xbf{"auth_group": [{"id": 1, "name": "x"}]}', 0))
    for escape in (b"\\ud800", b"\\udc00", b"\\ud800\\u0041"):
        content, pos = at(GROUP_2, escape, END_2)
        forms.append(syntax_form("lone surrogate escape " + escape.decode(), content, pos))
    return forms


def structure_forms():
    """Files that are not one JSON object of tables, or nest without end."""
    one = b'{"auth_group": [{"id": 1, "name": "x"}]}'
    dump = (b"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
            b"-- Host: localhost    Database: pod\n-- -----------------------------------------\n\n"
            b"DROP TABLE IF EXISTS `auth_group`;\nCREATE TABLE `auth_group` (\n")
    return [
        worded_form("empty file", b"", "empty"),
        syntax_form("not JSON: an SQL dump", dump, 0, 2),
        syntax_form("top-level array", b"[" + one + b"]", 0),
        syntax_form("top-level string", b'"auth_group"', 0, 11),
        syntax_form("a second value after the top-level object", one + b"\n" + one, len(one), len(one) + 1),
        syntax_form("a stray brace after the top-level object", one + b"}", len(one)),
        syntax_form("top level nested 100000 objects deep", b'{"a":' * 100000 + b"1" + b"}" * 100000, 5),
        syntax_form("top level nested 100000 arrays deep", b"[" * 100000 + b"]" * 100000, 0),
        worded_form("unknown table's column nested 200000 deep", b'{"no_such_table": [{"id": 1}, {"deep_col": ' +
                    b"[" * 200000 + b"]" * 200000 + b"}]}", "no_such_table", "row 2", "deep_col"),
    ]


def bad_rows(t, table, column, value, row=2):
    """All the rows the target holds for the table, one value changed in row `row`: were the
    value taken, the import would succeed and the change show."""
    rows = t.rows(table)
    rows[row - 1][column] = value
    return rows


def value_forms(engine, t):
    """Values of the wrong kind or out of range, in row 2 of a table (row 1 is fine)."""
    groups = t.rows("auth_group")
    dup_key = json.dumps({"auth_group": groups}).encode().replace(b'"id": %d,' % groups[1]["id"],
                                                                   b'"id": %d, "name": "dup",' % groups[1]["id"])
    forms = [
        value_form("a string for an integer id", "auth_group", bad_rows(t, "auth_group", "id", "two"), 2, "id"),
        value_form("a boolean for a datetime", "video_video", bad_rows(t, "video_video", "date_added", True), 2,
                   "date_added"),
        value_form("a 40-digit integer", "auth_group", bad_rows(t, "auth_group", "id", 10 ** 39 + 7), 2, "id"),
        value_form("-1 into an unsigned smallint", "main_block", bad_rows(t, "main_block", "order", -1), 2, "order"),
        value_form("-5 into a positive integer", "chapter_chapter", bad_rows(t, "chapter_chapter", "time_start", -5),
                   2, "time_start"),
        value_form("1.5 for an integer", "video_video", bad_rows(t, "video_video", "duration", 1.5), 2, "duration"),
        value_form("an object for an integer", "video_video", bad_rows(t, "video_video", "duration", {"a": 1}), 2,
                   "duration"),
        value_form("an array for a boolean", "video_video", bad_rows(t, "video_video", "is_draft", [True]), 2,
                   "is_draft"),
        worded_form("duplicate key in one row", dup_key, "auth_group", "row 2", "name"),
        value_form("two rows with the same primary key", "auth_group",
                   bad_rows(t, "auth_group", "id", groups[0]["id"]), 2, "id"),
        value_form("a JSON column nested 2000 levels", "quiz_multiplechoicequestion",
                   bad_rows(t, "quiz_multiplechoicequestion", "choices", Raw("[" * 2000 + "]" * 2000)), 2, "choices"),
        value_form("a 10 MB string into varchar(250)", "video_video",
                   bad_rows(t, "video_video", "title", "x" * 10_000_000), 2, "title"),
    ]
    if engine.name == "postgresql":  # PostgreSQL text cannot hold U+0000; the others can
        forms.append(value_form("\\u0000 in a text value", "auth_group", bad_rows(t, "auth_group", "name", "a\0b"),
                                2, "name", "NUL"))
    return forms


HOSTILE = ['q"; DROP TABLE auth_user; --', "q'; DROP TABLE auth_user; --", "q`; DROP TABLE auth_user; --",
           "q]\n-- DELETE FROM auth_group; \\"]
SQL_LINE = re.compile(r"^debug: (SQLite|MariaDB|PostgreSQL): .*$", re.M)


def hostile_expect(names):
    """Unknown names are reported, shown escaped (a newline in a name cannot forge a line), and
    never reach SQL: no statement podmigrate runs (-v) holds them."""
    def expect(res):
        problems = []
        for n in names:
            if visible(n) not in res.stderr:
                problems.append("%r not shown as %r" % (n, visible(n)))
            if visible(n) != n and n in res.stderr:
                problems.append("%r shown unescaped" % n)
        sql = "\n".join(m.group(0) for m in SQL_LINE.finditer(res.stderr))
        if "DROP TABLE auth_user" in sql or "DELETE FROM auth_group;" in sql:
            problems.append("a hostile name reached SQL")
        return problems
    return expect


def hostile_forms(t):
    """Names with quotes, backticks, semicolons and -- as tables and as columns: unknown, so
    reported and skipped (exit 0); the column case reloads auth_group with its own rows, so the
    target must end exactly as it was."""
    forms = []
    for n in HOSTILE:
        content = json.dumps({n: [{"id": 1, "name": "x"}]}).encode()
        forms.append(lambda path, n=n, content=content: Form("table named %r" % n, content, hostile_expect([n]), 0,
                                                             ("-v",)))
    groups = t.rows("auth_group")
    for g in groups:
        g.update({n: "v" for n in HOSTILE})
    content = json.dumps({"auth_group": groups}).encode()
    forms.append(lambda path: Form("columns named with quotes, backticks, ;, --", content, hostile_expect(HOSTILE),
                                   0, ("-v",)))
    return forms


@test
def malformed_files_exit_1_naming_the_place_and_change_nothing(engine):
    """At least 30 malformed forms, imported into a loaded v4: each exits 1 naming the file and
    line/column/byte (syntax) or the table, row and column (values); no table or sequence
    changes; no sanitizer report. Unknown tables and columns with hostile names are the
    documented exception: reported escaped and skipped, exit 0, nothing else changes."""
    t = target(engine)
    forms = truncation_forms(t) + byte_forms() + structure_forms() + value_forms(engine, t) + hostile_forms(t)
    check(len(forms) >= 30, "only %d forms" % len(forms))
    run_forms(engine, forms, "malformed")


# ---------------------------------------------------------------------------------------------

@test
def values_the_target_column_would_not_hold_are_refused_on_every_engine(engine):
    """Every engine, SQLite included (which would store anything): a value outside the v4
    column's declared type or length stops the import naming table, row and column, and
    changes nothing; a JSON object or array is refused outside JSON columns."""
    t = target(engine)

    def rows(table, column, value):
        return bad_rows(t, table, column, value)

    forms = [
        value_form("2147483648 into a 32-bit integer", "video_video", rows("video_video", "duration", 2147483648),
                   2, "duration"),
        value_form("-2147483649 into a 32-bit integer", "video_video", rows("video_video", "duration", -2147483649),
                   2, "duration"),
        # every smallint of Pod v4 is unsigned on MariaDB and SQLite (0..65535): 70000 fits none
        value_form("70000 into a smallint", "video_video", rows("video_video", "order", 70000), 2, "order"),
        value_form("a 10 MB string into varchar(250)", "video_video", rows("video_video", "title", "x" * 10_000_000),
                   2, "title"),
        value_form("251 'é' into varchar(250)", "video_video", rows("video_video", "title", "é" * 251), 2, "title"),
        value_form("an object into a varchar", "auth_group", rows("auth_group", "name", {"a": 1}), 2, "name"),
        value_form("an array into a text column", "video_video", rows("video_video", "description", [1, 2]), 2,
                   "description"),
    ]
    if engine.name == "postgresql":  # a signed smallint there: -32768..32767
        forms.append(value_form("40000 into a smallint", "video_video", rows("video_video", "order", 40000), 2,
                                "order"))
    run_forms(engine, forms, "values")


@test
def values_the_target_column_holds_are_taken_as_given(engine):
    """The other side of the check: 250 'é' (500 bytes) fit a varchar(250), whose length counts
    characters; a JSON column takes nested JSON. Both read back as given."""
    t = target(engine)
    url = t.get()
    t.stale()  # changed on purpose, until restored below
    videos = t.rows("video_video")
    videos[1]["title"] = "é" * 250
    import_ok(engine, url, "title250", {"video_video": videos})
    stored = query(engine, url, "SELECT %s FROM video_video WHERE id = %d;" % (hexed(engine, "title"), videos[1]["id"]))
    check_eq(unhex(stored[0][0]), "é" * 250, "the stored title")

    questions = t.rows("quiz_multiplechoicequestion")
    questions[1]["choices"] = [{"a": [1, {"b": None, "c": "dé"}]}, [[["deep"]]], "x"]
    import_ok(engine, url, "nestedjson", {"quiz_multiplechoicequestion": questions})
    stored = query(engine, url, "SELECT %s FROM quiz_multiplechoicequestion WHERE id = '%s';" % (
        hexed(engine, "choices::text" if engine.name == "postgresql" else "choices"), questions[1]["id"]))
    check_eq(json.loads(unhex(stored[0][0])), questions[1]["choices"], "the stored JSON")
    # the rows it was loaded with, imported again, give the target back (saves a rebuild)
    import_ok(engine, url, "restore", {"video_video": t.rows("video_video"),
                                       "quiz_multiplechoicequestion": t.rows("quiz_multiplechoicequestion")})
    t.restored(url)


def import_ok(engine, url, name, data):
    path = write_file("%s-%s.json" % (name, engine.name), json.dumps(data).encode())
    res = podmigrate("import", "--db", url, "-i", path, "-q")
    check_eq(res.returncode, 0, "import of %s: %s" % (name, res.stderr[-1500:]))
    return res


# ---------------------------------------------------------------------------------------------

def import_refused(t, url, name, data, baseline):
    """Imports data that breaks a foreign key held by a table the file lacks: exit 1, and the
    target (every table and sequence) as it was."""
    path = write_file("%s-%s.json" % (name, t.engine.name), json.dumps(data).encode())
    res = podmigrate("import", "--db", url, "-i", path)
    changed = changed_names(baseline, db_state(t.engine, url))
    if changed:
        t.stale()
    check_eq(res.returncode, 1, "exit status: " + res.stderr[-2000:])
    check_eq(changed, [], "tables and sequences changed by the refused import")
    return res


def check_names_row(res, table, column, ids):
    """The message names the table, the column and one of the broken rows by its id."""
    err = res.stderr
    check(re.search(word(table), err) and re.search(word(column), err), "%s / %s not named: %s" % (
        table, column, err[-1500:]))
    check(any(re.search(r"\bid\W{1,3}%d\b" % i, err) for i in ids), "no row of %s named by id (%s): %s" % (
        table, ids, err[-1500:]))


@test
def foreign_keys_from_tables_the_file_lacks_into_a_replaced_table_are_checked(engine):
    """{"auth_group": [one group]} replaces auth_group while auth_user_groups, which the file
    does not hold, points to the other groups: refused on every engine (MariaDB, whose key
    checks are off for the load, committed the broken rows), naming auth_user_groups, the row
    and group_id (SQLite's own "FOREIGN KEY constraint failed" names neither)."""
    t = target(engine)
    url = t.get()
    links = t.rows("auth_user_groups")
    group = next(g for g in t.rows("auth_group") if g["id"] not in {r["group_id"] for r in links})
    res = import_refused(t, url, "onegroup", {"auth_group": [group]}, t.baseline)
    check_names_row(res, "auth_user_groups", "group_id", [r["id"] for r in links])


@test
def a_v4_only_table_pointing_into_a_replaced_table_is_checked(engine):
    """hyperlinks_videohyperlink exists only in v4 (no file holds it): a video it points to
    and that the file's video_video lacks makes the import fail, naming it; nothing changes."""
    t = target(engine)
    url = t.get()
    t.stale()  # rows added on purpose
    q = (lambda n: "`%s`" % n) if engine.name == "mariadb" else (lambda n: '"%s"' % n)
    videos = t.rows("video_video")
    columns = [c for c in videos[0] if c != "tags"]  # v3's tags are not a v4 column
    copied = {"id": "999999", "slug": "'pm-hyperlinked-video'", "video": "'videos/pm-hyperlinked.mp4'"}
    engine.run_sql(url, "INSERT INTO video_video (%s) SELECT %s FROM video_video WHERE id = %d;\n" % (
        ", ".join(q(c) for c in columns), ", ".join(copied.get(c, q(c)) for c in columns), videos[0]["id"]) +
        "INSERT INTO hyperlinks_hyperlink (id, url, description) VALUES (900, 'https://example.org/', 'x');\n"
        "INSERT INTO hyperlinks_videohyperlink (id, hyperlink_id, video_id) VALUES (900, 900, 999999);\n")
    baseline = db_state(engine, url)
    res = import_refused(t, url, "nohyperlinkedvideo", {"video_video": videos}, baseline)
    check_names_row(res, "hyperlinks_videohyperlink", "video_id", [900])


# ---------------------------------------------------------------------------------------------
# Passwords: a user whose password holds '@', '/' and ':', the characters that end URL parts.

PW = "Zq@x/Kv:9w"
PW_ENC = urllib.parse.quote(PW, safe="")
SECRETS = (PW, PW_ENC)
_pw_servers = {}


def password_servers():
    """{engine name: engine} of the servers, each with user pmpw (password PW) owning two
    databases: pm_pw_v3 (an empty Pod v3 schema) and pm_pw_v4 (a fresh Pod v4)."""
    if _pw_servers:
        return _pw_servers
    for e in engines():
        if e.name == "sqlite":
            continue
        v3, v4 = e.create("pm_pw_v3"), e.create("pm_pw_v4", version=V4)
        if e.name == "mariadb":
            e.run_sql(e.url("mysql"), "".join(
                "CREATE USER IF NOT EXISTS 'pmpw'@'%s' IDENTIFIED BY '%s'; ALTER USER 'pmpw'@'%s' IDENTIFIED BY '%s';"
                "GRANT ALL ON `pm_pw_v3`.* TO 'pmpw'@'%s'; GRANT ALL ON `pm_pw_v4`.* TO 'pmpw'@'%s';\n"
                % ((host, PW) * 2 + (host, host)) for host in ("127.0.0.1", "localhost")))
        else:
            e.run_sql(e.url("postgres"), "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pmpw') "
                      "THEN CREATE ROLE pmpw; END IF; END$$; ALTER ROLE pmpw LOGIN PASSWORD '%s';" % PW)
            for url in (v3, v4):  # the import alters tables (foreign keys): pmpw owns them
                e.run_sql(url, "DO $$DECLARE r record; BEGIN "
                          "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP "
                          "EXECUTE format('ALTER TABLE public.%I OWNER TO pmpw', r.tablename); END LOOP; "
                          "FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> 'pmpw' "
                          "LOOP EXECUTE format('ALTER SEQUENCE public.%I OWNER TO pmpw', r.relname); END LOOP; END$$;")
        _pw_servers[e.name] = e
    return _pw_servers


def password_urls(engine, port, db):
    """Every way of giving the password, as (label, --db value)."""
    if engine.name == "mariadb":
        return [("mysql:// raw", "mysql://pmpw:%s@127.0.0.1:%d/%s" % (PW, port, db)),
                ("mariadb:// raw", "mariadb://pmpw:%s@127.0.0.1:%d/%s" % (PW, port, db)),
                ("mysql:// percent-encoded", "mysql://pmpw:%s@127.0.0.1:%d/%s" % (PW_ENC, port, db)),
                ("mistyped mysql:/", "mysql:/pmpw:%s@127.0.0.1:%d/%s" % (PW, port, db)),
                ("mistyped mysql//", "mysql//pmpw:%s@127.0.0.1:%d/%s" % (PW, port, db))]
    return [("postgresql:// raw", "postgresql://pmpw:%s@127.0.0.1:%d/%s" % (PW, port, db)),
            ("postgresql:// percent-encoded", "postgresql://pmpw:%s@127.0.0.1:%d/%s" % (PW_ENC, port, db)),
            ("postgres:// ?password=", "postgres://127.0.0.1:%d/%s?user=pmpw&password=%s" % (port, db, PW_ENC)),
            ("postgresql:// ?password= raw", "postgresql://127.0.0.1:%d/%s?user=pmpw&password=%s" % (port, db, PW)),
            ("keywords", "host=127.0.0.1 port=%d dbname=%s user=pmpw password=%s" % (port, db, PW)),
            ("keywords, quoted", "host=127.0.0.1 port=%d dbname=%s user=pmpw password='%s'" % (port, db, PW))]


def report(outcomes, what):
    """Raises with the table of outcomes if any has problems."""
    if any(p for _, _, p in outcomes):
        print("%s:\n%s" % (what, outcome_table(outcomes)))
        raise AssertionError("%d of %d cases failed: %s" % (sum(1 for o in outcomes if o[2]), len(outcomes), what))


def leak_problems(text, what):
    try:
        check_no_leak(text, SECRETS, what)
        return []
    except AssertionError as e:
        return [str(e).splitlines()[0] + " " + " | ".join(l for l in text.splitlines() if "error" in l)[:200]]


@test
def a_password_is_never_shown_when_the_connection_fails():
    """Wrong port, wrong database, each way of writing the URL, export and import: neither the
    password nor any 3-character piece of it (raw or percent-encoded) is in the output."""
    data = write_file("pw-input.json", b'{"auth_group": []}')
    outcomes = []
    for e in password_servers().values():
        for port, db in ((closed_port(), "pm_pw_v4"), (e.port, "pm_no_such_db")):
            for label, url in password_urls(e, port, db):
                for args in (("export", "--db", url, "-o", os.path.join(WORK, "pw-out.json")),
                             ("import", "--db", url, "-i", data)):
                    res = podmigrate(*args, timeout=120)
                    what = "%s, %s, %s" % (args[0], label, "closed port" if db == "pm_pw_v4" else "no such database")
                    problems = [] if res.returncode in (1, 2) else ["exit %d" % res.returncode]
                    outcomes.append((what, res.returncode, problems + leak_problems(res.stdout + res.stderr, what)))
    report(outcomes, "failed connections")


@test
def a_password_is_never_shown_in_a_successful_export():
    """The raw URL on MariaDB (the user-info runs to the last '@') and the encoded forms on both
    servers connect, and the normal output ("Exporting ...") does not show the password."""
    outcomes = []
    for e in password_servers().values():
        for label, url in password_urls(e, e.port, "pm_pw_v3"):
            if label not in CONNECTING[e.name]:
                continue
            res = podmigrate("export", "--db", url, "-o", os.path.join(WORK, "pw-export.json"))
            out = res.stdout + res.stderr
            problems = [] if res.returncode == 0 else ["exit %d: %s" % (res.returncode, res.stderr[-300:])]
            problems += [] if "Exporting" in out else ["no 'Exporting' line"]
            outcomes.append(("export, " + label, res.returncode, problems + leak_problems(out, label)))
    report(outcomes, "successful exports")


# the forms that must connect as pmpw
CONNECTING = {"mariadb": ("mysql:// raw", "mariadb:// raw", "mysql:// percent-encoded"),
              "postgresql": ("postgresql:// percent-encoded", "postgres:// ?password=", "keywords", "keywords, quoted")}


def wait_for_line(proc, text, timeout=60):
    """Reads proc's stderr until it holds text (or ends, or the time is up); returns what was read."""
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stderr], [], [], left)[0]:
            break
        chunk = os.read(proc.stderr.fileno(), 65536).decode(errors="replace")
        if not chunk:
            break
        seen += chunk
    return seen


@test
def a_password_is_not_left_in_the_process_list():
    """/proc/PID/cmdline is world-readable: once connected, podmigrate has overwritten the
    password in its argv (as the MySQL client does)."""
    outcomes = []
    for e in password_servers().values():
        for label, url in password_urls(e, e.port, "pm_pw_v4"):
            if label not in CONNECTING[e.name]:
                continue
            proc = subprocess.Popen([PODMIGRATE, "import", "--db", url, "-i", "-"], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                seen = wait_for_line(proc, "Importing")
                with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            finally:
                proc.stdin.close()  # the import then reads an empty file and stops
                seen += proc.stderr.read().decode(errors="replace")
                proc.wait(timeout=120)
            check_no_sanitizer_report(seen, "import -i - with " + label)
            problems = [] if "Importing" in seen else ["never connected: " + seen[-300:]]
            problems += leak_problems(cmdline, "cmdline") + leak_problems(seen, "output")
            outcomes.append(("import -i -, " + label, proc.returncode, problems))
    report(outcomes, "process list")


# ---------------------------------------------------------------------------------------------

@test
def a_nul_in_a_mariadb_url_is_refused_before_connecting():
    """%00 in any decoded part of a MariaDB URL (database, user, password, host, socket) cut it
    short in C: .../adv_nul%00_copy wrote into adv_nul. Refused as libpq does: exit 2, the
    message says NUL, no connection made (the server's count), nothing written."""
    e = by_name().get("mariadb")
    if e is None:
        return
    url = e.create("adv_nul", version=V4)
    before = db_state(e, url)
    sock = query(e, url, "SELECT @@socket;")[0][0]
    auth = "%s:%s" % (e.user, e.password)
    data = write_file("nul-input.json", b'{"auth_group": [{"id": 1, "name": "written"}]}')
    out = os.path.join(WORK, "nul-export.json")
    outcomes = []
    for label, bad in [("database", "mysql://%s@127.0.0.1:%d/adv_nul%%00_copy" % (auth, e.port)),
                       ("user", "mysql://%s%%00x:%s@127.0.0.1:%d/adv_nul" % (e.user, e.password, e.port)),
                       ("password", "mysql://%s%%00x@127.0.0.1:%d/adv_nul" % (auth, e.port)),
                       ("host", "mysql://%s@127.0.0.1%%00x:%d/adv_nul" % (auth, e.port)),
                       ("socket", "mysql://%s@localhost/adv_nul?socket=%s%%00x" % (auth, sock))]:
        for args in (("import", "--db", bad, "-i", data), ("export", "--db", bad, "-o", out)):
            connections = mysql_connections(e)
            res = podmigrate(*args)
            problems = [] if res.returncode == 2 else ["exit %d" % res.returncode]
            problems += [] if "NUL" in res.stderr else ["the message does not say NUL"]
            made = mysql_connections(e) - connections - 1  # less the count query's own
            problems += ["%d connections made" % made] if made else []
            if os.path.exists(out):
                problems.append("wrote " + out)
                os.unlink(out)
            changed = changed_names(before, db_state(e, url))
            if changed:
                problems.append("adv_nul changed: " + ", ".join(changed[:3]))
                e.create("adv_nul", version=V4)
            outcomes.append(("%s, NUL in the %s" % (args[0], label), res.returncode, problems))
    report(outcomes, "NUL in MariaDB URLs")


# ---------------------------------------------------------------------------------------------
# Linear time. The bound is a ratio of the child's CPU time over a 10x larger input, not a
# timing: linear gives about 10 (less, with the constant start-up cost), quadratic about 100;
# 30 leaves room for noise. RLIMIT_CPU stops a run at the bound instead of waiting for a
# quadratic one, and the ratio is first checked one size down (n/100 -> n/10), so that a
# quadratic binary fails in seconds rather than minutes.

def check_linear(name, make, n):
    url = SqliteEngine().create("pm_linear", version=V4)
    previous = None
    for size in (n // 100, n // 10, n):
        path = write_file("%s-%d.json" % (name, size), make(size))
        limit = int(30 * previous) + 1 if previous else None
        res, cpu = child_cpu_seconds(["import", "--db", url, "-i", path, "-q"], cpu_limit=limit)
        os.unlink(path)
        check(res.returncode != -24, "%s: %d used over %d s of CPU, 30x the %.2f s of %d" % (
            name, size, limit or 0, previous or 0, size // 10))
        check_eq(res.returncode, 0, "%s, %d: %s" % (name, size, res.stderr[-500:].decode(errors="replace")))
        if previous:
            check(cpu / previous < 30, "%s: %.2f s of CPU for %d vs %.2f s for %d: ratio %.1f, not linear" % (
                name, cpu, size, previous, size // 10, cpu / previous))
        previous = max(cpu, 0.01)


def unknown_columns(n):
    return ('{"auth_group": [{"id": 1, "name": "g", %s}]}' % ", ".join('"c%07d": 1' % i for i in range(n))).encode()


def unknown_tables(n):
    return ("{%s}" % ", ".join('"u%07d": []' % i for i in range(n))).encode()


@test
def one_row_with_200000_unknown_columns_takes_linear_time():
    """Each unknown column is reported with its count of values: counted in a hash, not by a
    scan of the columns met so far."""
    check_linear("unknown columns", unknown_columns, 200_000)


@test
def sixty_thousand_unknown_tables_take_linear_time():
    """60,000 empty unknown tables (the reader's limit is 65,536): each skipped in constant
    time, not by a scan of the tables seen."""
    check_linear("unknown tables", unknown_tables, 60_000)


# ---------------------------------------------------------------------------------------------

@test
def an_unreachable_database_exits_1_not_2(engine):
    """2 is for usage errors: a database that cannot be reached (a closed port, a missing SQLite
    file, which is not created) is a failure, exit 1, naming it."""
    if engine.name == "sqlite":
        path = os.path.join(WORK, "no-such-database.sqlite3")
        url, named = "sqlite:" + path, path
    else:
        port = closed_port()
        url = "%s://%s:%s@127.0.0.1:%d/pm_unreachable" % (engine.name, engine.user, engine.password, port)
        named = str(port)
    data = write_file("unreachable-input.json", b'{"auth_group": []}')
    for args in (("import", "--db", url, "-i", data), ("export", "--db", url, "-o", os.path.join(WORK, "unr.json"))):
        res = podmigrate(*args)
        check_eq(res.returncode, 1, "%s into an unreachable %s: %s" % (args[0], engine.name, res.stderr[-500:]))
        check(named in res.stderr, "%s: the message does not name %s: %s" % (args[0], named, res.stderr[-500:]))
    if engine.name == "sqlite":
        check(not os.path.exists(path), "the missing SQLite file was created")


if __name__ == "__main__":
    sys.exit(0 if run("inputs") else 1)
