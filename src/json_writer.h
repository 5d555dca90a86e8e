/*
 * Streaming JSON writer. Strings are checked to be valid UTF-8 and, unless
 * raw UTF-8 is asked for, written ASCII-only with \uXXXX escapes (surrogate
 * pairs above U+FFFF) like Python's json.dump, so any reader on any locale
 * gets the same text.
 */
#ifndef PODMIGRATE_JSON_WRITER_H
#define PODMIGRATE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct JsonWriter {
	FILE *out;
	bool ascii_only;
	int indent; /* 0: compact, but the first two levels get one item per line */
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no item written yet at this depth */
	bool after_key;
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *out, bool ascii_only, int indent);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);
/* Keys and strings fail (writing nothing) when the text is not valid UTF-8. */
bool json_key(JsonWriter *w, const char *key, size_t len);
bool json_string(JsonWriter *w, const char *s, size_t len);
/* Writes already-valid JSON number text as is. */
void json_number(JsonWriter *w, const char *digits, size_t len);
void json_bool(JsonWriter *w, bool value);
void json_null(JsonWriter *w);
/* Ends the document with a newline. */
void json_finish(JsonWriter *w);

#endif
