"""--pod-dir and --python: the database and the file of export and import from a Pod install's
own settings, read by its Python and a real Django (Debian's python3-django), on every engine.

The installs are fake but composed as Pod composes them (tests/podinstall.py), laid out as
upstream's docs lay them out: podv3 and podv4 side by side, the file in their parent's
data_from_v3_to_v4/. The password of the settings must reach the server and nothing else: no
message, no command line (/proc/PID/cmdline of podmigrate and of its Python child)."""
import os
import subprocess
import sys
import threading
import time

import dbquery
import podinstall
from pmtest import (V4, WORK, check, check_eq, check_no_sanitizer_report, engines, load_json, podmigrate, run,
                    schema_loader_command, test)

# Every character a password may hold that a URL, a libpq string or a shell would misread.
SPECIAL_PASSWORD = "p@ss:w/o'r\\d%41 x\"y"

_count = [0]


def fresh_root(name):
    """An empty folder for one layout (upstream's /usr/local/django_projects)."""
    _count[0] += 1
    root = os.path.join(WORK, "%s-%d" % (name, _count[0]))
    os.makedirs(root)
    return root


def v3_database(engine, dbname):
    url = engine.create(dbname)
    engine.load_generated(url, "edge", None, ["--portable"])
    return url


def python_without_django():
    """A virtualenv of Debian's Python that does not see its site-packages: no Django."""
    path = os.path.join(WORK, "venv-no-django")
    if not os.path.exists(path):
        subprocess.run([podinstall.SYSTEM_PYTHON, "-m", "venv", "--without-pip", path], check=True)
    python = os.path.join(path, "bin", "python")
    res = subprocess.run([python, "-c", "import django"], capture_output=True)
    check(res.returncode != 0, "the venv without site-packages sees a Django")
    return python


def check_said(res, *parts):
    for part in parts:
        check(part in res.stderr, "expected %r in podmigrate's messages:\n%s" % (part, res.stderr[-3000:]))


@test
def export_and_import_by_pod_dir_find_each_other(engine):
    root = fresh_root("layout-" + engine.name)
    v3_url = v3_database(engine, "pm_ps_v3")
    v4_url = engine.create("pm_ps_v4", version=V4)
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), v3_url, version="v3")
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), v4_url, version="v4")
    res = podmigrate("export", "--pod-dir", podv3)
    check_eq(res.returncode, 0, "export --pod-dir: " + res.stderr[-3000:])
    check_said(res, "Pod settings of %s read by Django " % podv3, podv3 + "/.venv/bin/python")
    upstream_file = os.path.join(root, "data_from_v3_to_v4", "v3_exported_tables.json")
    check(os.path.isfile(upstream_file), "no file at upstream's place: " + res.stderr[-2000:])
    check(set(os.listdir(root)) == {"podv3", "podv4", "data_from_v3_to_v4"}, "written beside: %s" % os.listdir(root))
    by_url = os.path.join(WORK, "by-url-%s.json" % engine.name)
    check_eq(podmigrate("export", "--db", v3_url, "-o", by_url, "-q").returncode, 0, "export --db")
    check_eq(load_json(upstream_file), load_json(by_url), "the export of --pod-dir and of --db")
    # import from podv4's folder with no option at all but --pod-dir (verified by pmtest)
    res = podmigrate("import", "--pod-dir", podv4)
    check_eq(res.returncode, 0, "import --pod-dir: " + res.stderr[-3000:])
    check_said(res, upstream_file, "Pod settings of %s read by Django " % podv4)
    rows = dbquery.query(engine, v4_url, "SELECT COUNT(*) FROM video_video")
    check_eq(rows[0][0], str(len(load_json(by_url)["video_video"])), "videos in v4")


@test
def db_and_file_options_win_over_pod_dir():
    engine = engines()[0]
    root = fresh_root("win")
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), "sqlite:" + os.path.join(root, "missing.sqlite3"))
    v3_url = v3_database(engine, "pm_ps_win")
    out = os.path.join(root, "elsewhere.json")
    res = podmigrate("export", "--pod-dir", podv3, "--db", v3_url, "-o", out)
    check_eq(res.returncode, 0, "export --db --pod-dir -o: " + res.stderr[-2000:])
    check(os.path.isfile(out) and not os.path.exists(os.path.join(root, "data_from_v3_to_v4")), "-o won")
    # PODMIGRATE_DB counts as --db; the file still defaults to upstream's path
    res = podmigrate("export", "--pod-dir", podv3, env={"PODMIGRATE_DB": v3_url})
    check_eq(res.returncode, 0, "PODMIGRATE_DB and --pod-dir: " + res.stderr[-2000:])
    check(os.path.isfile(podinstall.export_file(podv3)), "upstream's file with PODMIGRATE_DB")


