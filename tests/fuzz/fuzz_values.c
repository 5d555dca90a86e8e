/*
 * Value conversions both ways. Byte 0 picks the column kind and JSON kind
 * (and the writer's options), the rest is the value's text.
 *
 * - Each normaliser that accepts a text gives a canonical form it accepts
 *   again unchanged (idempotent), in the documented shape.
 * - value_from_json, for every column kind and every JSON kind, succeeds
 *   exactly when it gives no reason, and gives the canonical form.
 * - value_write_json (export) writes valid JSON, checked by reading it back
 *   with the JSON reader, or leaves the writer untouched when it refuses;
 *   and what export wrote, import reads back to the same canonical value.
 * - value_json_equal (verify) is symmetric, and a JSON text equals itself
 *   whenever it equals anything.
 */
#include "db.h"
#include "json_reader.h"
#include "json_writer.h"
#include "log.h"
#include "values.h"

#include "fuzz.h"

#include <stdint.h>
#include <string.h>

/* One column type per kind, in ColumnKind order. */
static const char *const kind_types[] = {
	[COL_TEXT] = "text",           [COL_INT] = "bigint",          [COL_BOOL] = "bool",
	[COL_FLOAT] = "double precision", [COL_DECIMAL] = "numeric(10,2)",
	[COL_DATETIME] = "timestamp with time zone", [COL_DATE] = "date", [COL_TIME] = "time",
	[COL_UUID] = "uuid",           [COL_DURATION] = "interval",   [COL_JSON] = "jsonb",
	[COL_BINARY] = "bytea",
};
#define NKINDS (sizeof(kind_types) / sizeof(kind_types[0]))
static const DbColumn *kind_columns; /* made by db_columns_add, as the catalog readers make them */
/* Variants import meets too: the range and uuid special cases. */
static const char *const extra_types[] = {"smallint", "smallint unsigned", "bigint unsigned", "integer",
                                          "char(32)", "varchar(250)", "tinyint(1)", "datetime(6)"};
#define NEXTRA (sizeof(extra_types) / sizeof(extra_types[0]))
static const DbColumn *extra_columns;

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void check_canonical(ColumnKind kind, const StrBuf *canon)
{
	const char *s = canon->data;
	size_t n = canon->len;
	StrBuf again = STRBUF_INIT;
	bool ok = false;
	switch (kind) {
	case COL_DATETIME:
		FUZZ_ASSERT(n == 19 || (n == 26 && s[19] == '.' && all_digits(s + 20, 6)));
		ok = value_normalize_datetime(s, n, &again);
		break;
	case COL_DATE:
		FUZZ_ASSERT(n == 10);
		ok = value_normalize_date(s, n, &again);
		break;
	case COL_TIME:
		FUZZ_ASSERT(n == 8 || (n == 15 && s[8] == '.' && all_digits(s + 9, 6)));
		ok = value_normalize_time(s, n, &again);
		break;
	case COL_UUID:
		FUZZ_ASSERT(n == 32);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
		ok = value_normalize_uuid(s, n, &again);
		break;
	case COL_BOOL:
		FUZZ_ASSERT(n == 1 && (s[0] == '0' || s[0] == '1'));
		return;
	case COL_INT:
	case COL_DURATION:
		FUZZ_ASSERT(value_normalize_integer(s, n));
		return;
	default:
		return;
	}
	FUZZ_ASSERT(ok);
	FUZZ_ASSERT(again.len == n && memcmp(again.data, s, n) == 0);
	sb_free(&again);
}

/* The normalisers on an exact-size copy (no NUL after it: ASan sees any overread). */
static void check_normalisers(const char *s, size_t n)
{
	static const ColumnKind kinds[] = {COL_DATETIME, COL_DATE, COL_TIME, COL_UUID};
	bool (*const normalise[])(const char *, size_t, StrBuf *) = {
		value_normalize_datetime, value_normalize_date, value_normalize_time, value_normalize_uuid};
	for (size_t k = 0; k < 4; k++) {
		StrBuf out = STRBUF_INIT;
		if (normalise[k](s, n, &out))
			check_canonical(kinds[k], &out);
		else
			FUZZ_ASSERT(out.len == 0);
		sb_free(&out);
	}
	if (value_normalize_integer(s, n))
		FUZZ_ASSERT(n >= 1 && n <= 21);
	int b = value_parse_bool(s, n);
	FUZZ_ASSERT(b >= -1 && b <= 1);
}

static void check_from_json(const DbColumn *column, JsonValueType kind, const char *text, size_t len)
{
	StrBuf out = STRBUF_INIT;
	bool is_null = false;
	const char *why = "unset";
	bool ok = value_from_json(column, kind, text, len, &out, &is_null, &why);
	FUZZ_ASSERT(ok == (why == NULL));
	if (ok) {
		FUZZ_ASSERT(is_null == (kind == JSON_NULL));
		if (!is_null)
			check_canonical(column->kind, &out);
	}
	sb_free(&out);
}

typedef struct ReadBack {
	const DbColumn *column;
	size_t rows;
	bool converted;
	StrBuf value;
	bool is_null;
} ReadBack;

static bool read_back_row(void *ctx, const JsonField *fields, size_t count)
{
	ReadBack *rb = ctx;
	FUZZ_ASSERT(count == 1 && strcmp(fields[0].key, "c") == 0);
	const char *why;
	rb->converted = value_from_json(rb->column, fields[0].type, fields[0].text, fields[0].len,
	                                &rb->value, &rb->is_null, &why);
	rb->rows++;
	return true;
}

