/*
 * Canonical text of column values, the same whatever engine they come from:
 * datetimes "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, booleans, integers,
 * uuids as 32 hex digits, durations as integer microseconds.
 */
#ifndef PODMIGRATE_VALUES_H
#define PODMIGRATE_VALUES_H

#include "db.h"
#include "json_writer.h"
#include "strbuf.h"

/*
 * Writes one value as JSON. On bad data returns false with the reason in
 * *why (a static string), leaving the writer untouched.
 */
bool value_write_json(JsonWriter *w, ColumnKind kind, const DbValue *value, const char **why);

/* Normalizers, exposed for the tests. Each appends to out or returns false. */
bool value_normalize_datetime(const char *s, size_t len, StrBuf *out);
bool value_normalize_time(const char *s, size_t len, StrBuf *out);
bool value_normalize_date(const char *s, size_t len, StrBuf *out);
bool value_normalize_uuid(const char *s, size_t len, StrBuf *out);
bool value_normalize_integer(const char *s, size_t len);
int value_parse_bool(const char *s, size_t len); /* 1, 0, or -1 when not a boolean */

#endif
