/* Reads a Pod install's database settings by running its Python (see pod_settings.h). */
#include "pod_settings.h"

#include "db_url.h"
#include "log.h"
#include "pod_schema.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

/*
 * Run with -c from the install's root. It answers on its stdout with one
 * line, MARK then JSON, after pointing fd 1 to fd 2 so that whatever the
 * settings print goes with Python's stderr (both come to us on one pipe,
 * kept out of the user's sight unless it explains a failure). With Django:
 * DATABASES and BASE_DIR as Django composes them. Without: only
 * pod/custom/settings_local.py, BASE_DIR preset to pod/ as Pod's main
 * settings set it. A failure answers with the exception and the innermost
 * file and line of the install, never with the source line (it may hold the
 * password).
 */
static const char reader_script[] =
	"import json, os, sys, traceback\n"
	"sys.dont_write_bytecode = True\n"
	"root = os.path.realpath(os.getcwd())\n"
	"out = os.fdopen(os.dup(1), \"w\")\n"
	"os.dup2(2, 1)\n"
	"sys.stdout = sys.stderr\n"
	"def done(d):\n"
	"    out.write(\"\\036podmigrate\\036\" + json.dumps(d) + \"\\n\")\n"
	"    out.flush()\n"
	"    os._exit(0)\n"
	"def inside(f):\n"
	"    return f and os.path.realpath(f).startswith(root + os.sep)\n"
	"def fail(e, via, more={}):\n"
	"    f, n = getattr(e, \"filename\", None), getattr(e, \"lineno\", None)\n"
	"    if not (isinstance(e, SyntaxError) and f):\n"
	"        tb = traceback.extract_tb(e.__traceback__)\n"
	"        t = ([t for t in tb if inside(t.filename)] or tb or [None])[-1]\n"
	"        f, n = (t.filename, t.lineno) if t else (\"\", 0)\n"
	"    m = e.msg if isinstance(e, SyntaxError) else str(e)\n"
	"    f = os.path.relpath(os.path.realpath(f), root) if inside(f) else f\n"
	"    done(dict(more, error=type(e).__name__ + (\": \" + m if m else \"\"), file=f or \"\", line=n or 0, via=via))\n"
	"def text(v):\n"
	"    return \"\" if v is None else str(v)\n"
	"def simple(v):\n"
	"    return isinstance(v, (str, int, float, bool))\n"
	"def result(dbs, base, via, more):\n"
	"    d = dbs.get(\"default\") if isinstance(dbs, dict) else None\n"
	"    if not isinstance(d, dict) or base is None:\n"
	"        what = (\"no BASE_DIR\" if base is None and isinstance(d, dict)\n"
	"                else \"no DATABASES\" if not dbs else \"no DATABASES['default']\")\n"
	"        done(dict(more, error=\"the settings define \" + what, file=\"\", line=0, via=via))\n"
	"    opts = d.get(\"OPTIONS\") or {}\n"
	"    r = {k.lower(): text(d.get(k)) for k in (\"ENGINE\", \"NAME\", \"USER\", \"PASSWORD\", \"HOST\", \"PORT\")}\n"
	"    r[\"options\"] = {str(k): text(v) for k, v in opts.items() if simple(v)}\n"
	"    r[\"unread\"] = [str(k) for k, v in opts.items() if not simple(v)]\n"
	"    b = os.path.abspath(text(base))\n"
	"    r.update(more, via=via, base_dir=b, export_dir=os.path.normpath(os.path.join(b, \"..\", \"..\")))\n"
	"    done(r)\n"
	"sys.path.insert(0, root)\n"
	"try:\n"
	"    import django\n"
	"except ImportError as e:\n"
	"    more = {\"no_django\": str(e)}\n"
	"    path = os.path.join(root, \"pod\", \"custom\", \"settings_local.py\")\n"
	"    g = {\"__file__\": path, \"__name__\": \"settings_local\", \"os\": os,\n"
	"         \"BASE_DIR\": os.path.join(root, \"pod\")}\n"
	"    try:\n"
	"        with open(path, \"rb\") as f:\n"
	"            code = compile(f.read(), path, \"exec\")\n"
	"        exec(code, g)\n"
	"    except BaseException as e:\n"
	"        fail(e, \"file\", more)\n"
	"    result(g.get(\"DATABASES\"), g.get(\"BASE_DIR\"), \"file\", more)\n"
	"os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"pod.settings\")\n"
	"try:\n"
	"    from django.conf import settings\n"
	"    dbs = settings.DATABASES\n"
	"    base = getattr(settings, \"BASE_DIR\", None)\n"
	"except BaseException as e:\n"
	"    fail(e, \"django\")\n"
	"result(dbs, base, \"django\", {\"django\": django.get_version()})\n";

