#include "unit.h"

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
}
