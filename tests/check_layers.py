#!/usr/bin/env python3
"""The include arrows of src/ run only downwards (HACKING.md, "Layers").

Each file of src/ belongs to a layer, by its name; a file may include the
headers of its own layer and of the layers below, never above. Engine and
parser libraries are reached from their one module only. A new file whose
name fits no family fails the check: give it a layer here and in HACKING.md.
Each .c file is also named in the README's "Layout" table and in HACKING.md's
"Layers" table (there by its name or its family, e.g. `pod_*.c`), so that both
keep matching the code.
Prints "layers: N passed, M failed" (one check per file).
"""
import fnmatch
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Lowest first. A name matches the first pattern that fits it.
LAYERS = [
    ("base", r"(strbuf|strmap|utf8|log|stop|atomic_file|byte_channel|spill|json_reader|json_writer|db_url)"),
    ("db", r"db(_\w+)?"),  # after base, which takes db_url
    ("rows", r"(values|row_writer|row_stream|table_sync|integrity|reject_log|summary|diff_report)"),
    ("pod", r"pod_\w+"),
    ("jobs", r"(import|export|verify|migrate)(_\w+)?"),
    ("commands", r"(cmd_\w+|cli|main)"),
]

# Private headers and libraries, and the only files that may include them.
ONLY_FROM = {
    "db_backend.h": r"db(_\w+)?\.[ch]",
    "libpq-fe.h": r"db_pgsql\.c",
    "mysql.h": r"db_mysql\.c",
    "sqlite3.h": r"db_sqlite\.c",
    "yajl/yajl_parse.h": r"json_reader\.c",
    "yajl/yajl_tree.h": r"(values|reject_log|pod_settings)\.c",
    "import_table.h": r"import(_\w+)?\.[ch]",
}


def layer_of(name):
    stem = name.rsplit(".", 1)[0]
    for rank, (_, pattern) in enumerate(LAYERS):
        if re.fullmatch(pattern, stem):
            return rank
    return None


def doc_section(name, heading):
    """The backticked names of one section of a document (up to the next heading of its level)."""
    with open(os.path.join(SRC, "..", name), encoding="utf-8") as f:
        text = f.read()
    start = text.index(heading + "\n")
    end = text.find("\n" + heading.split(" ")[0] + " ", start + 1)
    return re.findall(r"`([^`\s]+)`", text[start:end if end != -1 else len(text)])


def main():
    passed = failed = 0
    readme = doc_section("README.md", "## Layout")
    hacking = doc_section("HACKING.md", "## Layers")
    for name in sorted(os.listdir(SRC)):
        if not name.endswith((".c", ".h")):
            continue
        problems = []
        rank = layer_of(name)
        if rank is None:
            problems.append("belongs to no layer (tests/check_layers.py, HACKING.md)")
        if name.endswith(".c"):
            if "src/" + name not in readme:
                problems.append("is not in the README's layout table")
            if not any(fnmatch.fnmatchcase(name, entry) for entry in hacking):
                problems.append("is not in HACKING.md's layer table (by name or family, e.g. pod_*.c)")
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            text = f.read()
        for inc in re.findall(r'^#include [<"]([^>"]+)[>"]', text, re.M):
            only = ONLY_FROM.get(inc)
            if only and not re.fullmatch(only, name):
                problems.append(f"includes {inc}, which only {only} may")
            if inc.endswith(".h") and os.path.exists(os.path.join(SRC, inc)) and rank is not None:
                other = layer_of(inc)
                if other is not None and other > rank:
                    problems.append(f"includes {inc} ({LAYERS[other][0]}) from below ({LAYERS[rank][0]})")
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {name}: {p}")
        else:
            passed += 1
    print(f"layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
