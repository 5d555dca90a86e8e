"""podmigrate import: the tags.  The two pseudo-tables of the export file
(video_tagging_tag_2_tagulous, recorder_tagging_tag_2_tagulous) become the tagulous
rows of Pod v4: video_tagulous_video_tags + video_video_tags, and the same for recorders.

Each test loads the generated edge data set into a Pod v4 database of each engine (a full
import, which gives real video_video / recorder_recorder rows: videos 1-10, 12 and 15,
recorders 1-3), then runs `podmigrate import --onlytags -i FILE` with a small file that holds
only the two pseudo-tables, and reads the tag rows back with the engine's own client.

Every expected name, slug, count and id below was worked out by hand from the rules
(Django 4.2 slugify(allow_unicode=False), tagulous 2.1 BaseTagModel.save with a numeric
maximum for the _N suffix, case-insensitive tag names) and is written literally: nothing
here re-implements slugify, so a wrong implementation cannot agree with the test by
sharing its mistake.  The rows whose result depends on the engine (how a case- or
accent-variant of a name is matched) are all on the last video (15), so that the ids of
every other tag are the same on every engine; DEPENDENT_PAIRS says, per engine, which
spellings are one tag, and is checked against the server itself before the import is
judged.
"""
import json
import os
import re
import sqlite3
import sys

from dbquery import hexed, literal, query, quoted, read_tags, unhex  # noqa: F401
from pmtest import WORK, edge_export, check, check_eq, load_json, podmigrate, run, sh, test

V4 = "v4.0.3"

# --------------------------------------------------------------------------- the input

L60 = "Histoire des sciences et des techniques en Europe apres 1945"  # 60 characters, the 50th is a space
L48 = "Seminaire de recherche en informatique et en BDD"  # 48 characters, the 45th is a space
L48_HYPHEN = "Seminaire de recherche en informatique et en-BDD"  # 48 characters, same slug
FFI20 = "\ufb03" * 20  # 20 characters, the ligature "ffi": 60 ASCII letters after NFKD

# (video_id, tag_name), deliberately not in id order: objects are taken in ascending id.
# Names holding a comma, a double quote or a space are quoted as podmigrate's export does;
# videos 3, 4, 5, 6 and 7 hold upstream's unquoted forms.
VIDEO_INPUT = [
    (15, "éducation,ÉDUCATION,EDUCATION,STRASSE,😀,fun🎉time,ＡＢＣ"),
    (8, '"a,b","say ""hi""",tab\there,"a  -- b","a _ b",it\'s,back\\slash,abc,a_c,"100 percent",100%'),
    (3, "a, b"),  # upstream, PostgreSQL: joined with ", "
    (987654, 'python,"only on a ghost"'),  # no such video: skipped and reported
    (1, "Éducation,Straße,ﬁnance,½,Ⅻ,m²,数学,物理,!!!,🎓,fun😀time"),
    (12, '"%s",%s,"%s","%s",x,-_x_-,x!,x?,(x),[x],x.,\'x\',#x,@x,x;,*x*,v_9,v_10,v,v!,"ghost case"'
     % (L60, FFI20, L48, L48_HYPHEN)),
    (11, '"Ghost Case","only on a ghost"'),  # a deleted video (gap in the ids): skipped
    (2, "C++,C#,C_1,C,.NET,node.js"),
    (4, "a,b"),  # upstream, MariaDB: joined with ","
    (5, "a,,b"),  # an empty item
    (6, ", a ,"),  # empty items and spaces around a name
    (7, "machine learning"),  # a lone multi-word name: ONE tag (tagulous would split it)
    (10, "python,Dup"),
    (9, "Python,PYTHON,python,dup,Dup,DUP"),
]
RECORDER_INPUT = [
    (2, "c,Python"),
    (424242, '"ghost recorder tag"'),  # no such recorder
    (1, "C++,C#"),
    (3, ""),  # no tag at all
]
GHOST_IDS = ("987654", "424242")

