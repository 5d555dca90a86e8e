#!/usr/bin/env python3
"""Generate Esup-Pod v3.8.4 test data for MariaDB, PostgreSQL and SQLite.

Python 3 standard library only; deterministic (seeded random.Random).

Usage:
  gen_v3_data.py --engine {mariadb,postgresql,sqlite} --mode {edge,sample,bench}
                 [--scale N] [--seed N] [--sqlite-db PATH] [--sql-out FILE]
                 [--expected-out FILE] [--json-storage {django,utf8}]

mariadb / postgresql: write SQL (one transaction) to --sql-out (default stdout).
  The v3.8.4 schema (tests/data/v3.8.4/<engine>.sql) must be loaded first:
    mariadb --no-defaults ... DB < tests/data/v3.8.4/mariadb.sql
    python3 tests/gen_v3_data.py --engine mariadb --mode edge | mariadb --no-defaults ... DB
    psql -v ON_ERROR_STOP=1 ... -d DB -f tests/data/v3.8.4/postgresql.sql
    python3 tests/gen_v3_data.py --engine postgresql --mode edge | psql -v ON_ERROR_STOP=1 ... -d DB
sqlite: create --sqlite-db PATH (replaced if it exists), schema included.

--expected-out FILE (edge and sample modes): JSON {"table": [row, ...], ...}
  with what a correct export must contain: every table that got rows (rows
  sorted by primary key, columns in PostgreSQL catalog order, canonical
  values) plus the pseudo-tables video_tagging_tag_2_tagulous and
  recorder_tagging_tag_2_tagulous.

Modes:
  edge    small data set covering every table, every column type and the
          nasty values (NULLs, quotes, backslashes, control characters,
          non-BMP characters, 100 kB text, big ids, microseconds, tag names
          with spaces/commas/quotes/case variants, tags on deleted videos...).
  sample  small realistic Pod (20 users, 5 channels, 200 videos, tags,
          view counts, playlists, recorders, a meeting).
  bench   streaming big data set: --scale 1 = 100 000 videos, 2 000 000
          video_viewcount rows, 500 000 tagged items, 20 000 tags, 1 000 users.

Engine differences in the generated data (everything else is identical):
  * MariaDB's utf8mb4_unicode_ci makes UNIQUE(tagging_tag.name) case- and
    accent-insensitive, so in edge mode the tags "Python" and "PYTHON" (case
    variants of "python") and their tagged items exist only on PostgreSQL and
    SQLite.  The video_video.tags strings follow.
  * JSON columns (quiz_*.choices): by default (--json-storage django) the
    MariaDB/SQLite text is what Django 3.2 writes, json.dumps(value) with
    ASCII escapes (\\u00e9, surrogate pairs for emoji).  --json-storage utf8
    stores json.dumps(value, ensure_ascii=False) instead.  PostgreSQL jsonb
    normalises anyway.

Edge-mode landmarks (ids are fixed):
  * tags: video 1 has 8 tags (comma, quotes, space...), video 2 only
    "machine learning", video 3 the case variants / accents / CJK / emoji,
    video 4 none, video 6 no tagged item but a stale video_video.tags string,
    objects 11 and 999999 are deleted videos that still have tags, recorder
    424242 does not exist; tagged items on content type video.channel and on
    a fake content type 1000 ('legacyapp', 'video') are not video tags.
  * video_viewcount ids up to 2**53+1, count up to 2**31-1; bigint columns
    get 2**63-1 and -2**63 (rows 3/4 of generic tables); video 1's
    description is > 100 kB; meeting 1 starts 30 min before midnight UTC
    and recurring_until is that UTC date.
  * row 2 of every generically filled table has NULL in all nullable columns.

Python API (import tests/gen_v3_data.py): load_sqlite_schema(conn, path),
register_sqlite_functions(conn) (needed to write to, or run
PRAGMA integrity_check on, a Pod SQLite DB), parse_schema().
"""

import argparse
import datetime as dt
import functools
import graphlib
import ipaddress
import json
import os
import random
import re
import sqlite3
import sys
import time
import unicodedata
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data", "v3.8.4")
PG_SCHEMA = os.path.join(DATA_DIR, "postgresql.sql")
MY_SCHEMA = os.path.join(DATA_DIR, "mariadb.sql")
SQLITE_SCHEMA = os.path.join(DATA_DIR, "sqlite.sql")
FRESH_ROWS = os.path.join(DATA_DIR, "fresh_db_rows.json")

PSEUDO_VIDEO = "video_tagging_tag_2_tagulous"
PSEUDO_RECORDER = "recorder_tagging_tag_2_tagulous"


def log(msg):
    print("gen_v3_data: " + msg, file=sys.stderr, flush=True)


# ===================================================================== schema

INT_BOUNDS = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


class Column:
    __slots__ = ("name", "pgtype", "kind", "notnull", "maxlen", "lo", "hi", "fk", "index")

    def __repr__(self):
        return "Column(%s %s%s)" % (self.name, self.pgtype, " NOT NULL" if self.notnull else "")


class Table:
    __slots__ = ("name", "columns", "col", "pk", "uniques", "has_seq")

    @property
    def colnames(self):
        return [c.name for c in self.columns]


def _kind(pgtype):
    if pgtype in INT_BOUNDS:
        return "int"
    if pgtype == "boolean":
        return "bool"
    if pgtype == "text" or pgtype.startswith("character varying"):
        return "text"
    return {
        "timestamp with time zone": "datetime",
        "date": "date",
        "time without time zone": "time",
        "uuid": "uuid",
        "jsonb": "json",
        "inet": "inet",
        "interval": "interval",
    }[pgtype]


def parse_schema(pg_path=PG_SCHEMA, my_path=MY_SCHEMA):
    """Tables of the PostgreSQL dump (column order, types, PK, UNIQUE, FK,
    `>= N` checks); varchar lengths are the smaller of PG and MariaDB."""
    text = open(pg_path, encoding="utf-8").read()
    tables = {}
    for m in re.finditer(r"^CREATE TABLE public\.(\w+) \(\n(.*?)^\);", text, re.M | re.S):
        t = Table()
        t.name = m.group(1)
        t.columns, t.col, t.pk, t.uniques, t.has_seq = [], {}, [], [], False
        checks = {}
        for line in m.group(2).splitlines():
            line = line.strip().rstrip(",")
            if line.startswith("CONSTRAINT"):
                cm = re.match(r'CONSTRAINT \S+ CHECK \(\("?(\w+)"? >= (\d+)\)\)$', line)
                if cm:
                    checks[cm.group(1)] = max(checks.get(cm.group(1), 0), int(cm.group(2)))
                continue
            cm = re.match(r'("?)(\w+)\1 (.+?)( NOT NULL)?$', line)
            c = Column()
            c.name, c.pgtype, c.notnull = cm.group(2), cm.group(3), bool(cm.group(4))
            c.kind = _kind(c.pgtype)
            lm = re.match(r"character varying\((\d+)\)", c.pgtype)
            c.maxlen = int(lm.group(1)) if lm else None
            c.lo, c.hi = INT_BOUNDS.get(c.pgtype, (None, None))
            c.fk = None
            c.index = len(t.columns)
            t.columns.append(c)
            t.col[c.name] = c
        for name, lo in checks.items():
            t.col[name].lo = max(t.col[name].lo, lo)
        tables[t.name] = t

    def cols(s):
        return tuple(x.strip().strip('"') for x in s.split(","))

    for m in re.finditer(
        r"^ALTER TABLE ONLY public\.(\w+)\n    ADD CONSTRAINT \S+ (PRIMARY KEY|UNIQUE) \(([^)]*)\);",
        text,
        re.M,
    ):
        t = tables[m.group(1)]
        if m.group(2) == "PRIMARY KEY":
            t.pk = list(cols(m.group(3)))
        t.uniques.append(cols(m.group(3)))
    for m in re.finditer(
        r"^ALTER TABLE ONLY public\.(\w+)\n    ADD CONSTRAINT \S+ FOREIGN KEY \(([^)]*)\) "
        r"REFERENCES public\.(\w+)\(([^)]*)\)",
        text,
        re.M,
    ):
        (c,) = cols(m.group(2))
        tables[m.group(1)].col[c].fk = (m.group(3), cols(m.group(4))[0])
    for m in re.finditer(r"^ALTER SEQUENCE public\.\w+ OWNED BY public\.(\w+)\.(\w+);", text, re.M):
        tables[m.group(1)].has_seq = True

    # MariaDB may be narrower (lti_provider_lticoursecontext.lms_course_context
    # is text on PG, varchar(255) on MariaDB).
    if my_path and os.path.exists(my_path):
        mtext = open(my_path, encoding="utf-8").read()
        for m in re.finditer(r"^CREATE TABLE `(\w+)` \(\n(.*?)^\)", mtext, re.M | re.S):
            t = tables.get(m.group(1))
            if not t:
                continue
            for cm in re.finditer(r"^\s+`([^`]+)` varchar\((\d+)\)", m.group(2), re.M):
                c = t.col.get(cm.group(1))
                if c is not None and c.kind == "text":
                    n = int(cm.group(2))
                    c.maxlen = n if c.maxlen is None else min(c.maxlen, n)
    return tables