@test
def password_with_special_characters_reaches_only_the_server(engine):
    if engine.name == "sqlite":
        return  # no password
    user = "pm_special"
    podinstall.create_user(engine, user, SPECIAL_PASSWORD)
    v3_url = v3_database(engine, "pm_ps_pw")
    parts = podinstall.parts_from_url(v3_url)
    parts.update(USER=user, PASSWORD=SPECIAL_PASSWORD)
    root = fresh_root("pw-" + engine.name)
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), parts)
    # the settings sleep so that the scan sees the Python child as it runs
    with open(os.path.join(podv3, "pod", "custom", "settings_local.py"), "a") as f:
        f.write("import time\ntime.sleep(1.0)\n")
    stop, seen = threading.Event(), {}
    watcher = threading.Thread(target=podinstall.watch_processes, args=(SPECIAL_PASSWORD, stop, seen))
    watcher.start()
    try:
        res = podmigrate("export", "--pod-dir", podv3, "-v")
    finally:
        stop.set()
        watcher.join()
    check_eq(res.returncode, 0, "export with the special password: " + res.stderr[-3000:])
    check(seen.get("reader") and seen.get("podmigrate"), "the scan saw neither podmigrate nor its Python: %r"
          % sorted(seen))
    check(not seen.get("leaks"), "the password in a process's command line or environment: %r" % seen.get("leaks"))
    for form in (SPECIAL_PASSWORD, "p@ss", "w/o'r", "%41", "p%40ss"):
        check(form not in res.stderr + res.stdout, "the password (%r) in a message:\n%s" % (form, res.stderr[-3000:]))
    check(os.path.isfile(podinstall.export_file(podv3)), "no export file")
    # the import side, by the same user (pmtest verifies it through the tests' own URL)
    v4_url = engine.create("pm_ps_pw4", version=V4)
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), dict(podinstall.parts_from_url(v4_url), USER=user,
                                                                      PASSWORD=SPECIAL_PASSWORD), version="v4")
    podinstall.register(podv4, v4_url)
    res = podmigrate("import", "--pod-dir", podv4)
    check_eq(res.returncode, 0, "import with the special password: " + res.stderr[-3000:])
    check("p@ss" not in res.stderr and SPECIAL_PASSWORD not in res.stderr, "password shown: " + res.stderr)
    # a wrong password is refused by the server, still without showing it
    parts.update(PASSWORD=SPECIAL_PASSWORD + "-wrong")
    podinstall.make_install(podv3, parts)
    res = podmigrate("export", "--pod-dir", podv3, "-o", os.path.join(root, "wrong.json"))
    check_eq(res.returncode, 1, "export with a wrong password: " + res.stderr[-2000:])
    check("p@ss" not in res.stderr and SPECIAL_PASSWORD not in res.stderr, "password shown: " + res.stderr)
    check(not os.path.exists(os.path.join(root, "wrong.json")), "a file written by a failed export")


@test
def without_django_only_settings_local_is_read():
    engine = engines()[0]
    no_django = python_without_django()
    root = fresh_root("nodjango")
    v3_url = v3_database(engine, "pm_ps_nodj")
    plain = podinstall.make_install(os.path.join(root, "plain"), v3_url, computed=False)
    res = podmigrate("export", "--pod-dir", plain, "--python", no_django)
    check_eq(res.returncode, 0, "export without Django: " + res.stderr[-2000:])
    check_said(res, "warning: %s has no Django" % no_django, "pod/custom/settings_local.py alone")
    check("read by Django" not in res.stderr, "said Django read it: " + res.stderr)
    check(os.path.isfile(podinstall.export_file(plain)), "no file without Django")
    # a NAME that only the composed settings give: the fallback gets another, which is no database
    composed = podinstall.make_install(os.path.join(root, "composed"), v3_url, computed=True)
    out = os.path.join(root, "composed.json")
    res = podmigrate("export", "--pod-dir", composed, "--python", no_django, "-o", out)
    check_eq(res.returncode, 1, "the fallback should miss the composed NAME: " + res.stderr[-2000:])
    check_said(res, "not_composed_")
    res = podmigrate("export", "--pod-dir", composed, "-o", out)
    check_eq(res.returncode, 0, "Django should compose the NAME: " + res.stderr[-2000:])


