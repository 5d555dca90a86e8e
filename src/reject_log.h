/*
 * The reject file: JSON Lines {"table": ..., "row": {...}, "reason": ...},
 * one per row left out of the import. Written whole or not at all (see
 * atomic_file.h), and only when rows are left out: a dry run counts them and
 * writes nothing, unless the user named the file.
 */
#ifndef PODMIGRATE_REJECT_LOG_H
#define PODMIGRATE_REJECT_LOG_H

#include "atomic_file.h"
#include "db.h"
#include "json_reader.h"
#include "json_writer.h"

#include <stdint.h>

typedef struct RejectLog {
	char *path;
	bool write;      /* false: rows are only counted (dry run) */
	bool open;       /* file and writer set up, at the first reject */
	AtomicFile file;
	JsonWriter writer;
	uint64_t count;
} RejectLog;

/* The default reject file of an input: "DIR/NAME.rejects.jsonl", or ./podmigrate.rejects.jsonl for stdin. */
char *reject_log_default_path(const char *input_path);
/* Sets every member; path is copied. */
void reject_log_init(RejectLog *log, const char *path, bool write);
bool reject_log_add(RejectLog *log, const char *table, const DbColumns *columns, const DbValue *values,
                    const char *reason);
/*
 * Puts the file in place if anything was rejected. Otherwise, in a real run,
 * removes a reject file an earlier run left at the path (only if it is one).
 */
bool reject_log_finish(RejectLog *log);
void reject_log_free(RejectLog *log);

/* One record of a reject file: its row's columns as the JSON reader gives them (nested values as JSON_RAW, no text). */
typedef bool (*RejectRecordFn)(void *ctx, const char *table, const JsonField *fields, size_t count,
                               const char *reason, uint64_t line);
/* Reads a reject file record by record; false (logged, naming the line) when it is not one, or fn fails. */
bool reject_log_read(const char *path, RejectRecordFn fn, void *ctx);

#endif