def topo_order(schema):
    deps = {
        t.name: {c.fk[0] for c in t.columns if c.fk and c.fk[0] != t.name} for t in schema.values()
    }
    ts = graphlib.TopologicalSorter({k: sorted(v) for k, v in sorted(deps.items())})
    return list(ts.static_order())


# ============================================================ value formats


@functools.lru_cache(maxsize=8192)
def fmt_date(v):
    return "%04d-%02d-%02d" % (v.year, v.month, v.day)


def fmt_datetime(v):
    s = "%04d-%02d-%02d %02d:%02d:%02d" % (v.year, v.month, v.day, v.hour, v.minute, v.second)
    if v.microsecond:
        s += ".%06d" % v.microsecond
    return s


def fmt_time(v):
    s = "%02d:%02d:%02d" % (v.hour, v.minute, v.second)
    if v.microsecond:
        s += ".%06d" % v.microsecond
    return s


def json_text(value, style):
    """Text stored in a JSON column. django: what Django 3.2's JSONField
    writes on MariaDB/SQLite (json.dumps, ASCII escapes)."""
    if style == "django":
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def canon(kind, v):
    """Canonical JSON value of the expected export."""
    if v is None:
        return None
    if kind == "int" or kind == "interval":
        return int(v)
    if kind == "bool":
        return bool(v)
    if kind == "datetime":
        return fmt_datetime(v)
    if kind == "date":
        return fmt_date(v)
    if kind == "time":
        return fmt_time(v)
    if kind == "json":
        return json.dumps(v, ensure_ascii=False)
    return v  # text, uuid (32 hex), inet (canonical text)


def my_fold(s):
    """Approximation (on the safe side) of utf8mb4_unicode_ci equality:
    case and accent insensitive, all non-BMP characters equal, PAD SPACE."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join("\ufffd" if ord(ch) > 0xFFFF else ch for ch in s if not unicodedata.combining(ch))
    return s.casefold().rstrip(" ")


# MariaDB: the mariadb client turns CR LF into LF inside string literals when
# reading a script, so strings with control characters go out as hex.
_MY_NEEDS_HEX = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def my_str(s):
    if _MY_NEEDS_HEX.search(s):
        return "_utf8mb4 X'" + s.encode("utf-8").hex() + "'"
    return "'" + s.replace("'", "''") + "'"


def pg_str(s):
    # standard_conforming_strings=on: backslashes are literal; psql keeps
    # control characters inside quotes as they are.
    return "'" + s.replace("'", "''") + "'"


def _lit_funcs(engine, json_style):
    def nul(f):
        return lambda v: "NULL" if v is None else f(v)

    if engine == "mariadb":
        return {
            "int": nul(str),
            "interval": nul(str),
            "bool": nul(lambda v: "1" if v else "0"),
            "text": nul(my_str),
            "datetime": nul(lambda v: "'" + fmt_datetime(v) + "'"),
            "date": nul(lambda v: "'" + fmt_date(v) + "'"),
            "time": nul(lambda v: "'" + fmt_time(v) + "'"),
            "uuid": nul(lambda v: "'" + v + "'"),
            "json": nul(lambda v: my_str(json_text(v, json_style))),
            "inet": nul(lambda v: "'" + v + "'"),
        }
    return {
        "int": nul(str),
        "interval": nul(lambda v: "(%d * interval '1 microsecond')" % v),
        "bool": nul(lambda v: "TRUE" if v else "FALSE"),
        "text": nul(pg_str),
        "datetime": nul(lambda v: "'" + fmt_datetime(v) + "+00:00'"),
        "date": nul(lambda v: "'" + fmt_date(v) + "'"),
        "time": nul(lambda v: "'" + fmt_time(v) + "'"),
        "uuid": nul(lambda v: "'" + str(uuid.UUID(hex=v)) + "'"),
        "json": nul(lambda v: pg_str(json_text(v, json_style))),
        "inet": nul(lambda v: "'" + v + "'"),
    }


def _sqlite_funcs(json_style):
    def nul(f):
        return lambda v: None if v is None else f(v)

    ident = lambda v: v  # noqa: E731
    return {
        "int": ident,
        "interval": ident,
        "bool": nul(lambda v: 1 if v else 0),
        "text": ident,
        "datetime": nul(fmt_datetime),
        "date": nul(fmt_date),
        "time": nul(fmt_time),
        "uuid": ident,
        "json": nul(lambda v: json_text(v, json_style)),
        "inet": ident,
    }


# ===================================================================== sinks


class SqlSink:
    """Writes one transaction of multi-row INSERTs for mariadb/postgresql."""

    def __init__(self, engine, schema, out, json_style, batch_rows=1000, batch_bytes=1 << 20):
        self.engine, self.schema, self.out = engine, schema, out
        self.batch_rows, self.batch_bytes = batch_rows, batch_bytes
        funcs = _lit_funcs(engine, json_style)
        self.renderers = {t.name: [funcs[c.kind] for c in t.columns] for t in schema.values()}
        q = (lambda n: "`%s`" % n) if engine == "mariadb" else (lambda n: '"%s"' % n)
        self.prefix = {
            t.name: "INSERT INTO %s (%s) VALUES\n" % (q(t.name), ",".join(q(c) for c in t.colnames))
            for t in schema.values()
        }
        self.counts = {}

    def header(self):
        w = self.out.write
        if self.engine == "mariadb":
            w("SET NAMES utf8mb4;\n")
            w("SET sql_mode='NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES';\n")
            w("SET FOREIGN_KEY_CHECKS=0;\n")
        else:
            w("SET client_encoding='UTF8';\n")
            w("SET search_path=public;\n")
            w("SET TimeZone='UTC';\n")
            w("SET standard_conforming_strings=on;\n")
        w("BEGIN;\n")

    def insert(self, table, rows):
        rend = self.renderers[table]
        prefix = self.prefix[table]
        buf, size, n = [], 0, 0
        w = self.out.write
        for row in rows:
            s = "(" + ",".join([f(v) for f, v in zip(rend, row)]) + ")"
            buf.append(s)
            size += len(s)
            n += 1
            if len(buf) >= self.batch_rows or size >= self.batch_bytes:
                w(prefix + ",\n".join(buf) + ";\n")
                buf, size = [], 0
        if buf:
            w(prefix + ",\n".join(buf) + ";\n")
        self.counts[table] = self.counts.get(table, 0) + n

    def footer(self):
        w = self.out.write
        if self.engine == "postgresql":
            seq_tables = sorted(
                t for t, n in self.counts.items() if n and self.schema[t].has_seq
            )
            if seq_tables:
                # Move the id sequences past the explicit ids, as a real DB has them.
                w("DO $$\nDECLARE t text;\nBEGIN\n  FOREACH t IN ARRAY ARRAY[")
                w(",".join("'%s'" % t for t in seq_tables))
                w("] LOOP\n")
                w(
                    "    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), "
                    "(SELECT max(id) FROM %I))', t, t);\n"
                )
                w("  END LOOP;\nEND $$;\n")
        w("COMMIT;\n")
        self.out.flush()


def register_sqlite_functions(conn):
    """SQL functions Django registers and Pod's SQLite schema needs:
    django_datetime_cast_date is called by meeting's CHECK constraint."""

    def cast_date(value, tzname, conn_tzname):
        if value is None:
            return None
        try:
            d = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if tzname and conn_tzname and tzname != conn_tzname:
            try:
                import zoneinfo

                src = dt.timezone.utc if conn_tzname == "UTC" else zoneinfo.ZoneInfo(conn_tzname)
                dst = dt.timezone.utc if tzname == "UTC" else zoneinfo.ZoneInfo(tzname)
                if d.tzinfo is None:
                    d = d.replace(tzinfo=src)
                d = d.astimezone(dst)
            except Exception:
                return None
        return fmt_date(d.date())

    try:
        conn.create_function("django_datetime_cast_date", 3, cast_date, deterministic=True)
    except (TypeError, sqlite3.NotSupportedError):
        conn.create_function("django_datetime_cast_date", 3, cast_date)


def load_sqlite_schema(conn, path=SQLITE_SCHEMA):
    """Create Pod's schema (the `sqlite3 .schema` dump at PATH) in CONN.
    Registers django_datetime_cast_date first (the meeting table's CHECK
    calls it) and skips `CREATE TABLE sqlite_sequence(...)`."""
    register_sqlite_functions(conn)
    sql = open(path, encoding="utf-8").read()
    sql = re.sub(r"^CREATE TABLE sqlite_sequence\([^)]*\);\s*$", "", sql, flags=re.M)
    conn.executescript(sql)


class SqliteSink:
    def __init__(self, path, schema, json_style, batch_rows=5000, fast=False):
        self.path, self.schema, self.batch_rows, self.fast = path, schema, batch_rows, fast
        funcs = _sqlite_funcs(json_style)
        self.conv = {t.name: [funcs[c.kind] for c in t.columns] for t in schema.values()}
        self.sql = {
            t.name: 'INSERT INTO "%s" (%s) VALUES (%s)'
            % (t.name, ",".join('"%s"' % c for c in t.colnames), ",".join("?" * len(t.columns)))
            for t in schema.values()
        }
        self.counts = {}

    def header(self):
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        load_sqlite_schema(self.conn, SQLITE_SCHEMA)
        if self.fast:
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-65536")
        # Deferred FKs: checked at COMMIT, so the data must be consistent.
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("BEGIN")

    def insert(self, table, rows):
        conv, sql = self.conv[table], self.sql[table]
        batch, n = [], 0
        for row in rows:
            batch.append([f(v) for f, v in zip(conv, row)])
            if len(batch) >= self.batch_rows:
                self.conn.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            self.conn.executemany(sql, batch)
            n += len(batch)
        self.counts[table] = self.counts.get(table, 0) + n

    def footer(self):
        self.conn.execute("COMMIT")
        self.conn.close()


