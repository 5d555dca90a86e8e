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

#include "strbuf.h"

#define JSON_MAX_DEPTH 32
#define JSON_WRITER_BUFFER (128 * 1024)

/*
 * Set up with json_writer_init, which sets every member (a writer may live on
 * the heap); json_writer_free releases its buffer, not the FILE.
 */
typedef struct JsonWriter {
	FILE *out;
	char *buf;   /* JSON_WRITER_BUFFER bytes, owned */
	size_t used; /* bytes of buf not yet handed to out: one stdio call per buffer, not per byte */
	bool ascii_only;
	int indent; /* 0: compact, but the first two levels get one item per line; -1: one line */
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no item written yet at this depth */
	bool after_key;
	int error; /* errno of the first failed write to out, 0 if none */
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *out, bool ascii_only, int indent);
/* Frees the buffer (flush first: what is still buffered is dropped). */
void json_writer_free(JsonWriter *w);

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
/* Ends the document with a newline and flushes. */
void json_finish(JsonWriter *w);
/* Hands the buffered bytes to the FILE (the caller still checks ferror/fflush). */
void json_writer_flush(JsonWriter *w);
/* False, logged, once a write failed (a full disk): streams stop at once, not at the end. */
bool json_writer_ok(const JsonWriter *w);
/*
 * Whether the output said ECANCELED: its reader stopped and logged why, so
 * the writer stops without a message of its own (json_writer_ok is false).
 */
bool json_writer_cancelled(const JsonWriter *w);

/* A key rendered once ("name": with the writer's spacing) for json_key_prepared. */
bool json_prepare_key(const JsonWriter *w, const char *key, size_t len, StrBuf *out);
void json_key_prepared(JsonWriter *w, const char *rendered, size_t len);

#endif
