"""The rows Pod v4's `make createDB` writes (tests/data/v4.0.3/fresh_db_rows.json, Django
dumpdata format) as SQL for each engine, so that test and demo v4 databases start like real
ones: content types, permissions, site, configuration, flatpages, blocks, types..."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FRESH = os.path.join(HERE, "data", "v4.0.3", "fresh_db_rows.json")

# dumpdata model -> table; the foreign keys are plain "<field>_id" columns
TABLES = {
    "contenttypes.contenttype": "django_content_type",
    "auth.permission": "auth_permission",
    "sites.site": "django_site",
}


def _literal(value, engine):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if engine == "postgresql" else str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def fresh_rows_sql(engine):
    """INSERT statements of the content types, permissions and site of a fresh Pod v4."""
    with open(FRESH, encoding="utf-8") as f:
        rows = json.load(f)
    quote = (lambda n: "`%s`" % n) if engine == "mariadb" else (lambda n: '"%s"' % n)
    lines = ["SET sql_mode = 'NO_BACKSLASH_ESCAPES';"] if engine == "mariadb" else []
    order = list(TABLES)  # content types before the permissions that point to them
    for row in sorted((r for r in rows if r["model"] in TABLES), key=lambda r: order.index(r["model"])):
        table = TABLES.get(row["model"])
        if not table:
            continue
        fields = {"id": row["pk"]}
        for name, value in row["fields"].items():
            fields[name + "_id" if name == "content_type" else name] = value
        lines.append("INSERT INTO %s (%s) VALUES (%s);" % (
            quote(table), ", ".join(quote(c) for c in fields),
            ", ".join(_literal(v, engine) for v in fields.values())))
    if engine == "postgresql":
        for table in TABLES.values():
            lines.append("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s));"
                         % (table, table))
    return "\n".join(lines) + "\n"