# ================================================================== dataset


class DataError(Exception):
    pass


class Dataset:
    """In-memory rows (dicts) for edge/sample modes, with unique/FK aware
    generic filling of the columns a mode does not set itself."""

    def __init__(self, schema, rng, style):
        self.schema, self.rng, self.style = schema, rng, style
        self.rows = {t: [] for t in schema}
        self.ids = {t: [] for t in schema}
        self.unique_seen = {}
        self.order = topo_order(schema)
        # tables whose text uniques are checked exactly, not folded the
        # MariaDB way (the caller handles MariaDB itself)
        self.exact = set()

    # ---------------------------------------------------------- bookkeeping
    def _ukey(self, t, cols, row):
        key = []
        for c in cols:
            v = row.get(c)
            if v is None:
                return None  # NULLs never collide
            if t.col[c].kind == "text" and t.name not in self.exact:
                v = my_fold(v)  # so that MariaDB accepts it too
            key.append(v)
        return tuple(key)

    def _collisions(self, t, row):
        bad = []
        for cols in t.uniques:
            k = self._ukey(t, cols, row)
            if k is not None and k in self.unique_seen.get((t.name, cols), ()):
                bad.append(cols)
        return bad

    def add(self, table, row):
        t = self.schema[table]
        for c in t.columns:
            v = row.get(c.name)
            if v is None:
                if c.notnull:
                    raise DataError("%s.%s is NOT NULL" % (table, c.name))
                continue
            self._check_value(t, c, v)
        extra = set(row) - set(t.col)
        if extra:
            raise DataError("%s: unknown columns %s" % (table, sorted(extra)))
        bad = self._collisions(t, row)
        if bad:
            raise DataError("%s: duplicate %s in %r" % (table, bad, row))
        for cols in t.uniques:
            k = self._ukey(t, cols, row)
            if k is not None:
                self.unique_seen.setdefault((table, cols), set()).add(k)
        self.rows[table].append(row)
        if len(t.pk) == 1:
            self.ids[table].append(row[t.pk[0]])
        return row

    def _check_value(self, t, c, v):
        k = c.kind
        ok = True
        if k == "int":
            ok = isinstance(v, int) and not isinstance(v, bool) and c.lo <= v <= c.hi
        elif k == "text":
            ok = isinstance(v, str) and (c.maxlen is None or len(v) <= c.maxlen) and "\x00" not in v
        elif k == "bool":
            ok = isinstance(v, bool)
        elif k == "datetime":
            ok = isinstance(v, dt.datetime) and v.tzinfo is None
        elif k == "date":
            ok = isinstance(v, dt.date) and not isinstance(v, dt.datetime)
        elif k == "time":
            ok = isinstance(v, dt.time)
        elif k == "uuid":
            ok = isinstance(v, str) and re.fullmatch(r"[0-9a-f]{32}", v) is not None
        elif k == "inet":
            ok = isinstance(v, str) and str(ipaddress.ip_address(v)) == v
        elif k == "interval":
            ok = isinstance(v, int) and -(2**63) <= v < 2**63
        elif k == "json":
            ok = isinstance(v, list)
        if not ok:
            raise DataError("bad value for %s.%s (%s): %r" % (t.name, c.name, c.pgtype, v))

    def next_id(self, table):
        ids = [i for i in self.ids[table] if isinstance(i, int)]
        return (max(ids) + 1) if ids else 1

    # ------------------------------------------------------------- generic
    def gen(self, table, n=None, ids=None, fixed=None, null_row=1):
        """Add rows to TABLE. ids: explicit pk list (else continue after the
        current max). fixed: list of partial dicts or function(i) -> dict.
        Missing columns are filled generically: in edge style row number
        null_row gets NULL in every nullable column it does not fix (other
        rows from the 4th on: 30 %); in sample style unfixed nullable
        columns are NULL."""
        t = self.schema[table]
        if ids is None:
            start = self.next_id(table) if t.pk == ["id"] and t.col["id"].kind == "int" else None
            if n is None:
                n = len(fixed) if isinstance(fixed, list) else 0
            ids = [start + i for i in range(n)] if start is not None else [None] * n
        out = []
        for i, pkv in enumerate(ids):
            f = fixed(i) if callable(fixed) else (fixed[i] if fixed and i < len(fixed) else {})
            row = dict(f)
            if pkv is not None and t.pk == ["id"] and "id" not in row:
                row["id"] = pkv
            out.append(self._fill(t, row, i, null_row, frozenset(f)))
        return out

    def _fill(self, t, row, i, null_row, fixed_cols):
        rng = self.rng
        is_null_row = self.style == "edge" and i == null_row
        for c in t.columns:
            if c.name in row:
                continue
            if not c.notnull and (
                is_null_row
                or (self.style == "edge" and i >= 3 and rng.random() < 0.3)
                or self.style == "sample"
            ):
                row[c.name] = None
                continue
            if c.fk:
                row[c.name] = self._pick_fk(t, c)
            else:
                row[c.name] = self.value(t, c, i)
        # resolve unique collisions by re-picking the generated FK values
        for _ in range(200):
            bad = self._collisions(t, row)
            if not bad:
                break
            movable = [
                c for cols in bad for c in cols if t.col[c].fk and c not in fixed_cols
            ]
            if not movable:
                raise DataError("%s: cannot make row unique: %r" % (t.name, row))
            for c in movable:
                row[c] = self._pick_fk(t, t.col[c])
        else:
            raise DataError("%s: no unique FK combination left for row %d" % (t.name, i))
        return self.add(t.name, row)

    def _pick_fk(self, t, c):
        target = c.fk[0]
        cands = self.ids[target]  # self reference: the rows added so far
        if not cands:
            if c.notnull:
                raise DataError("%s.%s: no row in %s" % (t.name, c.name, target))
            return None
        if (c.name,) in t.uniques:  # one-to-one: an unused target
            used = self.unique_seen.get((t.name, (c.name,)), set())
            free = [x for x in cands if (x,) not in used]
            if not free:
                if c.notnull:
                    raise DataError("%s.%s: all %s rows used" % (t.name, c.name, target))
                return None
            return free[0] if self.style == "sample" else self.rng.choice(free)
        return self.rng.choice(cands)

    # generic values per kind and style
    def value(self, t, c, i):
        rng = self.rng
        unique = any(c.name in cols for cols in t.uniques)
        k = c.kind
        if self.style == "edge":
            if k == "int":
                if unique:
                    return max(c.lo, 0) + i + 1
                if i == 2:
                    return c.hi
                if i == 3:
                    return c.lo
                return max(c.lo, rng.randint(0, 1000))
            if k == "bool":
                return i % 2 == 0
            if k == "text":
                return edge_text(c, i, unique)
            if k == "datetime":
                if unique:
                    return dt.datetime(2024, 1, 1) + dt.timedelta(seconds=i, microseconds=i * 7)
                return EDGE_DATETIMES[(i + c.index) % len(EDGE_DATETIMES)]
            if k == "date":
                if unique:
                    return dt.date(2024, 2, 28) + dt.timedelta(days=i)
                return EDGE_DATES[(i + c.index) % len(EDGE_DATES)]
            if k == "time":
                return EDGE_TIMES[(i + c.index) % len(EDGE_TIMES)]
            if k == "uuid":
                return uuid.UUID(int=rng.getrandbits(128), version=4).hex
            if k == "json":
                return EDGE_JSON[(i + c.index) % len(EDGE_JSON)]
            if k == "inet":
                return EDGE_INETS[i] if i < len(EDGE_INETS) else "198.51.100.%d" % (i % 250 + 1)
            if k == "interval":
                return EDGE_INTERVALS[i % len(EDGE_INTERVALS)]
        else:  # sample: plausible, boring values
            if k == "int":
                return max(c.lo, i + 1 if unique else rng.randint(0, 50))
            if k == "bool":
                return False
            if k == "text":
                base = c.name.replace("_", " ")
                s = "%s %d" % (base, i + 1) if unique else base
                return s[: c.maxlen] if c.maxlen else s
            if k == "datetime":
                return dt.datetime(2023, 9, 1, 8, 0) + dt.timedelta(days=i, seconds=rng.randint(0, 36000))
            if k == "date":
                return dt.date(2023, 9, 1) + dt.timedelta(days=i)
            if k == "time":
                return dt.time(0, i % 60, 0)
            if k == "uuid":
                return uuid.UUID(int=rng.getrandbits(128), version=4).hex
            if k == "json":
                return []
            if k == "inet":
                return "10.0.%d.%d" % (i // 250, i % 250 + 1)
            if k == "interval":
                return 3600 * 10**6
        raise DataError("no generic value for %s.%s" % (t.name, c.name))

    # ------------------------------------------------------------- output
    def tables_with_rows(self):
        return [t for t in self.order if self.rows[t]]

    def tuples(self, table):
        names = self.schema[table].colnames
        return [tuple(r.get(n) for n in names) for r in self.rows[table]]


# ============================================================ edge values

LONG_TEXT = (
    "Début d'un texte très long — ligne %d : « guillemets », 'apostrophes', \"quotes\", "
    "back\\slash, tab\there, 数学と物理, emoji 😀🎓, ß, ç.\n"
)

EDGE_TEXTS = [
    "Élève à l'école : ça coûte 5 € — déjà vu",
    "Straße Größe Fußball ß ç Ç œ Œ",
    "数学と物理 中文字幕 한국어",
    "emoji 😀🎓👩‍🔬 𝄞 beyond BMP",
    "double \"quotes\" and 'single' quotes",
    "back\\slash \\n not a newline, \\\\ two, \\' and \\\" end\\",
    "ctrl:\ttab\nnewline\r\nCRLF\rCR\x01soh\x1fus end",
    "",
    "  leading and trailing spaces  ",
    "semi; -- not a comment /* nor this */ % _ $1 $$dollar$$ :var ?",
    "NULL",
    "\\N",
    "<p>HTML &amp; <b>bold</b> &lt;script&gt;</p>",
    "nbsp\u00a0line\u2028sep\u2029para\ufeffbom zero\u200bwidth",
    "e\u0301 combining vs \u00e9 precomposed",
    "plain ascii text",
    "comma, separated\tand\ttabs",
    "',\"); DROP TABLE video_video; --",
]

EDGE_DATETIMES = [
    dt.datetime(2024, 1, 15, 10, 30, 0),
    dt.datetime(2023, 6, 30, 23, 59, 59, 999999),
    dt.datetime(1969, 12, 31, 23, 59, 59, 500000),
    dt.datetime(2024, 3, 31, 2, 30, 0, 1),  # non-existent local time in Europe/Paris
    dt.datetime(2038, 1, 19, 3, 14, 8),  # after 32-bit time_t
    dt.datetime(2000, 2, 29, 12, 0, 0, 123456),
    dt.datetime(1970, 1, 1, 0, 0, 0),
    dt.datetime(2024, 10, 27, 1, 30, 0, 10),  # ambiguous local time in Europe/Paris
]
EDGE_DATES = [
    dt.date(2024, 2, 29),
    dt.date(1970, 1, 1),
    dt.date(2099, 12, 31),
    dt.date(1969, 12, 31),
    dt.date(2023, 1, 1),
]
EDGE_TIMES = [
    dt.time(0, 0, 0),
    dt.time(23, 59, 59, 999999),
    dt.time(12, 34, 56, 1),
    dt.time(1, 2, 3),
    dt.time(0, 0, 0, 500000),
]
EDGE_JSON = [
    ["Réponse A", "Réponse B", "数学", "emoji 😀"],
    [],
    ["say \"hi\"", "it's", "back\\slash", "tab\there", "nl\nhere", "cr\rhere", "soh\x01 us\x1f"],
    ["plain", "ascii"],
    ["nbsp\u00a0", "line\u2028sep", "/slash/", "<tag>&amp;"],
    [""],
]
EDGE_INETS = ["192.0.2.10", "2001:db8::1", "10.0.0.255", "2001:db8::1:0:0:1", "198.51.100.7", "fe80::1"]
EDGE_INTERVALS = [5400 * 10**6, 1234567, 0, 3 * 86400 * 10**6 + 1, 1]


def edge_text(c, i, unique):
    frag = EDGE_TEXTS[(i * 7 + c.index) % len(EDGE_TEXTS)]
    if unique:
        prefix = "%s-%d " % (c.name[:8], i)
        if c.maxlen is not None and len(prefix) > c.maxlen:
            prefix = "%d" % i
        s = prefix + frag
    else:
        s = frag
    if c.maxlen is not None:
        s = s[: c.maxlen]
        if unique:
            s = s.rstrip(" ")  # PAD SPACE: trailing spaces do not count on MariaDB
    return s


def slugish(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^\w\s-]", "", s.lower())
    return re.sub(r"[-\s]+", "-", s).strip("-_")


# ================================================================== tags


def quote_tag(name):
    if "," in name or '"' in name or " " in name:
        return '"' + name.replace('"', '""') + '"'
    return name


def edit_string_for_tags(names):
    """django-tagging's edit_string_for_tags (the denormalised *.tags column)."""
    out, use_commas = [], False
    for name in names:
        if "," in name:
            out.append('"%s"' % name)
            continue
        if " " in name:
            use_commas = True
        out.append(name)
    return (", " if use_commas else " ").join(out)


def tags_column(names, limit=255):
    s = edit_string_for_tags(sorted(names))
    while len(s) > limit and names:
        names = sorted(names)[:-1]
        s = edit_string_for_tags(names)
    return s


def content_type_id(ds, app, model):
    for r in ds.rows["django_content_type"]:
        if r["app_label"] == app and r["model"] == model:
            return r["id"]
    raise DataError("no content type %s.%s" % (app, model))


def pseudo_tables(ds):
    ct_video = content_type_id(ds, "video", "video")
    ct_rec = content_type_id(ds, "recorder", "recorder")
    names = {r["id"]: r["name"] for r in ds.rows["tagging_tag"]}
    per = {ct_video: {}, ct_rec: {}}
    for r in sorted(ds.rows["tagging_taggeditem"], key=lambda r: r["id"]):
        d = per.get(r["content_type_id"])
        if d is not None:
            d.setdefault(r["object_id"], []).append(quote_tag(names[r["tag_id"]]))
    vid = [{"video_id": o, "tag_name": ",".join(v)} for o, v in sorted(per[ct_video].items())]
    rec = [{"recorder_id": o, "tag_name": ",".join(v)} for o, v in sorted(per[ct_rec].items())]
    return vid, rec


def set_tags_columns(ds, overrides=None):
    """Fill video_video.tags / recorder_recorder.tags from the tagged items."""
    overrides = overrides or {}
    ct = {
        content_type_id(ds, "video", "video"): "video_video",
        content_type_id(ds, "recorder", "recorder"): "recorder_recorder",
    }
    names = {r["id"]: r["name"] for r in ds.rows["tagging_tag"]}
    per = {}
    for r in ds.rows["tagging_taggeditem"]:
        table = ct.get(r["content_type_id"])
        if table:
            per.setdefault((table, r["object_id"]), []).append(names[r["tag_id"]])
    for table in ("video_video", "recorder_recorder"):
        for row in ds.rows[table]:
            key = (table, row["id"])
            row["tags"] = overrides.get(key, tags_column(per.get(key, [])))


def drop_mariadb_tag_collisions(ds):
    """utf8mb4_unicode_ci: keep the first tag of each case/accent-folded name."""
    seen, dropped = set(), set()
    keep = []
    for r in ds.rows["tagging_tag"]:
        k = my_fold(r["name"])
        if k in seen:
            dropped.add(r["id"])
        else:
            seen.add(k)
            keep.append(r)
    ds.rows["tagging_tag"] = keep
    ds.rows["tagging_taggeditem"] = [r for r in ds.rows["tagging_taggeditem"] if r["tag_id"] not in dropped]
    return dropped


# ============================================================== base data

MODEL_TABLES = {
    "contenttypes.contenttype": "django_content_type",
    "sites.site": "django_site",
    "flatpages.flatpage": "django_flatpage",
}


def load_base(ds, path=FRESH_ROWS):
    """Rows of a fresh v3.8.4 install (content types, permissions, site,
    flatpages, footer links, configuration, block, video type, renditions)."""
    recs = json.load(open(path, encoding="utf-8"))
    order = {t: i for i, t in enumerate(ds.order)}
    m2m = []
    plain = []
    for rec in recs:
        table = MODEL_TABLES.get(rec["model"], rec["model"].replace(".", "_"))
        t = ds.schema[table]
        row = {"id": rec["pk"]}
        for f, v in rec["fields"].items():
            if isinstance(v, list):
                m2m.append((table, rec["pk"], f, v))
            elif f in t.col:
                row[f] = v
            elif f + "_id" in t.col:
                row[f + "_id"] = v
            else:
                raise DataError("base data: %s.%s unknown" % (table, f))
        plain.append((order[table], table, row))
    for _, table, row in sorted(plain, key=lambda x: x[0]):
        ds.add(table, row)
    for table, pk, field, values in m2m:
        jt = ds.schema["%s_%s" % (table, field)]
        own = [c.name for c in jt.columns if c.fk and c.fk[0] == table][0]
        other = [c.name for c in jt.columns if c.fk and c.fk[0] != table][0]
        for v in values:
            ds.add(jt.name, {"id": ds.next_id(jt.name), own: pk, other: v})


# ================================================================ edge mode

EDGE_USERNAMES = [
    "admin",
    "jdupont",
    "éloïse.müller",
    "李小龙",
    "emoji😀user",
    "o'brien",
    'quote"user',
    "back\\slash",
]

EDGE_TAGS = [
    (1, "python"),
    (2, "Python"),  # case variants: PostgreSQL / SQLite only
    (3, "PYTHON"),
    (4, "machine learning"),
    (5, "a,b"),
    (6, 'say "hi"'),
    (7, "café"),
    (8, "straße"),
    (9, "数学"),
    (10, "emoji😀"),
    (11, "it's"),
    (12, "back\\slash"),
    (13, "cours"),
    (14, "physique"),
    (15, "recorder-tag"),
    (16, "salle 101"),
    (17, "unused tag"),
    (18, "x" * 50),
    (19, "ml, ai"),
    (20, 'all "three", here'),
    (21, "Écologie"),
    (22, "🎓"),
    (23, "z-last"),
    (30, "channel-tag"),
]

# (item id, tag id, content type key, object id); ids deliberately not in
# object order.  V = video.video, R = recorder.recorder, C = video.channel,
# L = fake ('legacyapp', 'video') content type (same model name as video.video).
EDGE_TAGGED = [
    (1, 1, "V", 3), (2, 2, "V", 3), (3, 3, "V", 3), (4, 7, "V", 3), (5, 8, "V", 3),
    (6, 9, "V", 3), (7, 10, "V", 3), (8, 22, "V", 3),
    (10, 13, "V", 1), (11, 23, "V", 1), (12, 5, "V", 1), (13, 6, "V", 1), (14, 14, "V", 1),
    (15, 1, "V", 1), (16, 19, "V", 1), (17, 20, "V", 1),
    (20, 4, "V", 2),  # "machine learning" alone
    (22, 1, "V", 10), (23, 13, "V", 10),
    (25, 11, "V", 5), (26, 12, "V", 5), (27, 18, "V", 5), (28, 21, "V", 5),
    (30, 13, "V", 999999), (31, 11, "V", 999999),  # video that does not exist
    (33, 1, "V", 11),  # id 11: a gap in video_video ids (deleted video)
    (40, 13, "V", 15), (41, 14, "V", 12), (42, 2, "V", 12),
    (50, 15, "R", 1), (51, 16, "R", 1), (52, 1, "R", 2),
    (53, 4, "R", 424242),  # recorder that does not exist
    (60, 30, "C", 1),  # other content type: not a video tag
    (61, 1, "L", 1),  # content type ('legacyapp', 'video'): not a video tag
]

EDGE_VIDEO_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15]


