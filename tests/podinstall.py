"""A fake Pod install for the tests of --pod-dir (and of migrate --from/--to DIR).

Laid out as Pod composes its settings: manage.py (pod.settings), pod/settings.py running
every pod/*/settings.py then every pod/*/settings_local.py (paths relative to the install's
root, as Pod's are), pod/main/settings.py setting BASE_DIR (the pod/ folder) and a default
SQLite database, pod/custom/settings_local.py with the DATABASES of the test. With
computed=True, part of NAME comes from pod/main/settings.py through an f-string, so that only
a reader that composes the settings as Django does finds the database (the fallback, which
reads settings_local.py alone, gets a wrong name). A .venv made from Debian's Python sees
Debian's Django (python3-django).

    path = make_install(root, "mysql://user:pw@127.0.0.1:3306/pod_v3", version="v3")
"""
import os
import subprocess
import time
import urllib.parse

_databases = {}  # install root -> the URL it was made with (pmtest.verify_import reads it)

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-django

# what Pod's documentation gives for MariaDB
POD_MARIADB_OPTIONS = {
    "init_command": "SET storage_engine=INNODB, sql_mode='STRICT_TRANS_TABLES', innodb_strict_mode=1, "
                    "foreign_key_checks=1",
    "charset": "utf8",
}

MANAGE_PY = '''#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pod.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
'''

# Each file runs in a namespace seeded with what came before (its own __file__), and its
# upper-case names are kept: later files see and override earlier ones.
POD_SETTINGS_PY = '''"""Composed settings: every pod/*/settings.py, then every pod/*/settings_local.py."""
import glob

for _pattern in ("pod/*/settings.py", "pod/*/settings_local.py"):
    for _path in sorted(glob.glob(_pattern)):
        _namespace = dict(globals(), __file__=_path)
        with open(_path, encoding="utf-8") as _file:
            exec(compile(_file.read(), _path, "exec"), _namespace)
        globals().update({_k: _v for _k, _v in _namespace.items() if _k.isupper()})
'''

MAIN_SETTINGS_PY = '''import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "podmigrate-tests"
USE_TZ = True
DB_NAME_HEAD = %(head)r
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(BASE_DIR, "db.sqlite3"),
    }
}
'''


