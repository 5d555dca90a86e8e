"""Reading rows back from a test database through each engine's own client, safely for any
text (hex-encoded on the way). Shared by the tag and import tests."""
import sqlite3

from pmtest import sh

TABLES = {
    "video": ("video_tagulous_video_tags", "video_video_tags", "video_id", "tagulous_video_tags_id"),
    "recorder": ("recorder_tagulous_recorder_tags", "recorder_recorder_tags", "recorder_id",
                 "tagulous_recorder_tags_id"),
}


def query(engine, url, sql):
    """Rows of one SELECT as lists of strings (None for NULL). Text must be selected through
    hexed() so that tabs, newlines and NULL-looking values survive the command-line clients."""
    if engine.name == "sqlite":
        conn = sqlite3.connect(url[len("sqlite:"):])
        try:
            return [[None if v is None else str(v) for v in row] for row in conn.execute(sql)]
        finally:
            conn.close()
    db = url.rsplit("/", 1)[1]
    if engine.name == "mariadb":
        out = sh(engine.client(db) + ["--raw", "-N"], input=sql).stdout
    else:
        out = sh(engine.client(db) + ["-A", "-t", "-F", "\t", "-P", "null=NULL"], input=sql,
                 env=engine.pgenv()).stdout
    rows = []
    for line in out.split("\n"):
        if line == "":
            continue
        rows.append([None if v == "NULL" else v for v in line.split("\t")])
    return rows


def hexed(engine, expr):
    """SQL giving the UTF-8 bytes of a text expression in hex (plain ASCII on every client)."""
    if engine.name == "postgresql":
        return "encode(convert_to(%s, 'UTF8'), 'hex')" % expr
    return "hex(%s)" % expr


def literal(engine, text):
    """A text literal free of quoting problems, in the tag-name column's collation."""
    h = text.encode("utf-8").hex()
    if engine.name == "postgresql":
        # COLLATE: convert_from's 'UTF8' argument is of type name, whose collation "C" would
        # otherwise make upper() fold ASCII letters only
        return "(convert_from(decode('%s', 'hex'), 'UTF8') COLLATE \"default\")" % h
    if engine.name == "mariadb":
        return "CONVERT(X'%s' USING utf8mb4) COLLATE utf8mb4_unicode_ci" % h
    return "CAST(X'%s' AS TEXT)" % h


def unhex(h):
    return None if h is None else bytes.fromhex(h).decode("utf-8")


def quoted(engine, ident):
    return ("`%s`" if engine.name == "mariadb" else '"%s"') % ident


def read_tags(engine, url):
    """{"video"|"recorder": (tags, relations)}: tags as (id, name, slug, count, protected),
    relations as (id, object_id, tag_id), both in id order."""
    result = {}
    for kind, (tag_table, rel_table, obj_col, tag_col) in TABLES.items():
        q = lambda c: quoted(engine, c)  # noqa: E731
        tags = query(engine, url, "SELECT %s, %s, %s, %s, CASE WHEN %s THEN 1 ELSE 0 END FROM %s ORDER BY %s;" % (
            q("id"), hexed(engine, q("name")), hexed(engine, q("slug")), q("count"), q("protected"),
            q(tag_table), q("id")))
        rels = query(engine, url, "SELECT %s, %s, %s FROM %s ORDER BY %s;" % (
            q("id"), q(obj_col), q(tag_col), q(rel_table), q("id")))
        result[kind] = ([(int(i), unhex(n), unhex(s), int(c), p == "1") for i, n, s, c, p in tags],
                        [(int(i), int(o), int(t)) for i, o, t in rels])
    return result