def build_edge(schema, rng, engine, portable=False):
    ds = Dataset(schema, rng, "edge")
    load_base(ds)
    # A content type whose model is "video" in another app (the upstream export
    # query joins on model only).
    ds.add("django_content_type", {"id": 1000, "app_label": "legacyapp", "model": "video"})

    special = {
        "django_content_type", "auth_permission", "main_configuration", "tagging_tag",
        "tagging_taggeditem", "auth_user", "authentication_owner", "video_video", "meeting",
        "thumbnail_kvstore", "authtoken_token", "django_session", "video_viewcount",
        "video_comment", "chapter_chapter", "django_site",
    }
    counts = {
        "auth_group": 3,
        "main_customimagemodel": 4,
        "main_customfilemodel": 4,
        "video_channel": 4,
        "video_theme": 5,
        "video_discipline": 3,
        "video_type": 3,
        "authentication_accessgroup": 3,
        "recorder_recorder": 3,
        "recorder_recording": 4,
        "playlist_playlist": 3,
        "playlist_playlistcontent": 6,
        "quiz_quiz": 3,
        "quiz_multiplechoicequestion": 4,
        "quiz_singlechoicequestion": 4,
        "quiz_truefalsequestion": 4,
        "quiz_shortanswerquestion": 4,
        "live_building": 2,
        "live_broadcaster": 3,
        "live_event": 3,
        "live_heartbeat": 4,
        "video_videotodelete": 3,
        "video_videotodelete_video": 4,
        "video_usermarkertime": 4,
        "main_block": 3,
        "django_flatpage": 2,
        "main_linkfooter": 2,
        "video_encode_transcript_videorendition": 2,
    }
    m2m_prefixes = ("video_video_", "video_channel_", "recorder_recorder_")

    def custom(table):
        if table == "django_site":
            ds.gen(table, fixed=[{"domain": "second.example.org", "name": "Deuxième site ß"}])
        elif table == "auth_user":
            ds.gen(
                table,
                fixed=[
                    {"username": u, "is_superuser": i == 0, "is_staff": i < 2, "is_active": i != 6}
                    for i, u in enumerate(EDGE_USERNAMES)
                ],
            )
        elif table == "authentication_owner":
            ds.gen(
                table,
                fixed=[
                    {"user_id": uid, "hashkey": "%064x" % rng.getrandbits(256)}
                    for uid in ds.ids["auth_user"]
                ],
            )
        elif table == "video_video":

            def vfix(i):
                d = {}
                if i == 0:
                    d["description"] = "".join(LONG_TEXT % n for n in range(1000))  # > 100 kB
                    d["title"] = "Vidéo n°1 : « l'été » 😀"
                return d

            ds.gen(table, ids=EDGE_VIDEO_IDS, fixed=vfix)
        elif table == "video_viewcount":
            vids = ds.ids["video_video"]
            ids = [1, 2, 3, 2**31, 2**32, 2**53 + 1, 7, 8]
            counts_ = [0, 1, 2**31 - 1, 12345, 7, 99, 3, 4]
            ds.gen(
                table,
                ids=ids,
                fixed=lambda i: {
                    "video_id": vids[i % 3],
                    "date": dt.date(2024, 2, 27) + dt.timedelta(days=i),
                    "count": counts_[i],
                },
            )
        elif table == "video_comment":
            ds.gen(table, ids=[1, 2**31 + 5, 2, 3, 4])
        elif table == "chapter_chapter":
            ds.gen(table, ids=[1, 2, 3, 2**32 + 1], fixed=lambda i: {"time_start": [0, 59, 3600, 2**31 - 1][i]})
        elif table == "meeting":
            ds.gen(
                table,
                fixed=[
                    # recurring_until == UTC date of start_at, start 30 min before midnight UTC
                    {"start_at": dt.datetime(2024, 3, 10, 23, 30), "recurrence": "weekly",
                     "frequency": 1, "recurring_until": dt.date(2024, 3, 10), "nb_occurrences": 1,
                     "weekdays": "6", "monthly_type": "date_day", "expected_duration": 5400 * 10**6},
                    # null row: no recurrence at all
                    {"start_at": dt.datetime(2024, 1, 1, 0, 0, 0, 1), "recurrence": None,
                     "frequency": 1, "recurring_until": None, "nb_occurrences": None,
                     "expected_duration": 1234567},
                    {"start_at": dt.datetime(2024, 3, 31, 2, 30), "recurrence": "daily",
                     "frequency": 2147483647, "recurring_until": dt.date(2024, 6, 30),
                     "nb_occurrences": 92, "weekdays": "0123456", "expected_duration": 0},
                    {"start_at": dt.datetime(2023, 12, 31, 23, 59, 59, 999999),
                     "recurrence": "monthly", "frequency": 3, "recurring_until": dt.date(2025, 12, 31),
                     "nb_occurrences": 0, "weekdays": "", "monthly_type": "nth_day",
                     "expected_duration": 3 * 86400 * 10**6 + 1},
                ],
            )
        elif table == "thumbnail_kvstore":
            keys = ["sorl-thumbnail||image||a1b2", "Zeta||key", "zeta||key2", "été||clé",
                    "alpha", "😀||emoji", "Ω||omega", "~tilde"]
            ds.gen(table, n=len(keys), fixed=[{"key": k, "value": json.dumps({"k": k})} for k in keys])
        elif table == "authtoken_token":
            users = ds.ids["auth_user"]
            ds.gen(table, n=4, fixed=lambda i: {"key": "%040x" % rng.getrandbits(160), "user_id": users[i]})
        elif table == "django_session":
            ds.gen(table, n=3, fixed=lambda i: {
                "session_key": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))})
        elif table in ("tagging_tag", "tagging_taggeditem"):
            pass  # below
        elif table == "main_configuration":
            ds.gen(table, fixed=[{"key": "podmigrate_edge_test", "value": "l'été \"chaud\" \\ 😀",
                                  "description": "ajouté par gen_v3_data", "description_fr": None,
                                  "description_en": None}])
        elif table in ("django_content_type", "auth_permission"):
            pass  # base data only

    for table in ds.order:
        if table in special:
            custom(table)
            continue
        if table in counts:
            n = counts[table]
        elif table.startswith(m2m_prefixes) or table in ("authentication_owner_accessgroups",):
            n = 6
        else:
            n = 3
        ds.gen(table, n=n)

    # ---- tags
    ds.exact.add("tagging_tag")  # case variants; dropped below for MariaDB
    for tid, name in EDGE_TAGS:
        ds.add("tagging_tag", {"id": tid, "name": name})
    ct = {
        "V": content_type_id(ds, "video", "video"),
        "R": content_type_id(ds, "recorder", "recorder"),
        "C": content_type_id(ds, "video", "channel"),
        "L": 1000,
    }
    for iid, tag, key, obj in EDGE_TAGGED:
        ds.add("tagging_taggeditem", {"id": iid, "tag_id": tag, "content_type_id": ct[key], "object_id": obj})
    if engine == "mariadb" or portable:
        drop_mariadb_tag_collisions(ds)
    # video 6 has no tagged item but a stale denormalised tags string
    set_tags_columns(ds, overrides={("video_video", 6): 'stale "old tag"'})
    return ds