def broken_install(name, **kwargs):
    root = fresh_root(name)
    return podinstall.make_install(os.path.join(root, "podv3"), "sqlite:" + os.path.join(root, "x.sqlite3"), **kwargs)


def check_refused(pod_dir, status, *said, extra=()):
    """export --pod-dir fails with status, saying each of said, writing nothing."""
    before = sorted(os.listdir(os.path.dirname(pod_dir)))
    res = podmigrate("export", "--pod-dir", pod_dir, *extra)
    check_eq(res.returncode, status, "exit status: " + res.stderr[-2000:])
    check_said(res, *said)
    check("Traceback" not in res.stderr, "a raw traceback: " + res.stderr)
    check_eq(sorted(os.listdir(os.path.dirname(pod_dir))), before, "files beside the install")
    return res


@test
def syntax_error_names_file_and_line():
    bad = broken_install("syntax", settings_local="import os\nDATABASES = {\n    'default': {'ENGINE': 'x',\n")
    check_refused(bad, 1, "pod/custom/settings_local.py line 3: SyntaxError", "with Django")
    check_refused(bad, 1, "pod/custom/settings_local.py line 3: SyntaxError", "has no Django",
                  extra=("--python", python_without_django()))


@test
def exception_in_settings_names_file_and_line():
    bad = broken_install("raise", settings_local="X = 1\nY = {}['missing']\n")
    check_refused(bad, 1, "pod/custom/settings_local.py line 2: KeyError")


@test
def unknown_engine_is_named():
    bad = broken_install("engine", settings_local="DATABASES = {'default': {'ENGINE': 'django.db.backends.oracle', "
                         "'NAME': 'pod'}}\n")
    check_refused(bad, 1, "ENGINE 'django.db.backends.oracle'")


@test
def missing_databases_is_an_error():
    bad = broken_install("nodb", settings_local="DEBUG = True\n", default_db=False)
    check_refused(bad, 1, "define no DATABASES")
    check_refused(bad, 1, "define no DATABASES", extra=("--python", python_without_django()))
    other = broken_install("nodefault", settings_local="DATABASES = {'other': {}}\n", default_db=False)
    check_refused(other, 1, "no DATABASES['default']")


@test
def no_python_no_install():
    ok = broken_install("nopython")
    check_refused(ok, 1, "cannot run /nonexistent", "(--python)", extra=("--python", "/nonexistent"))
    novenv = broken_install("novenv", venv=False)
    res = podmigrate("export", "--pod-dir", novenv, env={"PATH": "/nonexistent", "VIRTUAL_ENV": "",
                                                         "WORKON_HOME": os.path.join(WORK, "no-workon")})
    check_eq(res.returncode, 1, "no python anywhere: " + res.stderr[-2000:])
    check_said(res, novenv + "/.venv/bin/python", "django_pod3", "python3 on PATH")
    res = podmigrate("export", "--pod-dir", WORK)
    check_eq(res.returncode, 2, "--pod-dir of a folder without manage.py: " + res.stderr)
    check_said(res, "no manage.py")
    res = podmigrate("import", "--pod-dir", os.path.join(WORK, "nowhere"))
    check_eq(res.returncode, 2, "--pod-dir of no folder: " + res.stderr)


