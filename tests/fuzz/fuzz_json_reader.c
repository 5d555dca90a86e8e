/*
 * The JSON reader as import drives it: json_read_tables over a FILE, every
 * field converted with value_from_json against a column of some kind.
 *
 * Input: byte 0 is the mode (bits 0-5 chunk size, 0 = the default; bit 6 a
 * small row limit; bit 7 the --onlytags skip mode), byte 1 a parameter (bit 0
 * varies which tables are skipped, bits 1-3 a row after which the row
 * callback stops the read, bits 4-7 the row limit), the rest the file.
 *
 * Besides the sanitizers, the documented contracts are checked, and the
 * reading is compared with itself: the verdict must not depend on the chunk
 * size, and a file read whole must also be read whole with every table
 * skipped, with the same row counts.
 */
#include "db.h"
#include "json_reader.h"
#include "log.h"
#include "utf8.h"
#include "values.h"

#include "fuzz.h"

#include <stdint.h>
#include <string.h>

static const char *const column_types[] = {
	"integer", "smallint unsigned", "bigint", "varchar(250)", "text", "jsonb", "uuid", "char(32)",
	"timestamp with time zone", "date", "time", "interval", "bool", "double precision",
	"numeric(10,2)", "smallint", "tinyint(1)", "bytea", "datetime(6)", "bigint unsigned",
};
#define NCOLUMNS (sizeof(column_types) / sizeof(column_types[0]))
static const DbColumn *columns; /* made by db_columns_add, as the catalog readers make them */

typedef enum { SKIP_NONE, SKIP_SOME, SKIP_ALL } SkipMode;

typedef struct Run {
	SkipMode skip_mode;
	unsigned param;
	uint64_t stop_after_rows; /* 0: never stop */
	bool in_table, skipping;
	char table[64];  /* the current table's name (a prefix), to match table_end's */
	uint64_t rows;   /* row callbacks of the current table */
	uint64_t total_rows;
	uint64_t digest; /* of the (table, rows) sequence given to table_end */
	StrBuf out;
} Run;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 1099511628211u; }

static bool skip_table(void *ctx, const char *table)
{
	Run *run = ctx;
	FUZZ_ASSERT(!run->in_table);
	if (run->skip_mode == SKIP_NONE)
		return false;
	if (run->skip_mode == SKIP_ALL)
		return true;
	/* like --onlytags: all but the tag tables, and a few more depending on the parameter */
	if (strncmp(table, "video_tagging", 13) == 0 || strncmp(table, "recorder_tagging", 16) == 0)
		return false;
	return !((run->param & 1) && strlen(table) % 2 == 0);
}

static bool table_begin(void *ctx, const char *table)
{
	Run *run = ctx;
	FUZZ_ASSERT(!run->in_table);
	run->skipping = skip_table(ctx, table); /* the reader asked just before: the same answer */
	run->in_table = true;
	snprintf(run->table, sizeof(run->table), "%s", table);
	run->rows = 0;
	return true;
}

static void check_field(Run *run, const JsonField *f, size_t index)
{
	FUZZ_ASSERT(f->key && f->key[f->key_len] == '\0');
	FUZZ_ASSERT(utf8_validate(f->key, f->key_len, NULL));
	if (f->type == JSON_NULL) {
		FUZZ_ASSERT(f->text == NULL);
	} else {
		FUZZ_ASSERT(f->text && f->text[f->len] == '\0');
		FUZZ_ASSERT(utf8_validate(f->text, f->len, NULL));
	}
	if (f->type == JSON_BOOL)
		FUZZ_ASSERT(strcmp(f->text, "true") == 0 || strcmp(f->text, "false") == 0);
	if (f->type == JSON_RAW)
		FUZZ_ASSERT(f->len >= 2 && (f->text[0] == '{' || f->text[0] == '[') &&
		            (f->text[f->len - 1] == '}' || f->text[f->len - 1] == ']'));
	if (f->type == JSON_NUMBER)
		FUZZ_ASSERT(f->len > 0);

	const DbColumn *column = &columns[(index + run->param) % NCOLUMNS];
	bool is_null;
	const char *why;
	bool ok = value_from_json(column, f->type, f->text, f->len, &run->out, &is_null, &why);
	FUZZ_ASSERT(ok == (why == NULL));
	FUZZ_ASSERT(!ok || is_null == (f->type == JSON_NULL));
	if (ok && !is_null && column->kind == COL_BOOL)
		FUZZ_ASSERT(run->out.len == 1 && (run->out.data[0] == '0' || run->out.data[0] == '1'));
	if (ok && !is_null && (column->kind == COL_INT || column->kind == COL_DURATION))
		FUZZ_ASSERT(value_normalize_integer(run->out.data, run->out.len));
}