#define MARK "\036podmigrate\036"
#define EXEC_FAILED "\036podmigrate-exec\036"

static void sb_free_secret(StrBuf *sb)
{
	if (sb->data)
		explicit_bzero(sb->data, sb->cap);
	sb_free(sb);
}

/* Appends with the room reserved first, so that no copy of a secret is left behind by a realloc. */
static void sb_reserve_secret(StrBuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	StrBuf bigger = STRBUF_INIT;
	sb_reserve(&bigger, (sb->len + extra + 1) * 2);
	sb_append(&bigger, sb->data ? sb->data : "", sb->len);
	sb_free_secret(sb);
	*sb = bigger;
}

static bool is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * The interpreter: --python, else the first virtualenv found where Pod's
 * docs put one, else python3 on PATH. looked says where it looked, for the
 * error when it cannot be run.
 */
static char *pick_python(const char *dir, PodInstallVersion version, const char *given, StrBuf *looked)
{
	if (given) {
		sb_printf(looked, "%s (--python)", given);
		/* the reader runs from dir: a relative path is made absolute (links kept: a venv's python is one) */
		char *cwd = strchr(given, '/') && given[0] != '/' ? getcwd(NULL, 0) : NULL;
		StrBuf path = STRBUF_INIT;
		sb_printf(&path, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", given);
		free(cwd);
		return sb_steal(&path);
	}
	/* virtualenvwrapper's default when WORKON_HOME is not set */
	const char *workon = getenv("WORKON_HOME"), *home = getenv("HOME");
	StrBuf default_workon = STRBUF_INIT;
	if ((!workon || !*workon) && home && *home) {
		sb_printf(&default_workon, "%s/.virtualenvs", home);
		workon = default_workon.data;
	}
	const char *venv = getenv("VIRTUAL_ENV");
	const char *names[] = {version == POD_INSTALL_V3 ? "django_pod3" : "django_pod4", "django_pod"};
	StrBuf path = STRBUF_INIT;
	for (int i = 0; i < 4; i++) {
		sb_reset(&path);
		if (i == 0)
			sb_printf(&path, "%s/.venv/bin/python", dir);
		else if (i == 1 && venv && *venv)
			sb_printf(&path, "%s/bin/python", venv);
		else if (i >= 2 && workon && *workon)
			sb_printf(&path, "%s/%s/bin/python", workon, names[i - 2]);
		else
			continue;
		sb_printf(looked, "%s%s", looked->len ? ", " : "", path.data);
		if (is_executable(path.data))
			break;
	}
	sb_free(&default_workon);
	if (path.len && is_executable(path.data))
		return sb_steal(&path);
	sb_free(&path);
	sb_printf(looked, "%spython3 on PATH", looked->len ? ", " : "");
	return xstrdup("python3");
}

/*
 * Runs the reader in dir; *output gets all it wrote (its answer and its
 * stderr), *status its wait status. False (logged) only if it could not be
 * started at all.
 */
static bool run_reader(const char *dir, const char *python, StrBuf *output, int *status)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		log_error("cannot read the Pod settings: pipe: %s", strerror(errno));
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot read the Pod settings: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
			_exit(126);
		if (chdir(dir) != 0) {
			dprintf(1, EXEC_FAILED "cannot enter %s: %s\n", dir, strerror(errno));
			_exit(126);
		}
		execlp(python, python, "-c", reader_script, (char *)NULL);
		dprintf(1, EXEC_FAILED "cannot run %s: %s\n", python, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	char buf[4096];
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_reserve_secret(output, (size_t)n);
		sb_append(output, buf, (size_t)n);
	}
	explicit_bzero(buf, sizeof(buf));
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			log_error("cannot wait for %s: %s", python, strerror(errno));
			return false;
		}
	return true;
}