@test
def virtualenv_of_workon_home():
    """Without DIR/.venv, $WORKON_HOME/django_pod3 for a v3 install (django_pod4 for v4)."""
    engine = engines()[0]
    v3_url = v3_database(engine, "pm_ps_workon")
    root = fresh_root("workon")
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), v3_url, venv=False)
    workon = os.path.join(root, "virtualenvs")
    python = podinstall.make_venv(os.path.join(workon, "django_pod3"))
    res = podmigrate("export", "--pod-dir", podv3, env={"WORKON_HOME": workon, "VIRTUAL_ENV": ""})
    check_eq(res.returncode, 0, "export with WORKON_HOME: " + res.stderr[-2000:])
    check_said(res, "(%s)" % python)
    # a v4 install, virtualenvwrapper's default home (~/.virtualenvs) and Pod's generic name
    home = os.path.join(root, "home")
    generic = podinstall.make_venv(os.path.join(home, ".virtualenvs", "django_pod"))
    podinstall.make_venv(os.path.join(home, ".virtualenvs", "django_pod3"))  # a v3 one, not for v4
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), engine.create("pm_ps_workon4", version=V4),
                                    version="v4", venv=False)
    res = podmigrate("import", "--pod-dir", podv4, "--dry", env={"WORKON_HOME": "", "VIRTUAL_ENV": "", "HOME": home})
    check_eq(res.returncode, 0, "import --dry with ~/.virtualenvs: " + res.stderr[-2000:])
    check_said(res, "(%s)" % generic, podinstall.export_file(podv3))
    # $VIRTUAL_ENV comes before them
    active = podinstall.make_venv(os.path.join(root, "active"))
    res = podmigrate("import", "--pod-dir", podv4, "--dry", env={"VIRTUAL_ENV": os.path.join(root, "active"),
                                                                "HOME": home})
    check_eq(res.returncode, 0, "import --dry with VIRTUAL_ENV: " + res.stderr[-2000:])
    check_said(res, "(%s)" % active)


@test
def mariadb_charset_utf8_is_ignored(engine):
    """Pod's documented OPTIONS charset 'utf8' would lose emoji: the connection stays utf8mb4."""
    if engine.name != "mariadb":
        return
    v3_url = v3_database(engine, "pm_ps_emoji3")
    title = "emoji \U0001F3AC \U0001F600 kept"
    engine.run_sql(v3_url, "UPDATE video_video SET title = %s WHERE id = (SELECT m FROM (SELECT MIN(id) AS m "
                   "FROM video_video) AS t);" % dbquery.literal(engine, title))
    v4_url = engine.create("pm_ps_emoji4", version=V4)
    root = fresh_root("emoji")
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), v3_url)
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), v4_url, version="v4")
    with open(os.path.join(podv3, "pod", "custom", "settings_local.py")) as f:
        check("'charset': 'utf8'" in f.read(), "the install has no charset utf8")
    res = podmigrate("export", "--pod-dir", podv3)
    check_eq(res.returncode, 0, "export: " + res.stderr[-2000:])
    check_said(res, "charset 'utf8'", "ignored")
    check_eq(podmigrate("import", "--pod-dir", podv4).returncode, 0, "import")
    rows = dbquery.query(engine, v4_url, "SELECT %s FROM video_video WHERE title LIKE 'emoji%%'"
                         % dbquery.hexed(engine, "title"))
    check_eq([dbquery.unhex(r[0]) for r in rows], [title], "the title in v4")


@test
def create_db_with_pod_dir_imports_into_the_settings_database():
    engine = engines()[0]
    root = fresh_root("createdb")
    v3_url = v3_database(engine, "pm_ps_cdb3")
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), v3_url)
    v4_path = os.path.join(root, "podv4.sqlite3")
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), "sqlite:" + v4_path, version="v4")
    check_eq(podmigrate("export", "--pod-dir", podv3, "-q").returncode, 0, "export")
    loader = schema_loader_command(engine, "sqlite:" + v4_path)
    open(v4_path, "w").close()  # import opens the database before createDB, and never creates a file
    other = os.path.join(root, "other.sqlite3")
    # --db naming another database: refused before anything runs
    for env, db in (({}, ["--db", "sqlite:" + other]), ({"PODMIGRATE_DB": "sqlite:" + other}, [])):
        res = podmigrate("import", "--pod-dir", podv4, *db, "--createDB", "--createdb-command", loader, env=env)
        check_eq(res.returncode, 2, "--createDB with another --db: " + res.stderr[-2000:])
        check_said(res, "sqlite:" + v4_path, "sqlite:" + other)
        check(os.path.getsize(v4_path) == 0 and not os.path.exists(other), "a database was written")
    # the same database by another path is accepted (links followed)
    same = os.path.join(root, "link")
    os.symlink(root, same)
    res = podmigrate("import", "--pod-dir", podv4, "--db", "sqlite:" + os.path.join(same, "podv4.sqlite3"),
                     "--createDB", "--createdb-command", loader)
    check_eq(res.returncode, 0, "--createDB with the same database: " + res.stderr[-3000:])
    os.unlink(v4_path)
    open(v4_path, "w").close()
    # no --db: createDB runs in podv4, the import goes to its settings' database
    res = podmigrate("import", "--pod-dir", podv4, "--createDB", "--createdb-command", loader + " && pwd")
    check_eq(res.returncode, 0, "--createDB --pod-dir: " + res.stderr[-3000:])
    check(podv4 in res.stdout, "createDB did not run in the install: " + res.stdout)
    rows = dbquery.query(engine, "sqlite:" + v4_path, "SELECT COUNT(*) FROM video_video")
    check(int(rows[0][0]) > 0, "nothing imported into the settings' database")


