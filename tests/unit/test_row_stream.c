/*
 * The reader thread of row_stream.c: every row of a query arrives once, in
 * order, with its values, whether the consumer is faster than the producer
 * (the ring runs empty), slower (it runs full) or stops early. Run under
 * ThreadSanitizer too (make test builds build/tsan/unit_tests).
 */
#include "unit.h"

#include "db.h"
#include "row_stream.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROWS 120000

static void pause_now_and_then(uint64_t row, unsigned mode)
{
	/* mode 0: never (the consumer outruns the reader); 1: often (the ring fills); 2: in bursts */
	if ((mode == 1 && row % 97 == 0) || (mode == 2 && (row / 5000) % 2 == 0 && row % 500 == 0)) {
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
}

static int stream_once(Db *db, unsigned mode, uint64_t stop_after)
{
	RowStream *s = row_stream_open(db, "SELECT id, printf('v%d', id), CASE WHEN id % 7 = 0 THEN NULL ELSE id END "
	                                   "FROM t ORDER BY id");
	if (!s)
		return -1;
	const DbValue *v;
	size_t ncols;
	uint64_t expected = 1, bad = 0;
	char want[32];
	while (expected <= stop_after && row_stream_next(s, &v, &ncols)) {
		int len = snprintf(want, sizeof(want), "%" PRIu64, expected);
		bool ok = ncols == 3 && v[0].len == (size_t)len && memcmp(v[0].data, want, (size_t)len) == 0 &&
		          v[1].len == (size_t)len + 1 && v[1].data[0] == 'v' && memcmp(v[1].data + 1, want, (size_t)len) == 0 &&
		          (expected % 7 == 0 ? v[2].data == NULL : v[2].data != NULL);
		bad += !ok;
		pause_now_and_then(expected, mode);
		expected++;
	}
	bool closed = row_stream_close(s);
	CHECK(closed);
	CHECK(bad == 0);
	return (int)(expected - 1);
}

void test_row_stream(void)
{
	char path[] = "/tmp/podmigrate-unit-stream-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	char url[64];
	snprintf(url, sizeof(url), "sqlite:%s", path);
	Db *db = db_open(url, DB_OPEN_WRITE);
	CHECK(db != NULL);
	if (!db)
		return;
	char sql[200];
	snprintf(sql, sizeof(sql), "CREATE TABLE t (id INTEGER PRIMARY KEY); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
	         "SELECT i + 1 FROM n WHERE i < %d) INSERT INTO t SELECT i FROM n", ROWS);
	CHECK(db_exec(db, sql));
	for (unsigned mode = 0; mode < 3; mode++)
		CHECK(stream_once(db, mode, UINT64_MAX) == ROWS);
	/* stopped early: the reader thread ends, the connection can run the next query */
	CHECK(stream_once(db, 0, 10) == 10);
	CHECK(stream_once(db, 1, 30000) == 30000);
	CHECK(stream_once(db, 2, UINT64_MAX) == ROWS);
	/* a query the engine refuses: no row, and close says it failed */
	RowStream *s = row_stream_open(db, "SELECT no_such_column FROM t");
	const DbValue *v;
	size_t ncols;
	CHECK(s && !row_stream_next(s, &v, &ncols));
	CHECK(!row_stream_close(s));
	db_close(db);
	unlink(path);
}