/* The last line of what Python wrote before dying (its exception, usually). */
static void last_line(const char *text, StrBuf *line)
{
	size_t end = strlen(text);
	while (end && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start && text[start - 1] != '\n')
		start--;
	sb_append(line, text + start, end - start);
}

/* The parts of DATABASES['default'] that every engine reads. */
typedef struct DbParts {
	const char *name, *user, *password, *host, *port;
	yajl_val options; /* OPTIONS, its scalar values as text */
} DbParts;

/* OPTIONS values come as text from the reader; anything else reads as "". */
static const char *option_value(const DbParts *db, size_t i)
{
	const char *value = YAJL_GET_STRING(db->options->u.object.values[i]);
	return value ? value : "";
}

static const char *json_text(yajl_val obj, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : NULL;
}

/* Percent-encodes all but the URL's unreserved characters. */
static void put_encoded(StrBuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	sb_reserve_secret(sb, strlen(s) * 3);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			sb_putc(sb, (char)*p);
		} else {
			sb_putc(sb, '%');
			sb_putc(sb, hex[*p >> 4]);
			sb_putc(sb, hex[*p & 15]);
		}
	}
}

/* user[:password]@ of a URL, nothing when there is no user. */
static void put_userinfo(StrBuf *sb, const char *user, const char *password)
{
	if (!*user && !*password)
		return;
	put_encoded(sb, user);
	if (*password) {
		sb_putc(sb, ':');
		put_encoded(sb, password);
	}
	sb_putc(sb, '@');
}

/* host[:port], bracketed when an IPv6 address. */
static void put_hostport(StrBuf *sb, const char *host, const char *port)
{
	bool ipv6 = strchr(host, ':') != NULL;
	if (ipv6)
		sb_putc(sb, '[');
	if (ipv6)
		sb_puts(sb, host);
	else
		put_encoded(sb, host);
	if (ipv6)
		sb_putc(sb, ']');
	if (*port)
		sb_printf(sb, ":%s", port);
}

/*
 * MariaDB: a mysql:// URL (db_url.c decodes it, user-info up to the last
 * '@'). As Django's backend does, a HOST starting with '/' is the socket,
 * and OPTIONS unix_socket (or socket) wins. charset is left out on purpose:
 * Pod documents 'utf8', MariaDB's three-byte utf8, which would lose every
 * emoji; db_mysql.c always connects in utf8mb4.
 */
static bool mysql_url(const DbParts *db, const char *dir, StrBuf *url)
{
	const char *socket = db->host[0] == '/' ? db->host : NULL;
	const char *defaults_file = NULL;
	for (size_t i = 0; db->options && i < db->options->u.object.len; i++) {
		const char *key = db->options->u.object.keys[i];
		const char *value = option_value(db, i);
		if (!strcmp(key, "unix_socket") || !strcmp(key, "socket"))
			socket = value;
		else if (!strcmp(key, "read_default_file"))
			defaults_file = value;
		else if (!strcmp(key, "charset"))
			log_info("OPTIONS charset '%s' of %s's settings ignored: podmigrate connects in utf8mb4, which "
			         "keeps every character (MariaDB's utf8 has no emoji)", value, dir);
		else
			log_debug("OPTIONS %s of %s's settings ignored: not a connection parameter", key, dir);
	}
	sb_puts(url, "mysql://");
	put_userinfo(url, db->user, db->password);
	put_hostport(url, db->host[0] == '/' ? "localhost" : db->host, db->port);
	sb_putc(url, '/');
	put_encoded(url, db->name);
	const char *sep = "?";
	if (socket && *socket) {
		sb_puts(url, "?socket=");
		put_encoded(url, socket);
		sep = "&";
	}
	if (defaults_file && *defaults_file) {
		sb_printf(url, "%sread_default_file=", sep);
		put_encoded(url, defaults_file);
	}
	return true;
}

