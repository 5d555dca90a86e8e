/*
 * Rows of a table as JSON objects, values in their canonical form: the
 * export's rows and the import's reject file. Keys are rendered once.
 */
#ifndef PODMIGRATE_ROW_WRITER_H
#define PODMIGRATE_ROW_WRITER_H

#include "db.h"
#include "json_writer.h"

#include <stdint.h>

/* Set up by row_writer_init (every member), released by row_writer_free. */
typedef struct RowWriter {
	const char *table;        /* borrowed, like columns, for the writer's life */
	const DbColumns *columns;
	StrBuf *keys;    /* each column's key, rendered for the writer */
	size_t pk_index; /* SIZE_MAX when the table has no single-column key */
	StrBuf scratch;  /* a value's canonical text, reused from value to value */
} RowWriter;

/* Fails (logged) when a column name is not valid UTF-8; free it all the same. */
bool row_writer_init(RowWriter *rw, const JsonWriter *w, const char *table, const DbColumns *columns);
/*
 * Writes one row; on a value that has no JSON form (invalid UTF-8, a bad
 * datetime...) logs table, row number, key, column and value, and fails.
 */
bool row_writer_write(RowWriter *rw, JsonWriter *w, const DbValue *values, size_t ncols,
                      uint64_t row_number);
/* "id=12" (or "row 12" without a key) for messages. */
void row_writer_describe(const RowWriter *rw, const DbValue *values, uint64_t row_number, StrBuf *out);
void row_writer_free(RowWriter *rw);

#endif
