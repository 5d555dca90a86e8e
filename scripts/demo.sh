#!/usr/bin/env bash
# The demo on the embedded default: generate a realistic Pod v3 SQLite database
# (tests/gen_v3_data.py --mode sample), then export it to the upstream JSON file.
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
db=demo/pod_v3_sample.sqlite3
mkdir -p demo
rm -f "$db"
echo "== generating a sample Pod v3.8.4 database: $db"
python3 tests/gen_v3_data.py --engine sqlite --mode sample --sqlite-db "$db"
echo "== podmigrate export"
"$build/podmigrate" export --db "sqlite:$db" -o data_from_v3_to_v4/v3_exported_tables.json
echo "== the export is in data_from_v3_to_v4/v3_exported_tables.json; first rows of video_video:"
grep -m 3 '^{"id":' <(sed -n '/^"video_video":\[/,/^\]/p' data_from_v3_to_v4/v3_exported_tables.json) | cut -c1-160
