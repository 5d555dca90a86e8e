#!/usr/bin/env bash
# The demo on the embedded default: a generated Pod v3 SQLite database
# (tests/gen_v3_data.py --mode sample) is exported to the upstream JSON file,
# then imported into an empty Pod v4.0.3 SQLite database (the schema Pod's
# 'make createDB' makes, from tests/data/v4.0.3/sqlite.sql, with the content types,
# permissions and site it writes); then the same in one command, podmigrate migrate,
# into a second empty v4 database.
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
v3=demo/pod_v3_sample.sqlite3
v4=demo/pod_v4.sqlite3
json=data_from_v3_to_v4/v3_exported_tables.json
mkdir -p demo
migrated=demo/pod_v4_migrated.sqlite3
rm -f "$v3" "$v4" "$migrated"
echo "== generating a sample Pod v3.8.4 database: $v3"
python3 tests/gen_v3_data.py --engine sqlite --mode sample --sqlite-db "$v3"
echo "== podmigrate export --db sqlite:$v3"
"$build/podmigrate" export --db "sqlite:$v3" -o "$json"
fresh_v4() {
    echo "== creating an empty Pod v4.0.3 database: $1"
    python3 -c 'import sys; sys.path.insert(0, "tests"); import gen_v3_data, sqlite3, v4_fresh
c = sqlite3.connect(sys.argv[1]); gen_v3_data.load_sqlite_schema(c, sys.argv[2])
c.executescript(v4_fresh.fresh_rows_sql("sqlite")); c.commit()' "$1" tests/data/v4.0.3/sqlite.sql
}
fresh_v4 "$v4"
echo "== podmigrate import --db sqlite:$v4 --dry"
"$build/podmigrate" import --db "sqlite:$v4" -i "$json" --dry -q
echo "== podmigrate import --db sqlite:$v4"
"$build/podmigrate" import --db "sqlite:$v4" -i "$json"
echo "== a few of the tags now in Pod v4 (video_tagulous_video_tags):"
python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("SELECT name, slug, count FROM video_tagulous_video_tags ORDER BY count DESC, name LIMIT 5"):
    print("  ", *row)' "$v4"
fresh_v4 "$migrated"
echo "== the same in one command: podmigrate migrate --from sqlite:$v3 --to sqlite:$migrated"
"$build/podmigrate" migrate --from "sqlite:$v3" --to "sqlite:$migrated" --rejects demo/migrate.rejects.jsonl -q
echo "   done and verified (exit 0): $migrated"