/* OPTIONS of Django's PostgreSQL backend that are not libpq's. */
static bool django_only_pg_option(const char *key)
{
	static const char *const names[] = {"isolation_level", "server_side_binding", "assume_role", "pool",
	                                    "cursor_factory"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(key, names[i]))
			return true;
	return false;
}

/*
 * PostgreSQL: a postgresql:// URI, every part percent-encoded (libpq decodes
 * them all). A HOST starting with '/' is a socket directory, given as the
 * host= parameter; '' leaves libpq its default. OPTIONS are libpq keywords
 * (sslmode, ...), passed on; libpq refuses one it does not know.
 */
static bool pgsql_url(const DbParts *db, const char *dir, StrBuf *url)
{
	bool socket_dir = db->host[0] == '/';
	sb_puts(url, "postgresql://");
	put_userinfo(url, db->user, db->password);
	if (!socket_dir)
		put_hostport(url, db->host, db->port);
	sb_putc(url, '/');
	put_encoded(url, db->name);
	char sep = '?';
	if (socket_dir) {
		sb_puts(url, "?host=");
		put_encoded(url, db->host);
		if (*db->port)
			sb_printf(url, "&port=%s", db->port);
		sep = '&';
	}
	for (size_t i = 0; db->options && i < db->options->u.object.len; i++) {
		const char *key = db->options->u.object.keys[i];
		if (django_only_pg_option(key)) {
			log_debug("OPTIONS %s of %s's settings ignored: Django's, not libpq's", key, dir);
			continue;
		}
		sb_putc(url, sep);
		put_encoded(url, key);
		sb_putc(url, '=');
		put_encoded(url, option_value(db, i));
		sep = '&';
	}
	return true;
}

/* SQLite: NAME, relative to the install's root (dir, absolute) as Django, run from there, reads it. */
static bool sqlite_url(const DbParts *db, const char *dir, StrBuf *url)
{
	if (!strcmp(db->name, ":memory:") || !strncmp(db->name, "file:", 5)) {
		log_error("the Pod settings of %s name no SQLite file (NAME '%s')", dir, db->name);
		return false;
	}
	sb_puts(url, "sqlite:");
	if (db->name[0] != '/')
		sb_printf(url, "%s/", dir);
	sb_puts(url, db->name);
	return true;
}

static const struct {
	const char *engine;
	bool (*url)(const DbParts *db, const char *dir, StrBuf *url);
} engines[] = {
	{"django.db.backends.mysql", mysql_url},
	{"django.db.backends.postgresql", pgsql_url},
	{"django.db.backends.postgresql_psycopg2", pgsql_url},
	{"django.db.backends.sqlite3", sqlite_url},
};

/* What Python said went wrong: "pod/custom/settings_local.py line 3: SyntaxError: invalid syntax". */
static void describe_failure(yajl_val answer, StrBuf *what)
{
	const char *file = json_text(answer, "file");
	const char *path[] = {"line", NULL};
	yajl_val line = yajl_tree_get(answer, path, yajl_t_number);
	if (file && *file && *file != '<') {
		sb_puts(what, file);
		if (line && YAJL_IS_INTEGER(line) && YAJL_GET_INTEGER(line) > 0)
			sb_printf(what, " line %lld", YAJL_GET_INTEGER(line));
		sb_puts(what, ": ");
	}
	const char *error = json_text(answer, "error");
	sb_puts(what, error ? error : "unknown error");
}