# ------------------------------------------------------------------- expected results
# Tags that are the same on every engine: (id, name, slug, count, case).
# Counts marked (M) are 2 on MariaDB, where video 15 adds a variant (MARIADB_COUNTS).
COMMON_VIDEO_TAGS = [
    (1, "Éducation", "education", 2, "accent: NFKD splits É into E + U+0301, the accent is dropped "
                                     "(count 2: video 15 adds it on every engine, see below)"),
    (2, "Straße", "strae", 1, "ß has no NFKD decomposition: non-ASCII, dropped (M)"),
    (3, "ﬁnance", "finance", 1, "ligature U+FB01 becomes 'fi' under NFKD"),
    (4, "½", "12", 1, "NFKD gives 1 U+2044 2; the fraction slash is dropped"),
    (5, "Ⅻ", "xii", 1, "roman numeral twelve: NFKD gives XII"),
    (6, "m²", "m2", 1, "superscript two: NFKD gives 2"),
    (7, "数学", "_", 1, "CJK only: empty slug becomes _"),
    (8, "物理", "__1", 1, "CJK only again: _ is taken, base _ gives _ + _1"),
    (9, "!!!", "__2", 1, "punctuation only: _ then __2 (highest of ^__[0-9]+$ is 1)"),
    (10, "🎓", "__3", 1, "emoji only (M)"),
    (11, "fun😀time", "funtime", 1, "emoji inside a word is dropped (M)"),
    (12, "C++", "c", 1, "punctuation removed"),
    (13, "C#", "c_1", 1, "slug c taken: c_1"),
    (14, "C_1", "c_1_1", 1, "its own slug c_1 is taken: base c_1, suffix _1"),
    (15, "C", "c_2", 1, "c taken; c_1_1 does not match ^c_[0-9]+$, so the maximum is 1"),
    (16, ".NET", "net", 1, "leading dot removed"),
    (17, "node.js", "nodejs", 1, "inner dot removed, no hyphen"),
    (18, "a", "a", 4, "upstream 'a, b' and 'a,b', then 'a,,b' and ', a ,': videos 3, 4, 5, 6"),
    (19, "b", "b", 3, "videos 3, 4, 5"),
    (20, "machine learning", "machine-learning", 1, "lone unquoted multi-word name: one tag"),
    (21, "a,b", "ab", 1, "quoted name holding a comma"),
    (22, 'say "hi"', "say-hi", 1, "quoted name with a doubled quote"),
    (23, "tab\there", "tab-here", 1, "a tab is whitespace: one hyphen"),
    (24, "a  -- b", "a-b", 1, "a run of spaces and hyphens: one hyphen"),
    (25, "a _ b", "a-_-b", 1, "underscore is a word character: kept between hyphens"),
    (26, "it's", "its", 1, "single quote (SQL quoting)"),
    (27, "back\\slash", "backslash", 1, "backslash (SQL escaping)"),
    (28, "abc", "abc", 1, "(M)"),
    (29, "a_c", "a_c", 1, "_ is no LIKE wildcard: a_c is not abc"),
    (30, "100 percent", "100-percent", 1, ""),
    (31, "100%", "100", 1, "% is no LIKE wildcard: 100% is not '100 percent'"),
    (32, "Python", "python", 2, "case variants are one tag, the first spelling met wins"),
    (33, "dup", "dup", 2, "dup/Dup/DUP on video 9: one relation; Dup on video 10"),
    (34, L60, "histoire-des-sciences-et-des-techniques-en-europe-", 1,
     "60 characters: slug cut to 50 after slugify, the trailing hyphen stays"),
    (35, FFI20, "ffi" * 16 + "ff", 1, "20 ligatures: 60 letters after NFKD, cut to 50"),
    (36, L48, "seminaire-de-recherche-en-informatique-et-en-bdd", 1, "48 characters"),
    (37, L48_HYPHEN, "seminaire-de-recherche-en-informatique-et-en-_1", 1,
     "same slug: base cut to 45 (ends with a hyphen, kept) then _1"),
    (38, "x", "x", 1, "twelve names that slugify to x..."),
    (39, "-_x_-", "x_1", 1, "leading/trailing hyphens and underscores stripped"),
    (40, "x!", "x_2", 1, ""),
    (41, "x?", "x_3", 1, ""),
    (42, "(x)", "x_4", 1, ""),
    (43, "[x]", "x_5", 1, ""),
    (44, "x.", "x_6", 1, ""),
    (45, "'x'", "x_7", 1, ""),
    (46, "#x", "x_8", 1, ""),
    (47, "@x", "x_9", 1, ""),
    (48, "x;", "x_10", 1, "the tenth clash"),
    (49, "*x*", "x_11", 1, "numeric maximum: x_10 > x_9 (tagulous's latest('slug') would pick x_9)"),
    (50, "v_9", "v_9", 1, "a literal name that looks like a suffix"),
    (51, "v_10", "v_10", 1, ""),
    (52, "v", "v", 1, ""),
    (53, "v!", "v_11", 1, "existing slugs v_9 and v_10 count: highest is 10"),
    (54, "ghost case", "ghost-case", 1, "'Ghost Case' of deleted video 11 is skipped: this spelling wins"),
]
MARIADB_COUNTS = {2: 2, 10: 2, 11: 2, 28: 2}