# ============================================================== sample mode

FIRST = ["Marie", "Jean", "Camille", "Lucas", "Chloé", "Hugo", "Léa", "Thomas", "Manon", "Nicolas",
         "Inès", "Julien", "Sarah", "Antoine", "Émilie", "Mathieu", "Zoé", "Olivier", "Anaïs", "François"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]

SAMPLE_TAGS = [
    "mathematiques", "physique", "informatique", "machine learning", "intelligence artificielle",
    "histoire", "droit", "economie", "biologie", "chimie", "medecine", "cours magistral", "td", "tp",
    "conference", "seminaire", "master", "licence", "doctorat", "these", "python", "statistiques",
    "algebre", "analyse", "mecanique quantique", "thermodynamique", "genetique", "neurosciences",
    "sociologie", "philosophie", "litterature", "linguistique", "anglais", "espagnol", "programmation",
    "reseaux", "securite informatique", "base de donnees", "developpement durable", "climat",
    "ecologie", "geographie", "archeologie", "art", "musique", "cinema", "pedagogie", "numerique",
    "mooc", "tutoriel", "orientation", "vie etudiante", "recherche", "innovation", "entrepreneuriat",
    "sante publique", "epidemiologie", "astrophysique", "robotique", "data science", "open science",
]

TOPICS = [
    ("la mécanique quantique", "quantum mechanics"), ("l'apprentissage automatique", "machine learning"),
    ("l'histoire médiévale", "medieval history"), ("le droit des contrats", "contract law"),
    ("la génétique des populations", "population genetics"), ("les réseaux de neurones", "neural networks"),
    ("la thermodynamique", "thermodynamics"), ("la littérature du XIXe siècle", "19th-century literature"),
    ("l'économie comportementale", "behavioural economics"), ("la chimie organique", "organic chemistry"),
    ("les bases de données", "databases"), ("la sécurité informatique", "computer security"),
    ("le changement climatique", "climate change"), ("l'épidémiologie", "epidemiology"),
    ("la philosophie des sciences", "philosophy of science"), ("l'astrophysique", "astrophysics"),
    ("la robotique", "robotics"), ("les statistiques bayésiennes", "Bayesian statistics"),
    ("l'archéologie romaine", "Roman archaeology"), ("la linguistique de corpus", "corpus linguistics"),
]
FR_TEMPLATES = ["Cours : introduction à %s", "Conférence — %s", "TD %d : %s", "Séminaire sur %s",
                "Soutenance de thèse : %s", "Tutoriel : %s en 10 minutes"]