/* From the reader's answer to *out; false (logged) when it reports a failure or the settings are unusable. */
static bool settings_from_answer(yajl_val answer, const char *dir, const char *root, PodSettings *out)
{
	const char *python = out->python;
	const char *no_django = json_text(answer, "no_django");
	const char *local = "pod/custom/settings_local.py";
	if (json_text(answer, "error")) {
		StrBuf what = STRBUF_INIT;
		describe_failure(answer, &what);
		if (no_django)
			log_error("cannot read the Pod settings of %s: %s has no Django (%s), and %s alone gives nothing "
			          "usable: %s", dir, python, no_django, local, what.data);
		else
			log_error("cannot read the Pod settings of %s with Django (%s): %s", dir, python, what.data);
		sb_free(&what);
		return false;
	}
	const char *engine = json_text(answer, "engine");
	DbParts db = {json_text(answer, "name"), json_text(answer, "user"), json_text(answer, "password"),
	              json_text(answer, "host"), json_text(answer, "port"), NULL};
	const char *options_path[] = {"options", NULL};
	db.options = yajl_tree_get(answer, options_path, yajl_t_object);
	const char *base_dir = json_text(answer, "base_dir"), *export_dir = json_text(answer, "export_dir");
	if (!engine || !db.name || !db.user || !db.password || !db.host || !db.port || !base_dir || !export_dir) {
		log_error("cannot read the Pod settings of %s: %s gave an incomplete answer", dir, python);
		return false;
	}
	const char *unread_path[] = {"unread", NULL};
	yajl_val unread = yajl_tree_get(answer, unread_path, yajl_t_array);
	for (size_t i = 0; unread && i < unread->u.array.len; i++)
		if (YAJL_IS_STRING(unread->u.array.values[i]))
			log_notice("OPTIONS %s of %s's settings ignored: not a plain value", YAJL_GET_STRING(unread->u.array.values[i]),
			           dir);
	size_t e = 0;
	while (e < sizeof(engines) / sizeof(engines[0]) && strcmp(engines[e].engine, engine) != 0)
		e++;
	if (e == sizeof(engines) / sizeof(engines[0])) {
		log_error("the Pod settings of %s use ENGINE '%s', which podmigrate does not read (it reads "
		          "django.db.backends.mysql, postgresql, postgresql_psycopg2 and sqlite3)", dir, engine);
		return false;
	}
	if (strspn(db.port, "0123456789") != strlen(db.port)) {
		log_error("the Pod settings of %s give PORT '%s', which is not a number", dir, db.port);
		return false;
	}
	if (!*db.name) {
		log_error("the Pod settings of %s name no database (DATABASES['default']['NAME'] is empty)", dir);
		return false;
	}
	/* room for everything first: a realloc would leave a copy of the password in freed memory */
	size_t room = strlen(db.name) + strlen(db.user) + strlen(db.password) + strlen(db.host) + strlen(db.port);
	for (size_t i = 0; db.options && i < db.options->u.object.len; i++)
		room += strlen(db.options->u.object.keys[i]) + strlen(option_value(&db, i)) + 2;
	StrBuf url = STRBUF_INIT;
	sb_reserve_secret(&url, room * 3 + strlen(dir) + 8192);
	if (!engines[e].url(&db, root, &url)) {
		sb_free_secret(&url);
		return false;
	}
	out->db_url = sb_steal(&url);
	out->db_redacted = db_url_redact(out->db_url);
	out->base_dir = xstrdup(base_dir);
	StrBuf file = STRBUF_INIT;
	sb_printf(&file, "%s%s%s", export_dir, strcmp(export_dir, "/") ? "/" : "", POD_EXPORT_FILE);
	out->export_file = sb_steal(&file);
	out->by_django = !no_django;
	if (no_django)
		log_warn("%s has no Django (%s): read %s/%s alone, without Pod's other settings files: a value they "
		         "compute is not seen (give --python with the Python of Pod's virtualenv)", python, no_django,
		         dir, local);
	else
		log_info("Pod settings of %s read by Django %s (%s)", dir, json_text(answer, "django") ?: "?", python);
	return true;
}

