/*
 * Streaming reader of an export file, `{ "table": [ {row}, ... ], ... }`, in
 * constant memory whatever the file size: only the current row is held, in
 * buffers reused from row to row. Reads ours (compact) and upstream's
 * (Python's json.dump, indent=4, \uXXXX escapes) alike.
 *
 * The file is checked strictly as it goes: invalid UTF-8 (overlong forms and
 * encoded surrogates included), NUL bytes, lone surrogate escapes such as
 * "\ud800", control characters in strings, duplicate tables, duplicate keys
 * in a row and anything after the top-level object are errors. A truncated
 * file is always an error: success means the closing brace was read.
 */
#ifndef PODMIGRATE_JSON_READER_H
#define PODMIGRATE_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Larger rows (keys, values and their bookkeeping) are refused. */
#define JSON_READER_MAX_ROW_BYTES ((size_t)64 << 20)
/* Nesting allowed inside one column's value (a jsonb column, say). */
#define JSON_READER_MAX_NESTING 1000
/* Names are kept to find duplicates: this bounds that memory. */
#define JSON_READER_MAX_TABLES 65536

typedef enum {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_RAW,
} JsonValueType;

/*
 * One column of a row. text is NULL for JSON_NULL; otherwise text[len] is a
 * NUL (text may hold NULs before it, from \u0000):
 *   JSON_BOOL    "true" or "false"
 *   JSON_NUMBER  the number exactly as written (big integers, decimals)
 *   JSON_STRING  the unescaped UTF-8 text
 *   JSON_RAW     a nested object or array as compact JSON text (upstream's
 *                PostgreSQL export writes jsonb columns this way)
 * Keys are unescaped UTF-8 too, NUL-terminated the same way.
 */
typedef struct JsonField {
	const char *key;
	size_t key_len;
	JsonValueType type;
	const char *text;
	size_t len;
} JsonField;

/*
 * Any callback may be NULL. Each returns false to stop the read, after
 * logging why. fields are in file order and valid only during the call;
 * rows are numbered from 1 within their table.
 */
typedef struct JsonTableHandler {
	bool (*table_begin)(void *ctx, const char *table);
	bool (*row)(void *ctx, const JsonField *fields, size_t count);
	bool (*table_end)(void *ctx, const char *table, uint64_t rows);
	/*
	 * Asked before table_begin: true leaves the table's rows unparsed and
	 * row uncalled. Only its brackets are counted (strings are still checked
	 * for UTF-8, NUL and control characters), so a syntax error inside goes
	 * unnoticed; table_end gets the number of objects it holds.
	 */
	bool (*skip_table)(void *ctx, const char *table);
} JsonTableHandler;

/* Lines and columns from 1, columns in bytes; byte is the offset from 0. */
typedef struct JsonPosition {
	uint64_t line;
	uint64_t column;
	uint64_t byte;
} JsonPosition;

/* Settings of one read (tests vary them); a zero field, or a NULL pointer, takes the default. */
typedef struct JsonReaderOptions {
	size_t chunk_size;    /* bytes read and parsed at a time; default 64 KiB */
	size_t max_row_bytes; /* default JSON_READER_MAX_ROW_BYTES */
} JsonReaderOptions;

/*
 * Reads the whole stream. Returns false on bad input (logged as
 * "FILE: line L, column C (byte B): what"), on a read error or when a
 * callback returned false; then *error_pos, if not NULL, gets where the
 * reading stopped. The stream's position (ftell) tells how far the read
 * has gone, for a progress display.
 */
bool json_read_tables(FILE *in, const char *filename, const JsonTableHandler *handler, void *ctx,
                      const JsonReaderOptions *options, JsonPosition *error_pos);

#endif