@test
def create_db_mismatch_on_servers(engine):
    """Another database name on the same server is another database."""
    if engine.name == "sqlite":
        return
    v4_url = engine.url("pm_ps_cdb_a")
    root = fresh_root("cdb-" + engine.name)
    podv4 = podinstall.make_install(os.path.join(root, "podv4"), v4_url, version="v4")
    res = podmigrate("import", "--pod-dir", podv4, "--db", engine.url("pm_ps_cdb_b"), "--createDB", "--dry",
                     "-i", os.devnull)
    check_eq(res.returncode, 2, "--createDB with another database: " + res.stderr[-2000:])
    check_said(res, "pm_ps_cdb_a", "pm_ps_cdb_b")
    check(":%s@" % engine.password not in res.stderr, "password shown: " + res.stderr)


@test
def sockets_and_option_files(engine):
    """HOST starting with '/' is the socket (MariaDB) or its directory (PostgreSQL), as Django
    reads it; MariaDB's OPTIONS unix_socket and read_default_file are followed too."""
    if engine.name == "sqlite":
        return
    v3_url = v3_database(engine, "pm_ps_sock")
    if engine.name == "mariadb":
        sock = dbquery.query(engine, v3_url, "SELECT @@socket")[0][0]
    else:
        sock = dbquery.query(engine, v3_url, "SHOW unix_socket_directories")[0][0].split(",")[0].strip()
    check(sock.startswith("/"), "socket: %r" % sock)
    base = podinstall.parts_from_url(v3_url)
    cnf = os.path.join(WORK, "client.cnf")
    with open(cnf, "w") as f:
        f.write("[client]\npassword=%s\n" % engine.password)
    variants = [dict(base, HOST=sock)]  # PORT kept: PostgreSQL names its socket by it
    if engine.name == "mariadb":
        variants.append(dict(base, HOST="", OPTIONS=dict(base["OPTIONS"], unix_socket=sock)))
        variants.append(dict(base, PASSWORD="", OPTIONS=dict(base["OPTIONS"], read_default_file=cnf)))
    else:  # libpq keywords are passed on, Django's own options are not
        variants.append(dict(base, OPTIONS={"sslmode": "disable", "isolation_level": 1,
                                            "application_name": "pod settings"}))
    root = fresh_root("sock-" + engine.name)
    for i, parts in enumerate(variants):
        podv3 = podinstall.make_install(os.path.join(root, "podv3"), parts)
        out = os.path.join(root, "sock-%d.json" % i)
        res = podmigrate("export", "--pod-dir", podv3, "-o", out, "-q")
        check_eq(res.returncode, 0, "export over %r: %s" % (parts.get("HOST"), res.stderr[-2000:]))
        check(os.path.isfile(out), "no file")
    if engine.name == "postgresql":  # the test server has no SSL: sslmode=require must fail
        podv3 = podinstall.make_install(os.path.join(root, "podv3"), dict(base, OPTIONS={"sslmode": "require"}))
        res = podmigrate("export", "--pod-dir", podv3, "-o", os.path.join(root, "ssl.json"))
        check_eq(res.returncode, 1, "sslmode=require against a server without SSL: " + res.stderr[-2000:])
        check_said(res, "SSL")
    # a wrong socket is not silently replaced by TCP
    podv3 = podinstall.make_install(os.path.join(root, "podv3"), dict(base, HOST=os.path.join(root, "nosock")))
    res = podmigrate("export", "--pod-dir", podv3, "-o", os.path.join(root, "nosock.json"))
    check_eq(res.returncode, 1, "export over a missing socket: " + res.stderr[-2000:])


if __name__ == "__main__":
    sys.exit(0 if run("settings") else 1)  # run.sh tallies "[a-z]+: N passed"