bool pod_settings_read(const char *dir, PodInstallVersion version, const char *python, PodSettings *out)
{
	*out = (PodSettings){.dir = xstrdup(dir)};
	char *root = realpath(dir, NULL);
	if (!root) {
		log_error("cannot read the Pod settings of %s: %s", dir, strerror(errno));
		return false;
	}
	StrBuf looked = STRBUF_INIT;
	out->python = pick_python(root, version, python, &looked);
	StrBuf output = STRBUF_INIT;
	int status = 0;
	bool ok = run_reader(root, out->python, &output, &status);
	const char *text = output.data ? output.data : "";
	const char *exec_failed = strstr(text, EXEC_FAILED);
	const char *mark = NULL;
	for (const char *p = text; (p = strstr(p, MARK)) != NULL; p++)
		mark = p;
	if (!ok) {
		/* logged */
	} else if (exec_failed) {
		StrBuf why = STRBUF_INIT;
		last_line(exec_failed + strlen(EXEC_FAILED), &why);
		log_error("cannot read the Pod settings of %s: %s; looked for %s", dir, why.data ? why.data : "",
		          looked.data);
		sb_free(&why);
		ok = false;
	} else if (!mark || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		StrBuf why = STRBUF_INIT;
		last_line(text, &why);
		if (WIFSIGNALED(status))
			log_error("cannot read the Pod settings of %s: %s was killed by signal %d", dir, out->python,
			          WTERMSIG(status));
		else
			log_error("cannot read the Pod settings of %s: %s exited with status %d without an answer%s%s", dir,
			          out->python, WEXITSTATUS(status), why.len ? ": " : "", why.len ? why.data : "");
		sb_free(&why);
		ok = false;
	} else {
		if (mark > text)
			log_debug("Python's output while reading the settings:\n%.*s", (int)(mark - text), text);
		char *json = output.data + (mark - text) + strlen(MARK);
		char *newline = strchr(json, '\n');
		if (newline)
			*newline = '\0';
		char error[256] = "";
		yajl_val answer = yajl_tree_parse(json, error, sizeof(error));
		if (!answer || !YAJL_IS_OBJECT(answer)) {
			log_error("cannot read the Pod settings of %s: %s gave no valid answer", dir, out->python);
			ok = false;
		} else {
			ok = settings_from_answer(answer, dir, root, out);
		}
		const char *password_path[] = {"password", NULL};
		yajl_val password = answer ? yajl_tree_get(answer, password_path, yajl_t_string) : NULL;
		if (password)
			explicit_bzero(password->u.string, strlen(password->u.string));
		yajl_tree_free(answer);
	}
	sb_free_secret(&output);
	sb_free(&looked);
	free(root);
	return ok;
}

void pod_settings_free(PodSettings *settings)
{
	free(settings->dir);
	xfree_secret(settings->db_url);
	free(settings->db_redacted);
	free(settings->base_dir);
	free(settings->export_file);
	free(settings->python);
	*settings = (PodSettings){0};
}

bool pod_install_has_manage_py(const char *dir)
{
	StrBuf manage = STRBUF_INIT;
	sb_printf(&manage, "%s/manage.py", dir);
	bool found = access(manage.data, F_OK) == 0;
	sb_free(&manage);
	return found;
}

bool pod_install_arg(const char *text, bool *is_install)
{
	struct stat st;
	*is_install = stat(text, &st) == 0 && S_ISDIR(st.st_mode);
	if (!*is_install || pod_install_has_manage_py(text))
		return true;
	log_error("%s is a directory but not a Pod install (it has no manage.py)", text);
	return false;
}