EN_TEMPLATES = ["Lecture: introduction to %s", "Keynote — %s", "Tutorial %d: %s", "Seminar on %s",
                "PhD defence: %s", "Tutorial: %s in 10 minutes"]


def _fill_template(tpl, rng, topic):
    return tpl % ((rng.randint(1, 12), topic) if "%d" in tpl else (topic,))


def build_sample(schema, rng, engine):
    ds = Dataset(schema, rng, "sample")
    load_base(ds)
    base = dt.datetime(2019, 9, 2, 8, 0)

    ds.gen("auth_group", fixed=[{"name": "enseignants"}, {"name": "etudiants"}])
    users = []
    for i in range(20):
        fn, ln = FIRST[i], LAST[i]
        uname = "admin" if i == 0 else slugish(fn)[0] + slugish(ln).replace("-", "") + ("%d" % i)
        users.append({
            "password": "pbkdf2_sha256$260000$%s$%s" % (
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                        for _ in range(22)),
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
                        for _ in range(43)) + "="),
            "last_login": None if i % 7 == 3 else base + dt.timedelta(days=rng.randint(300, 1700),
                                                                          seconds=rng.randint(0, 86399),
                                                                          microseconds=rng.randint(0, 999999)),
            "is_superuser": i == 0, "username": uname, "first_name": fn, "last_name": ln,
            "email": "%s@univ-exemple.fr" % uname, "is_staff": i < 3, "is_active": i != 19,
            "date_joined": base + dt.timedelta(days=i * 17, seconds=rng.randint(0, 86399),
                                               microseconds=rng.randint(0, 999999)),
        })
    ds.gen("auth_user", fixed=users)
    uids = ds.ids["auth_user"]
    ds.gen("auth_user_groups", fixed=[{"user_id": u, "group_id": 1 if k % 3 else 2} for k, u in enumerate(uids[1:])])
    ds.gen("authentication_owner", fixed=[{
        "user_id": u, "auth_type": "local" if k < 2 else "CAS",
        "affiliation": ["member", "faculty", "staff", "student", "employee"][k % 5],
        "commentaire": "", "hashkey": "%064x" % rng.getrandbits(256), "establishment": "UEX",
        "accepts_notifications": [None, True, False][k % 3],
    } for k, u in enumerate(uids)])
    ds.gen("authentication_owner_sites", fixed=[{"owner_id": o, "site_id": 1} for o in ds.ids["authentication_owner"]])
    ds.gen("main_customimagemodel", fixed=[{"file": "custom/images/headband-%d.jpg" % k} for k in range(1, 4)])

    chans = [("Sciences", "Sciences"), ("Lettres et langues", "Arts and languages"), ("Médecine", "Medicine"),
             ("Droit & économie", "Law & economics"), ("Vie du campus", "Campus life")]
    ds.gen("video_channel", fixed=[{
        "title": fr, "title_fr": fr, "title_en": en, "slug": slugish(fr),
        "description": "<p>Chaîne « %s » de l'université.</p>" % fr, "description_fr": "<p>Chaîne « %s ».</p>" % fr,
        "description_en": "<p>%s channel.</p>" % en, "color": "#1f7c85", "style": None,
        "visible": k != 4, "headband_id": 1 if k == 0 else None, "site_id": 1,
    } for k, (fr, en) in enumerate(chans)])
    chan_ids = ds.ids["video_channel"]
    ds.gen("video_channel_owners", fixed=[{"channel_id": c, "user_id": uids[1 + k]} for k, c in enumerate(chan_ids)])
    themes = [("Physique quantique", "Quantum physics", 1), ("Littérature française", "French literature", 2),
              ("Cardiologie", "Cardiology", 3)]
    ds.gen("video_theme", fixed=[{
        "title": fr, "title_fr": fr, "title_en": en, "slug": slugish(fr), "description": "",
        "description_fr": "", "description_en": None, "channel_id": c, "headband_id": None, "parentId_id": None,
    } for fr, en, c in themes])
    discs = [("Mathématiques", "Mathematics"), ("Physique", "Physics"), ("Histoire", "History"),
             ("Informatique", "Computer science")]
    ds.gen("video_discipline", fixed=[{
        "title": fr, "title_fr": fr, "title_en": en, "slug": slugish(fr), "description": None,
        "description_fr": None, "description_en": None, "icon_id": None, "site_id": 1,
    } for fr, en in discs])
    types = [("Cours", "Lecture"), ("Conférence", "Conference"), ("Tutoriel", "Tutorial")]
    ds.gen("video_type", fixed=[{
        "title": fr, "title_fr": fr, "title_en": en, "slug": slugish(fr), "description": "",
        "description_fr": "", "description_en": None, "icon_id": None,
    } for fr, en in types])
    ds.gen("video_type_sites", fixed=[{"type_id": t, "site_id": 1} for t in ds.ids["video_type"][1:]])
    type_ids = ds.ids["video_type"]

    # ---- videos
    videos = []
    for k in range(200):
        vid = k + 1
        fr, en = rng.choice(TOPICS)
        english = rng.random() < 0.3
        title = _fill_template(rng.choice(EN_TEMPLATES if english else FR_TEMPLATES), rng, en if english else fr)
        added = base + dt.timedelta(days=k * 8 + rng.randint(0, 7), seconds=rng.randint(0, 86399),
                                    microseconds=rng.choice([0, rng.randint(1, 999999)]))
        slug = ("%04d-%s" % (vid, slugish(title)))[:200]
        owner = rng.choice(uids[1:])
        desc_fr = ("<p>Enregistrement de « %s ».</p>\r\n<p>Public : étudiants de licence et master.</p>" % title)
        desc_en = "<p>Recording of \"%s\".</p>" % title
        videos.append({
            "id": vid,
            "video": "videos/%064x/%s.mp4" % (rng.getrandbits(256), slug[5:40] or "video"),
            "title": title, "title_fr": None if english else title, "title_en": title if english else None,
            "slug": slug, "description": desc_en if english else desc_fr,
            "description_fr": None if english else desc_fr, "description_en": desc_en if english else None,
            "date_added": added, "date_evt": added.date() if rng.random() < 0.8 else None,
            "cursus": rng.choice(["0", "L", "M", "D", "1"]), "main_lang": "en" if english else "fr",
            "transcript": "", "tags": "", "licence": rng.choice([None, "by", "by-nc-sa", "by-nd"]),
            "allow_downloading": rng.random() < 0.3, "is_360": False, "is_draft": rng.random() < 0.1,
            "is_restricted": rng.random() < 0.15, "password": None, "order": 1,
            "duration": rng.randint(60, 7200), "overview": "videos/%d/overview.png" % vid,
            "encoding_in_progress": False, "is_video": rng.random() < 0.9,
            "date_delete": dt.date(added.year + 5, added.month, min(added.day, 28)),
            "disable_comment": False, "owner_id": owner, "thumbnail_id": None,
            "type_id": rng.choice(type_ids),
        })
    ds.gen("video_video", fixed=videos)
    vids = ds.ids["video_video"]
    ds.gen("video_video_sites", fixed=[{"video_id": v, "site_id": 1} for v in vids])
    ds.gen("video_video_channel", fixed=[{"video_id": v, "channel_id": rng.choice(chan_ids)}
                                         for v in vids if rng.random() < 0.6])
    theme_of = {r["channel_id"]: r["id"] for r in ds.rows["video_theme"]}
    ds.gen("video_video_theme", fixed=[{"video_id": r["video_id"], "theme_id": theme_of[r["channel_id"]]}
                                       for r in ds.rows["video_video_channel"] if r["channel_id"] in theme_of])
    ds.gen("video_video_discipline", fixed=[{"video_id": v, "discipline_id": rng.choice(ds.ids["video_discipline"])}
                                            for v in vids if rng.random() < 0.4])
    ds.gen("video_video_additional_owners", fixed=[{"video_id": v, "user_id": rng.choice(uids[1:])}
                                                   for v in vids if rng.random() < 0.05])

    # ---- tags
    ds.gen("tagging_tag", fixed=[{"name": n} for n in SAMPLE_TAGS])
    tag_ids = ds.ids["tagging_tag"]
    ct_video = content_type_id(ds, "video", "video")
    ct_rec = content_type_id(ds, "recorder", "recorder")
    items = []
    for v in vids:
        for tid in rng.sample(tag_ids, rng.randint(1, 5)):
            items.append({"tag_id": tid, "content_type_id": ct_video, "object_id": v})
    # ---- view counts
    counts = []
    for v in vids:
        if rng.random() < 0.6:
            day0 = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
            for d in sorted(rng.sample(range(60), rng.randint(1, 12))):
                counts.append({"video_id": v, "date": day0 + dt.timedelta(days=d), "count": rng.randint(1, 250)})
    ds.gen("video_viewcount", fixed=counts)

    # ---- comments
    ds.gen("video_comment", fixed=[{
        "content": rng.choice(["Merci pour ce cours !", "Très clair, bravo.", "Great lecture, thanks!",
                               "Où trouver les diapositives ?"]),
        "added": base + dt.timedelta(days=1000 + k, seconds=rng.randint(0, 86399)),
        "author_id": rng.choice(uids), "video_id": rng.choice(vids), "direct_parent_id": None, "parent_id": None,
    } for k in range(15)])

    # ---- playlists (Pod 3.x "Favorites" plus user playlists)
    pl = [("Favoris", "private", uids[1]), ("Favoris", "private", uids[2]),
          ("Révisions L1 physique", "public", uids[3]), ("Cours protégés", "protected", uids[4])]
    ds.gen("playlist_playlist", fixed=[{
        "date_created": base + dt.timedelta(days=900 + k), "name": n,
        "description": "" if n == "Favoris" else "Playlist « %s »" % n,
        "password": "pbkdf2_sha256$260000$salt$hash=" if vis == "protected" else "",
        "visibility": vis, "autoplay": True, "promoted": k == 2, "editable": n != "Favoris",
        "slug": "%d-%s" % (k + 1, slugish(n)), "date_updated": base + dt.timedelta(days=950 + k),
        "owner_id": o, "site_id": 1,
    } for k, (n, vis, o) in enumerate(pl)])
    pcs = []
    for p in ds.ids["playlist_playlist"]:
        for rank, v in enumerate(rng.sample(vids, rng.randint(3, 8)), 1):
            pcs.append({"date_added": base + dt.timedelta(days=1000 + rank), "rank": rank, "playlist_id": p, "video_id": v})
    ds.gen("playlist_playlistcontent", fixed=pcs)

    # ---- recorders
    recs = [("Amphi A - Bâtiment Sciences", "10.10.1.21", "amphi-a"), ("Salle 101 (visio)", "2001:db8:10::101", "salle101")]
    ds.gen("recorder_recorder", fixed=[{
        "name": n, "description": "Enregistreur automatique « %s »" % n, "address_ip": ip,
        "salt": "%016x" % rng.getrandbits(64), "credentials_login": "recorder", "credentials_password": "secret",
        "recording_type": "video", "publication_auto": k == 0, "is_draft": True, "is_restricted": False,
        "password": None, "cursus": "0", "main_lang": "fr", "transcript": "", "tags": "", "licence": None,
        "allow_downloading": False, "is_360": False, "disable_comment": False, "directory": d,
        "type_id": type_ids[1], "user_id": uids[1 + k],
    } for k, (n, ip, d) in enumerate(recs)])
    rec_ids = ds.ids["recorder_recorder"]
    ds.gen("recorder_recorder_sites", fixed=[{"recorder_id": r, "site_id": 1} for r in rec_ids])
    ds.gen("recorder_recording", fixed=[{
        "title": "Enregistrement %s du %s" % (recs[k % 2][2], (base + dt.timedelta(days=1100 + k)).date()),
        "type": "video", "source_file": "/data/recorder/%s/%03d.mp4" % (recs[k % 2][2], k),
        "comment": "", "date_added": base + dt.timedelta(days=1100 + k, hours=10),
        "recorder_id": rec_ids[k % 2], "user_id": uids[1 + k % 2],
    } for k in range(6)])
    for r, names in zip(rec_ids, (["cours magistral", "physique"], ["conference", "numerique", "vie etudiante"])):
        for nm in names:
            items.append({"tag_id": tag_ids[SAMPLE_TAGS.index(nm)], "content_type_id": ct_rec, "object_id": r})
    ds.gen("tagging_taggeditem", fixed=items)
    set_tags_columns(ds)

    # ---- a meeting
    ds.gen("meeting", fixed=[{
        "name": "Réunion d'équipe pédagogique", "meeting_id": "reunion-d-equipe-pedagogique",
        "attendee_password": "att%06d" % rng.randint(0, 999999), "moderator_password": "mod%06d" % rng.randint(0, 999999),
        "start_at": dt.datetime(2024, 9, 9, 8, 0), "expected_duration": 2 * 3600 * 10**6,
        "recurrence": "weekly", "frequency": 1, "recurring_until": dt.date(2024, 12, 16), "nb_occurrences": 15,
        "weekdays": "0", "monthly_type": "date_day", "is_restricted": False, "is_running": False,
        "max_participants": 100, "welcome_text": "Bienvenue !", "logout_url": None,
        "webcam_only_for_moderators": False, "record": True, "auto_start_recording": False,
        "allow_start_stop_recording": True, "guest_policy": "ALWAYS_ACCEPT", "lock_settings_disable_cam": False,
        "lock_settings_disable_mic": False, "lock_settings_disable_private_chat": False,
        "lock_settings_disable_public_chat": False, "lock_settings_disable_note": False,
        "lock_settings_locked_layout": False, "parent_meeting_id": None, "internal_meeting_id": None,
        "voice_bridge": 70000 + rng.randint(0, 9999), "bbb_create_time": None, "is_personal": False,
        "created_at": dt.datetime(2024, 9, 1, 14, 3, 27, 512000), "updated_at": dt.datetime(2024, 9, 2, 9, 0, 1),
        "is_webinar": False, "enable_chat": True, "owner_id": uids[1], "site_id": 1, "slides_id": None,
    }])
    ds.gen("meeting_additional_owners", fixed=[{"meeting_id": 1, "user_id": uids[2]}])
    return ds


