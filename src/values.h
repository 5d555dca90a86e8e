/*
 * Canonical text of column values, the same whatever engine they come from:
 * datetimes "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, booleans, integers,
 * uuids as 32 hex digits, durations as integer microseconds.
 */
#ifndef PODMIGRATE_VALUES_H
#define PODMIGRATE_VALUES_H

#include "db.h"
#include "json_reader.h"
#include "json_writer.h"
#include "strbuf.h"

/* A value as the JSON file holds it: its type and its text, unescaped for strings (as in JsonField). */
typedef struct JsonToken {
	JsonValueType type;
	const char *text; /* NULL for JSON_NULL */
	size_t len;
} JsonToken;

/*
 * The token a value of kind is written as in the file: the text points into
 * value or into scratch (the caller's, reused), valid until either changes.
 * On bad data returns false with the reason in *why (a static string).
 * Strings are not checked for UTF-8 here (the writer does).
 */
bool value_json_token(ColumnKind kind, const DbValue *value, StrBuf *scratch, JsonToken *token, const char **why);

/*
 * Writes one value as JSON (scratch: the caller's buffer, reused). On bad
 * data returns false with the reason in *why (a static string), leaving the
 * writer untouched.
 */
bool value_write_json(JsonWriter *w, ColumnKind kind, const DbValue *value, StrBuf *scratch, const char **why);

/*
 * Converts a value of the JSON file to the canonical text of the target
 * column's kind (booleans "1"/"0", UTC datetimes, 32-hex uuids, integer
 * microseconds...), accepting what our files and upstream's hold: booleans
 * as true/false or 0/1, datetimes with or without microseconds or offset,
 * dashed or plain uuids, JSON columns as text or nested JSON. Sets *is_null
 * for SQL NULL. On a value that does not fit, returns false with *why.
 */
bool value_from_json(const DbColumn *column, JsonValueType type, const char *text, size_t len,
                     StrBuf *out, bool *is_null, const char **why);

/*
 * Whether two JSON texts hold the same value: objects compared as sets of
 * keys (PostgreSQL's jsonb reorders them), arrays in order, numbers as
 * Python reads them for Django (integers exactly whatever their size, others
 * as doubles: 1 = 1.0). A text holding an escaped NUL is equal only to the
 * same text. False as well when either does not parse.
 */
bool value_json_equal(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The integer a value holds (*out, or 0 for NULL); false when it is not a
 * whole number. Reads len bytes only: a value's text need not end in NUL.
 */
bool value_int64(const DbValue *value, int64_t *out);

/* Normalizers, exposed for the tests. Each appends to out or returns false. */
bool value_normalize_datetime(const char *s, size_t len, StrBuf *out);
bool value_normalize_time(const char *s, size_t len, StrBuf *out);
bool value_normalize_date(const char *s, size_t len, StrBuf *out);
bool value_normalize_uuid(const char *s, size_t len, StrBuf *out);
bool value_normalize_integer(const char *s, size_t len);
int value_parse_bool(const char *s, size_t len); /* 1, 0, or -1 when not a boolean */

#endif
