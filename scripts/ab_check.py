#!/usr/bin/env python3
"""Same behaviour, two builds: runs an older and a newer podmigrate over the same inputs and
compares everything they leave, for a change that must not change behaviour (a refactor).

Usage: scripts/ab_check.py OLD_BINARY NEW_BINARY
  (MariaDB and PostgreSQL too when PM_TEST_MYSQL_URL / PM_TEST_PG_URL are set, as for the
  tests: eval "$(tests/servers.sh env DIR)")

For each engine: the generated edge-case and sample Pod v3 data sets are exported by both
builds (compact, and --indent 4 --utf8), and the files must be byte-identical; then each
engine's export is imported by both builds into fresh Pod v4 databases of every engine
(--dry, the import, --onlytags again), and must leave the same databases (every table's
rows, the schema, PostgreSQL's sequences, MariaDB's AUTO_INCREMENT counters), the same reject
file, the same exit status and the same messages, timings masked. Prints one line per
comparison and ends with "ab: N same, M different"; exit status 1 if any differ.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import pmtest  # noqa: E402  (test engines: fresh databases of each engine)
from dbquery import query  # noqa: E402
from dbstate import db_state  # noqa: E402

TIMING = [(re.compile(r"[0-9]+\.[0-9]+ s\b"), "T s"), (re.compile(r"[0-9.]+ MB"), "M MB"),
          (re.compile(r" +[0-9]+\.[0-9]{2}(?=  |$)", re.M), " T"), (re.compile(r"[0-9]+ rows/s"), "R rows/s")]


def masked(text, names):
    for pattern, repl in TIMING:
        text = pattern.sub(repl, text)
    for name, repl in names:
        text = text.replace(name, repl)
    return text


def run(binary, args, cwd):
    r = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True,
                       errors="backslashreplace", env=dict(os.environ, **pmtest_env()))
    return r.returncode, r.stdout, r.stderr


def pmtest_env():
    env = {}
    for engine in pmtest.engines():
        if engine.name == "mariadb":
            env["MYSQL_PWD"] = engine.password
        if engine.name == "postgresql":
            env["PGPASSWORD"] = engine.password
    return env


def plain_url(engine, url):
    """The URL without its password (given through the environment, as an admin would)."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1@", url)


def state(engine, url):
    s = db_state(engine, url)
    if engine.name == "mariadb":
        s["auto_increment"] = repr(query(engine, url, "SELECT TABLE_NAME, AUTO_INCREMENT FROM "
                                         "information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                                         "ORDER BY 1;"))
    return s


def lines(value):
    """A result as text lines, nested tuples and lists flattened, to show where two differ."""
    if isinstance(value, (tuple, list)):
        return [line for item in value for line in lines(item)]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    return str(value).splitlines() or [""]


class Tally:
    def __init__(self):
        self.same = self.different = 0

    def compare(self, what, a, b):
        if a == b:
            self.same += 1
            print("same  " + what)
        else:
            self.different += 1
            print("DIFF  " + what)
            if isinstance(a, dict):
                for key in sorted(set(a) | set(b)):
                    if a.get(key) != b.get(key):
                        print("        " + key)
            else:
                for la, lb in zip(lines(a), lines(b)):
                    if la != lb:
                        print("        old: " + la[:200] + "\n        new: " + lb[:200])
                        break


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    builds = {"old": os.path.abspath(sys.argv[1]), "new": os.path.abspath(sys.argv[2])}
    tally = Tally()
    engines = pmtest.engines()
    exports = {}
    for engine in engines:
        for mode in ("edge", "sample"):
            src = engine.create("ab_v3_%s" % mode)
            engine.load_generated(src, mode)
            for form, extra in (("compact", ()), ("indent", ("--indent", "4", "--utf8"))):
                files = {}
                for who, binary in builds.items():
                    d = os.path.join(pmtest.WORK, who)
                    os.makedirs(d, exist_ok=True)
                    rc, _, err = run(binary, ["export", "--db", plain_url(engine, src), "-o", "out.json",
                                              *extra], d)
                    with open(os.path.join(d, "out.json"), "rb") as f:
                        files[who] = (rc, f.read(), masked(err, [(d, "DIR")]))
                    if form == "compact" and who == "old":
                        path = os.path.join(pmtest.WORK, "%s-%s.json" % (engine.name, mode))
                        with open(path, "wb") as f:
                            f.write(files[who][1])
                        exports[(engine.name, mode)] = path
                tally.compare("export %s %s %s: file" % (engine.name, mode, form), files["old"][1], files["new"][1])
                tally.compare("export %s %s %s: status and messages" % (engine.name, mode, form),
                              (files["old"][0], files["old"][2]), (files["new"][0], files["new"][2]))
    for (source, mode), path in sorted(exports.items()):
        for engine in engines:
            results = {}
            for who, binary in builds.items():
                d = os.path.join(pmtest.WORK, who)
                url = plain_url(engine, engine.create("ab_v4_%s" % who, version="v4.0.3"))
                shown = [(d, "DIR"), ("ab_v4_" + who, "ab_v4_X"), (path, "FILE")]
                out = []
                for args in (["--dry"], ["--rejects", "rej.jsonl"], ["--onlytags"]):
                    rc, stdout, err = run(binary, ["import", "--db", url, "-i", path, *args], d)
                    out.append((args[0], rc, stdout, masked(err, shown)))
                rej = os.path.join(d, "rej.jsonl")
                rejects = open(rej, "rb").read() if os.path.exists(rej) else None
                if os.path.exists(rej):
                    os.unlink(rej)
                results[who] = (out, state(engine, url), rejects)
            what = "import %s %s into %s" % (source, mode, engine.name)
            tally.compare(what + ": status and messages", results["old"][0], results["new"][0])
            tally.compare(what + ": database", results["old"][1], results["new"][1])
            tally.compare(what + ": reject file", results["old"][2], results["new"][2])
    print("ab: %d same, %d different" % (tally.same, tally.different))
    return 1 if tally.different else 0


if __name__ == "__main__":
    sys.exit(main())