# =============================================================== bench mode

BENCH_WORDS_A = [
    "analyse", "algebre", "biologie", "chimie", "climat", "droit", "economie", "energie", "ethique",
    "finance", "genetique", "geologie", "histoire", "hydrologie", "image", "langage", "logique",
    "marketing", "mecanique", "medecine", "memoire", "musique", "optique", "pedagogie", "philosophie",
    "physique", "politique", "psychologie", "reseaux", "robotique", "sante", "signal", "societe",
    "sociologie", "statistique", "theatre", "topologie", "urbanisme", "vision", "zoologie",
    "data", "cloud", "web", "calcul", "graphes", "materiaux", "fluides", "optimisation", "securite",
    "archeologie",
]
BENCH_WORDS_B = [
    "appliquee", "avancee", "fondamentale", "numerique", "quantique", "experimentale", "theorique",
    "comparee", "moderne", "medievale", "contemporaine", "generale", "clinique", "industrielle",
    "durable", "sociale", "cognitive", "computationnelle", "internationale", "europeenne",
    "environnementale", "statistique", "structurale", "dynamique", "discrete", "continue", "lineaire",
    "non lineaire", "probabiliste", "algorithmique", "cellulaire", "moleculaire", "urbaine", "rurale",
    "spatiale", "marine", "vegetale", "animale", "humaine", "numero",
]


