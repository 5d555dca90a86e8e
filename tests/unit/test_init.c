/*
 * Every object podmigrate sets up with an init function works from memory
 * full of garbage: a heap block or a stack frame is not zero in the release
 * build (a JsonWriter on the heap once started with a garbage depth and
 * crashed the import). Each object is built over 0xA5 bytes and must give
 * what the same object gives when built over zeroes.
 */
#include "unit.h"

#include "atomic_file.h"
#include "db_url.h"
#include "json_reader.h"
#include "json_writer.h"
#include "reject_log.h"
#include "row_writer.h"
#include "summary.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void *filled(size_t size, int byte)
{
	void *p = malloc(size);
	memset(p, byte, size);
	return p;
}

/* Nested containers exercise the writer's depth and first-item state. */
static char *write_doc_with(int byte, int indent)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	JsonWriter *w = filled(sizeof(JsonWriter), byte);
	json_writer_init(w, f, true, indent);
	json_begin_object(w);
	json_key(w, "t", 1);
	json_begin_array(w);
	json_begin_object(w);
	json_key(w, "a", 1);
	json_begin_array(w);
	json_number(w, "1", 1);
	json_null(w);
	json_end_array(w);
	json_end_object(w);
	json_end_array(w);
	json_end_object(w);
	json_finish(w);
	json_writer_free(w);
	free(w);
	fclose(f);
	return buf;
}

static void rows_and_rejects(int byte, const char *dir, char **rendered)
{
	DbColumns columns = {0};
	db_columns_add(&columns, "id", "integer", true, true);
	db_columns_add(&columns, "name", "varchar(20)", false, false);
	DbValue values[2] = {{"7", 1}, {"caf\xc3\xa9", 5}};

	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	JsonWriter *w = filled(sizeof(JsonWriter), byte);
	RowWriter *rw = filled(sizeof(RowWriter), byte);
	json_writer_init(w, f, true, -1);
	CHECK(row_writer_init(rw, w, "t", &columns));
	CHECK(row_writer_write(rw, w, values, 2, 1));
	json_finish(w);
	row_writer_free(rw);
	json_writer_free(w);
	free(rw);
	free(w);
	fclose(f);
	*rendered = buf;

	/* the reject file: the object that crashed, opened at its first row */
	char path[512];
	snprintf(path, sizeof(path), "%s/rejects-%02x.jsonl", dir, byte);
	RejectLog *log = filled(sizeof(RejectLog), byte);
	reject_log_init(log, path, true);
	CHECK(reject_log_add(log, "t", &columns, values, "id=7 references x.id, which does not exist"));
	CHECK(reject_log_add(log, "t", &columns, values, "again"));
	CHECK(reject_log_finish(log));
	CHECK(log->count == 2);
	reject_log_free(log);
	free(log);
	FILE *r = fopen(path, "r");
	char line[256] = {0};
	CHECK(r && fgets(line, sizeof(line), r));
	CHECK_STR(line, "{\"table\":\"t\",\"row\":{\"id\":7,\"name\":\"caf\\u00e9\"},"
	                "\"reason\":\"id=7 references x.id, which does not exist\"}\n");
	if (r)
		fclose(r);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	unlink(path);

	/* a dry run's log counts and writes nothing */
	log = filled(sizeof(RejectLog), byte);
	reject_log_init(log, path, false);
	CHECK(reject_log_add(log, "t", &columns, values, "x"));
	CHECK(reject_log_finish(log) && log->count == 1 && access(path, F_OK) != 0);
	reject_log_free(log);
	free(log);
	db_columns_free(&columns);
}

static void atomic_file_from(int byte, const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/out-%02x.json", dir, byte);
	AtomicFile *af = filled(sizeof(AtomicFile), byte);
	CHECK(atomic_file_open(af, path, 0600));
	fputs("{}\n", af->fp);
	CHECK(atomic_file_commit(af));
	free(af);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 3);
	unlink(path);
}

static bool count_row(void *ctx, const JsonField *fields, size_t count)
{
	(void)fields;
	*(size_t *)ctx += count;
	return true;
}

/* Leaves garbage where the reader's state will sit on the stack. */
static __attribute__((noinline)) void dirty_stack(int byte)
{
	volatile unsigned char junk[64 * 1024];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)byte;
}

static size_t read_fields_after(int byte)
{
	static const char doc[] = "{\"a\": [{\"x\": 1, \"y\": [1, {\"z\": null}]}, {\"x\": 2}], \"b\": []}";
	FILE *f = fmemopen((void *)doc, sizeof(doc) - 1, "r");
	JsonTableHandler handler = {.row = count_row};
	size_t fields = 0;
	dirty_stack(byte);
	CHECK(json_read_tables(f, "doc", &handler, &fields, NULL, NULL));
	fclose(f);
	return fields;
}

void test_init(void)
{
	char dir[] = "/tmp/podmigrate-unit-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	for (int indent = -1; indent <= 4; indent += 5) {
		char *clean = write_doc_with(0, indent), *dirty = write_doc_with(0xA5, indent);
		CHECK_STR(dirty, clean);
		free(clean);
		free(dirty);
	}
	char *clean_row, *dirty_row;
	rows_and_rejects(0, dir, &clean_row);
	rows_and_rejects(0xA5, dir, &dirty_row);
	CHECK_STR(dirty_row, clean_row);
	CHECK_STR(clean_row, "{\"id\":7,\"name\":\"caf\\u00e9\"}\n");
	free(clean_row);
	free(dirty_row);
	atomic_file_from(0xA5, dir);
	CHECK(read_fields_after(0xA5) == 3 && read_fields_after(0) == 3);

	DbUrl *url = filled(sizeof(DbUrl), 0xA5);
	CHECK(db_url_parse("mysql://u:p@h:1/d", url));
	CHECK_STR(url->host, "h");
	CHECK(url->socket == NULL && url->conninfo == NULL && url->path == NULL);
	db_url_free(url);
	free(url);

	Summary summary = {0};
	for (int i = 0; i < 100; i++) {
		TableSummary *t = summary_add(&summary, "t");
		CHECK(t->read == 0 && t->note == NULL && !t->folded);
		t->read = 5;
	}
	summary_free(&summary);
	rmdir(dir);
}