# video 15: "éducation,ÉDUCATION,EDUCATION,STRASSE,😀,fun🎉time,ＡＢＣ"
ENGINE_VIDEO_TAGS = {
    # LIKE: case-insensitive for ASCII letters only
    "sqlite": [
        (55, "éducation", "education_1", 1, "é is not É for LIKE: a new tag"),
        # ÉDUCATION LIKE Éducation (É = É, the rest ASCII): tag 1
        (56, "EDUCATION", "education_2", 1, "E is not É: a new tag"),
        (57, "STRASSE", "strasse", 1, "ß is not SS"),
        (58, "😀", "__4", 1, "another emoji-only name"),
        (59, "fun🎉time", "funtime_1", 1, "another emoji"),
        (60, "ＡＢＣ", "abc_1", 1, "fullwidth letters: NFKD gives ABC"),
    ],
    # upper(a) = upper(b): éducation and ÉDUCATION are tag 1
    "postgresql": [
        (55, "EDUCATION", "education_1", 1, "upper(E) is not upper(É)"),
        (56, "STRASSE", "strasse", 1, "upper(ß) is ß, not SS"),
        (57, "😀", "__4", 1, "another emoji-only name"),
        (58, "fun🎉time", "funtime_1", 1, "another emoji"),
        (59, "ＡＢＣ", "abc_1", 1, "upper(ＡＢＣ) is not ABC"),
    ],
    # utf8mb4_unicode_ci: every name of video 15 is an existing tag
    "mariadb": [],
}

COMMON_VIDEO_RELATIONS = [  # (video_id, [tag ids in name order])
    (1, list(range(1, 12))),
    (2, list(range(12, 18))),
    (3, [18, 19]),
    (4, [18, 19]),
    (5, [18, 19]),
    (6, [18]),
    (7, [20]),
    (8, list(range(21, 32))),
    (9, [32, 33]),
    (10, [32, 33]),
    (12, list(range(34, 55))),
]
ENGINE_VIDEO_RELATIONS = {
    "sqlite": (15, [55, 1, 56, 57, 58, 59, 60]),
    "postgresql": (15, [1, 55, 56, 57, 58, 59]),
    "mariadb": (15, [1, 2, 10, 11, 28]),  # Éducation, Straße, 🎓, fun😀time, abc
}

RECORDER_TAGS = [
    (1, "C++", "c", 1, "recorder tags have their own table and slugs"),
    (2, "C#", "c_1", 1, ""),
    (3, "c", "c_2", 1, "a different name with the same slug"),
    (4, "Python", "python", 1, ""),
]
RECORDER_RELATIONS = [(1, [1, 2]), (2, [3, 4])]