def parts_from_url(url):
    """DATABASES['default'] for one of the tests' URLs (sqlite:PATH, mysql://, postgresql://)."""
    if url.startswith("sqlite:"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:"):]}
    u = urllib.parse.urlparse(url)
    mysql = u.scheme in ("mysql", "mariadb")
    parts = {
        "ENGINE": "django.db.backends.mysql" if mysql else "django.db.backends.postgresql",
        "NAME": urllib.parse.unquote(u.path.lstrip("/")),
        "USER": urllib.parse.unquote(u.username or ""),
        "PASSWORD": urllib.parse.unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
    }
    if mysql:
        parts["OPTIONS"] = dict(POD_MARIADB_OPTIONS)
    return parts


def settings_local_text(parts, computed=True):
    """pod/custom/settings_local.py defining DATABASES (NAME split over pod/main when computed)."""
    lines = ["# written by tests/podinstall.py", "DATABASES = {", '    "default": {']
    for key, value in parts.items():
        if key == "NAME" and computed and len(value) > 1:
            tail = value[len(value) // 2:]
            lines.append('        "NAME": f"{globals().get(\'DB_NAME_HEAD\', \'not_composed_\')}%s",'
                         % tail.replace("\\", "\\\\").replace('"', '\\"').replace("{", "{{").replace("}", "}}"))
        else:
            lines.append("        %r: %r," % (key, value))
    lines += ["    }", "}", ""]
    return "\n".join(lines)


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def make_venv(path):
    """A virtualenv over Debian's Python (its Django seen), or a bin/python link where venv is missing."""
    res = subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", path],
                         capture_output=True, text=True)
    if res.returncode != 0:
        os.makedirs(os.path.join(path, "bin"), exist_ok=True)
        link = os.path.join(path, "bin", "python")
        if not os.path.lexists(link):
            os.symlink(SYSTEM_PYTHON, link)
    return os.path.join(path, "bin", "python")


def make_install(root, engine_url_or_parts, version="v3", venv=True, computed=True, settings_local=None,
                 default_db=True):
    """Writes a Pod install at root (created if missing) and returns root, absolute.
    engine_url_or_parts: a tests URL or DATABASES['default'] as a dict; settings_local: the
    text of pod/custom/settings_local.py instead (a broken one, say); default_db=False leaves
    the default DATABASES out of pod/main/settings.py."""
    root = os.path.abspath(root)
    parts = (parts_from_url(engine_url_or_parts) if isinstance(engine_url_or_parts, str)
             else dict(engine_url_or_parts))
    name = parts.get("NAME", "")
    head = name[:len(name) // 2] if computed and len(name) > 1 else ""
    _write(os.path.join(root, "manage.py"), MANAGE_PY)
    _write(os.path.join(root, "pod", "__init__.py"), "")
    _write(os.path.join(root, "pod", "settings.py"), POD_SETTINGS_PY)
    _write(os.path.join(root, "pod", "main", "__init__.py"), "")
    main = MAIN_SETTINGS_PY % {"head": head}
    if not default_db:
        main = main[:main.index("DATABASES = {")]
    _write(os.path.join(root, "pod", "main", "settings.py"), main)
    _write(os.path.join(root, "pod", "custom", "__init__.py"), "")
    _write(os.path.join(root, "pod", "custom", "settings_local.py"),
           settings_local if settings_local is not None else settings_local_text(parts, computed))
    _write(os.path.join(root, "VERSION"), version + "\n")
    if venv and not os.path.exists(os.path.join(root, ".venv")):
        make_venv(os.path.join(root, ".venv"))
    if isinstance(engine_url_or_parts, str):
        register(root, engine_url_or_parts)
    return root


def register(root, url):
    """The URL through which the tests reach the database of an install made from a dict."""
    _databases[os.path.abspath(root)] = url


def database_of(root):
    """The URL make_install was given for the install at root, or None."""
    return _databases.get(os.path.abspath(root))


def export_file(root):
    """Where upstream's commands put the file for the install at root: BASE_DIR/../../data_from_v3_to_v4/."""
    return os.path.join(os.path.dirname(os.path.abspath(root)), "data_from_v3_to_v4", "v3_exported_tables.json")


def watch_processes(secret, stop, seen, command="export"):
    """Scans every process's command line and environment until stop is set: the secret in one of
    them is a leak; seen['reader'] proves that the Python child was caught while it ran, and
    seen['podmigrate'] that podmigrate COMMAND was."""
    needle = secret.encode()
    while not stop.is_set():
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            for what in ("cmdline", "environ"):
                try:
                    with open("/proc/%s/%s" % (pid, what), "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if needle in data:
                    seen.setdefault("leaks", []).append((pid, what, data[:200]))
                if what == "cmdline" and b"\\036podmigrate\\036" in data:  # the reader script
                    seen["reader"] = True
                if what == "cmdline" and (b"podmigrate\x00" + command.encode()) in data:
                    seen["podmigrate"] = True
        time.sleep(0.005)


def create_user(engine, user, password):
    """A server user (MariaDB) or role (PostgreSQL) with every right and this password."""
    if engine.name == "mariadb":
        esc = password.replace("\\", "\\\\").replace("'", "\\'")
        engine.run_sql(engine.url("mysql"), "DROP USER IF EXISTS '%s'@'%%'; CREATE USER '%s'@'%%' IDENTIFIED BY "
                       "'%s'; GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%';" % (user, user, esc, user))
    else:
        engine.run_sql(engine.url("postgres"), "DROP ROLE IF EXISTS %s; CREATE ROLE %s SUPERUSER LOGIN PASSWORD '%s';"
                       % (user, user, password.replace("'", "''")))