def bench_tag_name(k):
    na, nb = len(BENCH_WORDS_A), len(BENCH_WORDS_B)
    a, b, c = BENCH_WORDS_A[k % na], BENCH_WORDS_B[(k // na) % nb], k // (na * nb)
    sep = " " if k % 3 == 0 else "-"
    name = a + sep + b
    if c:
        name += "-%d" % c
    return name


def run_bench(schema, sink, rng, scale):
    t0 = time.time()
    n_users = max(1, int(round(1000 * scale)))
    n_videos = max(1, int(round(100000 * scale)))
    n_tags = max(5, int(round(20000 * scale)))
    views_per_video, tags_per_video = 20, 5
    log("bench scale %g: %d users, %d videos, %d view counts, %d tags, %d tagged items"
        % (scale, n_users, n_videos, n_videos * views_per_video, n_tags, n_videos * tags_per_video))

    ds = Dataset(schema, rng, "sample")
    load_base(ds)
    ct_video = content_type_id(ds, "video", "video")
    for table in ds.tables_with_rows():
        sink.insert(table, ds.tuples(table))

    def tuples(table, dicts):
        names = schema[table].colnames
        for d in dicts:
            yield tuple(d.get(n) for n in names)

    base = dt.datetime(2015, 1, 5, 8, 0)
    hexdigits = "0123456789abcdef"

    def users():
        for u in range(1, n_users + 1):
            yield {"id": u, "password": "pbkdf2_sha256$260000$bench$%032x=" % rng.getrandbits(128),
                   "last_login": base + dt.timedelta(seconds=rng.randint(0, 3 * 10**8), microseconds=rng.randint(0, 999999)),
                   "is_superuser": u == 1, "username": "user%07d" % u, "first_name": rng.choice(FIRST),
                   "last_name": rng.choice(LAST), "email": "user%07d@univ-exemple.fr" % u,
                   "is_staff": u <= 3, "is_active": True, "date_joined": base + dt.timedelta(seconds=u * 3600)}

    sink.insert("auth_user", tuples("auth_user", users()))
    sink.insert("authentication_owner", tuples("authentication_owner", (
        {"id": u, "auth_type": "CAS", "affiliation": "member", "commentaire": "",
         "hashkey": "%064x" % rng.getrandbits(256), "establishment": "UEX", "accepts_notifications": None,
         "user_id": u, "userpicture_id": None} for u in range(1, n_users + 1))))
    n_chan = 20
    sink.insert("video_channel", tuples("video_channel", (
        {"id": c, "title": "Chaîne %d" % c, "title_fr": "Chaîne %d" % c, "title_en": "Channel %d" % c,
         "slug": "chaine-%d" % c, "description": "", "description_fr": "", "description_en": None,
         "color": None, "style": None, "visible": True, "headband_id": None, "site_id": 1}
        for c in range(1, n_chan + 1))))
    log("users/owners/channels done (%.1fs)" % (time.time() - t0))

    tag_names = []

    def tags():
        for k in range(n_tags):
            name = bench_tag_name(k)
            tag_names.append(name)
            yield (k + 1, name)

    sink.insert("tagging_tag", tags())

    vcols = schema["video_video"].colnames
    chunk = 1000
    item_id = view_id = vc_id = 0
    rows_written = 0
    for start in range(1, n_videos + 1, chunk):
        end = min(n_videos, start + chunk - 1)
        vrows, crows, irows, wrows = [], [], [], []
        for v in range(start, end + 1):
            tids = set()
            while len(tids) < min(tags_per_video, n_tags):
                # skewed popularity: low ids are frequent
                tids.add(int(n_tags * rng.random() ** 2) + 1)
            tids = sorted(tids, key=lambda _: rng.random())
            for tid in tids:
                item_id += 1
                irows.append((item_id, v, ct_video, tid))
            fr, en = TOPICS[v % len(TOPICS)]
            title = "%s n°%d" % (FR_TEMPLATES[v % 6] % ((v % 12 + 1, fr) if "%d" in FR_TEMPLATES[v % 6] else (fr,)), v)
            added = base + dt.timedelta(seconds=v * 1500 + rng.randint(0, 1400), microseconds=rng.randint(0, 999999))
            row = {
                "id": v, "video": "videos/%s/video_%d.mp4" % ("".join(rng.choice(hexdigits) for _ in range(16)), v),
                "title": title, "title_fr": title, "title_en": None, "slug": "%d-video-%d" % (v, v),
                "description": "<p>Enregistrement de « %s », vidéo %d de la plateforme.</p>" % (title, v),
                "description_fr": None, "description_en": None, "date_added": added,
                "date_evt": added.date(), "cursus": "0", "main_lang": "fr", "transcript": "",
                "tags": tags_column([tag_names[t - 1] for t in tids]), "licence": None,
                "allow_downloading": v % 4 == 0, "is_360": False, "is_draft": v % 10 == 0,
                "is_restricted": v % 7 == 0, "password": None, "order": 1, "duration": rng.randint(30, 10800),
                "overview": None, "encoding_in_progress": False, "is_video": True,
                "date_delete": dt.date(added.year + 5, added.month, min(added.day, 28)),
                "disable_comment": False, "owner_id": rng.randint(1, n_users), "thumbnail_id": None, "type_id": 1,
            }
            vrows.append(tuple(row[c] for c in vcols))
            vc_id += 1
            crows.append((vc_id, v, (v % n_chan) + 1))
            day0 = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1400))
            for d in range(views_per_video):
                view_id += 1
                wrows.append((view_id, day0 + dt.timedelta(days=d), rng.randint(1, 500), v))
        sink.insert("video_video", vrows)
        sink.insert("video_video_channel", crows)
        sink.insert("tagging_taggeditem", irows)
        sink.insert("video_viewcount", wrows)
        rows_written += len(vrows) + len(crows) + len(irows) + len(wrows)
        if end % 10000 == 0 or end == n_videos:
            el = time.time() - t0
            log("videos %d/%d, %d rows (%.1fs, %.0f rows/s)" % (end, n_videos, rows_written, el, rows_written / max(el, 1e-9)))


# ================================================================ expected


def pk_sort_key(t):
    pk = t.pk
    idx = [t.col[c].index for c in pk]
    kinds = [t.col[c].kind for c in pk]

    def key(row):
        out = []
        for i, k in zip(idx, kinds):
            v = row[i]
            out.append(v if k == "int" else canon(k, v).encode("utf-8"))
        return tuple(out)

    return key


def write_expected(ds, path):
    schema = ds.schema
    tables = sorted(ds.tables_with_rows())
    vid, rec = pseudo_tables(ds)
    with open(path, "w", encoding="utf-8") as f:
        f.write("{")
        first = True

        def emit(name, rows):
            nonlocal first
            f.write(("\n" if first else ",\n") + json.dumps(name) + ": [")
            first = False
            for k, r in enumerate(rows):
                f.write(("\n" if k == 0 else ",\n") + json.dumps(r, ensure_ascii=False))
            f.write("\n]" if rows else "]")

        for table in tables:
            t = schema[table]
            rows = sorted(ds.tuples(table), key=pk_sort_key(t))
            emit(table, [{c.name: canon(c.kind, r[c.index]) for c in t.columns} for r in rows])
        emit(PSEUDO_VIDEO, vid)
        emit(PSEUDO_RECORDER, rec)
        f.write("\n}\n")


# ==================================================================== main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--engine", required=True, choices=["mariadb", "postgresql", "sqlite"])
    ap.add_argument("--mode", required=True, choices=["edge", "sample", "bench"])
    ap.add_argument("--scale", type=float, default=1.0, help="bench size multiplier (default 1)")
    ap.add_argument("--seed", type=int, default=20240384, help="random seed (default fixed)")
    ap.add_argument("--sqlite-db", help="SQLite file to create (engine sqlite)")
    ap.add_argument("--sql-out", help="SQL output file (default stdout; mariadb/postgresql)")
    ap.add_argument("--expected-out", help="write the expected export as JSON (edge/sample)")
    ap.add_argument("--json-storage", choices=["django", "utf8"], default="django",
                    help="text written to JSON columns: django = json.dumps() with ASCII escapes "
                         "(what Django stores, default); utf8 = ensure_ascii=False")
    ap.add_argument("--portable", action="store_true",
                    help="edge mode: leave out what MariaDB's collation cannot hold (tag names "
                         "equal up to case/accents) on every engine, so all engines get the same data")
    args = ap.parse_args(argv)

    if args.engine == "sqlite" and not args.sqlite_db:
        ap.error("--engine sqlite needs --sqlite-db PATH")
    if args.engine != "sqlite" and args.sqlite_db:
        ap.error("--sqlite-db is only for --engine sqlite")
    if args.engine == "sqlite" and args.sql_out:
        ap.error("--sql-out is only for mariadb/postgresql")
    if args.mode == "bench" and args.expected_out:
        ap.error("--expected-out is not supported in bench mode")
    if args.scale <= 0:
        ap.error("--scale must be > 0")

    t0 = time.time()
    schema = parse_schema()
    rng = random.Random(args.seed)
    out = None
    if args.engine == "sqlite":
        sink = SqliteSink(args.sqlite_db, schema, args.json_storage, fast=args.mode == "bench")
    else:
        if args.sql_out and args.sql_out != "-":
            out = open(args.sql_out, "w", encoding="utf-8", newline="\n")
        else:
            sys.stdout.reconfigure(encoding="utf-8", newline="\n")
            out = sys.stdout
        sink = SqlSink(args.engine, schema, out, args.json_storage)

    if args.mode == "bench":
        sink.header()
        run_bench(schema, sink, rng, args.scale)
        sink.footer()
    else:
        if args.mode == "edge":
            ds = build_edge(schema, rng, args.engine, portable=args.portable)
        else:
            ds = build_sample(schema, rng, args.engine)
        sink.header()
        for table in ds.tables_with_rows():
            sink.insert(table, ds.tuples(table))
        sink.footer()
        if args.expected_out:
            write_expected(ds, args.expected_out)
    if out is not None and out is not sys.stdout:
        out.close()
    total = sum(sink.counts.values())
    log("%s %s: %d rows in %d tables (%.1fs)"
        % (args.engine, args.mode, total, sum(1 for n in sink.counts.values() if n), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
