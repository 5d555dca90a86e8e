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

/* Normalizers, exposed for the tests. Each appends to out or returns false. */
bool value_normalize_datetime(const char *s, size_t len, StrBuf *out);
bool value_normalize_time(const char *s, size_t len, StrBuf *out);
bool value_normalize_date(const char *s, size_t len, StrBuf *out);
bool value_normalize_uuid(const char *s, size_t len, StrBuf *out);
bool value_normalize_integer(const char *s, size_t len);
int value_parse_bool(const char *s, size_t len); /* 1, 0, or -1 when not a boolean */

#endif