# Which spellings are one tag on which engine: checked against the server first.
DEPENDENT_PAIRS = [  # (a, b, {engine: same tag?})
    ("éducation", "Éducation", {"sqlite": False, "postgresql": True, "mariadb": True}),
    ("ÉDUCATION", "Éducation", {"sqlite": True, "postgresql": True, "mariadb": True}),
    ("EDUCATION", "Éducation", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("EDUCATION", "éducation", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("STRASSE", "Straße", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("😀", "🎓", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("fun🎉time", "fun😀time", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("ＡＢＣ", "abc", {"sqlite": False, "postgresql": False, "mariadb": True}),
    ("PYTHON", "Python", {"sqlite": True, "postgresql": True, "mariadb": True}),
]

# The edge data set (tests/gen_v3_data.py --mode edge --portable), fully imported.
EDGE_VIDEO_INPUT = [
    (1, 'cours,z-last,"a,b","say ""hi""",physique,python,"ml, ai","all ""three"", here"'),
    (2, '"machine learning"'),
    (3, "python,café,straße,数学,emoji😀,🎓"),
    (5, "it's,back\\slash," + "x" * 50 + ",Écologie"),
    (10, "python,cours"),
    (11, "python"),  # deleted video
    (12, "physique"),
    (15, "cours"),
    (999999, "cours,it's"),  # deleted video
]
EDGE_RECORDER_INPUT = [(1, 'recorder-tag,"salle 101"'), (2, "python"), (424242, '"machine learning"')]
EDGE_VIDEO_TAGS = [
    (1, "cours", "cours", 3, "videos 1, 10, 15 (not 999999)"),
    (2, "z-last", "z-last", 1, ""),
    (3, "a,b", "ab", 1, ""),
    (4, 'say "hi"', "say-hi", 1, ""),
    (5, "physique", "physique", 2, "videos 1, 12"),
    (6, "python", "python", 3, "videos 1, 3, 10 (not 11)"),
    (7, "ml, ai", "ml-ai", 1, ""),
    (8, 'all "three", here', "all-three-here", 1, ""),
    (9, "machine learning", "machine-learning", 1, ""),
    (10, "café", "cafe", 1, ""),
    (11, "straße", "strae", 1, ""),
    (12, "数学", "_", 1, ""),
    (13, "emoji😀", "emoji", 1, ""),
    (14, "🎓", "__1", 1, ""),
    (15, "it's", "its", 1, ""),
    (16, "back\\slash", "backslash", 1, ""),
    (17, "x" * 50, "x" * 50, 1, "50 characters: no cut"),
    (18, "Écologie", "ecologie", 1, ""),
]
EDGE_VIDEO_RELATIONS = [(1, list(range(1, 9))), (2, [9]), (3, [6, 10, 11, 12, 13, 14]),
                        (5, [15, 16, 17, 18]), (10, [6, 1]), (12, [5]), (15, [1])]
EDGE_RECORDER_TAGS = [
    (1, "recorder-tag", "recorder-tag", 1, ""),
    (2, "salle 101", "salle-101", 1, ""),
    (3, "python", "python", 1, ""),
]
EDGE_RECORDER_RELATIONS = [(1, [1, 2]), (2, [3])]
EDGE_GHOST_IDS = ("999999", "424242")

# ----------------------------------------------------------------------- helpers

def expected_rows(tags, relations):
    """The expected rows from the literal tables: (tags, relations) as read_tags gives them.
    Relation ids are simply numbered from 1 in the order written."""
    want_tags = [(i, name, slug, count, False) for i, name, slug, count, _case in tags]
    want_rels = []
    for obj, tag_ids in relations:
        for tag_id in tag_ids:
            want_rels.append((len(want_rels) + 1, obj, tag_id))
    return want_tags, want_rels


def check_kind(got, tags, relations, what):
    """Compares one kind (video or recorder) row by row, naming the case of a wrong tag."""
    got_tags, got_rels = got
    want_tags, want_rels = expected_rows(tags, relations)
    cases = {t[0]: t[4] for t in tags}
    for g, w in zip(got_tags, want_tags):
        if g != w:
            raise AssertionError("%s tag %d differs (case: %s):\n  got:      %r\n  expected: %r" % (
                what, w[0], cases.get(w[0]) or w[1], g, w))
    check_eq(len(got_tags), len(want_tags), "%s: number of tags (got names %r)" % (
        what, [t[1] for t in got_tags[len(want_tags):]]))
    check_eq(got_rels, want_rels, "%s relations (id, object, tag)" % what)


def video_expectation(engine_name):
    tags = list(COMMON_VIDEO_TAGS)
    if engine_name == "mariadb":
        tags = [(i, n, s, MARIADB_COUNTS.get(i, c), case) for i, n, s, c, case in tags]
    tags += ENGINE_VIDEO_TAGS[engine_name]
    relations = COMMON_VIDEO_RELATIONS + [ENGINE_VIDEO_RELATIONS[engine_name]]
    return tags, relations


def tags_file(name, videos, recorders):
    path = os.path.join(WORK, name)
    content = {
        "video_tagging_tag_2_tagulous": [{"video_id": v, "tag_name": s} for v, s in videos],
        "recorder_tagging_tag_2_tagulous": [{"recorder_id": r, "tag_name": s} for r, s in recorders],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(content, f, ensure_ascii=False, indent=1)
    return path


def bytes_file(name, content):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(content)
    return path


_checked = set()


def source_export(engine):
    """The edge data set exported from a v3 database of this engine (once per engine)."""
    out = edge_export(engine)
    if engine.name not in _checked:
        src = load_json(out)
        # the literal expectations of this file rest on this input
        check_eq([(r["video_id"], r["tag_name"]) for r in src["video_tagging_tag_2_tagulous"]],
                 EDGE_VIDEO_INPUT, "precondition: video tags of the exported edge data")
        check_eq([(r["recorder_id"], r["tag_name"]) for r in src["recorder_tagging_tag_2_tagulous"]],
                 EDGE_RECORDER_INPUT, "precondition: recorder tags of the exported edge data")
        _checked.add(engine.name)
    return out


def imported(engine, dbname, *extra):
    """A Pod v4 database of this engine holding the whole edge data set (a full import)."""
    url = engine.create(dbname, version=V4)
    res = podmigrate("import", "--db", url, "-i", source_export(engine), *extra)
    check_eq(res.returncode, 0, "full import exit status: " + res.stderr[-3000:])
    return url, res


def snapshot(engine, url, name):
    """Every table our export knows, read from the v4 database (--force: not a v3 schema)."""
    out = os.path.join(WORK, "tags-snap-%s-%s.json" % (engine.name, name))
    res = podmigrate("export", "--db", url, "-o", out, "--force", "-q")
    check_eq(res.returncode, 0, "snapshot export: " + res.stderr[-2000:])
    return load_json(out)


def onlytags(url, path, *extra):
    return podmigrate("import", "--db", url, "--onlytags", "-i", path, *extra)


def mentions(stderr, ident):
    return re.search(r"(?<![0-9])%s(?![0-9])" % re.escape(ident), stderr) is not None


def check_engine_identity(engine, url):
    """Preconditions on the server itself: the spellings DEPENDENT_PAIRS calls one tag are one
    tag for this engine's rule, and the names of COMMON_VIDEO_TAGS are all distinct for it. A
    failure here means the server does not behave as this file assumes (another locale or
    collation), not that podmigrate is wrong."""
    if engine.name == "mariadb":
        rows = query(engine, url, "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                     "DATABASE() AND TABLE_NAME IN ('video_tagulous_video_tags', 'recorder_tagulous_recorder_tags') "
                     "AND COLUMN_NAME = 'name';")
        check_eq(rows, [["utf8mb4_unicode_ci"], ["utf8mb4_unicode_ci"]], "precondition: collation of the name columns")

    def same(a, b):
        if engine.name == "sqlite":  # Django's iexact on SQLite: LIKE with % _ \ escaped
            pattern = b.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return "%s LIKE %s ESCAPE '\\'" % (literal(engine, a), literal(engine, pattern))
        if engine.name == "postgresql":  # Django's iexact on PostgreSQL
            return "upper(%s) = upper(%s)" % (literal(engine, a), literal(engine, b))
        return "%s = %s" % (literal(engine, a), literal(engine, b))  # the column collation

    sql = "SELECT %s;" % ", ".join("CASE WHEN %s THEN 1 ELSE 0 END" % same(a, b) for a, b, _ in DEPENDENT_PAIRS)
    got = [v == "1" for v in query(engine, url, sql)[0]]
    want = [eng[engine.name] for _, _, eng in DEPENDENT_PAIRS]
    check_eq(list(zip([(a, b) for a, b, _ in DEPENDENT_PAIRS], got)),
             list(zip([(a, b) for a, b, _ in DEPENDENT_PAIRS], want)),
             "precondition: which spellings %s takes for one tag" % engine.name)

    names = [t[1] for t in COMMON_VIDEO_TAGS]
    if engine.name == "sqlite":
        return  # names distinct for LIKE by construction: no two differ only by ASCII case
    key = (lambda n: "upper(%s)" % literal(engine, n)) if engine.name == "postgresql" else \
        (lambda n: literal(engine, n))
    sql = "SELECT COUNT(DISTINCT n) FROM (%s) t;" % " UNION ALL ".join("SELECT %s AS n" % key(n) for n in names)
    check_eq(int(query(engine, url, sql)[0][0]), len(names),
             "precondition: the %d common names are distinct on %s" % (len(names), engine.name))


# ------------------------------------------------------------------------- tests


@test
def query_helper_reads_text_exactly(engine):
    """The helper itself (no tag feature needed): awkward text written with SQL reads back exactly."""
    url = engine.create("pm_tags_helper", version=V4)
    awkward = ["tab\there", "new\nline", "NULL", "\\N", "it's", 'say "hi"', "back\\slash", "😀 数学 é", " "]
    values = ", ".join("(%d, %s, %s, %d, %s)" % (
        i + 1, literal(engine, s).replace(" COLLATE utf8mb4_unicode_ci", ""),
        literal(engine, "s%d" % i).replace(" COLLATE utf8mb4_unicode_ci", ""), i,
        ("TRUE" if i == 2 else "FALSE") if engine.name == "postgresql" else str(int(i == 2)))
        for i, s in enumerate(awkward))
    q = lambda c: quoted(engine, c)  # noqa: E731
    engine.run_sql(url, "INSERT INTO video_tagulous_video_tags (%s, %s, %s, %s, %s) VALUES %s;" % (
        q("id"), q("name"), q("slug"), q("count"), q("protected"), values))
    got = read_tags(engine, url)
    check_eq(got["video"][0], [(i + 1, s, "s%d" % i, i, i == 2) for i, s in enumerate(awkward)], "rows read back")
    check_eq(got["video"][1], [], "relations")
    check_eq(got["recorder"], ([], []), "recorder rows")


@test
def onlytags_tricky_names(engine):
    url, _ = imported(engine, "pm_tags_tricky")
    check_engine_identity(engine, url)
    before = snapshot(engine, url, "tricky-before")
    path = tags_file("tricky.json", VIDEO_INPUT, RECORDER_INPUT)
    res = onlytags(url, path)
    check_eq(res.returncode, 0, "--onlytags exit status: " + res.stderr[-3000:])
    got = read_tags(engine, url)
    check_kind(got["video"], *video_expectation(engine.name), what="video (%s)" % engine.name)
    check_kind(got["recorder"], RECORDER_TAGS, RECORDER_RELATIONS, what="recorder")
    for ghost in GHOST_IDS:
        check(mentions(res.stderr, ghost), "stderr does not mention the missing object %s:\n%s" % (
            ghost, res.stderr[-2000:]))
    check(snapshot(engine, url, "tricky-after") == before, "--onlytags changed a table other than the tags")


@test
def onlytags_twice_gives_the_same_rows(engine):
    url, _ = imported(engine, "pm_tags_twice")
    path = tags_file("twice.json", VIDEO_INPUT, RECORDER_INPUT)
    res = onlytags(url, path, "-q")
    check_eq(res.returncode, 0, "first --onlytags: " + res.stderr[-2000:])
    first = read_tags(engine, url)
    check(len(first["video"][0]) >= len(COMMON_VIDEO_TAGS), "too few tags: %d" % len(first["video"][0]))
    res = onlytags(url, path, "-q")
    check_eq(res.returncode, 0, "second --onlytags: " + res.stderr[-2000:])
    check_eq(read_tags(engine, url), first, "tag rows after a second --onlytags")


@test
def full_import_makes_the_tags(engine):
    url, res = imported(engine, "pm_tags_full")
    got = read_tags(engine, url)
    check_kind(got["video"], EDGE_VIDEO_TAGS, EDGE_VIDEO_RELATIONS, what="video")
    check_kind(got["recorder"], EDGE_RECORDER_TAGS, EDGE_RECORDER_RELATIONS, what="recorder")
    for ghost in EDGE_GHOST_IDS:
        check(mentions(res.stderr, ghost), "stderr does not mention the missing object %s:\n%s" % (
            ghost, res.stderr[-2000:]))


@test
def onlytags_after_full_import_gives_the_same_rows(engine):
    url, _ = imported(engine, "pm_tags_same")
    full = read_tags(engine, url)
    check(full["video"][0], "the full import made no video tag")
    res = onlytags(url, source_export(engine))
    check_eq(res.returncode, 0, "--onlytags exit status: " + res.stderr[-2000:])
    check_eq(read_tags(engine, url), full, "tag rows of --onlytags vs the full import")
    for ghost in EDGE_GHOST_IDS:
        check(mentions(res.stderr, ghost), "stderr does not mention the missing object %s:\n%s" % (
            ghost, res.stderr[-2000:]))


@test
def dry_onlytags_changes_nothing(engine):
    url, _ = imported(engine, "pm_tags_dry", "-q")
    tags_before = read_tags(engine, url)
    before = snapshot(engine, url, "dry-before")
    res = onlytags(url, tags_file("dry.json", VIDEO_INPUT, RECORDER_INPUT), "--dry")
    check_eq(res.returncode, 0, "--dry --onlytags exit status: " + res.stderr[-2000:])
    check("rolled back" in res.stderr, "the dry run does not say so: " + res.stderr[-1000:])
    check_eq(read_tags(engine, url), tags_before, "tag rows after --dry --onlytags")
    check(snapshot(engine, url, "dry-after") == before, "--dry --onlytags changed the database")


@test
def onlytags_failure_keeps_the_old_tags(engine):
    """The old rows are deleted inside the import transaction: a bad row leaves them all."""
    url, _ = imported(engine, "pm_tags_fail", "-q")
    tags_before = read_tags(engine, url)
    path = bytes_file("badtags.json", b'{"video_tagging_tag_2_tagulous": [{"video_id": 1, "tag_name": "ok"}, '
                      b'{"video_id": "two", "tag_name": "bad"}], "recorder_tagging_tag_2_tagulous": []}')
    res = onlytags(url, path)
    check_eq(res.returncode, 1, "exit status: " + res.stderr[-2000:])
    check("video_tagging_tag_2_tagulous" in res.stderr, "message lacks the table: " + res.stderr[-2000:])
    check_eq(read_tags(engine, url), tags_before, "tag rows after a failed --onlytags")


@test
def onlytags_refuses_a_second_row_of_one_video(engine):
    """Two rows for video 2 (rows 2 and 4, out of id order): refused, naming the second row and
    the id; a second row of a video the target lacks is skipped with it, not an error."""
    url, _ = imported(engine, "pm_tags_second", "-q")
    tags_before = read_tags(engine, url)
    path = tags_file("second.json", [(3, "a"), (2, "b,c"), (987654, "x"), (2, "d"), (987654, "y")], [])
    res = onlytags(url, path)
    check_eq(res.returncode, 1, "exit status: " + res.stderr[-2000:])
    check(re.search(r"video_tagging_tag_2_tagulous, row 4: video_id 2 has a second row", res.stderr),
          "the second row is not named: " + res.stderr[-2000:])
    check_eq(read_tags(engine, url), tags_before, "tag rows after a refused --onlytags")
    path = tags_file("second-ghost.json", [(3, "a"), (987654, "x"), (2, "d"), (987654, "y")], [])
    res = onlytags(url, path, "-q")
    check_eq(res.returncode, 0, "a ghost's second row: " + res.stderr[-2000:])


# kept tags, kept links; tags written, deleted; links written, deleted (videos)
SYNC_REPORT = re.compile(r"video_tagging_tag_2_tagulous\s+kept (\d+) tags and (\d+) links already right; "
                         r"tags: (\d+) written, (\d+) deleted; links: (\d+) written, (\d+) deleted")


@test
def onlytags_puts_back_edited_tag_rows(engine):
    """Rows are written only where they differ: renamed, re-slugged, protected, miscounted,
    deleted, re-pointed and stray rows all come back to what the file gives, and the rows
    already right are reported as kept."""
    url, _ = imported(engine, "pm_tags_edit", "-q")
    full = read_tags(engine, url)
    tags, rels = full["video"]
    check(len(tags) >= 3 and len(rels) >= 4, "too few video tags to edit: %r" % (full["video"],))
    q = lambda c: quoted(engine, c)  # noqa: E731
    true = "TRUE" if engine.name == "postgresql" else "1"
    false = "FALSE" if engine.name == "postgresql" else "0"
    t1, t2, t3 = tags[0][0], tags[1][0], tags[2][0]
    video = next(o for _, o, _ in rels if o != rels[3][1])  # not the re-pointed link's video
    stray_tag, stray_rel = 99999, 99999
    engine.run_sql(url, ";\n".join([
        "UPDATE %s SET %s = 'renamed by hand' WHERE %s = %d" % (q("video_tagulous_video_tags"), q("name"), q("id"), t1),
        "UPDATE %s SET %s = 'hand-slug', %s = %s WHERE %s = %d" % (
            q("video_tagulous_video_tags"), q("slug"), q("protected"), true, q("id"), t2),
        "UPDATE %s SET %s = 424242 WHERE %s = %d" % (q("video_tagulous_video_tags"), q("count"), q("id"), t3),
        "INSERT INTO %s (%s, %s, %s, %s, %s) VALUES (%d, 'stray', 'stray', 1, %s)" % (
            q("video_tagulous_video_tags"), q("id"), q("name"), q("slug"), q("count"), q("protected"),
            stray_tag, false),
        "DELETE FROM %s WHERE %s IN (%d, %d)" % (q("video_video_tags"), q("id"), rels[1][0], rels[2][0]),
        "UPDATE %s SET %s = %d WHERE %s = %d" % (
            q("video_video_tags"), q("tagulous_video_tags_id"), stray_tag, q("id"), rels[3][0]),
        "INSERT INTO %s (%s, %s, %s) VALUES (%d, %d, %d)" % (
            q("video_video_tags"), q("id"), q("video_id"), q("tagulous_video_tags_id"), stray_rel, video, stray_tag),
    ]) + ";")
    edited = read_tags(engine, url)
    check(edited != full, "precondition: the edits changed nothing")
    res = onlytags(url, source_export(engine))
    check_eq(res.returncode, 0, "--onlytags exit status: " + res.stderr[-2000:])
    check_eq(read_tags(engine, url), full, "tag rows after --onlytags over edited ones")
    m = SYNC_REPORT.search(res.stderr)
    check(m is not None, "no kept/written/deleted report: " + res.stderr[-2000:])
    if m:
        # video tags: 3 edited tags rewritten, the stray one deleted; links: 2 missing + 1 re-pointed
        # written, 1 re-pointed + 1 stray deleted
        check_eq([int(g) for g in m.groups()],
                 [len(tags) - 3, len(rels) - 3, 3, 4, 3, 2], "kept/written/deleted counts for the videos")
    res = onlytags(url, source_export(engine))
    check_eq(res.returncode, 0, "second --onlytags: " + res.stderr[-2000:])
    m = SYNC_REPORT.search(res.stderr)
    check(m is not None and [int(g) for g in m.groups()] == [len(tags), len(rels), 0, 0, 0, 0],
          "a re-run over right rows should write nothing: " + res.stderr[-1500:])


@test
def onlytags_reads_only_the_tag_tables_but_checks_the_file(engine):
    """--onlytags scans over the other tables: their rows are counted, a truncated file or
    invalid UTF-8 anywhere still fails it, and the tags are left as they were."""
    url, _ = imported(engine, "pm_tags_scan", "-q")
    before = read_tags(engine, url)
    with open(source_export(engine), "rb") as f:
        whole = f.read()
    table = re.compile(rb'"video_video":\s*\[').search(whole)
    check(table is not None, "precondition: the file has video_video")
    res = onlytags(url, source_export(engine))
    check_eq(res.returncode, 0, "--onlytags exit status: " + res.stderr[-2000:])
    src = load_json(source_export(engine))
    others = [t for t in src if not t.endswith("_tagging_tag_2_tagulous")]
    rows = sum(len(src[t]) for t in others)
    check(re.search(r"^\(%d other tables\)\s+%d\s.*scanned over: --onlytags$" % (len(others), rows), res.stderr,
                    re.M) is not None,
          "the summary does not count the %d rows of the %d other tables: %s" % (rows, len(others),
                                                                                 res.stderr[-3000:]))
    # cut inside video_video (a skipped table), before the tag tables
    cut = table.end() + 200
    res = onlytags(url, bytes_file("scan-cut.json", whole[:cut]))
    check_eq(res.returncode, 1, "truncated file: " + res.stderr[-2000:])
    check("truncated" in res.stderr, "no word of truncation: " + res.stderr[-1000:])
    # an invalid byte inside a string of a skipped table
    title = re.compile(rb'"title":\s*"').search(whole, table.end())
    check(title is not None, "precondition: video_video has a title")
    at = title.end()
    bad = whole[:at] + b"\xff" + whole[at:]
    res = onlytags(url, bytes_file("scan-bad.json", bad))
    check_eq(res.returncode, 1, "invalid UTF-8: " + res.stderr[-2000:])
    check("invalid UTF-8" in res.stderr and "byte %d" % at in res.stderr,
          "the error does not name byte %d: %s" % (at, res.stderr[-1000:]))
    check_eq(read_tags(engine, url), before, "tag rows after the failed runs")


if __name__ == "__main__":
    sys.exit(0 if run("tags") else 1)
