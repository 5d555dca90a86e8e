#include "unit.h"

#include "db.h"
#include "db_url.h"

void test_db_url(void)
{
	DbUrl u;
	CHECK(db_url_parse("mysql://pod:s%40cret@db.example.org:3307/pod_v3?socket=/run/m.sock", &u));
	CHECK(u.engine == DB_ENGINE_MYSQL);
	CHECK_STR(u.user, "pod");
	CHECK_STR(u.password, "s@cret");
	CHECK_STR(u.host, "db.example.org");
	CHECK(u.port == 3307);
	CHECK_STR(u.database, "pod_v3");
	CHECK_STR(u.socket, "/run/m.sock");
	CHECK(strstr(u.redacted, "cret") == NULL);
	db_url_free(&u);

	/* Django's OPTIONS read_default_file, as pod_settings.c passes it */
	CHECK(db_url_parse("mysql://pod@localhost/pod?socket=%2Frun%2Fm.sock&read_default_file=%2Fetc%2Fpod.cnf", &u));
	CHECK_STR(u.socket, "/run/m.sock");
	CHECK_STR(u.defaults_file, "/etc/pod.cnf");
	db_url_free(&u);
	CHECK(!db_url_parse("mysql://pod@localhost/pod?read_default_file=", &u));
	db_url_free(&u);

	/* --createDB's check: the same server and database whatever the spelling, user and password */
	bool same;
	CHECK(db_same_database("postgresql://a:x@db.example.org/pod", "host=db.example.org port=5432 dbname=pod", &same));
	CHECK(same);
	CHECK(db_same_database("postgresql://a@db.example.org/pod", "postgresql://a@db.example.org/pod4", &same));
	CHECK(!same);
	CHECK(db_same_database("mysql://u@localhost/pod", "mariadb://v:pw@localhost:3307/pod", &same));
	CHECK(same);
	CHECK(db_same_database("mysql://u@db1/pod", "mysql://u@db2/pod", &same));
	CHECK(!same);
	CHECK(db_same_database("sqlite:/nonexistent-dir/a.sqlite3", "sqlite:///nonexistent-dir/a.sqlite3", &same));
	CHECK(same);
	CHECK(db_same_database("sqlite:/tmp/a.sqlite3", "mysql://u@localhost/a", &same));
	CHECK(!same);

	CHECK(db_url_parse("mariadb://pod@[::1]:3306/pod", &u));
	CHECK_STR(u.host, "::1");
	CHECK(u.port == 3306 && u.password == NULL);
	db_url_free(&u);

	CHECK(!db_url_parse("mysql://pod@host:99999/pod", &u));
	db_url_free(&u);
	CHECK(!db_url_parse("mysql://pod@host", &u)); /* no database */
	db_url_free(&u);

	CHECK(db_url_parse("postgresql://pod:hunter2@localhost/pod", &u));
	CHECK(u.engine == DB_ENGINE_PGSQL);
	CHECK_STR(u.conninfo, "postgresql://pod:hunter2@localhost/pod");
	CHECK_STR(u.redacted, "postgresql://pod:***@localhost/pod");
	db_url_free(&u);

	CHECK(db_url_parse("host=db dbname=pod password='a b' user=pod", &u));
	CHECK(u.engine == DB_ENGINE_PGSQL);
	CHECK_STR(u.redacted, "host=db dbname=pod password=*** user=pod");
	db_url_free(&u);

	CHECK(db_url_parse("sqlite:///srv/pod.db", &u));
	CHECK(u.engine == DB_ENGINE_SQLITE);
	CHECK_STR(u.path, "/srv/pod.db");
	db_url_free(&u);
	CHECK(db_url_parse("sqlite:pod.db", &u));
	CHECK_STR(u.path, "pod.db");
	db_url_free(&u);

	CHECK(!db_url_parse("oracle://x", &u));
	db_url_free(&u);

	/* the user-info runs to the last '@': a MariaDB password may hold '@', '/', ':' and '?' */
	CHECK(db_url_parse("mysql://u:pa@s/s:w?d@h:3306/db", &u));
	CHECK_STR(u.user, "u");
	CHECK_STR(u.password, "pa@s/s:w?d");
	CHECK_STR(u.host, "h");
	CHECK_STR(u.database, "db");
	CHECK_STR(u.redacted, "mysql://u:***@h:3306/db");
	db_url_free(&u);
	/* an error message shows none of it */
	CHECK(!db_url_parse("mysql://root:S3c/retPW@h:99x/db", &u));
	CHECK_STR(u.redacted, "mysql://root:***@h:99x/db");
	db_url_free(&u);
	/* NUL cuts nothing short: refused */
	CHECK(!db_url_parse("mysql://u@h/adv_nul%00_copy", &u));
	db_url_free(&u);
	CHECK(!db_url_parse("mysql://u%00x@h/db", &u));
	db_url_free(&u);
	CHECK(!db_url_parse("mysql://u@h/db?socket=/a%00b", &u));
	db_url_free(&u);
	/* libpq reads PostgreSQL URLs up to the first '@' or '/': raw ones are refused, encoded ones pass */
	CHECK(!db_url_parse("postgresql://u:pa@ss@h/db", &u));
	db_url_free(&u);
	CHECK(!db_url_parse("postgresql://u:S3c/ret@h/db", &u));
	db_url_free(&u);
	CHECK(db_url_parse("postgresql://u:pa%40ss@h/db?password=x@y&sslmode=disable", &u));
	CHECK_STR(u.redacted, "postgresql://u:***&sslmode=disable"); /* more masked than needed: harmless */
	db_url_free(&u);
	CHECK(db_url_parse("postgresql://h/db?application_name=a&password=zz", &u));
	CHECK_STR(u.redacted, "postgresql://h/db?application_name=a&password=***");
	db_url_free(&u);
	CHECK(db_url_parse("password\t=secret dbname=x", &u));
	CHECK(strstr(u.redacted, "secret") == NULL);
	db_url_free(&u);
	/* a mistyped scheme is shown without its user-info */
	CHECK(!db_url_parse("mysql:/root:pw@host/db", &u));
	CHECK_STR(u.redacted, "mysql:***@host/db");
	db_url_free(&u);

	/* argv keeps its length, the password overwritten */
	char arg[] = "mysql://u:secret@h/db";
	db_url_hide_in_place(arg);
	CHECK_STR(arg, "mysql://u:xxxxxx@h/db");
	char kw[] = "host=h password='a b' user=u";
	db_url_hide_in_place(kw);
	CHECK_STR(kw, "host=h password=xxxxx user=u");
}
