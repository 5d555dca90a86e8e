"""Helpers of tests/test_inputs.py: the state of a database as its own engine sees it, a loaded
Pod v4 target shared by the tests while it stays unchanged, and the outcome table of the
malformed-input forms."""
import json
import os
import re
import resource
import shutil
import socket
import subprocess

from dbquery import query
from dbstate import changed_names, db_state  # noqa: F401
from pmtest import (PODMIGRATE, V4, WORK, check, check_eq, check_no_sanitizer_report,  # noqa: F401
                    edge_export, podmigrate, sh)



class Target:
    """A Pod v4 database of one engine loaded with the edge data set: built once and reused as
    long as it is what it was; a test that changed it (a failure, or on purpose) marks it stale
    and the next user gets it rebuilt."""

    def __init__(self, engine):
        self.engine = engine
        self.url = None
        self.pristine = None
        self.source = edge_export(engine)
        self.builds = 0

    def get(self):
        if self.url is None:
            self.url = self._copy_of_pristine()
            self.baseline = db_state(self.engine, self.url)
            self.builds += 1
        return self.url

    def _load(self, dbname):
        url = self.engine.create(dbname, version=V4)
        res = podmigrate("import", "--db", url, "-i", self.source, "-q")
        check_eq(res.returncode, 0, "loading the target: " + res.stderr[-2000:])
        return url

    def _copy_of_pristine(self):
        """A fresh copy of the loaded database: a file copy on SQLite, CREATE DATABASE ...
        TEMPLATE on PostgreSQL (both much faster than an import), an import on MariaDB."""
        if self.engine.name == "mariadb":
            return self._load("pm_inputs")
        if self.pristine is None:
            self.pristine = self._load("pm_inputs_pristine")
        if self.engine.name == "sqlite":
            path = os.path.join(WORK, "pm_inputs.sqlite3")
            shutil.copyfile(self.pristine[len("sqlite:"):], path)
            return "sqlite:" + path
        sh(self.engine.client(), input='DROP DATABASE IF EXISTS pm_inputs; CREATE DATABASE pm_inputs TEMPLATE '
           'pm_inputs_pristine;', env=self.engine.pgenv())
        return self.engine.url("pm_inputs")

    def changes(self):
        """What differs from the state it was built with ([] if nothing); marks it stale if so."""
        diff = changed_names(self.baseline, db_state(self.engine, self.url))
        if diff:
            self.stale()
        return diff

    def stale(self):
        self.url = None

    def restored(self, url):
        """A test that changed it on purpose and put it back: usable again if its state is the
        one it was built with."""
        if not changed_names(self.baseline, db_state(self.engine, url)):
            self.url = url

    def rows(self, table):
        """The rows the target was loaded with (the edge data set), as a fresh copy."""
        with open(self.source, encoding="utf-8") as f:
            return json.load(f)[table]


_targets = {}


def target(engine):
    if engine.name not in _targets:
        _targets[engine.name] = Target(engine)
    return _targets[engine.name]


def write_file(name, content):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(content)
    return path


# text columns of tables spread over the file (first, early, middle, late, last)
CHANGED = [("ai_enhancement_aienhancement", "ai_enhancement_id_in_aristote", "id"), ("auth_group", "name", "id"),
           ("main_block", "title", "id"), ("video_video", "title", "id"),
           ("recorder_tagging_tag_2_tagulous", "tag_name", "recorder_id")]


def changed_files(t):
    """The edge data with a value changed in tables spread over the file, so that a prefix of
    it committed by mistake would show in the target's state; in the export's layout, with
    \\u escapes and with raw UTF-8."""
    with open(t.source, encoding="utf-8") as f:
        data = json.load(f)
    for table, column, key in CHANGED:
        for r in data[table]:
            r[column] = "changed %d" % r[key]
    return compact(data), compact(data, ensure_ascii=False)


def compact(data, ensure_ascii=True):
    """JSON in the export's layout: one row per line (the truncation points depend on it)."""
    out = ["{"]
    tables = list(data.items())
    for i, (table, rows) in enumerate(tables):
        out.append(json.dumps(table) + ":[")
        out.append(",\n".join(json.dumps(r, separators=(",", ":"), ensure_ascii=ensure_ascii) for r in rows))
        out.append("]" + ("," if i + 1 < len(tables) else ""))
    out.append("}\n")
    return "\n".join(out).encode()


def visible(name):
    """A name as podmigrate's messages must show it (utf8_append_visible): control characters,
    DEL and backslash as \\xNN, so that no name can forge or break a line of the output."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or c in "\x7f\\" else c for c in name)


def word(text):
    """A regex for text as a whole word: "row 2" must not be satisfied by "row 21"."""
    return r"(?<![\w])%s(?![\w])" % re.escape(text)


SYNTAX_POSITION = re.compile(r"line (\d+), column (\d+) \(byte (\d+)\)")


def position_problems(stderr, filename, content, lo, hi):
    """The problems of a syntax-level message: it must name the file and a position (line,
    column, byte) whose byte lies in [lo, hi] and whose line is that byte's line."""
    problems = []
    if os.path.basename(filename) not in stderr:
        problems.append("file name not shown")
    m = SYNTAX_POSITION.search(stderr)
    if not m:
        return problems + ["no 'line L, column C (byte B)'"]
    line, byte = int(m.group(1)), int(m.group(3))
    if not lo <= byte <= hi:
        problems.append("byte %d, expected %s" % (byte, lo if lo == hi else "%d..%d" % (lo, hi)))
    elif content is not None and line != content[:byte].count(b"\n") + 1:
        problems.append("line %d is not the line of byte %d" % (line, byte))
    return problems


def outcome_table(outcomes):
    """A compact table of (form, exit status, problems), one line per form, failures marked."""
    width = max(len(o[0]) for o in outcomes)
    lines = []
    for name, status, problems in outcomes:
        lines.append("  %s %-*s  exit %-3s %s" % ("FAIL" if problems else "ok  ", width, name, status,
                                                  "; ".join(problems)[:300]))
    return "\n".join(lines)


def pieces(secret, n=3):
    """Every substring of length n: a message showing any of them shows part of the secret."""
    return sorted({secret[i:i + n] for i in range(len(secret) - n + 1)})


def leaked(text, secrets):
    """The pieces of the secrets that the text shows."""
    return sorted({p for s in secrets for p in pieces(s) if p in text})


def closed_port():
    """A TCP port of 127.0.0.1 on which nothing listens (bound then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def child_cpu_seconds(args, cpu_limit=None):
    """Runs the binary; returns (CompletedProcess, its user+sys CPU seconds). cpu_limit (whole
    seconds) stops a runaway child with SIGXCPU instead of waiting for it."""
    def limit():
        if cpu_limit:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run([PODMIGRATE, *args], capture_output=True, preexec_fn=limit, timeout=900)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    check_no_sanitizer_report(res.stderr.decode(errors="replace"), " ".join(args))
    return res, cpu


def mysql_connections(engine):
    """MariaDB's count of connections since start (this query's own included)."""
    rows = query(engine, engine.url("mysql"), "SHOW GLOBAL STATUS LIKE 'Connections';")
    return int(rows[0][1])


def check_no_leak(text, secrets, what):
    shown = leaked(text, secrets)
    check(not shown, "%s shows pieces of the password %r:\n%s" % (what, shown, text[-1500:]))
