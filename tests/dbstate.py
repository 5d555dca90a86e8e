"""The state of a test database as its own engine reports it, never through podmigrate (which is
what the tests check): one digest per table, one of the schema and, on PostgreSQL, every
sequence's last_value/is_called. Shared by the failure and the bad-input tests."""
import hashlib
import sqlite3
import time

from dbquery import query
from pmtest import check

# ---------------------------------------------------------------------------------------------
# Ground truth: a digest of every table, of the schema and (PostgreSQL) of every sequence


def db_state(engine, url):
    """The state of a database as its engine reports it, never through podmigrate: one digest
    per table (rows), one of the schema (columns, keys, indexes) and, on PostgreSQL, every
    sequence's last_value/is_called. A flat dict: compare with ==, explain with state_diff()."""
    wait_for_other_connections_to_end(engine, url)
    return {"sqlite": _sqlite_state, "mariadb": _mariadb_state, "postgresql": _postgresql_state}[
        engine.name](engine, url)


def _digest(rows):
    return hashlib.sha256(repr(rows).encode("utf-8", "backslashreplace")).hexdigest()


def _sqlite_state(engine, url):
    # read-write (sqlite3's default): a hot journal left by a killed writer is rolled back by
    # this first reader, as by the next Pod process
    conn = sqlite3.connect(url[len("sqlite:"):])
    try:
        state = {"schema": _digest(conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall())}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
            # sqlite_sequence included: SQLite's id counters are rows, rolled back with the rest
            rows = conn.execute('SELECT * FROM "%s" ORDER BY rowid' % name.replace('"', '""')).fetchall()
            state["table " + name] = _digest(rows)
        return state
    finally:
        conn.close()


def _mariadb_state(engine, url):
    tables = [r[0] for r in query(engine, url, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                                  "TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1;")]
    check(tables, "no tables in " + url)
    # CHECKSUM TABLE hashes the rows only. InnoDB's AUTO_INCREMENT counters are not
    # transactional (a rolled-back insert still moves them), so they are deliberately left out.
    state = {}
    for name, checksum in query(engine, url, "CHECKSUM TABLE %s;" % ", ".join("`%s`" % t for t in tables)):
        state["table " + name.split(".", 1)[1]] = checksum
    state["schema"] = _digest([
        query(engine, url, "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
              "COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 3;"),
        query(engine, url, "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM "
              "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2, 3;"),
        query(engine, url, "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
              "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
              "ORDER BY 1, 2, 3;")])
    return state


def _postgresql_state(engine, url):
    # one psql run: \gexec runs the query each row spells, one per table and per sequence
    rows = query(engine, url, r"""
SELECT format('SELECT %L, %L, md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM %I t',
              'table', tablename, tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
SELECT format('SELECT %L, %L, concat(''last_value='', last_value, '' is_called='', is_called) FROM %I',
              'sequence', sequencename, sequencename) FROM pg_sequences WHERE schemaname = 'public'
              ORDER BY sequencename \gexec
SELECT 'sequence definition', sequencename, start_value, increment_by FROM pg_sequences
 WHERE schemaname = 'public' ORDER BY 2;
SELECT 'schema', table_name, column_name, ordinal_position, data_type, is_nullable, column_default, is_identity,
       identity_generation FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 2, 4;
SELECT 'schema', conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE connamespace = 'public'::regnamespace ORDER BY 2, 3;
SELECT 'schema', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 2;
""")
    state = {}
    # setval is never rolled back: every sequence is part of the state, read from the
    # sequence itself (pg_sequences hides last_value when is_called is false)
    for row in rows:
        if row[0] in ("table", "sequence"):
            state[row[0] + " " + row[1]] = row[2]
        elif row[0] == "sequence definition":
            state["sequence " + row[1]] += " start=%s increment=%s" % (row[2], row[3])
    check(any(k.startswith("table ") for k in state), "no tables in " + url)
    state["schema"] = _digest([row for row in rows if row[0] == "schema"])
    return state


def changed_names(before, after):
    """The entries (tables, sequences, the schema) whose state differs, appeared or went."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def state_diff(before, after, limit=12):
    """What differs between two db_state() values, for a failure message."""
    changed = changed_names(before, after)
    lines = ["%s: %s -> %s" % (k, before.get(k), after.get(k)) if k.startswith("sequence ") else k
             for k in changed]
    more = " (and %d more)" % (len(lines) - limit) if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + more


def check_state(before, after, what):
    check(after == before, "%s changed the database: %s" % (what, state_diff(before, after)))


def other_connections(engine, url):
    """The connections to the database of url other than the one asking (podmigrate's):
    [(id, application_name)]."""
    db = url.rsplit("/", 1)[1]
    if engine.name == "postgresql":
        return query(engine, url, "SELECT pid, application_name FROM pg_stat_activity WHERE datname = '%s' "
                     "AND pid <> pg_backend_pid();" % db.replace("'", "''"))
    if engine.name == "mariadb":
        return query(engine, url, "SELECT ID, '' FROM information_schema.PROCESSLIST WHERE DB = '%s' "
                     "AND ID <> CONNECTION_ID();" % db.replace("'", "''"))
    return []


def wait_for_other_connections_to_end(engine, url, timeout=60):
    """A client killed mid-transaction: its server session rolls back once it sees the
    connection gone. Waits for that (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        left = other_connections(engine, url)
        if not left:
            return
        check(time.monotonic() < deadline, "connections still open on %s after %d s: %r" % (url, timeout, left))
        time.sleep(0.1)