/* Export writes the value, import reads it: valid JSON, and the same canonical value. */
static void check_round_trip(ColumnKind kind, const char *s, size_t n, bool is_null, unsigned options)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem = open_memstream(&text, &text_len);
	JsonWriter writer;
	json_writer_init(&writer, mem, options & 1, options & 2 ? 4 : (options & 4 ? -1 : 0));
	json_begin_object(&writer);
	json_key(&writer, "t", 1);
	json_begin_array(&writer);
	json_begin_object(&writer);
	json_key(&writer, "c", 1);
	size_t used = writer.used;
	const char *why = "unset";
	DbValue value = {is_null ? NULL : s, n};
	StrBuf scratch = STRBUF_INIT;
	sb_puts(&scratch, "left over from an earlier value"); /* a reused buffer, as export's */
	bool ok = value_write_json(&writer, kind, &value, &scratch, &why);
	sb_free(&scratch);
	if (!ok) {
		FUZZ_ASSERT(why != NULL && writer.used == used); /* the writer is left untouched */
		json_null(&writer);
	}
	json_end_object(&writer);
	json_end_array(&writer);
	json_end_object(&writer);
	json_finish(&writer);
	json_writer_free(&writer);
	FUZZ_ASSERT(fclose(mem) == 0);

	const DbColumn *column = &kind_columns[kind];
	ReadBack rb = {.column = column};
	JsonTableHandler handler = {.row = read_back_row};
	FILE *in = fmemopen(text, text_len, "r");
	FUZZ_ASSERT(in);
	JsonReaderOptions opts = {.chunk_size = options & 8 ? 3 : 4096}; /* a small document: no 64 KiB buffer each time */
	FUZZ_ASSERT(json_read_tables(in, "written.json", &handler, &rb, &opts, NULL)); /* valid JSON */
	fclose(in);
	FUZZ_ASSERT(rb.rows == 1);
	if (ok && !is_null) {
		/* a value export accepted reads back the same (integers: where the target holds them) */
		StrBuf canon = STRBUF_INIT;
		bool exact = true; /* the canonical text is known: import must give exactly it */
		switch (kind) {
		case COL_DATETIME: FUZZ_ASSERT(value_normalize_datetime(s, n, &canon)); break;
		case COL_DATE: FUZZ_ASSERT(value_normalize_date(s, n, &canon)); break;
		case COL_TIME: FUZZ_ASSERT(value_normalize_time(s, n, &canon)); break;
		case COL_UUID: FUZZ_ASSERT(value_normalize_uuid(s, n, &canon)); break;
		case COL_BOOL: sb_putc(&canon, value_parse_bool(s, n) ? '1' : '0'); break;
		case COL_INT:
		case COL_DURATION: /* the range depends on the target type */
		case COL_FLOAT:    /* written in shortest form, not as read */
			exact = false;
			break;
		default: sb_append(&canon, s, n); break;
		}
		if (exact) {
			FUZZ_ASSERT(rb.converted && !rb.is_null);
			FUZZ_ASSERT(rb.value.len == canon.len && memcmp(rb.value.data, canon.data, canon.len) == 0);
		}
		if (kind == COL_FLOAT)
			FUZZ_ASSERT(rb.converted);
		sb_free(&canon);
	}
	if (is_null)
		FUZZ_ASSERT(rb.converted && rb.is_null);
	sb_free(&rb.value);
	free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_SILENT);
	static DbColumns kinds, extras;
	for (size_t i = 0; i < NKINDS; i++) {
		db_columns_add(&kinds, "c", kind_types[i], false, false);
		FUZZ_ASSERT(kinds.items[i].kind == (ColumnKind)i);
	}
	for (size_t i = 0; i < NEXTRA; i++)
		db_columns_add(&extras, "c", extra_types[i], false, false);
	kind_columns = kinds.items;
	extra_columns = extras.items;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	data++, size--;
	char *exact = malloc(size ? size : 1);
	memcpy(exact, data, size);
	char *terminated = malloc(size + 1); /* what the reader hands import: a NUL after the text */
	memcpy(terminated, data, size);
	terminated[size] = '\0';

	check_normalisers(exact, size);

	/* every column against every JSON kind, text as the reader gives it for that kind */
	for (size_t c = 0; c < NKINDS + NEXTRA; c++) {
		const DbColumn *column = c < NKINDS ? &kind_columns[c] : &extra_columns[c - NKINDS];
		check_from_json(column, JSON_NULL, NULL, 0);
		check_from_json(column, JSON_BOOL, mode & 1 ? "true" : "false", mode & 1 ? 4 : 5);
		check_from_json(column, JSON_NUMBER, terminated, size);
		check_from_json(column, JSON_STRING, terminated, size);
		check_from_json(column, JSON_RAW, terminated, size);
	}

	/* verify's JSON comparison: the two halves of the input, both ways */
	size_t half = size / 2;
	bool ab = value_json_equal(exact, half, exact + half, size - half);
	FUZZ_ASSERT(ab == value_json_equal(exact + half, size - half, exact, half));
	if (ab)
		FUZZ_ASSERT(value_json_equal(exact, half, exact, half));

	ColumnKind kind = (ColumnKind)(mode % (NKINDS + 1));
	if (kind < NKINDS)
		check_round_trip(kind, exact, size, false, mode / (NKINDS + 1));
	else
		check_round_trip(COL_TEXT, exact, size, true, mode);

	free(terminated);
	free(exact);
	return 0;
}