static bool row(void *ctx, const JsonField *fields, size_t count)
{
	Run *run = ctx;
	FUZZ_ASSERT(run->in_table && !run->skipping);
	run->rows++;
	run->total_rows++;
	for (size_t i = 0; i < count; i++) {
		check_field(run, &fields[i], i);
		/* the reader refuses duplicate keys */
		for (size_t j = 0; j < i && count <= 64; j++)
			FUZZ_ASSERT(fields[j].key_len != fields[i].key_len ||
			            memcmp(fields[j].key, fields[i].key, fields[i].key_len) != 0);
	}
	return !(run->stop_after_rows && run->total_rows == run->stop_after_rows);
}

static bool table_end(void *ctx, const char *table, uint64_t rows)
{
	Run *run = ctx;
	FUZZ_ASSERT(run->in_table);
	FUZZ_ASSERT(strncmp(table, run->table, strlen(run->table)) == 0);
	if (!run->skipping)
		FUZZ_ASSERT(rows == run->rows);
	else
		FUZZ_ASSERT(run->rows == 0);
	run->in_table = false;
	run->digest = mix(mix(run->digest, strlen(table)), rows);
	return true;
}

static const JsonTableHandler handler = {
	.skip_table = skip_table,
	.table_begin = table_begin,
	.row = row,
	.table_end = table_end,
};

/* One read of the file; returns whether it succeeded, with the Run's record of it. */
static bool read_once(const uint8_t *data, size_t size, Run *run, size_t chunk, size_t max_row)
{
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		abort();
	JsonReaderOptions opts = {.chunk_size = chunk, .max_row_bytes = max_row};
	JsonPosition pos = {0, 0, UINT64_MAX};
	bool ok = json_read_tables(in, "fuzz.json", &handler, run, &opts, &pos);
	fclose(in);
	if (ok) {
		FUZZ_ASSERT(!run->in_table);
		FUZZ_ASSERT(pos.byte == UINT64_MAX); /* untouched on success */
	} else {
		FUZZ_ASSERT(pos.byte <= size);
		FUZZ_ASSERT(pos.line >= 1 && pos.column >= 1);
	}
	sb_free(&run->out);
	return ok;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_SILENT);
	static DbColumns catalog;
	for (size_t i = 0; i < NCOLUMNS; i++)
		db_columns_add(&catalog, "c", column_types[i], false, false);
	columns = catalog.items;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned mode = data[0], param = data[1];
	data += 2, size -= 2;
	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	size_t chunk = mode & 0x3f; /* 0: the default 64 KiB */
	size_t max_row = mode & 0x40 ? 16 + (size_t)(param >> 4) * 24 : 0;
	Run run = {.skip_mode = mode & 0x80 ? SKIP_SOME : SKIP_NONE, .param = param,
	           .stop_after_rows = (param >> 1) & 7};
	bool ok = read_once(data, size, &run, chunk, max_row);
	if (max_row || run.stop_after_rows)
		return 0; /* the checks below hold for whole reads without the row limit */

	/* another chunk size: the same verdict, the same tables and rows */
	Run again = {.skip_mode = run.skip_mode, .param = param};
	bool ok2 = read_once(data, size, &again, chunk ? 0 : 1 + param % 13, 0);
	FUZZ_ASSERT(ok == ok2);
	if (ok)
		FUZZ_ASSERT(run.digest == again.digest && run.total_rows == again.total_rows);

	/* a file read whole reads whole when every table is skipped, counting the same rows */
	if (ok && run.skip_mode == SKIP_NONE) {
		Run skipped = {.skip_mode = SKIP_ALL, .param = param};
		FUZZ_ASSERT(read_once(data, size, &skipped, chunk, 0));
		FUZZ_ASSERT(skipped.digest == run.digest && skipped.total_rows == 0);
	}
	return 0;
}
