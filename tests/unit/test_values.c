#include "unit.h"

#include "values.h"

#include <stdlib.h>

static const char *norm(bool (*fn)(const char *, size_t, StrBuf *), const char *in)
{
	static StrBuf out;
	sb_reset(&out);
	if (!fn(in, strlen(in), &out))
		return "(refused)";
	return out.data;
}

static char *as_json(ColumnKind kind, const char *in)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	JsonWriter w;
	json_writer_init(&w, f, true, 0);
	DbValue v = {in, in ? strlen(in) : 0};
	const char *why;
	StrBuf scratch = STRBUF_INIT;
	bool ok = value_write_json(&w, kind, &v, &scratch, &why);
	json_writer_flush(&w);
	json_writer_free(&w);
	sb_free(&scratch);
	fclose(f);
	if (!ok) {
		free(buf);
		return strdup("(refused)");
	}
	return buf;
}

#define CHECK_JSON(kind, in, expected)           \
	do {                                         \
		char *j_ = as_json(kind, in);            \
		CHECK_STR(j_, expected);                 \
		free(j_);                                \
	} while (0)

void test_values(void)
{
	/* each engine's datetime text gives Django's canonical UTC form */
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20:30"), "2024-03-05 10:20:30");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20:30.000000"), "2024-03-05 10:20:30");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20:30.5"), "2024-03-05 10:20:30.500000");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20:30.123456+00"), "2024-03-05 10:20:30.123456");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05T10:20:30Z"), "2024-03-05 10:20:30");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 00:20:30+02:00"), "2024-03-04 22:20:30");
	CHECK_STR(norm(value_normalize_datetime, "2024-12-31 23:30:00-01:00"), "2025-01-01 00:30:00");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20"), "2024-03-05 10:20:00");
	CHECK_STR(norm(value_normalize_datetime, "2024-02-30 10:20:30"), "(refused)");
	CHECK_STR(norm(value_normalize_datetime, "2023-02-29 10:20:30"), "(refused)");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05 10:20:30 junk"), "(refused)");
	CHECK_STR(norm(value_normalize_datetime, "2024-03-05"), "(refused)");
	CHECK_STR(norm(value_normalize_time, "10:20:30.000000"), "10:20:30");
	CHECK_STR(norm(value_normalize_time, "10:20:30.000001"), "10:20:30.000001");
	CHECK_STR(norm(value_normalize_time, "25:20:30"), "(refused)");
	CHECK_STR(norm(value_normalize_date, "2024-02-29"), "2024-02-29");
	CHECK_STR(norm(value_normalize_date, "2024-13-01"), "(refused)");
	CHECK_STR(norm(value_normalize_uuid, "123E4567-E89B-12D3-A456-426614174000"),
	          "123e4567e89b12d3a456426614174000");
	CHECK_STR(norm(value_normalize_uuid, "123e4567e89b12d3a456426614174000"),
	          "123e4567e89b12d3a456426614174000");
	CHECK_STR(norm(value_normalize_uuid, "123e4567e89b12d3a45642661417400"), "(refused)");
	CHECK_STR(norm(value_normalize_uuid, "123e4567e89b12d3a45642661417400g"), "(refused)");

	CHECK_JSON(COL_INT, "9223372036854775807", "9223372036854775807");
	CHECK_JSON(COL_INT, "-42", "-42");
	CHECK_JSON(COL_INT, "4x", "(refused)");
	CHECK_JSON(COL_INT, NULL, "null");
	CHECK_JSON(COL_BOOL, "t", "true");
	CHECK_JSON(COL_BOOL, "0", "false");
	CHECK_JSON(COL_BOOL, "2", "(refused)");
	CHECK_JSON(COL_FLOAT, "0.1", "0.1");
	CHECK_JSON(COL_FLOAT, "0.30000000000000004", "0.30000000000000004");
	CHECK_JSON(COL_FLOAT, "3", "3.0");
	CHECK_JSON(COL_FLOAT, "1e300", "1e+300");
	CHECK_JSON(COL_FLOAT, "NaN", "(refused)");
	CHECK_JSON(COL_DECIMAL, "12.50", "12.50");
	CHECK_JSON(COL_DECIMAL, "1.2.3", "(refused)");
	CHECK_JSON(COL_DATETIME, "2024-03-05 10:20:30.120000+00", "\"2024-03-05 10:20:30.120000\"");
	CHECK_JSON(COL_UUID, "123e4567-e89b-12d3-a456-426614174000", "\"123e4567e89b12d3a456426614174000\"");
	CHECK_JSON(COL_DURATION, "5400000000", "5400000000");
	CHECK_JSON(COL_TEXT, "\xe9t\xe9", "(refused)");
	CHECK_JSON(COL_JSON, "[\"a\", \"\xc3\xa9\"]", "\"[\\\"a\\\", \\\"\\u00e9\\\"]\"");

	StrBuf num = STRBUF_INIT;
	sb_append_int64(&num, 0);
	sb_putc(&num, ' ');
	sb_append_int64(&num, -9223372036854775807LL - 1);
	sb_putc(&num, ' ');
	sb_append_int64(&num, 9223372036854775807LL);
	CHECK_STR(num.data, "0 -9223372036854775808 9223372036854775807");
	sb_free(&num);

	/* values read from a file, for a target column (its limits read from the catalog type) */
	DbColumns cols = {0};
	db_columns_add(&cols, "id", "char(32)", true, true);
	db_columns_add(&cols, "t", "varchar(40)", false, false);
	db_columns_add(&cols, "b", "tinyint(1)", false, false);
	db_columns_add(&cols, "d", "datetime(6)", false, false);
	db_columns_add(&cols, "s", "smallint(5) unsigned", false, false);
	db_columns_add(&cols, "i", "integer", false, false);
	db_columns_add(&cols, "pk", "integer", true, true);
	db_columns_add(&cols, "ss", "smallint", false, false);
	db_columns_add(&cols, "j", "jsonb", false, false);
	db_columns_add(&cols, "tx", "text", false, false);
	const DbColumn *uuid32 = &cols.items[0], *text = &cols.items[1], *flag = &cols.items[2];
	const DbColumn *when = &cols.items[3], *small = &cols.items[4], *i32 = &cols.items[5];
	const DbColumn *rowid = &cols.items[6], *s16 = &cols.items[7], *json = &cols.items[8];
	const DbColumn *plain = &cols.items[9];
	StrBuf out = STRBUF_INIT;
	bool is_null;
	const char *why;
	const char *dashed = "123e4567-e89b-12d3-a456-426614174000";
	CHECK(value_from_json(uuid32, JSON_STRING, dashed, 36, &out, &is_null, &why));
	CHECK_STR(out.data, "123e4567e89b12d3a456426614174000");
	CHECK(value_from_json(text, JSON_STRING, dashed, 36, &out, &is_null, &why));
	CHECK_STR(out.data, dashed);
	CHECK(value_from_json(flag, JSON_NUMBER, "1", 1, &out, &is_null, &why) && !strcmp(out.data, "1"));
	CHECK(value_from_json(flag, JSON_BOOL, "false", 5, &out, &is_null, &why) && !strcmp(out.data, "0"));
	CHECK(!value_from_json(flag, JSON_NUMBER, "2", 1, &out, &is_null, &why));
	CHECK(value_from_json(when, JSON_STRING, "2024-01-02 03:04:05", 19, &out, &is_null, &why));
	CHECK_STR(out.data, "2024-01-02 03:04:05");
	CHECK(value_from_json(when, JSON_NULL, NULL, 0, &out, &is_null, &why) && is_null);
	CHECK(!value_from_json(small, JSON_NUMBER, "70000", 5, &out, &is_null, &why));
	CHECK(!value_from_json(small, JSON_NUMBER, "-1", 2, &out, &is_null, &why));
	CHECK(value_from_json(small, JSON_NUMBER, "65535", 5, &out, &is_null, &why));
	CHECK(!value_from_json(small, JSON_NUMBER, "65536", 5, &out, &is_null, &why));
	/* the ranges SQLite does not enforce */
	CHECK(value_from_json(i32, JSON_NUMBER, "2147483647", 10, &out, &is_null, &why));
	CHECK(!value_from_json(i32, JSON_NUMBER, "2147483648", 10, &out, &is_null, &why));
	CHECK(value_from_json(i32, JSON_NUMBER, "-2147483648", 11, &out, &is_null, &why));
	CHECK(!value_from_json(i32, JSON_NUMBER, "-2147483649", 11, &out, &is_null, &why));
	CHECK(value_from_json(rowid, JSON_NUMBER, "9223372036854775807", 19, &out, &is_null, &why));
	CHECK(!value_from_json(rowid, JSON_NUMBER, "9223372036854775808", 19, &out, &is_null, &why));
	CHECK(value_from_json(s16, JSON_NUMBER, "-32768", 6, &out, &is_null, &why));
	CHECK(!value_from_json(s16, JSON_NUMBER, "40000", 5, &out, &is_null, &why));
	CHECK(!value_from_json(s16, JSON_NUMBER, "1.5", 3, &out, &is_null, &why));
	CHECK(!value_from_json(i32, JSON_NUMBER, "123456789012345678901234567890", 30, &out, &is_null, &why));
	/* lengths in characters: 40 accented letters fit varchar(40), 41 do not */
	StrBuf long_text = STRBUF_INIT;
	for (int k = 0; k < 40; k++)
		sb_puts(&long_text, "\xc3\xa9");
	CHECK(value_from_json(text, JSON_STRING, long_text.data, long_text.len, &out, &is_null, &why));
	sb_puts(&long_text, "e");
	CHECK(!value_from_json(text, JSON_STRING, long_text.data, long_text.len, &out, &is_null, &why));
	CHECK(value_from_json(plain, JSON_STRING, long_text.data, long_text.len, &out, &is_null, &why));
	sb_free(&long_text);
	CHECK(!value_from_json(text, JSON_BOOL, "true", 4, &out, &is_null, &why));
	/* nested JSON goes to JSON columns only */
	CHECK(!value_from_json(text, JSON_RAW, "[1,2]", 5, &out, &is_null, &why));
	CHECK(!value_from_json(plain, JSON_RAW, "{\"a\":1}", 7, &out, &is_null, &why));
	CHECK(value_from_json(json, JSON_RAW, "{\"a\":1}", 7, &out, &is_null, &why));
	CHECK_STR(out.data, "{\"a\":1}");
	sb_free(&out);
	db_columns_free(&cols);

	/* catalog types of the three engines */
	CHECK(column_kind_from_type("tinyint(1)") == COL_BOOL);
	CHECK(column_kind_from_type("bool") == COL_BOOL);
	CHECK(column_kind_from_type("boolean") == COL_BOOL);
	CHECK(column_kind_from_type("smallint(5) unsigned") == COL_INT);
	CHECK(column_kind_from_type("integer unsigned") == COL_INT);
	CHECK(column_kind_from_type("bigint") == COL_INT);
	CHECK(column_kind_from_type("datetime(6)") == COL_DATETIME);
	CHECK(column_kind_from_type("timestamp with time zone") == COL_DATETIME);
	CHECK(column_kind_from_type("time without time zone") == COL_TIME);
	CHECK(column_kind_from_type("time(6)") == COL_TIME);
	CHECK(column_kind_from_type("date") == COL_DATE);
	CHECK(column_kind_from_type("interval") == COL_DURATION);
	CHECK(column_kind_from_type("uuid") == COL_UUID);
	CHECK(column_kind_from_type("jsonb") == COL_JSON);
	CHECK(column_kind_from_type("character varying(100)") == COL_TEXT);
	CHECK(column_kind_from_type("char(32)") == COL_TEXT);
	CHECK(column_kind_from_type("inet") == COL_TEXT);
	CHECK(column_kind_from_type("longtext") == COL_TEXT);

	/* verify's JSON equality: keys in any order, arrays in order, numbers by value */
	CHECK(value_json_equal("{\"a\": 1, \"b\": [1, 2]}", 21, "{\"b\":[1,2],\"a\":1}", 17));
	CHECK(!value_json_equal("{\"b\":[2,1],\"a\":1}", 17, "{\"b\":[1,2],\"a\":1}", 17));
	CHECK(value_json_equal("[1.0]", 5, "[1]", 3));
	CHECK(!value_json_equal("{\"a\":1}", 7, "{\"a\":1,\"b\":2}", 13));
	CHECK(!value_json_equal("{\"a\":\"x\"}", 9, "{\"a\":\"X\"}", 9));
	CHECK(!value_json_equal("[1", 2, "[1", 2)); /* not JSON: never equal */
	CHECK(!value_json_equal("null", 4, "false", 5));
	/* numbers by exact value, duplicate keys both ways, escaped NULs as written */
	CHECK(!value_json_equal("[12345678901234567890]", 22, "[12345678901234567891]", 22));
	CHECK(value_json_equal("[1e2, -0, 0.10]", 15, "[100, 0, 0.1]", 13));
	CHECK(value_json_equal("[0.1]", 5, "[0.10000000000000001]", 21)); /* one double */
	CHECK(!value_json_equal("[0.1]", 5, "[0.2]", 5));
	CHECK(!value_json_equal("{\"a\":1,\"a\":1}", 13, "{\"a\":1,\"b\":2}", 13));
	CHECK(!value_json_equal("[\"a\\u0000b\"]", 12, "[\"a\\u0000c\"]", 12));
	CHECK(value_json_equal("[\"a\\u0000b\"]", 12, "[\"a\\u0000b\"]", 12));
	/* integers read by length: a value's text need not end in NUL */
	int64_t n;
	DbValue twelve = {"123", 2}, negative = {"-7", 2}, none = {NULL, 0}, bad = {"1x", 2};
	CHECK(value_int64(&twelve, &n) && n == 12);
	CHECK(value_int64(&negative, &n) && n == -7);
	CHECK(value_int64(&none, &n) && n == 0);
	CHECK(!value_int64(&bad, &n));
	/* the file's token of each kind (what value_write_json writes) */
	StrBuf scratch = STRBUF_INIT;
	JsonToken token;
	DbValue pg_true = {"t", 1}, stamp = {"2024-03-01 10:00:00+01", 22}, uuid36 = {"0F0E0D0C-0B0A-0908-0706-050403020100", 36};
	CHECK(value_json_token(COL_BOOL, &pg_true, &scratch, &token, &why) && token.type == JSON_BOOL &&
	      !strcmp(token.text, "true"));
	CHECK(value_json_token(COL_DATETIME, &stamp, &scratch, &token, &why) && token.type == JSON_STRING);
	CHECK_STR(scratch.data, "2024-03-01 09:00:00");
	CHECK(value_json_token(COL_UUID, &uuid36, &scratch, &token, &why) && token.len == 32);
	CHECK(value_json_token(COL_INT, &none, &scratch, &token, &why) && token.type == JSON_NULL);
	CHECK(!value_json_token(COL_INT, &bad, &scratch, &token, &why) && why);
	sb_free(&scratch);
}
